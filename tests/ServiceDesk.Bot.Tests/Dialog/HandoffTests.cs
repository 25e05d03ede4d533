using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Satisfaction;
using ServiceDesk.Core.Tickets;
using static ServiceDesk.Bot.Tests.Dialog.TicketTests;

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

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Answers_to_a_resolution_notice_reach_the_bot_while_an_agent_holds_the_conversation(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);
        var number = (await peter.SayAsync("agent")).TicketNumber!;
        var conversation = await desk.ConversationAsync(peter);
        await TakeOverAsync(desk, conversation.Id);
        await ChangeAsync(desk, number, TicketStatus.Resolved);

        // A low rating from the resolution card, then its comment typed: both the bot's, neither reopens the ticket.
        var rated = await peter.ActAsync((ChatActions.Key, ChatActions.Rate), (ChatActions.TicketKey, number), (ChatActions.RatingKey, "2"));
        Assert.Equal(ConversationMode.Agent, rated.Mode);
        Assert.Equal("Thank you. What could we have done better?", rated.Replies.Single().Text);
        var commented = await peter.SayAsync("It took two days");
        Assert.StartsWith($"Thank you for your feedback on {number}", commented.Said());

        await desk.QueryAsync(async db =>
        {
            var response = await db.SatisfactionResponses.SingleAsync();
            Assert.Equal((2, "It took two days"), (response.Rating, response.Comment));
            var ticket = await db.Tickets.SingleAsync();
            Assert.Equal(TicketStatus.Resolved, ticket.Status);
            Assert.Equal(ConversationMode.Agent, (await db.Conversations.SingleAsync()).Mode);
            var filed = await db.Messages.Where(m => m.TicketId == ticket.Id && m.Direction == MessageDirection.Inbound).OrderBy(m => m.Id).Select(m => m.Body).ToListAsync();
            Assert.Equal(["agent", $"{number}: 2/5 (Poor)", "It took two days"], filed);
            return 0;
        });

        // Anything else goes to the agent again, and the bot is silent.
        var toAgent = await peter.SayAsync("Can you also look at my second screen?");
        Assert.Empty(toAgent.Replies);
        Assert.Equal(1, await desk.QueryAsync(db => db.SatisfactionResponses.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_bare_rating_by_sms_while_waiting_for_an_agent_is_recorded_and_the_mode_kept(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var number = (await ana.SayAsync("agente")).TicketNumber!;
        await ChangeAsync(desk, number, TicketStatus.Resolved);
        desk.Time.Advance(TimeSpan.FromMinutes(5));

        var rated = await ana.SayAsync("5");

        Assert.Equal(ConversationMode.WaitingForAgent, rated.Mode);
        Assert.StartsWith($"¡Gracias por tu valoración de {number}!", rated.Said());
        await desk.QueryAsync(async db =>
        {
            Assert.Equal(5, (await db.SatisfactionResponses.SingleAsync()).Rating);
            Assert.Equal(TicketStatus.Resolved, (await db.Tickets.SingleAsync()).Status);
            Assert.Equal(ConversationMode.WaitingForAgent, (await db.Conversations.SingleAsync()).Mode);
            return 0;
        });

        // Once the agent writes after the notice, a number is for the agent again.
        var conversation = await desk.ConversationAsync(ana);
        await TakeOverAsync(desk, conversation.Id);
        await desk.InScopeAsync(sp => sp.GetRequiredService<HandoffService>().SendAsync(conversation.Id, Eva, "¿Cuántos monitores tienes?", CancellationToken.None));
        var answer = await ana.SayAsync("2");
        Assert.Empty(answer.Replies);
        Assert.Equal(5, (await desk.QueryAsync(db => db.SatisfactionResponses.SingleAsync())).Rating);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Confirming_a_resolution_while_an_agent_holds_the_conversation_closes_the_ticket(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);
        var number = (await peter.SayAsync("agent")).TicketNumber!;
        await TakeOverAsync(desk, (await desk.ConversationAsync(peter)).Id);
        await ChangeAsync(desk, number, TicketStatus.Resolved);

        var confirmed = await peter.ActAsync((ChatActions.Key, ChatActions.ConfirmResolution), (ChatActions.TicketKey, number));

        Assert.StartsWith($"Thanks for confirming: {number} is closed.", confirmed.Said());
        Assert.Equal(ConversationMode.Agent, confirmed.Mode);
        Assert.Equal(TicketStatus.Closed, (await desk.QueryAsync(db => db.Tickets.SingleAsync())).Status);
    }

    private static readonly AgentRef Eva = new("eva", "Eva");

    private static Task TakeOverAsync(Testing.TestDesk desk, long conversationId) =>
        desk.InScopeAsync(async sp =>
        {
            var result = await sp.GetRequiredService<HandoffService>().TakeOverAsync(conversationId, Eva, CancellationToken.None);
            Assert.Equal(TakeOverOutcome.TakenOver, result.Outcome);
        });
}
