using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Bot.Api;

/// <summary><c>Api:Keys:N</c>: keys accepted in the <c>X-Api-Key</c> header.</summary>
public sealed class ApiOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string SectionName = "Api";

    /// <summary>Shorter keys are refused: a key is the whole of an integration's credentials.</summary>
    public const int MinimumKeyLength = 12;

    /// <summary>The keys; an empty entry is no key (deployment templates leave <c>Api__Keys__0</c> empty).</summary>
    public List<string> Keys { get; set; } = [];

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Keys.Count; i++)
        {
            var key = Keys[i];
            if (string.IsNullOrEmpty(key))
            {
                continue;
            }

            if (key.Trim() != key)
            {
                // A header value arrives trimmed, so such a key could never match.
                yield return new($"Api:Keys:{i} starts or ends with white space.");
            }
            else if (key.Length < MinimumKeyLength)
            {
                yield return new($"Api:Keys:{i} is shorter than {MinimumKeyLength} characters.");
            }

            if (!seen.Add(key))
            {
                yield return new($"Api:Keys:{i} repeats an earlier key; the audit trail names the caller by the key's position.");
            }
        }
    }
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
