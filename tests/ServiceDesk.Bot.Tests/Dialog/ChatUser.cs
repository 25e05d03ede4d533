using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Dialog;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>
/// A person chatting with the bot through <see cref="IChatBot"/> as a channel would call it: each turn in a
/// scope of its own (one request), with a fresh external id unless the test redelivers one.
/// </summary>
internal sealed class ChatUser(Func<Func<IServiceProvider, Task<ChatTurnResult>>, Task<ChatTurnResult>> inScope, Channel channel, string address, string conversationKey, bool rich, string? locale, string name)
{
    private int _turns;

    public string Address => address;

    public string ConversationKey => conversationKey;

    public Channel Channel => channel;

    /// <summary>Someone texting the desk's number: plain replies, numbered choices, no locale.</summary>
    public static ChatUser Sms(TestDesk desk, string phone = "+34600111222", string name = "Ana García") =>
        new(desk.InScopeAsync, Channel.Sms, phone, $"{phone}|+34900000000", rich: false, locale: null, name);

    /// <summary>Someone in a Teams personal chat: cards and buttons, the client's locale.</summary>
    public static ChatUser Teams(TestDesk desk, string locale = "en-US", string aadObjectId = "6f1c2a10-0000-4000-8000-000000000001", string name = "Peter Smith") =>
        new(desk.InScopeAsync, Channel.Teams, aadObjectId, $"a:personal-{aadObjectId}", rich: true, locale, name);

    /// <summary>The same person through a real host (<see cref="DeskFactory"/>).</summary>
    public static ChatUser Sms(DeskFactory host, string phone = "+34600111222") =>
        new(
            async work =>
            {
                await using var scope = host.Services.CreateAsyncScope();
                return await work(scope.ServiceProvider);
            },
            Channel.Sms,
            phone,
            $"{phone}|+34900000000",
            rich: false,
            locale: null,
            "Ana García");

    public Task<ChatTurnResult> SayAsync(string text, string? externalId = null) => TurnAsync(text, action: null, externalId);

    /// <summary>Presses a button, with values typed into the card's inputs.</summary>
    public Task<ChatTurnResult> PressAsync(BotChoice choice, params (string Key, string Value)[] inputs)
    {
        var data = new Dictionary<string, string>(choice.Data, StringComparer.Ordinal);
        foreach (var (key, value) in inputs)
        {
            data[key] = value;
        }

        return TurnAsync("", data);
    }

    /// <summary>A button of a card the bot did not send in this conversation's replies (e.g. the outbox's resolution card).</summary>
    public Task<ChatTurnResult> ActAsync(params (string Key, string Value)[] data) =>
        TurnAsync("", data.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal));

    public Task<ChatTurnResult> TurnAsync(string text, IReadOnlyDictionary<string, string>? action, string? externalId = null)
    {
        var id = externalId ?? $"{channel}-{conversationKey}-{Interlocked.Increment(ref _turns)}-{Guid.NewGuid():N}";
        var turn = new ChatTurn
        {
            Message = new InboundMessage
            {
                Channel = channel,
                ExternalId = id,
                SenderAddress = address,
                SenderName = name,
                ConversationKey = conversationKey,
                Text = text,
                Locale = locale,
            },
            Action = action,
            RichReplies = rich,
        };
        return inScope(sp => sp.GetRequiredService<IChatBot>().HandleAsync(turn, CancellationToken.None));
    }
}

internal static class BotDesk
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    /// <summary>The core on a fresh database with the chat bot registered as the host registers it.</summary>
    public static Task<TestDesk> CreateAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null) =>
        TestDesk.CreateAsync(
            provider,
            services =>
            {
                services.AddChatBot(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
                configure?.Invoke(services);
            },
            settings);

    public static Task<T> QueryAsync<T>(this TestDesk desk, Func<ServiceDeskDbContext, Task<T>> query) =>
        desk.InScopeAsync(sp => query(sp.GetRequiredService<ServiceDeskDbContext>()));

    public static BotChoice Choice(this ChatTurnResult result, string label) =>
        result.Replies.SelectMany(r => r.Choices).FirstOrDefault(c => c.Label == label)
        ?? throw new Xunit.Sdk.XunitException($"No choice '{label}' among: {string.Join(" | ", result.Replies.SelectMany(r => r.Choices).Select(c => c.Label))}");

    public static BotChoice Choice(this ChatTurnResult result, Func<BotChoice, bool> match) =>
        result.Replies.SelectMany(r => r.Choices).First(match);

    /// <summary>Everything the bot said in the turn, as plain text.</summary>
    public static string Said(this ChatTurnResult result) => string.Join("\n", result.Replies.Select(r => r.ToPlainText()));

    public static Task<Core.Conversations.Conversation> ConversationAsync(this TestDesk desk, ChatUser user) =>
        desk.QueryAsync(db => db.Conversations.AsNoTracking().SingleAsync(c => c.Channel == user.Channel && c.ExternalKey == user.ConversationKey));
}

/// <summary>Records what the desk tells live views, in order.</summary>
internal sealed class RecordingDeskEvents : IDeskEvents
{
    private readonly Lock _lock = new();

    public List<(long TicketId, long ConversationId, long MessageId)> Messages { get; } = [];

    public List<(long ConversationId, ConversationMode Mode)> Conversations { get; } = [];

    public Task MessageAddedAsync(long ticketId, long? conversationId, long messageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Messages.Add((ticketId, conversationId ?? 0, messageId));
        }

        return Task.CompletedTask;
    }

    public Task ConversationChangedAsync(long conversationId, ConversationMode mode, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Conversations.Add((conversationId, mode));
        }

        return Task.CompletedTask;
    }

    public Task TicketChangedAsync(long ticketId, CancellationToken cancellationToken) => Task.CompletedTask;
}
