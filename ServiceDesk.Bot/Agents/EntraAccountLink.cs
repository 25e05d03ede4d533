using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Bot.Agents;

/// <summary>Why an Entra sign-in was not let in.</summary>
public enum EntraRefusal
{
    None,

    /// <summary>No tenant or object id in the token, or a tenant other than the configured one.</summary>
    WrongTenant,

    /// <summary>No agent is linked to the Entra account and none could be linked safely.</summary>
    NoAgent,

    /// <summary>The agent account is locked (failed sign-ins or disabled by an admin).</summary>
    LockedOut,
}

/// <summary>
/// Finds the agent account behind a Microsoft Entra ID sign-in, linking it on first use.
/// </summary>
/// <remarks>
/// The link key is the tenant's object id (<c>oid</c>): it is what identifies a person in the directory, while
/// <c>sub</c> differs per app registration and <c>preferred_username</c> is a display hint anyone with a guest or
/// renamed account can make look like a colleague's address. Linking by e-mail happens only when Entra vouches
/// for the address (<c>email_verified</c>, or <c>xms_edov</c>: the domain's owner is verified), and only to an
/// agent not yet linked to another Entra account. A token from another tenant is refused even though the
/// authority is the configured tenant's, because multi-tenant app registrations can still be handed one.
/// </remarks>
public sealed class EntraAccountLink(UserManager<AgentUser> users, IOptions<AgentsOptions> options)
{
    public const string TenantClaim = "tid";
    public const string ObjectIdClaim = "oid";

    public async Task<(AgentUser? Agent, EntraRefusal Refusal)> FindOrLinkAsync(ClaimsPrincipal principal)
    {
        var tenant = principal.FindFirstValue(TenantClaim);
        var objectId = principal.FindFirstValue(ObjectIdClaim);
        if (!Guid.TryParse(tenant, out var tenantId) || !Guid.TryParse(options.Value.Entra.TenantId, out var configured)
            || tenantId != configured || string.IsNullOrWhiteSpace(objectId))
        {
            return (null, EntraRefusal.WrongTenant);
        }

        var key = ProviderKey(tenantId, objectId);
        var agent = await users.FindByLoginAsync(AgentSignIn.EntraScheme, key);
        if (agent is null)
        {
            var email = VerifiedEmail(principal);
            agent = email is null ? null : await users.FindByEmailAsync(email);
            if (agent is null || (await users.GetLoginsAsync(agent)).Any(l => l.LoginProvider == AgentSignIn.EntraScheme)
                || !(await users.AddLoginAsync(agent, new UserLoginInfo(AgentSignIn.EntraScheme, key, "Microsoft Entra ID"))).Succeeded)
            {
                return (null, EntraRefusal.NoAgent);
            }
        }

        return await users.IsLockedOutAsync(agent) ? (null, EntraRefusal.LockedOut) : (agent, EntraRefusal.None);
    }

    /// <summary>Tenant and object id together: the object id is only unique within its tenant.</summary>
    public static string ProviderKey(Guid tenantId, string objectId) => $"{tenantId:D}/{objectId.Trim().ToLowerInvariant()}";

    private static string? VerifiedEmail(ClaimsPrincipal principal)
    {
        var email = principal.FindFirstValue("email");
        return !string.IsNullOrWhiteSpace(email) && (IsTrue(principal, "email_verified") || IsTrue(principal, "xms_edov")) ? email.Trim() : null;
    }

    private static bool IsTrue(ClaimsPrincipal principal, string type) =>
        principal.FindFirstValue(type) is { } value && (bool.TryParse(value, out var flag) ? flag : value == "1");
}
