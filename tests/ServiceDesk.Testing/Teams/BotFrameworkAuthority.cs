using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDesk.Testing.Teams;

/// <summary>A signing key the authority can publish (or keep back, to play a rotation).</summary>
public sealed class SigningKey
{
    internal SigningKey(string kid, IReadOnlyList<string>? endorsements)
    {
        Kid = kid;
        Endorsements = endorsements;
        Key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid };
    }

    public string Kid { get; }

    /// <summary>Channels the key may sign for (Bot Framework keys); null for Entra keys, which carry none.</summary>
    public IReadOnlyList<string>? Endorsements { get; }

    public RsaSecurityKey Key { get; }
}

/// <summary>
/// The identity side of the Bot Framework cloud on loopback: Bot Framework's OpenID metadata and keys
/// (with endorsements, as login.botframework.com publishes them), a tenant's Entra metadata and keys, and
/// the client-credentials token endpoint. Tests mint the JWTs the channel would send with its keys.
/// </summary>
public sealed class BotFrameworkAuthority : LoopbackServer
{
    public const string AppId = "6c1b3f2a-0d3e-4a4b-9b7e-5f3c2a1d0e9f";
    public const string AppPassword = "test-app-password";
    public const string TenantId = "3f0e8d2c-7b6a-4c1d-9e8f-0a1b2c3d4e5f";
    public const string BotFrameworkIssuer = "https://api.botframework.com";

    /// <summary>The scope the token endpoint grants Connector tokens for (a sovereign cloud's in sovereign-cloud tests).</summary>
    public string ConnectorScope { get; set; } = "https://api.botframework.com/.default";

    public static readonly string[] DefaultEndorsements = ["msteams", "webchat", "directline", "emulator"];

    private readonly Lock _lock = new();
    private readonly List<SigningKey> _botFrameworkKeys = [];
    private readonly List<SigningKey> _entraKeys = [];
    private int _keySetRequests;
    private int _tokenRequests;
    private int _refusedTokenRequests;

    private BotFrameworkAuthority()
    {
        SigningKey = new SigningKey("bf-key-1", DefaultEndorsements);
        EntraKey = new SigningKey("entra-key-1", null);
        _botFrameworkKeys.Add(SigningKey);
        _entraKeys.Add(EntraKey);
    }

    /// <summary>The published Bot Framework key, endorsed for the usual channels.</summary>
    public SigningKey SigningKey { get; }

    /// <summary>The published key of the tenant's Entra ID.</summary>
    public SigningKey EntraKey { get; }

    public string OpenIdMetadataUrl => new Uri(BaseAddress, "v1/.well-known/openidconfiguration").ToString();

    public string EntraOpenIdMetadataUrl => new Uri(BaseAddress, $"{TenantId}/v2.0/.well-known/openid-configuration").ToString();

    public string TokenEndpoint => new Uri(BaseAddress, $"{TenantId}/oauth2/v2.0/token").ToString();

    /// <summary>The Azure instance metadata endpoint's token route, for managed-identity bots.</summary>
    public string ManagedIdentityEndpoint => new Uri(BaseAddress, "metadata/identity/oauth2/token").ToString();

    /// <summary>How often the Bot Framework key set was fetched (a refresh shows as one more).</summary>
    public int KeySetRequests => Volatile.Read(ref _keySetRequests);

    /// <summary>How often the desk was given a Connector token.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>While set, the client-credentials token endpoint answers every request with this status (an outage).</summary>
    public int? TokenEndpointFailure { get; set; }

    /// <summary>How often the token endpoint answered with <see cref="TokenEndpointFailure"/>.</summary>
    public int RefusedTokenRequests => Volatile.Read(ref _refusedTokenRequests);

    /// <summary>The access tokens handed out, in order (the Connector stub sees them in Authorization headers).</summary>
    public string TokenFor(int request) => $"connector-token-{request}";

    public static async Task<BotFrameworkAuthority> StartAsync()
    {
        var authority = new BotFrameworkAuthority();
        await authority.ListenAsync();
        return authority;
    }

    /// <summary>The host settings that point a desk at this authority, as a single-tenant bot.</summary>
    public IReadOnlyDictionary<string, string?> Settings(string appType = "SingleTenant") => new Dictionary<string, string?>
    {
        ["Channels:Teams:MicrosoftAppId"] = AppId,
        ["Channels:Teams:MicrosoftAppPassword"] = AppPassword,
        ["Channels:Teams:MicrosoftAppTenantId"] = TenantId,
        ["Channels:Teams:MicrosoftAppType"] = appType,
        ["Channels:Teams:OpenIdMetadataUrl"] = OpenIdMetadataUrl,
        ["Channels:Teams:EntraOpenIdMetadataUrl"] = EntraOpenIdMetadataUrl,
        ["Channels:Teams:TokenEndpoint"] = TokenEndpoint,
    };

