using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>The dialog state in the database: redeliveries, races, restarts, time-outs and versions.</summary>
[Collection(HostCollection.Name)]
public class StateTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_redelivered_turn_is_a_duplicate_and_changes_nothing(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        await ana.SayAsync("reportar");
        var first = await ana.SayAsync("La impresora no imprime", externalId: "SM-redelivered");
        var before = await SnapshotAsync(desk, ana);

        var again = await ana.SayAsync("La impresora no imprime", externalId: "SM-redelivered");

        Assert.False(first.Duplicate);
        Assert.NotEmpty(first.Replies);
        Assert.True(again.Duplicate);
        Assert.Empty(again.Replies);
        Assert.Equal(before, await SnapshotAsync(desk, ana));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_concurrent_turns_on_one_conversation_apply_one_after_the_other(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        await ana.SayAsync("El proyector de la sala de juntas parpadea");
        var versionBefore = (await desk.ConversationAsync(ana)).Version;

        // Both answer "who is affected?": one is taken as that answer, the other as the next one (urgency).
        var results = await Task.WhenAll(Task.Run(() => ana.SayAsync("1")), Task.Run(() => ana.SayAsync("2")));

        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Single(results, r => r.Said().Contains("tiene ahora prioridad", StringComparison.Ordinal));
        var ticket = await desk.QueryAsync(db => db.Tickets.SingleAsync());
        Assert.Contains((ticket.Impact, ticket.Urgency), new[] { (Impact.Low, Urgency.Medium), (Impact.Medium, Urgency.High) });
        var conversation = await desk.ConversationAsync(ana);
        Assert.Equal(versionBefore + 2, conversation.Version);
        Assert.Contains("\"step\":\"None\"", conversation.DialogState);
        Assert.Equal(2, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound && (m.Body == "1" || m.Body == "2"))));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_dialog_continues_on_a_new_host(DatabaseProvider provider)
    {
        string connection;
        await using (var first = await DeskFactory.CreateAsync(provider))
        {
            connection = first.ConnectionString;
            _ = first.CreateClient();
            var before = ChatUser.Sms(first);
            await before.SayAsync("report");
            var impact = await before.SayAsync("The projector in the boardroom flickers");
            Assert.StartsWith("Who is affected by the problem?", impact.Said());
        }

        await using var second = await DeskFactory.CreateAsync(provider, connection);
        _ = second.CreateClient();
        var after = ChatUser.Sms(second);
        await after.SayAsync("3");
        await after.SayAsync("1");
        var created = await after.SayAsync("1");

        Assert.NotNull(created.TicketNumber);
        await using var scope = second.Services.CreateAsyncScope();
        var ticket = await scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>().Tickets.SingleAsync();
        Assert.Equal((Impact.High, Urgency.High, "The projector in the boardroom flickers"), (ticket.Impact, ticket.Urgency, ticket.Description));
    }

    [Fact]
    public async Task An_unanswered_question_is_forgotten_after_the_timeout()
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Bot:DialogTimeout"] = "00:30:00" });
        var ana = ChatUser.Sms(desk);
        await ana.SayAsync("El proyector de la sala de juntas parpadea");

        desk.Time.Advance(TimeSpan.FromMinutes(31));
        var late = await ana.SayAsync("1");

        // The problem itself was not lost: it is a ticket since the first message, with the priority it had.
        Assert.StartsWith("Perdona, no lo he entendido", late.Said());
        var ticket = await desk.QueryAsync(db => db.Tickets.SingleAsync());
        Assert.Equal((Impact.Medium, Urgency.Medium), (ticket.Impact, ticket.Urgency));
    }

    [Fact]
    public async Task A_state_from_an_unknown_version_is_discarded_not_misread()
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite);
        var ana = ChatUser.Sms(desk);
        await ana.SayAsync("ayuda");
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var conversation = await db.Conversations.SingleAsync();
            conversation.DialogState = conversation.DialogState!.Replace("\"version\":1", "\"version\":99", StringComparison.Ordinal);
            await db.SaveChangesAsync();
        });

        var answer = await ana.SayAsync("2");

        Assert.StartsWith("Perdona, no lo he entendido", answer.Said());
        Assert.Contains("\"version\":1", (await desk.ConversationAsync(ana)).DialogState);
    }

    private static Task<string> SnapshotAsync(Testing.TestDesk desk, ChatUser user) =>
        desk.QueryAsync(async db =>
        {
            var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.ExternalKey == user.ConversationKey);
            return string.Join(
                "|",
                await db.Messages.CountAsync(),
                await db.Tickets.CountAsync(),
                await db.Outbox.CountAsync(),
                conversation.Version,
                conversation.DialogState,
                conversation.LastActivityAt.UtcTicks);
        });
}
