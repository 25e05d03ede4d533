using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>
/// A first message from someone the desk does not know: the contact, the conversation, the message, the replies and the
/// dialog state are stored together, and on SQLite (keys taken first) without a save of their own for the ids they name.
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
        if (provider == DatabaseProvider.Sqlite)
        {
            Assert.Equal(1, saves.Count);
        }

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
        if (provider == DatabaseProvider.Sqlite)
        {
            Assert.Equal(2, saves.Count);
        }

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
        Assert.Contains($"\"firstMessageId\":{inbound.Id}", conversation.DialogState);
        Assert.Equal(0, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.TicketId == null)));
    }

    /// <summary>Counts the saves of every context, from the last <see cref="Reset"/> on (the desk's set-up saves too).</summary>
    private sealed class CountingSaves : SaveChangesInterceptor
    {
        private int _count;

        public int Count => _count;

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public void Register(IServiceCollection services)
        {
            services.ConfigureDbContext<SqliteServiceDeskDbContext>(o => o.AddInterceptors(this));
            services.ConfigureDbContext<PostgreSqlServiceDeskDbContext>(o => o.AddInterceptors(this));
        }

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _count);
            return base.SavedChangesAsync(eventData, result, cancellationToken);
        }
    }
}