    /// <summary>A new Bot Framework key; published at once or kept back until <see cref="Publish"/>.</summary>
    public SigningKey CreateKey(string kid, IReadOnlyList<string>? endorsements = null, bool publish = false)
    {
        var key = new SigningKey(kid, endorsements ?? DefaultEndorsements);
        if (publish)
        {
            Publish(key);
        }

        return key;
    }

    public void Publish(SigningKey key)
    {
        lock (_lock)
        {
            _botFrameworkKeys.Add(key);
        }
    }

    /// <summary>The token Azure Bot Service puts on an activity; each part can be made wrong for a test.</summary>
    public string MintChannelToken(
        string serviceUrl,
        string? audience = AppId,
        string issuer = BotFrameworkIssuer,
        DateTimeOffset? expires = null,
        SigningKey? key = null,
        bool includeServiceUrl = true)
    {
        var now = DateTimeOffset.UtcNow;
        var expiry = expires ?? now.AddMinutes(30);
        var notBefore = expiry <= now ? expiry.AddMinutes(-30) : now.AddMinutes(-1);
        var claims = new Dictionary<string, object> { ["appid"] = AppId };
        if (includeServiceUrl)
        {
            claims["serviceurl"] = serviceUrl;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = notBefore.UtcDateTime,
            NotBefore = notBefore.UtcDateTime,
            Expires = expiry.UtcDateTime,
            SigningCredentials = new SigningCredentials((key ?? SigningKey).Key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>A token issued by the tenant's Entra ID (v1 issuer by default), signed with the tenant's key.</summary>
    public string MintEntraToken(string serviceUrl, string? issuer = null, string tenantId = TenantId) =>
        MintChannelToken(serviceUrl, issuer: issuer ?? $"https://sts.windows.net/{tenantId}/", key: EntraKey);

    protected override void Map(WebApplication app)
    {
        app.MapGet("/v1/.well-known/openidconfiguration", () => Results.Json(new JsonObject
        {
            ["issuer"] = BotFrameworkIssuer,
            ["authorization_endpoint"] = new Uri(BaseAddress, "v1/authorize").ToString(),
            ["jwks_uri"] = new Uri(BaseAddress, "v1/.well-known/keys").ToString(),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("private_key_jwt"),
        }));
        app.MapGet("/v1/.well-known/keys", () =>
        {
            Interlocked.Increment(ref _keySetRequests);
            lock (_lock)
            {
                return Results.Json(KeySet(_botFrameworkKeys));
            }
        });
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => Results.Json(new JsonObject
        {
            ["issuer"] = $"https://login.microsoftonline.com/{tenant}/v2.0",
            ["jwks_uri"] = new Uri(BaseAddress, $"{tenant}/discovery/v2.0/keys").ToString(),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        }));
        app.MapGet("/{tenant}/discovery/v2.0/keys", () =>
        {
            lock (_lock)
            {
                return Results.Json(KeySet(_entraKeys));
            }
        });
        app.MapPost("/{tenant}/oauth2/v2.0/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (TokenEndpointFailure is { } failure)
            {
                Interlocked.Increment(ref _refusedTokenRequests);
                return Results.Json(new JsonObject { ["error"] = "temporarily_unavailable" }, statusCode: failure);
            }

            if (form["grant_type"] != "client_credentials" || form["client_id"] != AppId || form["client_secret"] != AppPassword
                || form["scope"] != ConnectorScope)
            {
                return Results.Json(new JsonObject { ["error"] = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            var number = Interlocked.Increment(ref _tokenRequests);
            return Results.Json(new JsonObject
            {
                ["token_type"] = "Bearer",
                ["expires_in"] = 3599,
                ["ext_expires_in"] = 3599,
                ["access_token"] = TokenFor(number),
            });
        });
        app.MapGet("/metadata/identity/oauth2/token", (HttpRequest request) =>
        {
            if (request.Headers["Metadata"] != "true" || request.Query["resource"] != "https://api.botframework.com" || request.Query["client_id"] != AppId)
            {
                return Results.Json(new JsonObject { ["error"] = "invalid_request" }, statusCode: StatusCodes.Status400BadRequest);
            }

            return Results.Json(ManagedIdentityToken(Interlocked.Increment(ref _tokenRequests)));
        });
    }

    private static JsonObject ManagedIdentityToken(int number) => new()
    {
        ["access_token"] = $"connector-token-{number}",

        // The instance metadata endpoint sends its numbers as strings.
        ["expires_in"] = "3599",
        ["expires_on"] = DateTimeOffset.UtcNow.AddSeconds(3599).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["resource"] = "https://api.botframework.com",
        ["token_type"] = "Bearer",
    };

    private static JsonObject KeySet(IEnumerable<SigningKey> keys)
    {
        var array = new JsonArray();
        foreach (var key in keys)
        {
            var parameters = key.Key.Rsa.ExportParameters(includePrivateParameters: false);
            var jwk = new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = key.Kid,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            };
            if (key.Endorsements is not null)
            {
                jwk["endorsements"] = new JsonArray([.. key.Endorsements.Select(e => (JsonNode)e)]);
            }

            array.Add(jwk);
        }

        return new JsonObject { ["keys"] = array };
    }
}
