using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Core;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

/// <summary>The console's security: sign-in, lock-out, anti-forgery, escaping, and who may open what.</summary>
[Collection(HostCollection.Name)]
public class AgentConsoleTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [InlineData("/")]
    [InlineData("/tickets")]
    [InlineData("/kpis")]
    [InlineData("/problems")]
    [InlineData("/agents")]
    [InlineData("/conversations/1")]
    [InlineData("/hangfire")]
    public async Task Anonymous_people_are_sent_to_sign_in(string path)
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = ConsoleClient.Anonymous(factory);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_hub_and_the_api_answer_401_without_a_session()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = ConsoleClient.Anonymous(factory);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/hubs/console/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tickets")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_bootstrap_admin_signs_in_and_sees_the_console_and_the_job_dashboard(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = await ConsoleClient.SignedInAsync(factory);

        var board = await client.GetAsync("/");
        var jobs = await client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.OK, board.StatusCode);
        Assert.Contains("Live conversations", await board.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kpis")).StatusCode);
    }

    [Fact]
    public async Task An_agent_who_is_not_admin_may_not_open_the_job_dashboard_or_manage_agents()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var admin = await ConsoleClient.SignedInAsync(factory);
        var token = await ConsoleClient.TokenAsync(admin, "/agents");
        var added = await admin.PostAsync("/agents", ConsoleClient.Form(("DisplayName", "Eva"), ("Email", "eva@desk.test"), ("Password", "Eva-Pass-2026!"), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);

        var eva = await ConsoleClient.SignedInAsync(factory, "eva@desk.test", "Eva-Pass-2026!");

        Assert.Equal(HttpStatusCode.OK, (await eva.GetAsync("/tickets")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await eva.GetAsync("/hangfire")).StatusCode);
        Assert.StartsWith("/account/denied", (await eva.GetAsync("/agents")).Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forms_without_the_anti_forgery_token_are_refused()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var anonymous = ConsoleClient.Anonymous(factory);
        var signedIn = await ConsoleClient.SignedInAsync(factory);

        var login = await anonymous.PostAsync("/account/login", ConsoleClient.Form(("Email", DeskFactory.AdminEmail), ("Password", DeskFactory.AdminPassword)));
        var takeOver = await signedIn.PostAsync("/conversations/1?handler=TakeOver", ConsoleClient.Form());
        var apiWrite = await signedIn.PostAsJsonAsync("/api/tickets", new { title = "x", description = "y", requester = new { email = "a@example.com" } });

        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, takeOver.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, apiWrite.StatusCode);
    }

    [Fact]
    public async Task The_api_accepts_an_agent_session_with_its_token_as_well_as_an_api_key()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = await ConsoleClient.SignedInAsync(factory);
        var token = await ConsoleClient.TokenAsync(client, "/problems");

        var list = await client.GetAsync("/api/tickets");
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/tickets")
        {
            Content = JsonContent.Create(new { title = "Printer", description = "Jammed", requester = new { email = "ana@example.com" } }),
        };
        create.Headers.Add("RequestVerificationToken", token);
        var created = await client.SendAsync(create);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateApiClient().GetAsync("/api/tickets")).StatusCode);
    }

    [Fact]
    public async Task Repeated_failed_sign_ins_lock_the_account()
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite)).With("Agents:LockoutMaxFailedAttempts", "3");
        var client = ConsoleClient.Anonymous(factory);

        for (var i = 0; i < 3; i++)
        {
            var failed = await ConsoleClient.SignInAsync(client, DeskFactory.AdminEmail, "wrong-password");
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode); // the form again, with an error
        }

        var locked = await ConsoleClient.SignInAsync(client, DeskFactory.AdminEmail, DeskFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("locked", await locked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>().FindByEmailAsync(DeskFactory.AdminEmail);
        Assert.True(admin!.LockoutEnd > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task What_users_write_is_shown_as_text()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = await ConsoleClient.SignedInAsync(factory);
        const string payload = "<script>alert('xss')</script><img src=x onerror=alert(1)>";
        IntakeResult result;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            result = await scope.ServiceProvider.GetRequiredService<IntakeService>().ReceiveAsync(
                new InboundMessage { Channel = Channel.Sms, ExternalId = "SM-xss", SenderAddress = "+34600111222", SenderName = payload, ConversationKey = "+34600111222|+34900000000", Text = payload },
                CancellationToken.None);
        }

        foreach (var page in new[] { $"/tickets/{result.TicketNumber}", $"/conversations/{result.ConversationId}", "/tickets", "/?handler=Board" })
        {
            var html = await client.GetStringAsync(page);
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.Contains("&lt;script&gt;alert(", html);
        }
    }

    [Fact]
    public void The_agent_account_migrations_match_the_model()
    {
        AgentIdentityDbContext[] contexts =
        [
            new SqliteAgentDesignTimeFactory().CreateDbContext([]),
            new PostgreSqlAgentDesignTimeFactory().CreateDbContext([]),
            new SqlServerAgentDesignTimeFactory().CreateDbContext([]),
        ];
        foreach (var db in contexts)
        {
            using (db)
            {
                Assert.NotEmpty(db.Database.GetMigrations());
                Assert.False(db.Database.HasPendingModelChanges(), $"The {db.Provider} agent-account migrations are behind the model: add a migration.");
            }
        }
    }

    [Fact]
    public void The_checked_in_sql_server_script_for_agent_accounts_is_current()
    {
        using var db = new SqlServerAgentDesignTimeFactory().CreateDbContext([]);
        var generated = db.GetInfrastructure().GetRequiredService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        var checkedIn = File.ReadAllText(Path.Combine(ServiceDesk.Testing.SharedFiles.RepositoryRoot, "deploy", "sql", "agents.sql"));

        Assert.True(
            Normalize(generated) == Normalize(checkedIn),
            "deploy/sql/agents.sql is out of date with the agent-account migrations: regenerate it with deploy/sql/generate.sh");
        Assert.Contains("CREATE TABLE [AgentUsers]", checkedIn);
    }

    private static string Normalize(string script) => script.TrimStart('\uFEFF').ReplaceLineEndings("\n").Trim();
}
