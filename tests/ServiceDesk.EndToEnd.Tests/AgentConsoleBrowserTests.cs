using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Bot.Dialog;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using static Microsoft.Playwright.Assertions;

namespace ServiceDesk.EndToEnd.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    // Hangfire keeps its storage in a static: one host at a time.
    public const string Name = "browser";
}

/// <summary>An agent works a live SMS conversation in a real browser against the real host.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AgentConsoleBrowserTests
{
    private const string UserPhone = "+34600111222";
    private const string DeskNumber = "+34900000000";
    private static readonly string ConversationKey = $"{UserPhone}|{DeskNumber}";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public AgentConsoleBrowserTests() => SetDefaultExpectTimeout((float)Deadline.TotalMilliseconds);

    [Fact]
    public async Task An_agent_takes_over_a_waiting_conversation_replies_sees_the_answer_live_and_hands_back()
    {
        await using var host = await ConsoleHost.StartAsync();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await CreateAgentAsync(host, "luis@desk.test", "Luis", "Luis-Pass-2026!");

        var admin = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString() })).NewPageAsync();
        admin.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        await SignInAsync(admin, ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Live conversations");
        await Expect(admin.Locator("body[data-connected=true]")).ToHaveCountAsync(1);

        // The user texts the desk and asks for a person; the agent's open board shows it without a reload.
        var first = await UserSaysAsync(host, "SM-1", "My laptop will not start, I need a person");
        Assert.NotEmpty(first.Replies);
        var conversationId = await host.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Conversations.Where(c => c.ExternalKey == ConversationKey).Select(c => c.Id).SingleAsync());
        Assert.True(await host.InScopeAsync(sp => sp.GetRequiredService<HandoffService>().RequestAgentAsync(conversationId, CancellationToken.None)));
        var card = admin.Locator($".waiting [data-conversation='{conversationId}']");
        await Expect(card).ToContainTextAsync("Ana Tester", new() { Timeout = 10_000 }); // sooner than the 15 s catch-up refresh: pushed live
        await Expect(card.Locator(".wait")).ToContainTextAsync("waiting");
        await Expect(admin.Locator("#live-alert")).ToContainTextAsync("waiting for an agent");
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("1-queue"), FullPage = true });

        // A second agent has the conversation open in a tab without live updates (no script): a stale page.
        var luisContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), JavaScriptEnabled = false });
        var luis = await luisContext.NewPageAsync();
        luis.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        await SignInAsync(luis, "luis@desk.test", "Luis-Pass-2026!");
        await luis.GotoAsync($"/conversations/{conversationId}");

        // Take over: the user is told a person joined, on SMS, in their language.
        await card.GetByRole(AriaRole.Button, new() { Name = "Take over" }).ClickAsync();
        await Expect(admin.Locator(".mode")).ToContainTextAsync("Held by Admin (you)");
        await host.Sms.WaitForAsync(1, Deadline);
        var joined = host.Sms.Sent.Last();
        Assert.Equal(UserPhone, joined.Recipient);
        Assert.StartsWith("Admin from Service Desk has joined the conversation", joined.Body);

        // The slower agent is told, not given the conversation.
        await luis.GetByRole(AriaRole.Button, new() { Name = "Take over" }).ClickAsync();
        await Expect(luis.Locator(".flash.error")).ToContainTextAsync("Admin took this conversation over first.");
        await Expect(luis.Locator(".mode")).ToContainTextAsync("Held by Admin.");

        // The agent sees the whole exchange with the bot and writes: the reply goes out on SMS through the outbox.
        await Expect(admin.Locator(".transcript")).ToContainTextAsync("My laptop will not start");
        await admin.Locator("#reply-text").PressSequentiallyAsync("Hi Ana");
        await WaitUntilAsync(() => host.Typing.Sent.Count > 0);
        Assert.Equal((Channel.Sms, DeskNumber), host.Typing.Sent.First()); // the channel's reply handle, for its indicator
        Assert.Single(host.Typing.Sent); // one burst of keystrokes, one indicator
        await admin.Locator("#reply-text").FillAsync("Hi Ana, does the power light come on?");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await host.Sms.WaitForAsync(2, Deadline);
        Assert.Equal("Hi Ana, does the power light come on?", host.Sms.Sent.Last().Body);
        await Expect(admin.Locator(".transcript")).ToContainTextAsync("does the power light come on?");

        // The user answers (with markup that must stay text): the bot stays silent and the answer appears live.
        const string answer = "No light at all <script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">";
        var whileHeld = await UserSaysAsync(host, "SM-2", answer);
        Assert.Empty(whileHeld.Replies);
        Assert.Equal(ConversationMode.Agent, whileHeld.Mode);
        await Expect(admin.Locator(".transcript .msg.in").Last).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("No light at all <script>window.__xss = 1</script><img src=x"), new() { Timeout = 10_000 });
        Assert.True(await admin.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.Equal(0, await admin.Locator(".transcript script, .transcript img").CountAsync());
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("2-handoff"), FullPage = true });

        // Hand back: the bot says so and answers the next message again.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Hand back to the bot" }).ClickAsync();
        await Expect(admin.Locator(".mode")).ToContainTextAsync("The bot is answering.");
        await host.Sms.WaitForAsync(3, Deadline);
        Assert.StartsWith("Admin has handed you back to the Service Desk assistant", host.Sms.Sent.Last().Body);
        var afterwards = await UserSaysAsync(host, "SM-3", "Thanks, one more thing");
        Assert.Equal(ConversationMode.Bot, afterwards.Mode);
        Assert.NotEmpty(afterwards.Replies);

        // The figures count the handoff.
        await admin.GotoAsync("/kpis?days=7");
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Service desk KPIs");
        await Expect(admin.Locator(".kpi", new() { HasText = "handoff rate" })).ToContainTextAsync("100%");
        await Expect(admin.Locator("svg rect.bar.sms")).ToHaveCountAsync(1);
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("3-kpis"), FullPage = true });

        await admin.GotoAsync("/tickets?channel=Sms");
        await Expect(admin.Locator("table.queue tbody tr")).ToHaveCountAsync(1);
        await admin.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("4-tickets"), FullPage = true });
    }

    [Fact]
    public async Task Without_signing_in_the_browser_only_reaches_the_sign_in_page()
    {
        await using var host = await ConsoleHost.StartAsync();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await (await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString() })).NewPageAsync();

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
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
    }

    /// <summary>
    /// What the SMS channel does with an inbound text: a chat turn through the bot. (The Twilio webhook is
    /// built on its own branch; this is the same seam it calls.)
    /// </summary>
    private static Task<ChatTurnResult> UserSaysAsync(ConsoleHost host, string sid, string text) =>
        host.InScopeAsync(sp => sp.GetRequiredService<IChatBot>().HandleAsync(
            new ChatTurn
            {
                Message = new InboundMessage
                {
                    Channel = Channel.Sms,
                    ExternalId = sid,
                    SenderAddress = UserPhone,
                    SenderName = "Ana Tester",
                    ConversationKey = ConversationKey,
                    ReplyHandle = DeskNumber,
                    Text = text,
                    Locale = "en-GB",
                },
            },
            CancellationToken.None));

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
