using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>Live handoff between the bot and agents, on the embedded SQLite and on PostgreSQL.</summary>
public class HandoffTests
{
    private static readonly AgentRef Eva = new("agent-eva", "Eva");
    private static readonly AgentRef Luis = new("agent-luis", "Luis");

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Taking_over_a_waiting_conversation_tells_the_user_in_their_language_on_its_channel(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var events = desk.Services.GetRequiredService<RecordingDeskEvents>();
        var conversationId = await WaitingConversationAsync(desk, "+34600111222", "Necesito hablar con una persona");

        var result = await HandoffAsync(desk, h => h.TakeOverAsync(conversationId, Eva, CancellationToken.None));

        Assert.Equal(new TakeOverResult(TakeOverOutcome.TakenOver, "Eva"), result);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
            Assert.Equal(ConversationMode.Agent, conversation.Mode);
            Assert.Equal("agent-eva", conversation.AgentId);
            Assert.Equal("Eva", conversation.AgentName);
            Assert.Null(conversation.WaitingSince);
            Assert.Equal(desk.Time.Now, conversation.AgentActiveAt);

            var joined = await db.Outbox.Include(o => o.Message).Where(o => o.Message.Kind == MessageKind.BotReply).SingleAsync();
            Assert.Equal(Channel.Sms, joined.Message.Channel);
            Assert.Equal("+34600111222", joined.Message.Recipient);
            Assert.Equal(conversationId, joined.Message.ConversationId);
            Assert.StartsWith("Eva, de Service Desk, se ha unido", joined.Message.Body);
            Assert.Contains(joined.Id, desk.Scheduler.Scheduled.Select(s => s.OutboxId));

            var handoff = await db.Handoffs.SingleAsync();
            Assert.True(handoff.Requested);
            Assert.Equal(desk.Time.Now, handoff.TakenAt);
            Assert.Contains(await db.TicketEvents.Select(e => e.Kind).ToListAsync(), k => k == TicketEventKind.AgentTookOver);
        });
        Assert.Contains(events.Changes, c => c == (conversationId, ConversationMode.Agent));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_agents_taking_over_at_once_exactly_one_wins(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var conversationId = await WaitingConversationAsync(desk, "+34600111222", "ayuda");
        var agents = Enumerable.Range(1, 6).Select(i => new AgentRef($"agent-{i}", $"Agent {i}")).ToList();

        // Every attempt in its own scope (its own DbContext and connection), released together.
        using var start = new SemaphoreSlim(0);
        var attempts = agents.Select(agent => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await HandoffAsync(desk, h => h.TakeOverAsync(conversationId, agent, CancellationToken.None));
        })).ToList();
        start.Release(agents.Count);
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Outcome == TakeOverOutcome.TakenOver);
        Assert.All(results.Where(r => r != winner), r =>
        {
            Assert.Equal(TakeOverOutcome.HeldByAnother, r.Outcome);
            Assert.Equal(winner.Holder, r.Holder);
        });
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(winner.Holder, (await db.Conversations.SingleAsync()).AgentName);
            Assert.Equal(1, await db.Messages.CountAsync(m => m.Kind == MessageKind.BotReply)); // the user is told once
            Assert.Equal(winner.Holder, (await db.Handoffs.SingleAsync()).AgentName);
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_holder_writes_to_the_user_and_only_the_holder(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var conversationId = await WaitingConversationAsync(desk, "+34600111222", "ayuda");
        await HandoffAsync(desk, h => h.TakeOverAsync(conversationId, Eva, CancellationToken.None));
        desk.Time.Advance(TimeSpan.FromMinutes(2));

        var sent = await HandoffAsync(desk, h => h.SendAsync(conversationId, Eva, "¿Qué error ves en pantalla?", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<DomainRuleException>(() => HandoffAsync(desk, h => h.SendAsync(conversationId, Luis, "hola", CancellationToken.None)));

        Assert.Equal("not_holder", refused.Code);
        Assert.Equal("¿Qué error ves en pantalla?", sent.Body); // live chat: no header
        Assert.Equal(MessageKind.AgentReply, sent.Kind);
        Assert.Equal("Eva", sent.Author);
        Assert.Equal(Channel.Sms, sent.Channel);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.SingleAsync();
            Assert.Equal(desk.Time.Now, ticket.FirstRespondedAt);
            Assert.Equal(desk.Time.Now, (await db.Conversations.SingleAsync()).AgentActiveAt);
            Assert.True(await db.Outbox.AnyAsync(o => o.MessageId == sent.Id));
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Handing_back_resumes_the_bot_and_says_so(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var conversationId = await WaitingConversationAsync(desk, "+34600111222", "help", locale: "en-GB");
        await HandoffAsync(desk, h => h.TakeOverAsync(conversationId, Eva, CancellationToken.None));

        var someoneElse = await Assert.ThrowsAsync<DomainRuleException>(() => HandoffAsync(desk, h => h.HandBackAsync(conversationId, Luis, overrideHolder: false, CancellationToken.None)));
        var handedBack = await HandoffAsync(desk, h => h.HandBackAsync(conversationId, Eva, overrideHolder: false, CancellationToken.None));

        Assert.Equal("held_by_another", someoneElse.Code);
        Assert.True(handedBack);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var conversation = await db.Conversations.SingleAsync();
            Assert.Equal(ConversationMode.Bot, conversation.Mode);
            Assert.Null(conversation.AgentId);
            var notice = await db.Messages.Where(m => m.Kind == MessageKind.BotReply).OrderBy(m => m.Id).LastAsync();
            Assert.StartsWith("Eva has handed you back to the Service Desk assistant", notice.Body);
            Assert.Equal(HandoffEnd.HandedBack, (await db.Handoffs.SingleAsync()).EndReason);
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_conversation_whose_agent_went_quiet_returns_to_the_queue(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var quiet = await WaitingConversationAsync(desk, "+34600111222", "ayuda");
        var busy = await WaitingConversationAsync(desk, "+34600333444", "ayuda también");
        await HandoffAsync(desk, h => h.TakeOverAsync(quiet, Eva, CancellationToken.None));
        await HandoffAsync(desk, h => h.TakeOverAsync(busy, Luis, CancellationToken.None));
        desk.Time.Advance(TimeSpan.FromMinutes(9));
        await HandoffAsync(desk, h => h.AgentTypingAsync(busy, Luis, CancellationToken.None));
        desk.Time.Advance(TimeSpan.FromMinutes(2));

        var returned = await HandoffAsync(desk, h => h.ReturnIdleToQueueAsync(TimeSpan.FromMinutes(10), CancellationToken.None));

        Assert.Equal(1, returned);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var back = await db.Conversations.SingleAsync(c => c.Id == quiet);
            Assert.Equal(ConversationMode.WaitingForAgent, back.Mode);
            Assert.Equal(desk.Time.Now, back.WaitingSince);
            Assert.Null(back.AgentId);
            Assert.Equal(ConversationMode.Agent, (await db.Conversations.SingleAsync(c => c.Id == busy)).Mode);
            Assert.Contains(await db.Messages.Where(m => m.ConversationId == quiet).Select(m => m.Body).ToListAsync(), b => b.StartsWith("La persona que te atendía ya no está disponible", StringComparison.Ordinal));
            var handoffs = await db.Handoffs.Where(h => h.ConversationId == quiet).OrderBy(h => h.Id).ToListAsync();
            Assert.Equal(HandoffEnd.ReturnedToQueue, handoffs[0].EndReason);
            Assert.Null(handoffs[1].TakenAt); // waiting again
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task What_the_user_sends_is_announced_to_live_views_after_it_is_stored(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var events = desk.Services.GetRequiredService<RecordingDeskEvents>();
        var conversationId = await WaitingConversationAsync(desk, "+34600111222", "ayuda");

        var result = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM-later", "+34600111222", "<script>alert(1)</script>"));

        var announced = Assert.Single(events.Messages, m => m.MessageId == result.MessageId);
        Assert.Equal((result.TicketId, (long?)conversationId), (announced.TicketId, announced.ConversationId));
        Assert.True(announced.Committed);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_agent_writes_on_the_conversation_s_own_channel_teams_or_a_mail_thread(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var teams = await IntakeTests.ReceiveAsync(desk, new InboundMessage
        {
            Channel = Channel.Teams,
            ExternalId = "act-1",
            SenderAddress = "00000000-0000-0000-0000-0000000000AA",
            SenderName = "Ana",
            ConversationKey = "a:1teams",
            ReplyHandle = "{\"serviceUrl\":\"https://smba.example/\",\"conversation\":{\"id\":\"a:1teams\"}}",
            Text = "Outlook crashes",
            Locale = "en-US",
        });
        var mail = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<m1@example.com>", "luis@example.com", "Printer jam") with { ConversationKey = "<m1@example.com>", Locale = "es-ES" });

        var onTeams = await HandoffAsync(desk, async h =>
        {
            await h.TakeOverAsync(teams.ConversationId!.Value, Eva, CancellationToken.None);
            return await h.SendAsync(teams.ConversationId!.Value, Eva, "Which Outlook version?", CancellationToken.None);
        });
        var byMail = await HandoffAsync(desk, async h =>
        {
            await h.TakeOverAsync(mail.ConversationId!.Value, Eva, CancellationToken.None);
            return await h.SendAsync(mail.ConversationId!.Value, Eva, "¿Qué impresora es?", CancellationToken.None);
        });

        Assert.Equal((Channel.Teams, "00000000-0000-0000-0000-0000000000aa", teams.ConversationId), (onTeams.Channel, onTeams.Recipient, onTeams.ConversationId));
        Assert.Equal("Which Outlook version?", onTeams.Body);
        Assert.Equal((Channel.Email, "luis@example.com", mail.ConversationId), (byMail.Channel, byMail.Recipient, byMail.ConversationId));
        Assert.StartsWith($"Eva (Service Desk) en el ticket {mail.TicketNumber}:", byMail.Body, StringComparison.Ordinal); // a mail gets the header
        Assert.EndsWith("¿Qué impresora es?", byMail.Body, StringComparison.Ordinal);
        Assert.Equal("Novedades de tu solicitud: Printer jam", byMail.Subject);
    }

    private static async Task<TestDesk> CreateDeskAsync(DatabaseProvider provider)
    {
        TestDesk? created = null;
        created = await TestDesk.CreateAsync(provider, services =>
        {
            services.AddSingleton<RecordingDeskEvents>();
            services.AddSingleton<IDeskEvents>(sp => sp.GetRequiredService<RecordingDeskEvents>());
        });
        created.Services.GetRequiredService<RecordingDeskEvents>().Desk = created;
        return created;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Taking_over_a_conversation_without_a_ticket_opens_one_with_the_chat_so_far(DatabaseProvider provider)
    {
        await using var desk = await CreateDeskAsync(provider);
        var said = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM-chat-1", "+34600111222", "hola") with { RecordOnly = true, Locale = "es" });
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM-chat-2", "+34600111222", "¿cómo cambio mi contraseña?") with { RecordOnly = true });
        var conversationId = said.ConversationId!.Value;

        var result = await HandoffAsync(desk, h => h.TakeOverAsync(conversationId, Eva, CancellationToken.None));
        var sent = await HandoffAsync(desk, h => h.SendAsync(conversationId, Eva, "Te ayudo yo", CancellationToken.None));

        Assert.Equal(TakeOverOutcome.TakenOver, result.Outcome);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.SingleAsync();
            Assert.Equal("Chat con +34600111222: atendido por un agente", ticket.Title);
            Assert.Equal(ticket.Id, (await db.Conversations.SingleAsync()).CurrentTicketId);
            Assert.Equal(ticket.Id, (await db.Handoffs.SingleAsync()).TicketId);
            var inbound = await db.Messages.Where(m => m.TicketId == ticket.Id && m.Direction == MessageDirection.Inbound).OrderBy(m => m.Id).Select(m => m.Body).ToListAsync();
            Assert.Equal(["hola", "¿cómo cambio mi contraseña?"], inbound);

            // The user is told a person joined, and the agent's words go out after it, on the same SMS conversation.
            var outbound = await db.Messages.Where(m => m.Direction == MessageDirection.Outbound).OrderBy(m => m.Id).ToListAsync();
            Assert.Equal([MessageKind.BotReply, MessageKind.AgentReply], outbound.Select(m => m.Kind));
            Assert.StartsWith("Eva, de Service Desk, se ha unido", outbound[0].Body, StringComparison.Ordinal);
            Assert.All(outbound, m => Assert.Equal((Channel.Sms, "+34600111222", (long?)conversationId), (m.Channel, m.Recipient, m.ConversationId)));
            Assert.Equal(sent.Id, outbound[1].Id);
            Assert.Contains(await db.TicketEvents.Where(e => e.TicketId == ticket.Id).Select(e => e.Kind).ToListAsync(), k => k == TicketEventKind.AgentTookOver);
        });
    }

    private static async Task<long> WaitingConversationAsync(TestDesk desk, string phone, string text, string? locale = null)
    {
        var result = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms($"SM-{Guid.NewGuid():N}", phone, text) with { Locale = locale });
        var conversationId = result.ConversationId!.Value;
        Assert.True(await HandoffAsync(desk, h => h.RequestAgentAsync(conversationId, CancellationToken.None)));
        return conversationId;
    }

    private static Task<T> HandoffAsync<T>(TestDesk desk, Func<HandoffService, Task<T>> work) =>
        desk.InScopeAsync(sp => work(sp.GetRequiredService<HandoffService>()));
}

/// <summary>Records what live views would be told, and checks the message was already committed when they were.</summary>
internal sealed class RecordingDeskEvents : IDeskEvents
{
    public TestDesk? Desk { get; set; }

    public List<(long TicketId, long? ConversationId, long MessageId, bool Committed)> Messages { get; } = [];

    public List<(long ConversationId, ConversationMode Mode)> Changes { get; } = [];

    public async Task MessageAddedAsync(long ticketId, long? conversationId, long messageId, CancellationToken cancellationToken)
    {
        // Seen from another connection: a view reloading on this event must find the message.
        var committed = Desk is not null && await Desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.AnyAsync(m => m.Id == messageId, cancellationToken));
        lock (Messages)
        {
            Messages.Add((ticketId, conversationId, messageId, committed));
        }
    }

    public Task ConversationChangedAsync(long conversationId, ConversationMode mode, CancellationToken cancellationToken)
    {
        lock (Changes)
        {
            Changes.Add((conversationId, mode));
        }

        return Task.CompletedTask;
    }

    public Task TicketChangedAsync(long ticketId, CancellationToken cancellationToken) => Task.CompletedTask;
}
