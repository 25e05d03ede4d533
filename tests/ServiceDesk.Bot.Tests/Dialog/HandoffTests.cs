using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>"Talk to a person": the conversation waits for an agent on a ticket and the bot goes quiet.</summary>
public class HandoffTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Asking_for_a_person_queues_the_conversation_on_a_ticket_and_silences_the_bot(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);
        await peter.SayAsync("hello");

        var handoff = await peter.SayAsync("agent");

        Assert.Equal(ConversationMode.WaitingForAgent, handoff.Mode);
        var number = Assert.IsType<string>(handoff.TicketNumber);
        Assert.Contains($"You are in the queue with ticket {number}", handoff.Said());
        var conversation = await desk.ConversationAsync(peter);
        Assert.Equal(ConversationMode.WaitingForAgent, conversation.Mode);
        Assert.Equal(desk.Time.Now, conversation.WaitingSince);

        // While waiting, and once an agent holds it, the bot is silent; messages still reach the ticket.
        var waiting = await peter.SayAsync("Is anyone there?");
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var held = await db.Conversations.SingleAsync();
            held.Mode = ConversationMode.Agent;
            held.AgentId = "eva";
            held.Version++;
            await db.SaveChangesAsync();
        });
        var held = await peter.SayAsync("help");

        Assert.Empty(waiting.Replies);
        Assert.Equal(ConversationMode.WaitingForAgent, waiting.Mode);
        Assert.Equal(number, waiting.TicketNumber);
        Assert.Empty(held.Replies);
        Assert.Equal(ConversationMode.Agent, held.Mode);
        await desk.QueryAsync(async db =>
        {
            var ticket = await db.Tickets.Include(t => t.Events).SingleAsync();
            Assert.Equal(number, $"SD-{ticket.Id}");
            Assert.Equal("Chat with Peter Smith: asked for a person", ticket.Title);
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.AgentRequested);

            // The agent finds the whole chat on the ticket: the greeting before the request too.
            var bodies = await db.Messages.Where(m => m.TicketId == ticket.Id && m.Direction == MessageDirection.Inbound).OrderBy(m => m.Id).Select(m => m.Body).ToListAsync();
            Assert.Equal(["hello", "agent", "Is anyone there?", "help"], bodies);
            Assert.Equal(0, await db.Messages.CountAsync(m => m.TicketId == null));

            // The handoff record the console measures the wait for an agent on.
            var handoff = await db.Handoffs.SingleAsync();
            Assert.Equal((true, ticket.Id, Core.Channel.Teams, desk.Time.Now), (handoff.Requested, handoff.TicketId!.Value, handoff.Channel, handoff.RequestedAt));
            return 0;
        });
    }

    [Fact]
    public async Task Live_views_hear_of_each_turn_and_of_the_conversation_joining_the_queue()
    {
        var events = new RecordingDeskEvents();
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite, configure: s => s.AddSingleton<IDeskEvents>(events));
        var peter = ChatUser.Teams(desk);

        await peter.SayAsync("hello");
        var handoff = await peter.SayAsync("agent");
        var waiting = await peter.SayAsync("Is anyone there?");
        await peter.SayAsync("Is anyone there?", externalId: "redelivered");
        await peter.SayAsync("Is anyone there?", externalId: "redelivered");

        var conversation = await desk.ConversationAsync(peter);
        var messages = await desk.QueryAsync(db => db.Messages.Where(m => m.Direction == MessageDirection.Inbound).OrderBy(m => m.Id).Select(m => new { m.Id, m.TicketId }).ToListAsync());
        var ticketId = long.Parse(handoff.TicketNumber!["SD-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            [(0L, conversation.Id, messages[0].Id), (ticketId, conversation.Id, messages[1].Id), (ticketId, conversation.Id, messages[2].Id), (ticketId, conversation.Id, messages[3].Id)],
            events.Messages);
        Assert.Equal([(conversation.Id, ConversationMode.WaitingForAgent)], events.Conversations);
        Assert.Equal(ticketId, messages[2].TicketId);
        Assert.Empty(waiting.Replies);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_report_in_progress_goes_to_the_agent_as_its_own_ticket(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        await ana.SayAsync("reportar");
        await ana.SayAsync("El proyector de la sala de juntas parpadea");
        await ana.SayAsync("3");

        var handoff = await ana.SayAsync("agente");

        Assert.Equal(ConversationMode.WaitingForAgent, handoff.Mode);
        Assert.StartsWith("He pedido a una persona de Service Desk que te atienda", handoff.Said());
        var ticket = await desk.QueryAsync(db => db.Tickets.SingleAsync());
        Assert.Equal("El proyector de la sala de juntas parpadea", ticket.Title);
        Assert.Equal(Core.Priorities.Impact.High, ticket.Impact);
    }
}
