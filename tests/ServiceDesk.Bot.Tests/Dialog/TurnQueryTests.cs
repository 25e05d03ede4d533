using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>
/// What a chat turn reads before its save. On PostgreSQL, where every statement is a round trip, the conversation comes
/// with its current ticket, and an answer to the report that ticket was opened for is filed on it without a query of its
/// own to check that the ticket is still the requester's.
/// </summary>
public class TurnQueryTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_answer_to_the_report_question_is_filed_on_its_ticket_with_the_conversation_as_the_only_read_on_postgresql(DatabaseProvider provider)
    {
        var reads = new CountingReads();
        await using var desk = await BotDesk.CreateAsync(provider, configure: reads.Register);
        var ana = ChatUser.Sms(desk);
        var opened = await ana.SayAsync("La pantalla del portátil se queda en negro");
        reads.Reset();

        var answered = await ana.SayAsync("Más detalles: sale una raya azul");
        var turnReads = reads.Count;

        // The conversation (with its contact, and on PostgreSQL its current ticket); on SQLite the ownership check is a query.
        Assert.Equal(provider == DatabaseProvider.PostgreSql ? 1 : 2, turnReads);
        Assert.Equal(opened.TicketNumber, answered.TicketNumber);
        var ticketId = await desk.QueryAsync(db => db.Tickets.Select(t => t.Id).SingleAsync());
        Assert.Equal(ticketId, await desk.QueryAsync(db => db.Messages.Where(m => m.Body == "Más detalles: sale una raya azul").Select(m => m.TicketId).SingleAsync()));
    }

    /// <summary>Counts the SELECT statements of every context from the last <see cref="Reset"/> on.</summary>
    private sealed class CountingReads : DbCommandInterceptor
    {
        private int _count;

        public int Count => _count;

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public void Register(IServiceCollection services)
        {
            services.ConfigureDbContext<SqliteServiceDeskDbContext>(o => o.AddInterceptors(this));
            services.ConfigureDbContext<PostgreSqlServiceDeskDbContext>(o => o.AddInterceptors(this));
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _count);
            }

            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
