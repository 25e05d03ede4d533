using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Bot.Resources;

namespace ServiceDesk.Bot.AgentConsole.Pages.Account;

public sealed partial class LoginModel(SignInManager<AgentUser> signIn, IOptions<AgentsOptions> options, IStringLocalizer<ConsoleTexts> texts, ILogger<LoginModel> logger) : PageModel
{
    public string? ReturnUrl { get; private set; }

    public string? Email { get; private set; }

    public string? Error { get; private set; }

    public bool EntraEnabled => options.Value.Entra.Enabled;

    public void OnGet(string? returnUrl, string? error)
    {
        ReturnUrl = returnUrl;
        Error = error switch
        {
            "entra" => texts["Login_EntraFailed"].Value,
            "unknown" => texts["Login_NoAccount"].Value,
            "tenant" => texts["Login_WrongTenant"].Value,
            "locked" => texts["Login_Locked"].Value,
            _ => null,
        };
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? email, [FromForm] string? password, [FromForm] string? returnUrl)
    {
        ReturnUrl = returnUrl;
        Email = email;
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            Error = texts["Login_Missing"];
            return Page();
        }

        var result = await signIn.PasswordSignInAsync(email.Trim(), password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
        }

        if (result.IsLockedOut)
        {
            LogLockedOut(email.Trim());
            Error = texts["Login_LockedOut"];
        }
        else
        {
            // The same answer for an unknown e-mail and a wrong password: nothing to learn about which accounts exist.
            Error = texts["Login_Wrong"];
        }

        return Page();
    }

    /// <summary>Starts the Entra ID sign-in; the answer comes back to <c>/account/external</c>.</summary>
    public IActionResult OnPostEntra([FromForm] string? returnUrl)
    {
        if (!EntraEnabled)
        {
            return NotFound();
        }

        var redirect = Url.Page("/Account/External", new { returnUrl = Url.IsLocalUrl(returnUrl) ? returnUrl : "/" });
        var properties = signIn.ConfigureExternalAuthenticationProperties(AgentSignIn.EntraScheme, redirect);
        return Challenge(properties, AgentSignIn.EntraScheme);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent account {Email} locked after repeated failed sign-ins")]
    private partial void LogLockedOut(string email);
}
