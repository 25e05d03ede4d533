using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Bot.Tests.Teams;

/// <summary>
/// The real host behind <c>/api/messages</c> with Teams authentication on, talking over loopback HTTP to a
/// Bot Framework token authority and a Bot Connector built from the published protocol.
/// </summary>
public sealed class TeamsHost : IAsyncDisposable
{
    private TeamsHost(DeskFactory desk, BotFrameworkAuthority authority, ConnectorStub connector)
    {
        Desk = desk;
        Authority = authority;
        Connector = connector;
        Api = desk.CreateApiClient();
        Client = desk.CreateClient();
    }

    public DeskFactory Desk { get; }

    public BotFrameworkAuthority Authority { get; }

    public ConnectorStub Connector { get; }

    /// <summary>The tickets REST API, with an API key.</summary>
    public HttpClient Api { get; }

    /// <summary>A client with no credentials of its own (what the channel uses).</summary>
    public HttpClient Client { get; }

    public static Task<TeamsHost> StartAsync(DatabaseProvider provider, bool authentication = true, params (string Key, string Value)[] settings) =>
        StartAsync(provider, connectionString: null, authentication, settings);

    /// <summary>A host on a given database: <c>connectionString</c> of an earlier host starts it again after a restart.</summary>
    public static async Task<TeamsHost> StartAsync(DatabaseProvider provider, string? connectionString, bool authentication = true, params (string Key, string Value)[] settings)
    {
        var authority = await BotFrameworkAuthority.StartAsync();
        var connector = await ConnectorStub.StartAsync();
        var desk = await DeskFactory.CreateAsync(provider, connectionString);
        if (authentication)
        {
            foreach (var (key, value) in authority.Settings())
            {
                desk.With(key, value);
            }
        }

        foreach (var (key, value) in settings)
        {
            desk.With(key, value);
        }

        return new TeamsHost(desk, authority, connector);
    }

    /// <summary>A personal-chat message from a Teams user to this host's Connector.</summary>
    public JsonObject Message(string text, string? id = null, string locale = "en-US", string user = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8") =>
        TestActivities.Message(Connector.ServiceUrl, text, id, userAadId: user, locale: locale);

    /// <summary>Posts an activity with a valid channel token (or the authorization given).</summary>
    public Task<HttpResponseMessage> PostAsync(JsonObject activity, string? authorization = "valid")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (authorization == "valid")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Authority.MintChannelToken((string)activity["serviceUrl"]!));
        }
        else if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return Client.SendAsync(request);
    }

    public async Task<T> InDatabaseAsync<T>(Func<ServiceDeskDbContext, Task<T>> query)
    {
        await using var scope = Desk.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>());
    }

    public async Task<JsonObject> TicketAsync(string number) =>
        (await Api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!;

    public async Task<int> TicketCountAsync() =>
        (int)(await Api.GetFromJsonAsync<JsonObject>("/api/tickets"))!["total"]!;

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        Client.Dispose();
        await Desk.DisposeAsync();
        await Connector.DisposeAsync();
        await Authority.DisposeAsync();
    }
}
