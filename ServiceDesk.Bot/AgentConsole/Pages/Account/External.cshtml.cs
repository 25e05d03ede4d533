using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ServiceDesk.Bot.Agents;

namespace ServiceDesk.Bot.AgentConsole.Pages.Account;

/// <summary>
/// Back from Entra ID: signs in the agent linked to that Entra account, or links it on first use to the
/// agent account with the same e-mail. Entra users without an agent account are refused: being in the
/// tenant does not make someone an agent.
/// </summary>
public sealed class ExternalModel(SignInManager<AgentUser> signIn, UserManager<AgentUser> users) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        var target = Url.IsLocalUrl(returnUrl) ? returnUrl : "/";
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null)
        {
            return RedirectToPage("/Account/Login", new { error = "entra" });
        }

        var result = await signIn.ExternalLoginSignInAsync(info.LoginProvider, info.ProviderKey, isPersistent: false, bypassTwoFactor: true);
        if (result.Succeeded)
        {
            return LocalRedirect(target);
        }

        var email = info.Principal.FindFirstValue("email") ?? info.Principal.FindFirstValue("preferred_username") ?? info.Principal.FindFirstValue(ClaimTypes.Email);
        var user = email is null ? null : await users.FindByEmailAsync(email);
        if (user is null || result.IsLockedOut || (await users.AddLoginAsync(user, info)) is not { Succeeded: true })
        {
            return RedirectToPage("/Account/Login", new { error = "unknown" });
        }

        await signIn.SignInAsync(user, isPersistent: false, info.LoginProvider);
        return LocalRedirect(target);
    }
}
