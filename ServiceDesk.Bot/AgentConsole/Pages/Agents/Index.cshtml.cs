using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Bot.Agents;

namespace ServiceDesk.Bot.AgentConsole.Pages.Agents;

public sealed record AgentRow(string Id, string Name, string? Email, IReadOnlyList<string> Roles, DateTimeOffset? LockedUntil, bool Disabled, bool IsMe);

/// <summary>
/// Admins add agent accounts (people who sign in with Entra ID are matched to these by e-mail), disable them
/// (someone who left: the account and its history stay), unlock them and remove them. An admin cannot disable or
/// remove their own account, so the desk is never left without one.
/// </summary>
public sealed class AgentsModel(UserManager<AgentUser> users, ConsoleConnections connections, TimeProvider time) : ConsolePage
{
    /// <summary>Disabled is a lock-out without end: Identity then refuses password and Entra sign-ins alike.</summary>
    private static readonly DateTimeOffset Forever = DateTimeOffset.MaxValue;

    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var rows = new List<AgentRow>();
        foreach (var user in await users.Users.OrderBy(u => u.DisplayName).Take(500).ToListAsync(cancellationToken))
        {
            var disabled = user.LockoutEnd == Forever;
            var locked = !disabled && user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : (DateTimeOffset?)null;
            rows.Add(new AgentRow(user.Id, user.DisplayName, user.Email, [.. await users.GetRolesAsync(user)], locked, disabled, user.Id == User.ToAgent().Id));
        }

        Agents = rows;
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? displayName, [FromForm] string? email, [FromForm] string? password, [FromForm] bool admin)
    {
        if (string.IsNullOrWhiteSpace(displayName) || string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || displayName.Length > 200)
        {
            FlashError = Texts["Agents_Required"];
            return RedirectToPage();
        }

        var user = new AgentUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true, DisplayName = displayName.Trim() };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            FlashError = string.Join(" ", created.Errors.Select(e => e.Description));
            return RedirectToPage();
        }

        await users.AddToRolesAsync(user, admin ? AgentRoles.All : [AgentRoles.Agent]);
        Flash = Texts["Agents_Added", user.DisplayName];
        return RedirectToPage();
    }

    public Task<IActionResult> OnPostDisableAsync([FromForm] string? id) => ChangeAsync(id, async agent =>
    {
        // Lock-out applies only where it is enabled; a new security stamp ends the sessions the agent has open.
        await users.SetLockoutEnabledAsync(agent, true);
        var result = await users.SetLockoutEndDateAsync(agent, Forever);
        await users.UpdateSecurityStampAsync(agent);
        connections.Close(agent.Id);
        return (result, Texts["Agents_DisabledDone", agent.DisplayName]);
    });

    public Task<IActionResult> OnPostUnlockAsync([FromForm] string? id) => ChangeAsync(id, async agent =>
    {
        var result = await users.SetLockoutEndDateAsync(agent, null);
        await users.ResetAccessFailedCountAsync(agent);
        return (result, Texts["Agents_Unlocked", agent.DisplayName]);
    }, allowSelf: true);

    public Task<IActionResult> OnPostRemoveAsync([FromForm] string? id) => ChangeAsync(id, async agent =>
    {
        var result = await users.DeleteAsync(agent);
        connections.Close(agent.Id);
        return (result, Texts["Agents_Removed", agent.DisplayName]);
    });

    private async Task<IActionResult> ChangeAsync(string? id, Func<AgentUser, Task<(IdentityResult Result, string Done)>> change, bool allowSelf = false)
    {
        var agent = string.IsNullOrEmpty(id) ? null : await users.FindByIdAsync(id);
        if (agent is null)
        {
            FlashError = Texts["Agents_Gone"];
        }
        else if (!allowSelf && agent.Id == User.ToAgent().Id)
        {
            FlashError = Texts["Agents_NotSelf"];
        }
        else
        {
            var (result, done) = await change(agent);
            if (result.Succeeded)
            {
                Flash = done;
            }
            else
            {
                FlashError = string.Join(" ", result.Errors.Select(e => e.Description));
            }
        }

        return RedirectToPage();
    }
}
