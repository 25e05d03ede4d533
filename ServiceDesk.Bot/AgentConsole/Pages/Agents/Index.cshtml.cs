using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Bot.Agents;

namespace ServiceDesk.Bot.AgentConsole.Pages.Agents;

public sealed record AgentRow(string Name, string? Email, IReadOnlyList<string> Roles, DateTimeOffset? LockedUntil);

/// <summary>Admins add agent accounts (people who sign in with Entra ID are matched to these by e-mail).</summary>
public sealed class AgentsModel(UserManager<AgentUser> users, TimeProvider time) : ConsolePage
{
    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var rows = new List<AgentRow>();
        foreach (var user in await users.Users.OrderBy(u => u.DisplayName).Take(500).ToListAsync(cancellationToken))
        {
            var locked = user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : (DateTimeOffset?)null;
            rows.Add(new AgentRow(user.DisplayName, user.Email, [.. await users.GetRolesAsync(user)], locked));
        }

        Agents = rows;
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? displayName, [FromForm] string? email, [FromForm] string? password, [FromForm] bool admin)
    {
        if (string.IsNullOrWhiteSpace(displayName) || string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || displayName.Length > 200)
        {
            FlashError = "Name, e-mail and password are required.";
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
        Flash = $"{user.DisplayName} can sign in now.";
        return RedirectToPage();
    }
}
