using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.WebEncoders;
using ServiceDesk.Bot.Resources;
using ServiceDesk.Core;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>
/// The console speaks the agent's language: the one chosen with the console's switch (the standard culture
/// cookie), else the browser's <c>Accept-Language</c>, else <c>Desk:DefaultLanguage</c>. Only the console's pages
/// run in that culture: the API, the channels' webhooks and the bot keep theirs (the bot and notifications
/// follow the contact's language).
/// </summary>
public static class ConsoleLocalization
{
    public static readonly IReadOnlyList<string> Languages = ["es", "en"];

    public static IServiceCollection AddConsoleLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        // Spanish letters as they are ("sesión", not "sesi&#xF3;n"); markup characters are still encoded.
        services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.AddOptions<RequestLocalizationOptions>().Configure<IOptions<DeskOptions>>((options, desk) =>
        {
            CultureInfo[] cultures = [.. Languages.Select(CultureInfo.GetCultureInfo)];
            options.DefaultRequestCulture = new RequestCulture(desk.Value.DefaultLanguage);
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            options.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        });
        return services;
    }

    /// <summary>Sets the request culture for Razor pages only (routing has chosen the endpoint by now).</summary>
    public static WebApplication UseConsoleLocalization(this WebApplication app)
    {
        app.UseWhen(context => context.GetEndpoint()?.Metadata.GetMetadata<PageActionDescriptor>() is not null, console => console.UseRequestLocalization());
        return app;
    }

    /// <summary>The cookie that keeps an agent's choice, in the standard format <see cref="CookieRequestCultureProvider"/> reads.</summary>
    public static void RememberLanguage(HttpResponse response, string language) =>
        response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = response.HttpContext.Request.IsHttps });

    /// <summary>An enum value as agents read it (<c>TicketStatus_Pending</c> → "Pendiente"); form values keep the C# name.</summary>
    public static string Label<TEnum>(this IStringLocalizer<ConsoleTexts> texts, TEnum value)
        where TEnum : struct, Enum
    {
        var text = texts[$"{typeof(TEnum).Name}_{value}"];
        return text.ResourceNotFound ? value.ToString() : text.Value;
    }

    /// <summary>A language code (<c>es</c>, <c>en</c>) by its name in the agent's language.</summary>
    public static string LanguageName(this IStringLocalizer<ConsoleTexts> texts, string language)
    {
        var text = texts["Language_" + language];
        return text.ResourceNotFound ? language : text.Value;
    }

    /// <summary>A broken rule in the agent's language where its code says it all; otherwise the rule's own (English) message with its details.</summary>
    public static string Rule(this IStringLocalizer<ConsoleTexts> texts, DomainRuleException rule)
    {
        var text = texts["Rule_" + rule.Code];
        return text.ResourceNotFound ? rule.Message : text.Value;
    }
}
