using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Bot.Api;

/// <summary><c>Api:Keys:N</c>: keys accepted in the <c>X-Api-Key</c> header.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    public List<string> Keys { get; set; } = [];
}

/// <summary>Authenticates integrations by the <c>X-Api-Key</c> header.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiOptions> api,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var index = MatchingKey(values[0]!);
        if (index < 0)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        // Keys are not named; the index is enough to audit which integration acted without logging the secret.
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"api:{index}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = HeaderName;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 401, Title = "Authentication required", Detail = $"Send a valid API key in the {HeaderName} header." },
        });
    }

    private int MatchingKey(string presented)
    {
        // Compare hashes in constant time so the comparison leaks neither content nor length.
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var keys = api.CurrentValue.Keys;
        var found = -1;
        for (var i = 0; i < keys.Count; i++)
        {
            if (!string.IsNullOrEmpty(keys[i]) && CryptographicOperations.FixedTimeEquals(presentedHash, SHA256.HashData(Encoding.UTF8.GetBytes(keys[i]))))
            {
                found = i;
            }
        }

        return found;
    }
}
