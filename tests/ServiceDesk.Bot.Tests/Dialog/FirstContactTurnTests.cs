using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDesk.Bot.Dialog;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>
/// A first message from someone the desk does not know: the contact, the conversation, the message, the replies and the
/// dialog state are stored together, without a save of their own for the ids they name (keys taken first: on SQLite as the
/// next ones of the tables, on PostgreSQL from the sequences), and so is a ticket the message opens. The turns that follow
/// are one save each too.
/// </summary>
public class FirstContactTurnTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_first_greeting_stores_the_contact_conversation_message_and_state_together(DatabaseProvider provider)
    {
        var saves = new CountingSaves();
        await using var desk = await BotDesk.CreateAsync(provider, configure: saves.Register);
        var ana = ChatUser.Sms(desk);
        saves.Reset();

        var greeted = await ana.SayAsync("hola");

        Assert.NotEmpty(greeted.Replies);
        Assert.Null(greeted.TicketNumber);
        Assert.Equal(1, saves.Count);

        var conversation = await desk.ConversationAsync(ana);
        Assert.Equal(1, conversation.Version);
        Assert.Contains("\"numbered\":true", conversation.DialogState);
        var contact = await desk.QueryAsync(db => db.Contacts.Include(c => c.Identities).SingleAsync());
        Assert.Equal(contact.Id, conversation.ContactId);
        Assert.Equal(ana.Address, Assert.Single(contact.Identities).Address);
        var messages = await desk.QueryAsync(db => db.Messages.AsNoTracking().OrderBy(m => m.Id).ToListAsync());
        Assert.Equal(1 + greeted.Replies.Count, messages.Count);
        Assert.Equal("hola", messages[0].Body);
        Assert.Equal(contact.Id, messages[0].AuthorContactId);
        Assert.All(messages, m => Assert.Equal(conversation.Id, m.ConversationId));
        Assert.All(messages.Skip(1), m => Assert.Equal(MessageKind.BotReply, m.Kind));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_first_problem_opens_its_ticket_and_files_the_message_on_it(DatabaseProvider provider)
    {
        var saves = new CountingSaves();
        await using var desk = await BotDesk.CreateAsync(provider, configure: saves.Register);
        var ana = ChatUser.Sms(desk);
        saves.Reset();

        var opened = await ana.SayAsync("El portátil no arranca");

        var number = Assert.IsType<string>(opened.TicketNumber);
        Assert.Contains(number, opened.Said());
        Assert.Equal(1, saves.Count);

        var contact = await desk.QueryAsync(db => db.Contacts.SingleAsync());
        var ticket = await desk.QueryAsync(db => db.Tickets.Include(t => t.Events).Include(t => t.Messages).SingleAsync());
        Assert.Equal($"SD-{ticket.Id}", number);
        Assert.Equal(contact.Id, ticket.RequesterId);
        Assert.All(ticket.Events, e => Assert.Equal($"contact:{contact.Id}", e.Actor));
        var inbound = Assert.Single(ticket.Messages, m => m.Direction == MessageDirection.Inbound);
        Assert.Equal("El portátil no arranca", inbound.Body);
        Assert.Equal(contact.Id, inbound.AuthorContactId);
        var conversation = await desk.ConversationAsync(ana);
        Assert.Equal(ticket.Id, conversation.CurrentTicketId);
        Assert.Contains("\"firstMessageId\":0", conversation.DialogState);
        Assert.Equal(0, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.TicketId == null)));
    }

    /// <summary>
    /// The report a first message starts begins with the conversation (its state names no message, so the turn takes no key
    /// before its save): a ticket the report opens later still takes the conversation's unfiled messages, and only those.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_ticket_the_first_report_opens_later_takes_the_conversations_unfiled_messages(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var opened = await ana.SayAsync("He olvidado la contraseña y no puedo entrar");
        var firstTicket = await desk.QueryAsync(db => db.Tickets.Select(t => t.Id).SingleAsync());

        // An agent gives the ticket to someone else: the report's answers no longer go on it.
        await desk.QueryAsync(async db =>
        {
            var other = new Contact { DisplayName = "Luis Pérez", Language = "es", CreatedAt = desk.Time.GetUtcNow() };
            db.Contacts.Add(other);
            await db.SaveChangesAsync();
            return await db.Tickets.Where(t => t.Id == firstTicket).ExecuteUpdateAsync(u => u.SetProperty(t => t.RequesterId, other.Id));
        });
        await ana.SayAsync("me sale un mensaje raro");
        var solved = await ana.SayAsync("1");

        Assert.NotNull(solved.TicketNumber);
        Assert.NotEqual(opened.TicketNumber, solved.TicketNumber);
        var secondTicket = await desk.QueryAsync(db => db.Tickets.Where(t => t.Id != firstTicket).Select(t => t.Id).SingleAsync());
        var filed = await desk.QueryAsync(db => db.Messages.AsNoTracking().OrderBy(m => m.Id).Select(m => new { m.Body, m.TicketId }).ToListAsync());
        Assert.Equal(firstTicket, filed.Single(m => m.Body == "He olvidado la contraseña y no puedo entrar").TicketId);
        Assert.Equal(secondTicket, filed.Single(m => m.Body == "me sale un mensaje raro").TicketId);
        Assert.DoesNotContain(filed, m => m.TicketId == null);
        Assert.Equal(
            filed.Count(m => m.TicketId == firstTicket),
            filed.TakeWhile(m => m.Body != "me sale un mensaje raro").Count());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_turns_that_follow_are_one_save_each(DatabaseProvider provider)
    {
        var saves = new CountingSaves();
        await using var desk = await BotDesk.CreateAsync(provider, configure: saves.Register);
        var ana = ChatUser.Sms(desk);
        var opened = await ana.SayAsync("El portátil no arranca");
        var number = Assert.IsType<string>(opened.TicketNumber);

        async Task<ChatTurnResult> OneSaveAsync(string text)
        {
            saves.Reset();
            var turn = await ana.SayAsync(text);
            Assert.Equal(1, saves.Count);
            return turn;
        }

        // An answer the report question does not take, the status, an append to the open ticket.
        await OneSaveAsync("Más detalles: la pantalla sigue negra");
        await OneSaveAsync("cancelar");
        Assert.Contains(number, (await OneSaveAsync("estado")).Said());
        Assert.Equal(number, (await OneSaveAsync("Ahora también sale un error 0x80")).TicketNumber);

        // A report that asks for its description first: the message it starts at is named in the state saved with it.
        var asked = await OneSaveAsync("reportar");
        Assert.Null(asked.TicketNumber);
        var first = await desk.QueryAsync(db => db.Messages.Where(m => m.Direction == MessageDirection.Inbound).MaxAsync(m => m.Id));
        Assert.Contains($"\"firstMessageId\":{first}", (await desk.ConversationAsync(ana)).DialogState);
        var messages = await desk.QueryAsync(db => db.Messages.AsNoTracking().Where(m => m.Id >= first).OrderBy(m => m.Id).ToListAsync());
        Assert.Equal("reportar", messages[0].Body);
        Assert.Equal(asked.Replies.Count, messages.Skip(1).Count(m => m.Kind == MessageKind.BotReply));
    }

    /// <summary>
    /// On PostgreSQL, where every statement is a round trip, the conversation comes with its current ticket, and an answer to
    /// the report that ticket was opened for is filed on it without a query of its own to check it is still the requester's.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_answer_to_the_report_question_reads_only_the_conversation_on_postgresql(DatabaseProvider provider)
    {
        var saves = new CountingSaves();
        await using var desk = await BotDesk.CreateAsync(provider, configure: saves.Register);
        var ana = ChatUser.Sms(desk);
        var opened = await ana.SayAsync("La pantalla del portátil se queda en negro");
        saves.Reset();

        var answered = await ana.SayAsync("Más detalles: sale una raya azul");
        var reads = saves.Reads;

        // The conversation (with its contact, and on PostgreSQL its current ticket); on SQLite the ownership check is a query.
        Assert.Equal(provider == DatabaseProvider.PostgreSql ? 1 : 2, reads);
        Assert.Equal(1, saves.Count);
        Assert.Equal(opened.TicketNumber, answered.TicketNumber);
        var ticketId = await desk.QueryAsync(db => db.Tickets.Select(t => t.Id).SingleAsync());
        Assert.Equal(ticketId, await desk.QueryAsync(db => db.Messages.Where(m => m.Body == "Más detalles: sale una raya azul").Select(m => m.TicketId).SingleAsync()));
    }

    /// <summary>
    /// Counts the saves, and the SELECT statements, of every context from the last <see cref="Reset"/> on (the desk's set-up
    /// saves too). A save is counted as EF reports it done (the Update log's SaveChangesCompleted), which SaveChanges and the
    /// row writer that saves a turn on SQLite both report; a SaveChanges interceptor would leave every save to SaveChanges.
    /// </summary>
    private sealed class CountingSaves : IDbCommandInterceptor, ILoggerProvider
    {
        private int _count;
        private int _reads;

        public int Count => _count;

        public int Reads => _reads;

        public void Reset()
        {
            Interlocked.Exchange(ref _count, 0);
            Interlocked.Exchange(ref _reads, 0);
        }

        public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _reads);
            }

            return ValueTask.FromResult(result);
        }

        public void Register(IServiceCollection services)
        {
            services.AddDeskInterceptor(this);
            services.AddLogging(b => b.AddProvider(this).AddFilter<CountingSaves>(DbLoggerCategory.Update.Name, LogLevel.Debug));
        }

        public ILogger CreateLogger(string categoryName) => new SaveLog(categoryName == DbLoggerCategory.Update.Name ? this : null);

        public void Dispose()
        {
        }

        private sealed class SaveLog(CountingSaves? saves) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => saves is not null;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (saves is not null && eventId.Id == CoreEventId.SaveChangesCompleted.Id)
                {
                    Interlocked.Increment(ref saves._count);
                }
            }
        }
    }
}
