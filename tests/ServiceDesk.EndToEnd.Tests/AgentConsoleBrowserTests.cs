using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace ServiceDesk.EndToEnd.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    // Hangfire keeps its storage in a static: one host at a time.
    public const string Name = "browser";
}

/// <summary>
/// An agent works a live SMS conversation in a real browser against the real host, over the real SMS channel:
/// the user's texts arrive as Twilio-signed webhooks and the desk's texts go out through its sender to a
/// stub of Twilio's Messages API.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AgentConsoleBrowserTests
{
    private const string UserPhone = "+447700900123";
    private const string DeskNumber = ConsoleHost.SmsDeskNumber;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>The browser's language, so the console's texts do not depend on the machine's (the host's default is English too).</summary>
    private const string English = "en-US";

    public AgentConsoleBrowserTests() => SetDefaultExpectTimeout((float)Deadline.TotalMilliseconds);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_agent_takes_over_a_waiting_sms_conversation_replies_sees_the_answer_live_and_hands_back(DatabaseProvider provider)
    {
        await using var twilio = await TwilioStub.StartAsync();
        await using var host = await ConsoleHost.StartAsync(provider, twilio);
        using var phone = new HttpClient { BaseAddress = host.BaseAddress };
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await CreateAgentAsync(host, "luis@desk.test", "Luis", "Luis-Pass-2026!");

        var admin = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), Locale = English })).NewPageAsync();
        admin.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        await SignInAsync(admin, ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Live conversations");
        await Expect(admin.Locator("body[data-connected=true]")).ToHaveCountAsync(1);

        // The user texts the desk and asks for a person; the bot answers in the webhook's TwiML and queues the
        // conversation; the agent's open board shows it without a reload.
        var first = await TextAsync(phone, "My laptop will not start");
        Assert.NotEmpty(first.Elements("Message"));
        var handoff = await TextAsync(phone, "agent");
        Assert.Contains("I have asked a person from", Assert.Single(handoff.Elements("Message")).Value);
        var conversationId = await host.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Conversations.Where(c => c.Channel == Channel.Sms).Select(c => c.Id).SingleAsync());
        Assert.Equal(ConversationMode.WaitingForAgent, await ModeAsync(host, conversationId));
        var card = admin.Locator($".waiting [data-conversation='{conversationId}']");
        await Expect(card).ToContainTextAsync(UserPhone, new() { Timeout = 10_000 }); // sooner than the 15 s catch-up refresh: pushed live
        await Expect(card.Locator(".wait")).ToContainTextAsync("waiting");
        await Expect(admin.Locator("#live-alert")).ToContainTextAsync("waiting for an agent");
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath($"1-queue-{provider}"), FullPage = true });
        Assert.Empty(twilio.Requests); // the bot's answers went in the TwiML, not through the API

        // A second agent has the conversation open in a tab without live updates (no script): a stale page.
        var luisContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), Locale = English, JavaScriptEnabled = false });
        var luis = await luisContext.NewPageAsync();
        luis.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        await SignInAsync(luis, "luis@desk.test", "Luis-Pass-2026!");
        await luis.GotoAsync($"/conversations/{conversationId}");

        // Take over: the user is told a person joined, texted through Twilio's API from the desk's number.
        await card.GetByRole(AriaRole.Button, new() { Name = "Take over" }).ClickAsync();
        await Expect(admin.Locator(".mode")).ToContainTextAsync("Held by Admin (you)");
        var joined = await SentTextAsync(twilio, 1);
        Assert.StartsWith("Admin from Service Desk has joined the conversation", joined["Body"]);

        // The slower agent is told, not given the conversation.
        await luis.GetByRole(AriaRole.Button, new() { Name = "Take over" }).ClickAsync();
        await Expect(luis.Locator(".flash.error")).ToContainTextAsync("Admin took this conversation over first.");
        await Expect(luis.Locator(".mode")).ToContainTextAsync("Held by Admin.");

        // The agent sees the whole exchange with the bot and writes: the reply goes out on SMS through the outbox.
        await Expect(admin.Locator(".transcript")).ToContainTextAsync("My laptop will not start");
        await admin.Locator("#reply-text").PressSequentiallyAsync("Hi there");
        await WaitUntilAsync(() => host.Typing.Sent.Count > 0);
        var (typingChannel, typingHandle) = host.Typing.Sent.First();
        Assert.Equal(Channel.Sms, typingChannel);
        Assert.Equal(DeskNumber, SmsReplyHandle.FromJson(typingHandle)?.DeskNumber); // the channel's reply handle, for its indicator
        Assert.Single(host.Typing.Sent); // one burst of keystrokes, one indicator
        await admin.Locator("#reply-text").FillAsync("Hi, does the power light come on?");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        Assert.Equal("Hi, does the power light come on?", (await SentTextAsync(twilio, 2))["Body"]);
        await Expect(admin.Locator(".transcript")).ToContainTextAsync("does the power light come on?");

        // The user answers (with markup that must stay text): the bot stays silent and the answer appears live.
        const string answer = "No light at all <script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">";
        var whileHeld = await TextAsync(phone, answer);
        Assert.Empty(whileHeld.Elements());
        Assert.Equal(ConversationMode.Agent, await ModeAsync(host, conversationId));
        await Expect(admin.Locator(".transcript .msg.in").Last).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("No light at all <script>window.__xss = 1</script><img src=x"), new() { Timeout = 10_000 });
        Assert.True(await admin.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.Equal(0, await admin.Locator(".transcript script, .transcript img").CountAsync());
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath($"2-handoff-{provider}"), FullPage = true });

        // Hand back: the bot says so on SMS and answers the next text again, in the webhook's TwiML.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Hand back to the bot" }).ClickAsync();
        await Expect(admin.Locator(".mode")).ToContainTextAsync("The bot is answering.");
        Assert.StartsWith("Admin has handed you back to the Service Desk assistant", (await SentTextAsync(twilio, 3))["Body"]);
        var afterwards = await TextAsync(phone, "Thanks, one more thing");
        Assert.NotEmpty(afterwards.Elements("Message"));
        Assert.Equal(ConversationMode.Bot, await ModeAsync(host, conversationId));
        Assert.Equal(3, twilio.Requests.Count); // nothing else was texted

        // The figures count the handoff.
        await admin.GotoAsync("/kpis?days=7");
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Service desk KPIs");
        await Expect(admin.Locator(".kpi", new() { HasText = "handoff rate" })).ToContainTextAsync("100%");
        await Expect(admin.Locator("svg rect.bar.sms")).ToHaveCountAsync(1);
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath($"3-kpis-{provider}"), FullPage = true });

        await admin.GotoAsync("/tickets?channel=Sms");
        await Expect(admin.Locator("table.queue tbody tr")).ToHaveCountAsync(1);
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath($"4-tickets-{provider}"), FullPage = true });
    }

    [Fact]
    public async Task A_message_stored_while_the_page_connects_shows_without_waiting_for_the_catch_up_refresh()
    {
        await using var twilio = await TwilioStub.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, twilio);
        using var phone = new HttpClient { BaseAddress = host.BaseAddress };
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var admin = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), Locale = English })).NewPageAsync();
        admin.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        await SignInAsync(admin, ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await TextAsync(phone, "My laptop will not start");
        await TextAsync(phone, "agent");
        var conversationId = await host.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Conversations.Where(c => c.Channel == Channel.Sms).Select(c => c.Id).SingleAsync());

        // The page is rendered, but its live connection is held back until the user's next text is stored: that
        // text's event goes to nobody (as when an agent's own post reloads the page while the user answers).
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await admin.RouteAsync("**/hubs/console/negotiate**", async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        await admin.GotoAsync($"/conversations/{conversationId}");
        await Expect(admin.Locator(".transcript")).ToContainTextAsync("My laptop will not start");
        await TextAsync(phone, "It beeps three times");
        release.SetResult();

        await Expect(admin.Locator("body[data-connected=true]")).ToHaveCountAsync(1);
        await Expect(admin.Locator(".transcript")).ToContainTextAsync("It beeps three times", new() { Timeout = 10_000 }); // before the 15 s catch-up
    }

    [Fact]
    public async Task An_agent_switches_the_console_to_spanish_and_the_live_updates_speak_spanish_too()
    {
        await using var twilio = await TwilioStub.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, twilio);
        using var phone = new HttpClient { BaseAddress = host.BaseAddress };
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var admin = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), Locale = English })).NewPageAsync();
        admin.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        await SignInAsync(admin, ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Live conversations");

        // The switch in the header: the same page comes back in Spanish, and stays so.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Español" }).ClickAsync();
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Conversaciones en vivo");
        await Expect(admin.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Cerrar sesión" })).ToBeVisibleAsync();
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Español" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(admin.Locator("body[data-connected=true]")).ToHaveCountAsync(1);

        // A user asks for a person: the alert console.js raises on the live event, the refreshed board and the
        // waiting time it keeps ticking are all in Spanish.
        await TextAsync(phone, "My laptop will not start");
        await TextAsync(phone, "agent");
        var card = admin.Locator(".waiting [data-conversation]");
        await Expect(admin.Locator("#live-alert")).ToHaveTextAsync("Un usuario espera a un agente.", new() { Timeout = 10_000 }); // pushed live, before the catch-up refresh
        await Expect(card).ToContainTextAsync(UserPhone);
        await Expect(card.Locator(".wait")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^esperando [0-9]+ s$"));
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Atender" })).ToBeVisibleAsync();
        await Expect(admin.Locator("#waiting-title")).ToHaveTextAsync("Esperando a un agente (1)");
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("5-queue-es"), FullPage = true });

        // Other pages follow the choice; the filter values the form sends stay the invariant names.
        await admin.GotoAsync("/tickets");
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Cola de tickets");
        await Expect(admin.Locator("select[name=status] option[value=Pending]")).ToHaveTextAsync("Pendiente");
        await admin.Locator("select[name=channel]").SelectOptionAsync(new SelectOptionValue { Label = "SMS" });
        await admin.GetByRole(AriaRole.Button, new() { Name = "Filtrar" }).ClickAsync();
        await Expect(admin.Locator("table.queue tbody tr")).ToHaveCountAsync(1);
        Assert.Contains("channel=Sms", admin.Url, StringComparison.Ordinal);

        // And back to English.
        await admin.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Ticket queue");
    }

    [Fact]
    public async Task Without_signing_in_the_browser_only_reaches_the_sign_in_page()
    {
        await using var host = await ConsoleHost.StartAsync();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), Locale = English })).NewPageAsync();

        foreach (var path in new[] { "/", "/tickets", "/kpis", "/hangfire" })
        {
            await page.GotoAsync(path);
            Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
        }

        var negotiate = await page.APIRequest.PostAsync("/hubs/console/negotiate?negotiateVersion=1");
        Assert.Equal(401, negotiate.Status);

        // A wrong password is refused with a message and no session.
        await page.Locator("#email").FillAsync(ConsoleHost.AdminEmail);
        await page.Locator("#password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.Locator(".flash.error")).ToContainTextAsync("not right");
        await page.GotoAsync("/");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met in time.");
            await Task.Delay(50);
        }
    }

    private static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        // Waits for the signed-in page's content rather than for navigation events: the URL wait also waits for a
        // load event, and in one CI run that wait timed out although the page had loaded.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync(new() { Timeout = (float)Deadline.TotalMilliseconds });
        Assert.DoesNotContain("/account/login", page.Url, StringComparison.Ordinal);
    }

    /// <summary>The user texts the desk: Twilio posts the webhook, signed with the account's token over the desk's public URL.</summary>
    private static async Task<XElement> TextAsync(HttpClient phone, string body)
    {
        const string path = "/api/sms/twilio";
        var sid = "SM" + Guid.NewGuid().ToString("N");
        List<KeyValuePair<string, string>> fields =
        [
            new("MessageSid", sid), new("SmsSid", sid), new("AccountSid", ConsoleHost.TwilioAccountSid), new("From", UserPhone),
            new("To", DeskNumber), new("Body", body), new("NumMedia", "0"), new("FromCountry", "GB"), new("ApiVersion", "2010-04-01"),
        ];
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add(TwilioSignature.HeaderName, TwilioSignature.Compute(ConsoleHost.TwilioAuthToken, ConsoleHost.SmsPublicBase + path, fields));
        using var response = await phone.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
    }

    /// <summary>The desk's <paramref name="count"/>th text, as Twilio's Messages API received it: to the user, from the desk's number.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> SentTextAsync(TwilioStub twilio, int count)
    {
        await twilio.WaitForRequestsAsync(count, Deadline);
        var sent = twilio.Requests[count - 1];
        Assert.Equal(ConsoleHost.TwilioAccountSid, sent.AccountSid);
        Assert.Equal(UserPhone, sent.Form["To"]);
        Assert.Equal(DeskNumber, sent.Form["From"]);
        return sent.Form;
    }

    private static Task<ConversationMode> ModeAsync(ConsoleHost host, long conversationId) =>
        host.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Conversations.Where(c => c.Id == conversationId).Select(c => c.Mode).SingleAsync());

    private static Task<bool> CreateAgentAsync(ConsoleHost host, string email, string name, string password) =>
        host.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AgentUser>>();
            var user = new AgentUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name };
            Assert.True((await users.CreateAsync(user, password)).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, AgentRoles.Agent)).Succeeded);
            return true;
        });
}
