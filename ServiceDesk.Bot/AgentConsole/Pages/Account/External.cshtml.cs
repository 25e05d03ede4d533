using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ServiceDesk.Bot.Agents;

namespace ServiceDesk.Bot.AgentConsole.Pages.Account;

/// <summary>
/// Back from Entra ID: signs in the agent linked to that Entra account, or links it on first use (see
/// <see cref="EntraAccountLink"/>). Entra users without an agent account are refused: being in the
/// tenant does not make someone an agent.
/// </summary>
public sealed partial class ExternalModel(SignInManager<AgentUser> signIn, EntraAccountLink link, ILogger<ExternalModel> logger) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        var target = Url.IsLocalUrl(returnUrl) ? returnUrl : "/";
        var external = await HttpContext.AuthenticateAsync(IdentityConstants.ExternalScheme);
        await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        if (external.Principal is null)
        {
            return RedirectToPage("/Account/Login", new { error = "entra" });
        }

        var (agent, refusal) = await link.FindOrLinkAsync(external.Principal);
        if (agent is null)
        {
            LogRefused(refusal);
            return RedirectToPage("/Account/Login", new
            {
                error = refusal switch
                {
                    EntraRefusal.WrongTenant => "tenant",
                    EntraRefusal.LockedOut => "locked",
                    _ => "unknown",
                },
            });
        }

        await signIn.SignInAsync(agent, isPersistent: false, AgentSignIn.EntraScheme);
        return LocalRedirect(target);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Entra sign-in refused: {Refusal}")]
    private partial void LogRefused(EntraRefusal refusal);
}
