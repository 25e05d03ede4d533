using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// Lookups the dialogs make on most turns, compiled once: EF's per-call expression processing costs as much as the
/// database does. A compiled query belongs to one model, and each provider has its own, hence one set per model.
/// </summary>
internal sealed class DialogQueries
{
    private static readonly ConditionalWeakTable<IModel, DialogQueries> PerModel = [];

    public static DialogQueries For(ServiceDeskDbContext db) => PerModel.GetValue(db.Model, _ => new DialogQueries());

    /// <summary>Whether a ticket is (still) the requester's: all an answer about it needs to be filed on it.</summary>
    public readonly Func<ServiceDeskDbContext, long, long, CancellationToken, Task<bool>> IsRequestersTicket =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, long id, long requesterId, CancellationToken ct) =>
            db.Tickets.Any(t => t.Id == id && t.RequesterId == requesterId));
}
