using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>"Report an issue" end to end through the bot: self-service deflection, impact, urgency, service, ticket.</summary>
public class ReportTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_article_that_solves_it_records_a_ticket_resolved_at_first_contact(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk, locale: "en-GB");

        var asked = await peter.SayAsync("report");
        var prompt = Assert.Single(asked.Replies);
        Assert.Equal(ChatActions.TextKey, Assert.Single(prompt.Inputs).Id);
        Assert.Null(asked.TicketNumber);

        var offered = await peter.PressAsync(asked.Choice("Send"), (ChatActions.TextKey, "I forgot my password and cannot sign in"));

        // The articles in one card, a button for each, and one to go on to a ticket.
        var suggestion = Assert.Single(offered.Replies);
        Assert.Equal("This may solve it right away", suggestion.Title);
        Assert.Contains("Reset a forgotten or expired password\nYou can reset your password yourself", suggestion.Text);
        Assert.Contains("https://aka.ms/sspr", suggestion.Text);
        Assert.Equal("No, open a ticket", suggestion.Choices[^1].Label);
        Assert.Equal(0, await desk.QueryAsync(db => db.Tickets.CountAsync()));

        var solved = await peter.PressAsync(offered.Choice(c => c.Data.GetValueOrDefault(ChatActions.ArticleKey) == "password-reset"));

        var number = Assert.IsType<string>(solved.TicketNumber);
        Assert.Contains(number, solved.Said());
        Assert.Contains("solved at first contact", solved.Said());
        await desk.QueryAsync(async db =>
        {
            var ticket = await db.Tickets.Include(t => t.Service).Include(t => t.Events).SingleAsync();
            Assert.Equal($"SD-{ticket.Id}", number);
            Assert.True(ticket.ResolvedAtFirstContact);
            Assert.Equal(TicketStatus.Closed, ticket.Status);
            Assert.Equal("account", ticket.Service!.Code);
            Assert.Equal("I forgot my password and cannot sign in", ticket.Description);
            Assert.Equal(Core.Channel.Teams, ticket.OriginChannel);
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.SelfServiceResolved && e.Detail == "password-reset");
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.ResolutionConfirmed);

            // The whole exchange is the ticket's transcript: the three user turns and every reply of the bot.
            var transcript = await db.Messages.Where(m => m.TicketId == ticket.Id).OrderBy(m => m.Id).ToListAsync();
            Assert.Equal(3, transcript.Count(m => m.Direction == MessageDirection.Inbound));
            Assert.Contains(transcript, m => m.Direction == MessageDirection.Inbound && m.Body == "I forgot my password and cannot sign in");
            Assert.Contains(transcript, m => m.Direction == MessageDirection.Inbound && m.Body.StartsWith("That solved it", StringComparison.Ordinal) || m.Body.StartsWith("Solved by: Reset", StringComparison.Ordinal));
            Assert.All(transcript.Where(m => m.Direction == MessageDirection.Outbound), m =>
            {
                Assert.Equal(MessageKind.BotReply, m.Kind);
                Assert.Equal(DeliveryState.Sent, m.DeliveryState);
            });
            Assert.Equal(0, await db.Messages.CountAsync(m => m.TicketId == null));
            Assert.Equal(0, await db.Outbox.CountAsync());
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Declining_the_article_opens_a_ticket_with_the_priority_service_and_target_chosen(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);

        var asked = await ana.SayAsync("reportar");
        Assert.Contains("Describe el problema", asked.Said());
        Assert.All(asked.Replies, r => Assert.Empty(r.Inputs));

        var offered = await ana.SayAsync("La VPN no conecta desde casa");
        var suggestion = Assert.Single(offered.Replies);
        Assert.StartsWith("Esto puede resolverlo al momento: La VPN no conecta", suggestion.Text);
        Assert.Equal(["Esto lo ha resuelto", "No, abrir un ticket"], suggestion.Choices.Select(c => c.Label));
        Assert.EndsWith("1) Esto lo ha resuelto\n2) No, abrir un ticket", suggestion.ToPlainText());

        var impact = await ana.SayAsync("2");
        Assert.Equal(["Solo a mí", "A mi equipo o a varias personas", "A mucha gente o a toda la empresa"], impact.Replies.Single().Choices.Select(c => c.Label));
        var urgency = await ana.SayAsync("3");
        Assert.StartsWith("¿Cuánto te impide trabajar?", urgency.Said());
        var service = await ana.SayAsync("1");

        // The service of the suggested article comes first.
        Assert.Equal("VPN y acceso remoto", service.Replies.Single().Choices[0].Label);
        var created = await ana.SayAsync("1");

        var number = Assert.IsType<string>(created.TicketNumber);
        var said = created.Said();
        Assert.Contains($"He abierto el ticket {number}", said);
        Assert.Empty(created.Replies.Single().Facts); // a text message says it once
        Assert.Contains("P1 (crítica)", said);

        // P1 runs round the clock: 4 hours from Monday 10:00 in Madrid.
        Assert.Contains("lunes, 23 de noviembre de 2026 14:00", said);
        await desk.QueryAsync(async db =>
        {
            var ticket = await db.Tickets.Include(t => t.Service).Include(t => t.AssignmentGroup).SingleAsync();
            Assert.Equal((Impact.High, Urgency.High, Priority.P1), (ticket.Impact, ticket.Urgency, ticket.Priority));
            Assert.Equal("vpn", ticket.Service!.Code);
            Assert.Equal("Network", ticket.AssignmentGroup!.Name);
            Assert.Equal(ticket.CreatedAt + TimeSpan.FromHours(4), ticket.ResolutionDueAt);
            Assert.Equal(TicketStatus.New, ticket.Status);
            Assert.False(ticket.ResolvedAtFirstContact);
            Assert.Equal("La VPN no conecta desde casa", ticket.Title);
            Assert.Equal(ticket.Id, (await db.Conversations.SingleAsync()).CurrentTicketId);
            Assert.Equal(12, await db.Messages.CountAsync(m => m.TicketId == ticket.Id)); // six turns, six replies
            return 0;
        });
        Assert.Empty(desk.Scheduler.Scheduled);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task On_sms_a_problem_typed_freely_is_a_ticket_at_once_and_the_answers_set_its_priority(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);

        var opened = await ana.SayAsync("Outlook no recibe correo desde esta mañana");

        // Nothing waits on answers that may never come: the ticket exists now, its service taken from the article.
        var number = Assert.IsType<string>(opened.TicketNumber);
        var first = Assert.Single(opened.Replies);
        Assert.StartsWith($"He abierto el ticket {number}: \"Outlook no recibe correo desde esta mañana\". Prioridad P3 (media)", first.Text);
        Assert.Contains("Esto puede resolverlo al momento: Outlook no envía ni recibe correo", first.Text);
        Assert.EndsWith("1) Esto lo ha resuelto\n2) No, sigue sin resolverse", first.ToPlainText());
        var ticket = await desk.QueryAsync(db => db.Tickets.Include(t => t.Service).SingleAsync());
        Assert.Equal(("email", Priority.P3), (ticket.Service!.Code, ticket.Priority));

        var impact = await ana.SayAsync("no");
        Assert.StartsWith("¿A quién afecta el problema?", impact.Said());
        await ana.SayAsync("solo yo");
        var refined = await ana.SayAsync("2");

        Assert.Equal(number, refined.TicketNumber);
        Assert.StartsWith($"Gracias. {number} tiene ahora prioridad P4 (baja)", refined.Said());
        await desk.QueryAsync(async db =>
        {
            var updated = await db.Tickets.Include(t => t.Events).SingleAsync();
            Assert.Equal((Impact.Low, Urgency.Medium, Priority.P4), (updated.Impact, updated.Urgency, updated.Priority));
            Assert.Contains(updated.Events, e => e.Kind == TicketEventKind.PriorityChanged && e.Detail == "P3 → P4");
            Assert.Equal("Outlook no recibe correo desde esta mañana", updated.Description);
            Assert.Equal(0, await db.Messages.CountAsync(m => m.TicketId == null));
            Assert.Equal(8, await db.Messages.CountAsync(m => m.TicketId == updated.Id));
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_answer_is_filed_on_the_ticket_opened_at_once_only_while_it_is_the_requesters(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var opened = await ana.SayAsync("La pantalla del portátil se queda en negro");
        await ana.SayAsync("no");

        var again = await ana.SayAsync("morado");

        Assert.Equal(opened.TicketNumber, again.TicketNumber);
        var ticketId = await desk.QueryAsync(db => db.Tickets.Select(t => t.Id).SingleAsync());
        var filed = await desk.QueryAsync(db => db.Messages.Where(m => m.Body == "morado").Select(m => m.TicketId).SingleAsync());
        Assert.Equal(ticketId, filed);

        // An agent gives the ticket to someone else: the dialog's answers no longer go on it.
        await desk.QueryAsync(async db =>
        {
            var other = new Contact { DisplayName = "Luis Pérez", Language = "es", CreatedAt = desk.Time.GetUtcNow() };
            db.Contacts.Add(other);
            await db.SaveChangesAsync();
            return await db.Tickets.Where(t => t.Id == ticketId).ExecuteUpdateAsync(u => u.SetProperty(t => t.RequesterId, other.Id));
        });
        var orphan = await ana.SayAsync("violeta");

        Assert.Null(orphan.TicketNumber);
        Assert.Null(await desk.QueryAsync(db => db.Messages.Where(m => m.Body == "violeta").Select(m => m.TicketId).SingleAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task On_sms_the_article_still_solves_the_ticket_opened_at_once(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var opened = await ana.SayAsync("He olvidado la contraseña y no puedo entrar");

        var solved = await ana.SayAsync("1");

        Assert.Equal(opened.TicketNumber, solved.TicketNumber);
        Assert.Contains("resuelto al primer contacto", solved.Said());
        var ticket = await desk.QueryAsync(db => db.Tickets.Include(t => t.Service).SingleAsync());
        Assert.True(ticket.ResolvedAtFirstContact);
        Assert.Equal((TicketStatus.Closed, "account"), (ticket.Status, ticket.Service!.Code));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Without_a_matching_article_the_bot_goes_straight_to_the_questions_and_reasks_on_a_bad_answer(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);

        await peter.SayAsync("report");
        var impact = await peter.SayAsync("The coffee machine on floor 3 is leaking water");
        Assert.Equal("Who is affected by the problem?", impact.Said().Split('\n')[0]);
        var again = await peter.SayAsync("purple");
        Assert.StartsWith("Please choose who is affected", again.Said());
        var urgency = await peter.PressAsync(again.Choice("My team or several people"));
        var service = await peter.PressAsync(urgency.Choice("It can wait"));
        Assert.Equal(7, service.Replies.Single().Choices.Count);
        var created = await peter.PressAsync(service.Choice("General IT help"));

        var card = created.Replies.Single();
        Assert.Equal($"Ticket {created.TicketNumber} created", card.Title);
        Assert.Equal(["Ticket", "Priority", "Service", "Resolve by"], card.Facts.Select(f => f.Label));
        Assert.Equal("P4 (low)", card.Facts[1].Value);
        Assert.Equal(["Add information"], card.Choices.Select(c => c.Label));

        // An answer to a question that is closed does nothing.
        var stale = await peter.PressAsync(urgency.Choice("I cannot work: it is urgent"));
        Assert.StartsWith("That question is no longer open", stale.Said());
        Assert.Equal(1, await desk.QueryAsync(db => db.Tickets.CountAsync()));
    }

    [Fact]
    public async Task Cancel_leaves_the_report_without_a_ticket()
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite);
        var ana = ChatUser.Sms(desk);

        await ana.SayAsync("reportar");
        await ana.SayAsync("La impresora de la planta 2 no imprime");
        var cancelled = await ana.SayAsync("Cancelar");

        Assert.StartsWith("De acuerdo, lo dejamos", cancelled.Said());
        Assert.Equal(0, await desk.QueryAsync(db => db.Tickets.CountAsync()));
        Assert.Equal(3, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound && m.TicketId == null)));
    }
}
