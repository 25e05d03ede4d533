using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Bot.Resources;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>What every console page shares: the signed-in agent, one-shot messages after a POST, time formatting.</summary>
public abstract class ConsolePage : PageModel
{
    /// <summary>Shown once on the next page (after a redirect).</summary>
    [TempData]
    public string? Flash { get; set; }

    [TempData]
    public string? FlashError { get; set; }

    public AgentRef Agent => User.ToAgent();

    public bool IsAdmin => User.IsInRole(AgentRoles.Admin);

    /// <summary>The console's texts in the agent's language (see <see cref="ConsoleLocalization"/>).</summary>
    protected IStringLocalizer<ConsoleTexts> Texts => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<ConsoleTexts>>();

    /// <summary>Runs a change; a broken rule becomes a message for the agent instead of an error page.</summary>
    protected async Task<IActionResult> ChangeAsync(Func<Task<string?>> change, Func<IActionResult> then)
    {
        try
        {
            Flash = await change();
        }
        catch (DomainRuleException e)
        {
            FlashError = Texts.Rule(e);
        }

        return then();
    }
}

/// <summary>Dates and durations as agents read them: in the desk's time zone, short, in the agent's culture.</summary>
public sealed class ConsoleClock(IOptions<SlaOptions> sla, TimeProvider time)
{
    private readonly TimeZoneInfo _zone = TimeZoneInfo.TryFindSystemTimeZoneById(sla.Value.BusinessHours.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public DateTimeOffset Now => time.GetUtcNow();

    public string Local(DateTimeOffset? at) =>
        at is { } value ? TimeZoneInfo.ConvertTime(value, _zone).ToString("g", CultureInfo.CurrentCulture) : "—";

    public string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan? span)
    {
        if (span is not { } value)
        {
            return "—";
        }

        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        return value.TotalDays >= 1 ? $"{(int)value.TotalDays} d {value.Hours} h"
            : value.TotalHours >= 1 ? $"{(int)value.TotalHours} h {value.Minutes} min"
            : value.TotalMinutes >= 1 ? $"{(int)value.TotalMinutes} min {value.Seconds} s"
            : $"{value.Seconds} s";
    }

    public static string Percent(double? share) => share is { } value ? (value * 100).ToString("0", CultureInfo.CurrentCulture) + "%" : "—";
}

/// <summary>SVG pieces Razor cannot write literally (<c>&lt;text&gt;</c> is a Razor keyword); content is always encoded.</summary>
public static class Svg
{
    public static Microsoft.AspNetCore.Html.IHtmlContent Text(double x, double y, string content) =>
        new Microsoft.AspNetCore.Html.HtmlString(string.Create(
            CultureInfo.InvariantCulture,
            $"<text x=\"{x:0.#}\" y=\"{y:0.#}\" class=\"tick\">{System.Text.Encodings.Web.HtmlEncoder.Default.Encode(content)}</text>"));
}
