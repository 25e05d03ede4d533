using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ServiceDesk.Bot.AgentConsole.Pages.Account;

/// <summary>The console's language switch: remembers the agent's choice in the culture cookie and goes back to the page.</summary>
public sealed class LanguageModel : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public IActionResult OnPost([FromForm] string? language, [FromForm] string? returnUrl)
    {
        if (language is null || !ConsoleLocalization.Languages.Contains(language))
        {
            return BadRequest();
        }

        ConsoleLocalization.RememberLanguage(Response, language);
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }
}
