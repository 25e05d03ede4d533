using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Channels.Tests.Teams;

/// <summary>How the Teams sender classifies failures: only what certainly sent nothing is retried.</summary>
public sealed class TeamsSenderFailureTests : IAsyncLifetime
{
    private BotFrameworkAuthority _authority = null!;
    private ConnectorStub _connector = null!;

    public async Task InitializeAsync()
    {
        _authority = await BotFrameworkAuthority.StartAsync();
        _connector = await ConnectorStub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _connector.DisposeAsync();
        await _authority.DisposeAsync();
    }

    [Theory]
    [InlineData(StubFault.NoAnswer)]
    [InlineData(StubFault.ResetMidResponse)]
    public async Task An_activity_whose_answer_is_lost_is_unconfirmed(StubFault fault)
    {
        await using var desk = await CreateDeskAsync();
        _connector.Script(fault == StubFault.NoAnswer ? ScriptedResponse.NoAnswer() : ScriptedResponse.ResetMidResponse());

        var result = await SendAsync(desk, _connector.ServiceUrl);

        Assert.Equal(DeliveryOutcome.Unconfirmed, result.Outcome);
        Assert.Single(_connector.Calls);
    }

    [Fact]
    public async Task A_connector_that_refuses_the_connection_got_nothing_and_is_retried()
    {
        await using var desk = await CreateDeskAsync();
        var closed = $"http://127.0.0.1:{LoopbackPorts.Unused()}/";

        var result = await SendAsync(desk, closed);

        Assert.Equal(DeliveryOutcome.Transient, result.Outcome);
        Assert.Contains("ConnectionError", result.Error);
    }

    [Fact]
    public async Task A_token_endpoint_failure_sent_nothing_and_is_retried()
    {
        // The token endpoint answers 404: an HTTP failure, but before any activity left.
        await using var desk = await CreateDeskAsync(("Channels:Teams:TokenEndpoint", new Uri(_connector.BaseAddress, "no-such-token-endpoint").ToString()));

        var result = await SendAsync(desk, _connector.ServiceUrl);

        Assert.Equal(DeliveryOutcome.Transient, result.Outcome);
        Assert.Contains("token", result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_connector.Calls);
    }

    private static async Task<DeliveryResult> SendAsync(TestDesk desk, string serviceUrl)
    {
        await desk.Services.GetRequiredService<ServiceUrlTrust>().RememberAsync(serviceUrl, CancellationToken.None);
        var reference = new ConversationReference
        {
            ChannelId = "msteams",
            ServiceUrl = serviceUrl,
            Conversation = new ConversationAccount { Id = "a:1" },
            User = new ChannelAccount { Id = "29:user" },
        };
        var message = new OutboundMessage(Guid.NewGuid(), 7, 42, "SD-42", "aad-user", null, "Your ticket is being worked on.", MessageKind.StatusNotification, "en", reference.ToJson(), []);
        return await desk.Services.GetServices<IChannelSender>().Single(s => s.Channel == Channel.Teams).SendAsync(message, CancellationToken.None);
    }

    private Task<TestDesk> CreateDeskAsync(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(_authority.Settings());
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return TestDesk.CreateAsync(
            DatabaseProvider.Sqlite,
            s =>
            {
                s.AddTeamsChannel(configuration);
                s.AddHttpClient(BotConnectorClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(2));
            },
            settings,
            channels: [Channel.Email, Channel.Sms]);
    }
}
