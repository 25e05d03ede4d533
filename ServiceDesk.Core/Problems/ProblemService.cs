using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Problems;

/// <summary>The changes an agent makes to a problem record; null members stay as they are.</summary>
public sealed record ProblemChanges(ProblemStatus? Status = null, string? RootCause = null, string? Workaround = null);

/// <summary>Problem records and the incidents linked to them.</summary>
public sealed class ProblemService(ServiceDeskDbContext db, WriteTransaction transaction, IDeskEvents events, TimeProvider time)
{
    /// <summary>Records a problem, optionally from the incident that revealed it (which is linked at once).</summary>
    /// <exception cref="DomainRuleException">The incident is a service request.</exception>
    public async Task<Problem> CreateAsync(string title, string description, string actor, long? fromTicketId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        var problem = await transaction.RunAsync(
            async ct =>
            {
                var now = time.GetUtcNow();
                var created = new Problem { Title = title.Trim(), Description = description.Trim(), CreatedBy = actor, CreatedAt = now, UpdatedAt = now };
                db.Problems.Add(created);
                await db.SaveChangesAsync(ct);
                if (fromTicketId is { } ticketId && await db.Tickets.FirstOrDefaultAsync(t => t.Id == ticketId, ct) is { } ticket)
                {
                    ticket.LinkProblem(created, actor, now);
                    await db.SaveChangesAsync(ct);
                }

                return created;
            },
            cancellationToken);
        if (fromTicketId is { } id)
        {
            await events.TicketChangedAsync(id, cancellationToken);
        }

        return problem;
    }

    /// <summary>Links an incident to a problem, or unlinks it when <paramref name="problemId"/> is null.</summary>
    /// <returns>False when the ticket or the problem does not exist.</returns>
    public async Task<bool> LinkAsync(long ticketId, long? problemId, string actor, CancellationToken cancellationToken)
    {
        var linked = await transaction.RunAsync(
            async ct =>
            {
                var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == ticketId, ct);
                Problem? problem = null;
                if (ticket is null || (problemId is { } id && (problem = await db.Problems.FirstOrDefaultAsync(p => p.Id == id, ct)) is null))
                {
                    return false;
                }

                ticket.LinkProblem(problem, actor, time.GetUtcNow());
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
        if (linked)
        {
            await events.TicketChangedAsync(ticketId, cancellationToken);
        }

        return linked;
    }

    /// <returns>The updated problem, or null when it does not exist.</returns>
    public Task<Problem?> UpdateAsync(long problemId, ProblemChanges changes, CancellationToken cancellationToken) =>
        transaction.RunAsync(
            async ct =>
            {
                var problem = await db.Problems.FirstOrDefaultAsync(p => p.Id == problemId, ct);
                if (problem is null)
                {
                    return null;
                }

                var now = time.GetUtcNow();
                if (changes.RootCause is { } cause)
                {
                    problem.RootCause = cause.Trim();
                }

                if (changes.Workaround is { } workaround)
                {
                    problem.Workaround = workaround.Trim();
                }

                if (changes.Status is { } status && status != problem.Status)
                {
                    problem.Status = status;
                    problem.ResolvedAt = status is ProblemStatus.Resolved or ProblemStatus.Closed ? problem.ResolvedAt ?? now : null;
                }

                problem.UpdatedAt = now;
                await db.SaveChangesAsync(ct);
                return problem;
            },
            cancellationToken);
}
