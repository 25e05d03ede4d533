using System.Collections.Concurrent;
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

    /// <summary>More distinct valid tokens than Bot Framework and Entra hand out within an hour: beyond it, expired ones go.</summary>
    private const int MaxValidatedTokens = 1024;

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Tokens whose signature, issuer, audience and lifetime were checked, by their exact text. Azure Bot Service
    /// signs one token and sends it with every activity for up to an hour: parsing it and verifying its RSA
    /// signature again for each one was most of the channel's own cost. An entry holds only while the token is
    /// within its lifetime and the keys it was checked against are still the published ones (a refresh of the
    /// metadata drops it); the checks that depend on the activity (serviceurl claim, endorsement) run every time.
    /// </summary>
    private readonly ConcurrentDictionary<string, ValidatedToken> _validated = new(StringComparer.Ordinal);

    private readonly TeamsOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _botFramework;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _entra;
    private readonly TimeProvider _time;
    private readonly ILogger<BotAuthenticator> _logger;

    public BotAuthenticator(IOptions<TeamsOptions> options, IHttpClientFactory httpClients, TimeProvider time, ILogger<BotAuthenticator> logger)
    {
        _options = options.Value;
        _time = time;
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
        if (_validated.TryGetValue(token, out var known) && _time.GetUtcNow() < known.ValidUntil
            && ReferenceEquals(await CurrentConfigurationAsync(known.Keys, cancellationToken), known.Configuration))
        {
            return Check(known, channelId, serviceUrl);
        }

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

        var (result, configuration) = await ValidateAsync(token, keys, issuers, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The keys rotated since we fetched them (or the token is forged): fetch them again, once.
            // RequestRefresh is rate-limited by the manager, so forged key ids cannot make us hammer the endpoint.
            LogKeyRefresh(unvalidated.Kid);
            keys.RequestRefresh();
            (result, configuration) = await ValidateAsync(token, keys, issuers, cancellationToken);
        }

        if (!result.IsValid || configuration is null || result.SecurityToken is not JsonWebToken jwt)
        {
            return BotAuthenticationResult.Fail(result.Exception?.Message ?? "invalid token");
        }

        var validated = new ValidatedToken(
            keys,
            configuration,
            jwt.Kid,
            result.Claims.TryGetValue(ServiceUrlClaim, out var claim) ? claim as string : null,
            new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)) + ClockSkew);
        Remember(token, validated);
        return Check(validated, channelId, serviceUrl);
    }

    /// <summary>The checks that tie a valid token to this activity.</summary>
    private BotAuthenticationResult Check(ValidatedToken token, string? channelId, string? serviceUrl)
    {
        if (string.IsNullOrEmpty(token.ServiceUrl) || !string.Equals(token.ServiceUrl, serviceUrl, StringComparison.OrdinalIgnoreCase))
        {
            return BotAuthenticationResult.Fail($"the serviceurl claim '{token.ServiceUrl}' does not match the activity's serviceUrl '{serviceUrl}'");
        }

        // Bot Framework's keys say which channels they may speak for; Entra's keys carry no endorsements.
        if (ReferenceEquals(token.Keys, _botFramework) && (string.IsNullOrEmpty(channelId) || !IsEndorsed(token.Configuration, token.Kid, channelId)))
        {
            return BotAuthenticationResult.Fail($"the signing key {token.Kid} is not endorsed for channel '{channelId}'");
        }

        return BotAuthenticationResult.Success;
    }

    private void Remember(string token, ValidatedToken validated)
    {
        if (_validated.Count >= MaxValidatedTokens)
        {
            var now = _time.GetUtcNow();
            foreach (var (text, entry) in _validated)
            {
                if (entry.ValidUntil <= now)
                {
                    _validated.TryRemove(text, out _);
                }
            }

            if (_validated.Count >= MaxValidatedTokens)
            {
                _validated.Clear();
            }
        }

        _validated[token] = validated;
    }

    /// <summary>The keys as the manager has them now (null when the metadata cannot be had): a new object after every refresh.</summary>
    private async Task<OpenIdConnectConfiguration?> CurrentConfigurationAsync(ConfigurationManager<OpenIdConnectConfiguration> keys, CancellationToken cancellationToken)
    {
        try
        {
            return await keys.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private async Task<(TokenValidationResult Result, OpenIdConnectConfiguration? Configuration)> ValidateAsync(
        string token, ConfigurationManager<OpenIdConnectConfiguration> keys, string[] issuers, CancellationToken cancellationToken)
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
            return (new TokenValidationResult { IsValid = false, Exception = e }, null);
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
            ClockSkew = ClockSkew,

            // By the desk's clock, as the cache of validated tokens is: a token is good for exactly as long either way.
            LifetimeValidator = ValidLifetime,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512],
        };
        return (await Handler.ValidateTokenAsync(token, parameters), configuration);
    }

    /// <summary>
    /// The token's lifetime with <see cref="ClockSkew"/> either side, read on the desk's <see cref="TimeProvider"/>
    /// (Microsoft.IdentityModel's own check reads the system clock).
    /// </summary>
    private bool ValidLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is not { } end)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }

        if (end < now - ClockSkew)
        {
            throw new SecurityTokenExpiredException($"The token expired at {end:O}; it is {now:O}.") { Expires = end };
        }

        if (notBefore is { } start && start > now + ClockSkew)
        {
            throw new SecurityTokenNotYetValidException($"The token is not valid before {start:O}; it is {now:O}.") { NotBefore = start };
        }

        return true;
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

    /// <summary>A token that passed validation: against which keys, what it says, and until when it is good.</summary>
    private sealed record ValidatedToken(
        ConfigurationManager<OpenIdConnectConfiguration> Keys,
        OpenIdConnectConfiguration Configuration,
        string? Kid,
        string? ServiceUrl,
        DateTimeOffset ValidUntil);
}
