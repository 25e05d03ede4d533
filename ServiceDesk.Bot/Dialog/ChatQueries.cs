using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// The lookups of every chat turn, compiled once (EF's per-call expression processing costs as much as the
/// database does on this path). A compiled query belongs to one model: one set per provider's model.
/// </summary>
internal sealed class ChatQueries
{
    private static readonly ConditionalWeakTable<IModel, ChatQueries> PerModel = [];

    public static ChatQueries For(ServiceDeskDbContext db) => PerModel.GetValue(db.Model, _ => new ChatQueries());

    /// <summary>A ticket of the requester's with its service (what a report's answers refine).</summary>
    public readonly Func<ServiceDeskDbContext, long, long, CancellationToken, Task<Ticket?>> RequestersTicket =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, long id, long requesterId, CancellationToken ct) =>
            db.Tickets.Include(t => t.Service).FirstOrDefault(t => t.Id == id && t.RequesterId == requesterId));
}
