using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Bot.Agents;

/// <summary><c>Agents:*</c>: agent accounts, sign-in and handoff rules.</summary>
public sealed class AgentsOptions : IValidatableObject
{
    public const string SectionName = "Agents";

    /// <summary>The first admin, created when no agent exists yet.</summary>
    public BootstrapAgent Bootstrap { get; set; } = new();

    /// <summary>Optional Microsoft Entra ID sign-in; off while <see cref="EntraOptions.ClientId"/> is empty.</summary>
    public EntraOptions Entra { get; set; } = new();

    /// <summary>A conversation held by an agent with no agent activity for this long goes back to the queue.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Agents:IdleHandBackAfter must be between 1 minute and 1 day.")]
    public TimeSpan IdleHandBackAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failed sign-ins in a row before the account is locked.</summary>
    [Range(1, 100, ErrorMessage = "Agents:LockoutMaxFailedAttempts must be between 1 and 100.")]
    public int LockoutMaxFailedAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Agents:LockoutFor must be between 1 second and 1 day.")]
    public TimeSpan LockoutFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a signed-in session is trusted before it is checked against the account again: a disabled,
    /// removed or re-passworded agent loses the console at the next check. Identity's own default is 30 minutes,
    /// too long to leave a disabled agent at work; each check costs one read of the agent's row.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Agents:SessionCheckInterval must be between 0 (every request) and 1 day.")]
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Bootstrap.Email) != string.IsNullOrWhiteSpace(Bootstrap.Password))
        {
            yield return new ValidationResult("Set both Agents:Bootstrap:Email and Agents:Bootstrap:Password, or neither.");
        }

        if (Entra.Enabled && (string.IsNullOrWhiteSpace(Entra.TenantId) || string.IsNullOrWhiteSpace(Entra.ClientSecret)))
        {
            yield return new ValidationResult("Agents:Entra:ClientId is set: set Agents:Entra:TenantId and Agents:Entra:ClientSecret too.");
        }
        else if (Entra.Enabled && !Guid.TryParse(Entra.TenantId, out _))
        {
            // Sign-ins are checked against the token's tid, which is always the GUID, never a domain name.
            yield return new ValidationResult("Agents:Entra:TenantId must be the directory (tenant) ID, a GUID.");
        }
    }
}

public sealed class BootstrapAgent
{
    public string? Email { get; set; }

    public string? Password { get; set; }
}

/// <summary>An app registration in Microsoft Entra ID (redirect URI <c>{console}/signin-oidc</c>).</summary>
public sealed class EntraOptions
{
    public string? TenantId { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The authority host; another cloud's for sovereign clouds.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    public bool Enabled => !string.IsNullOrWhiteSpace(ClientId);
}
