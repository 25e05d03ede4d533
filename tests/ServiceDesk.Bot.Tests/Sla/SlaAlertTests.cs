using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Sla;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Sla;

/// <summary>SLA warnings reach the agents who can act, live, through the console's hub (a real SignalR client).</summary>
[Collection(HostCollection.Name)]
public class SlaAlertTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_warning_reaches_the_assignee_and_an_unassigned_one_every_agent(DatabaseProvider provider)
    {
        var time = new ManualTimeProvider(TestDesk.DefaultStart);
        await using var factory = (await DeskFactory.CreateAsync(provider)).WithTime(time);
        var api = factory.CreateApiClient();
        await CreateAgentAsync(factory, "luis@desk.test", "Luis", "Luis-Pass-2026");

        var assigned = await CreateTicketAsync(api, "VPN down");
        var patch = await api.PatchAsJsonAsync($"/api/tickets/{assigned}", new { assignee = DeskFactory.AdminEmail });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var unassigned = await CreateTicketAsync(api, "Printer jammed");

        await using var admin = await ListenAsync(factory, DeskFactory.AdminEmail, DeskFactory.AdminPassword);
        await using var luis = await ListenAsync(factory, "luis@desk.test", "Luis-Pass-2026");

        // Three of the four working hours of a P3 first response are used at 13:00 in Madrid.
        time.Set(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SlaWatch>().RunAsync(CancellationToken.None);
        }

        var first = await admin.NextAsync();
        var second = await admin.NextAsync();
        Assert.Equal((assigned, "FirstResponseAtRisk"), first);
        Assert.Equal((unassigned, "FirstResponseAtRisk"), second);

        // Alerts on one connection arrive in order: had Luis been sent the assignee's alert, it would come first.
        Assert.Equal((unassigned, "FirstResponseAtRisk"), await luis.NextAsync());
    }

    private static async Task<string> CreateTicketAsync(HttpClient api, string title)
    {
        var response = await api.PostAsJsonAsync("/api/tickets", new { title, description = title, service = "general", requester = new { email = "ana@example.com", language = "en" } });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
    }

    private static async Task CreateAgentAsync(DeskFactory factory, string email, string name, string password)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>();
        var user = new AgentUser { UserName = email, Email = email, DisplayName = name, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, AgentRoles.Agent)).Succeeded);
    }

    private static async Task<Listener> ListenAsync(DeskFactory factory, string email, string password)
    {
        var cookies = new CookieContainer();
        HttpMessageHandler Handler() => new CookieContainerHandler(cookies) { InnerHandler = factory.Server.CreateHandler() };
        using (var browser = new HttpClient(Handler()) { BaseAddress = factory.Server.BaseAddress })
        {
            Assert.Equal(HttpStatusCode.Redirect, (await ConsoleClient.SignInAsync(browser, email, password)).StatusCode);
        }

        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, "/hubs/console"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => Handler();
            })
            .Build();
        var alerts = Channel.CreateUnbounded<(string, string)>();
        connection.On<JsonElement>("sla", a => alerts.Writer.TryWrite((a.GetProperty("number").GetString()!, a.GetProperty("kind").GetString()!)));
        await connection.StartAsync();
        return new Listener(connection, alerts.Reader);
    }

    private sealed class Listener(HubConnection connection, ChannelReader<(string Number, string Kind)> alerts) : IAsyncDisposable
    {
        public async Task<(string Number, string Kind)> NextAsync()
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await alerts.ReadAsync(deadline.Token);
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
