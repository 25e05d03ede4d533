using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDesk.Channels.Teams;

/// <summary>The outcome of checking the bearer token of one activity.</summary>
/// <param name="Error">Why the request was refused (for the log, never for the caller).</param>
public sealed record BotAuthenticationResult(bool Succeeded, string? Error)
{
    public static readonly BotAuthenticationResult Success = new(true, null);

    public static BotAuthenticationResult Fail(string error) => new(false, error);
}

/// <summary>
/// Validates the JWT that Azure Bot Service (or, for single-tenant bots, the tenant's Entra ID) puts on
/// every activity it sends: signature against the published OpenID keys, issuer, audience = our app id,
/// lifetime with five minutes of skew, the <c>serviceurl</c> claim equal to the activity's serviceUrl,
/// and the signing key endorsed for the activity's channel. All cryptography is Microsoft.IdentityModel's.
/// </summary>
public sealed partial class BotAuthenticator
{
    private const string ServiceUrlClaim = "serviceurl";
    private const string EndorsementsField = "endorsements";

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private readonly TeamsOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _botFramework;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _entra;
    private readonly ILogger<BotAuthenticator> _logger;

    public BotAuthenticator(IOptions<TeamsOptions> options, IHttpClientFactory httpClients, ILogger<BotAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        _botFramework = Manager(_options.OpenIdMetadataUrl, httpClients);
        _entra = _options.TenantIssuers.Count > 0 ? Manager(_options.ResolvedEntraOpenIdMetadataUrl, httpClients) : null;
    }

    /// <summary>The named HTTP client the metadata is fetched with.</summary>
    public const string MetadataClient = "teams-openid";

    private static ConfigurationManager<OpenIdConnectConfiguration> Manager(string url, IHttpClientFactory httpClients) =>
        new(url, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever(httpClients.CreateClient(MetadataClient))
        {
            // Local metadata endpoints (tests, a sovereign cloud behind a proxy) may be plain HTTP; the default cloud URL is HTTPS.
            RequireHttps = url.StartsWith("https:", StringComparison.OrdinalIgnoreCase),
        });

    public async Task<BotAuthenticationResult> AuthenticateAsync(string? authorizationHeader, string? channelId, string? serviceUrl, CancellationToken cancellationToken)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return BotAuthenticationResult.Fail("no bearer token");
        }

        var token = authorizationHeader["Bearer ".Length..].Trim();
        JsonWebToken unvalidated;
        try
        {
            unvalidated = Handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return BotAuthenticationResult.Fail("the token is not a JWT");
        }

        // The unvalidated issuer only picks which keys to check the signature with; it is validated again below.
        var issuer = unvalidated.Issuer;
        ConfigurationManager<OpenIdConnectConfiguration> keys;
        string[] issuers;
        if (issuer == _options.BotFrameworkIssuer)
        {
            keys = _botFramework;
            issuers = [_options.BotFrameworkIssuer];
        }
        else if (_entra is not null && _options.TenantIssuers.Contains(issuer))
        {
            keys = _entra;
            issuers = [.. _options.TenantIssuers];
        }
        else
        {
            return BotAuthenticationResult.Fail($"issuer '{issuer}' is not trusted");
        }

        var result = await ValidateAsync(token, keys, issuers, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The keys rotated since we fetched them (or the token is forged): fetch them again, once.
            // RequestRefresh is rate-limited by the manager, so forged key ids cannot make us hammer the endpoint.
            LogKeyRefresh(unvalidated.Kid);
            keys.RequestRefresh();
            result = await ValidateAsync(token, keys, issuers, cancellationToken);
        }

        if (!result.IsValid)
        {
            return BotAuthenticationResult.Fail(result.Exception?.Message ?? "invalid token");
        }

        var claimedServiceUrl = result.Claims.TryGetValue(ServiceUrlClaim, out var claim) ? claim as string : null;
        if (string.IsNullOrEmpty(claimedServiceUrl) || !string.Equals(claimedServiceUrl, serviceUrl, StringComparison.OrdinalIgnoreCase))
        {
            return BotAuthenticationResult.Fail($"the serviceurl claim '{claimedServiceUrl}' does not match the activity's serviceUrl '{serviceUrl}'");
        }

        // Bot Framework's keys say which channels they may speak for; Entra's keys carry no endorsements.
        if (ReferenceEquals(keys, _botFramework))
        {
            var configuration = await keys.GetConfigurationAsync(cancellationToken);
            var kid = result.SecurityToken is JsonWebToken jwt ? jwt.Kid : null;
            if (string.IsNullOrEmpty(channelId) || !IsEndorsed(configuration, kid, channelId))
            {
                return BotAuthenticationResult.Fail($"the signing key {kid} is not endorsed for channel '{channelId}'");
            }
        }

        return BotAuthenticationResult.Success;
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, ConfigurationManager<OpenIdConnectConfiguration> keys, string[] issuers, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await keys.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            // The metadata endpoint is unreachable: nobody can be authenticated, which is a refusal, not a crash.
            LogMetadataUnavailable(e);
            return new TokenValidationResult { IsValid = false, Exception = e };
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = issuers,
            ValidAudience = _options.MicrosoftAppId,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(5),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512],
        };
        return await Handler.ValidateTokenAsync(token, parameters);
    }

    /// <summary>Whether the key lists the channel among its endorsements (checked on every activity: no set is built).</summary>
    private static bool IsEndorsed(OpenIdConnectConfiguration configuration, string? kid, string channelId)
    {
        var key = configuration.JsonWebKeySet?.Keys.FirstOrDefault(k => k.Kid == kid);
        if (key is null || !key.AdditionalData.TryGetValue(EndorsementsField, out var value) || value is not JsonElement { ValueKind: JsonValueKind.Array } array)
        {
            return false;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && string.Equals(item.GetString(), channelId, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Unknown signing key {Kid}: refreshing the OpenID metadata")]
    private partial void LogKeyRefresh(string kid);

    [LoggerMessage(Level = LogLevel.Error, Message = "The OpenID metadata could not be fetched; activities are refused until it can")]
    private partial void LogMetadataUnavailable(Exception exception);
}
