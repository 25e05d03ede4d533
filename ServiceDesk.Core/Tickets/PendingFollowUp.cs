using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Core.Tickets;

/// <summary>The next thing the desk does about a Pending ticket nobody answers: a reminder, or resolving it.</summary>
/// <param name="Reminder">The number of that reminder (1-based); meaningless when <paramref name="Resolves"/>.</param>
/// <param name="Reminders">How many reminders a Pending ticket gets at most.</param>
public sealed record PendingFollowUpStep(DateTimeOffset DueAt, bool Resolves, int Reminder, int Reminders);

/// <summary>
/// Chases requesters who leave a Pending ticket unanswered: up to <c>Desk:PendingReminders</c> reminders on
/// their channel, <c>Desk:PendingReminderAfter</c> apart, then (unless <c>Desk:ResolveUnansweredPending</c> is
/// off) resolves the ticket for no response. The state is the ticket's reminder count and the time of the last
/// one, changed in the same transaction as the notice: a second run, or a second instance racing this one,
/// finds nothing due (the loser's write fails on the ticket's concurrency token and is retried from scratch).
/// </summary>
public sealed partial class PendingFollowUp(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    SlaClock sla,
    TicketNumber numbers,
    IOptions<PendingFollowUpOptions> options,
    TimeProvider time,
    ILogger<PendingFollowUp> logger)
{
    private const int BatchSize = 200;

    // How much of the agent's question a reminder quotes: a reminder, not a copy of the thread.
    private const int QuoteLength = 160;
    private const int SmsQuoteLength = 60;

    /// <summary>What is due next for this ticket, or null when nothing will happen (not Pending, or nothing configured).</summary>
    public PendingFollowUpStep? NextStepFor(Ticket ticket)
    {
        var o = options.Value;
        if (ticket.Status != TicketStatus.Pending || ticket.SlaPausedAt is not { } paused)
        {
            return null;
        }

        var resolves = ticket.PendingRemindersSent >= o.PendingReminders;
        if (resolves && !o.ResolveUnansweredPending)
        {
            return null;
        }

        var since = ticket.PendingReminderSentAt ?? paused;
        return new PendingFollowUpStep(WorkingMomentFrom(since + o.PendingReminderAfter), resolves, ticket.PendingRemindersSent + 1, o.PendingReminders);
    }

    /// <summary>The next step for a ticket by id, for showing it to agents.</summary>
    public async Task<PendingFollowUpStep?> NextStepAsync(long ticketId, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == ticketId, cancellationToken);
        return ticket is null ? null : NextStepFor(ticket);
    }

    /// <summary>Sends the reminders and resolutions that are due, in batches.</summary>
    /// <returns>How many tickets were reminded or resolved.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.PendingReminders == 0 && !o.ResolveUnansweredPending)
        {
            return 0;
        }

        var total = 0;
        while (true)
        {
            var (acted, full) = await RunBatchAsync(cancellationToken);
            total += acted;

            // Every ticket acted on leaves the selection (its clock restarts or it is resolved), so this ends.
            if (!full)
            {
                return total;
            }
        }
    }

    private async Task<(int Acted, bool Full)> RunBatchAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var queued = new List<OutboxMessage>();
        var reminded = 0;
        var resolved = 0;
        var result = await transaction.RunAsync<(int Acted, bool Full)>(
            async ct =>
            {
                queued.Clear();
                reminded = resolved = 0;
                var now = time.GetUtcNow();

                // Clock time is a lower bound of the due time (business hours only push it later), so this
                // pre-selects in SQL; oldest first, because due times grow with the time the silence began.
                var cutoff = now - o.PendingReminderAfter;
                var max = o.PendingReminders;
                var resolve = o.ResolveUnansweredPending;
                var candidates = await db.Tickets
                    .Include(t => t.Requester).ThenInclude(c => c.Identities)
                    .Where(t => t.Status == TicketStatus.Pending && (resolve || t.PendingRemindersSent < max))
                    .Where(t => (t.PendingReminderSentAt ?? t.SlaPausedAt) <= cutoff)
                    .OrderBy(t => t.PendingReminderSentAt ?? t.SlaPausedAt).ThenBy(t => t.Id)
                    .Take(BatchSize)
                    .ToListAsync(ct);
                var acted = 0;
                foreach (var ticket in candidates)
                {
                    if (NextStepFor(ticket) is not { } step || step.DueAt > now)
                    {
                        break;
                    }

                    var notice = step.Resolves
                        ? await ResolveAsync(ticket, now, ct)
                        : await RemindAsync(ticket, step, now, ct);
                    if (notice is not null)
                    {
                        queued.Add(notice);
                    }

                    if (step.Resolves)
                    {
                        resolved++;
                    }
                    else
                    {
                        reminded++;
                    }

                    acted++;
                }

                await db.SaveChangesAsync(ct);
                return (acted, candidates.Count == BatchSize && acted == candidates.Count);
            },
            cancellationToken);

        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }

        if (result.Acted > 0)
        {
            LogFollowedUp(reminded, resolved);
        }

        return result;
    }

    private async Task<OutboxMessage?> ResolveAsync(Ticket ticket, DateTimeOffset now, CancellationToken ct)
    {
        ticket.ResolveForNoResponse(sla, now);
        return await notifier.StatusChangedAsync(ticket, ct);
    }

    private async Task<OutboxMessage?> RemindAsync(Ticket ticket, PendingFollowUpStep step, DateTimeOffset now, CancellationToken ct)
    {
        var o = options.Value;
        var question = await LastQuestionAsync(ticket.Id, ct);

        // The last reminder says when the ticket will be resolved, so the silence has a visible consequence.
        DateTimeOffset? resolvesAt = step.Reminder >= o.PendingReminders && o.ResolveUnansweredPending
            ? WorkingMomentFrom(now + o.PendingReminderAfter)
            : null;
        Channel? channel = null;
        var notice = await notifier.AutomaticForChannelAsync(
            ticket,
            MessageKind.StatusNotification,
            c =>
            {
                channel = c;
                return Compose(ticket, c, question, resolvesAt);
            },
            ct);
        var count = $"{step.Reminder}/{o.PendingReminders}";
        if (notice is not null)
        {
            ticket.RecordPendingReminder(sent: true, $"{count} via {channel}", now);
        }
        else
        {
            var why = ticket.AutomaticNoticesSuppressed ? "automatic notices suppressed" : "no reachable channel";
            ticket.RecordPendingReminder(sent: false, $"{count}: {why}", now);
        }

        return notice;
    }

    private (string Body, string Subject) Compose(Ticket ticket, Channel channel, string? question, DateTimeOffset? resolvesAt)
    {
        var language = ticket.Requester.Language;
        var number = numbers.Format(ticket.Id);
        var subject = NotificationTexts.Format("SubjectPendingReminder", language, ticket.Title);
        if (channel == Channel.Sms)
        {
            // One short text: the SMS sender makes it GSM-safe, but every extra segment is paid for.
            return (NotificationTexts.Format("PendingReminderSms", language, number, Brief(question ?? ticket.Title, SmsQuoteLength)), subject);
        }

        var opening = question is null
            ? NotificationTexts.Format("PendingReminder", language, ticket.Requester.DisplayName, number, ticket.Title)
            : NotificationTexts.Format("PendingReminderQuestion", language, ticket.Requester.DisplayName, number, Brief(question, QuoteLength));
        var howTo = NotificationTexts.Format(channel == Channel.Teams ? "PendingReminderHowToChat" : "PendingReminderHowToEmail", language);
        var body = opening + "\n\n" + howTo;
        if (resolvesAt is { } at)
        {
            var when = sla.ToBusinessTime(at).ToString("f", NotificationTexts.CultureFor(language));
            body += "\n\n" + NotificationTexts.Format("PendingReminderLast", language, when);
        }

        return (body, subject);
    }

    /// <summary>The agent's last public reply on the ticket, without the header the desk put above it.</summary>
    private async Task<string?> LastQuestionAsync(long ticketId, CancellationToken ct)
    {
        var body = await db.Messages
            .Where(m => m.TicketId == ticketId && m.Direction == MessageDirection.Outbound && m.Visibility == MessageVisibility.Public && m.Kind == MessageKind.AgentReply)
            .OrderByDescending(m => m.Id)
            .Select(m => m.Body)
            .FirstOrDefaultAsync(ct);
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        // Notifier.AgentReplyAsync sends "<agent> (<desk>) on ticket <n>:" and a blank line before the agent's words.
        var split = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (split > 0 && body[split - 1] == ':' && !body.AsSpan(0, split).Contains('\n'))
        {
            body = body[(split + 2)..];
        }

        return string.IsNullOrWhiteSpace(body) ? null : body;
    }

    private static string Brief(string text, int length)
    {
        var flat = Whitespace().Replace(text, " ").Trim();
        if (flat.Length <= length)
        {
            return flat;
        }

        // Cut at a word where one is near; "..." rather than an ellipsis character, which GSM-7 has not.
        var cut = flat.LastIndexOf(' ', length - 3);
        return flat[..(cut > length / 2 ? cut : length - 3)].TrimEnd() + "...";
    }

    /// <summary>
    /// The first working moment at or after <paramref name="instant"/> on the SLA calendar: one tick of working
    /// time ends one tick after it (inside business hours) or one tick after the next opening (outside).
    /// </summary>
    private DateTimeOffset WorkingMomentFrom(DateTimeOffset instant) =>
        sla.AddWorkingTime(instant, TimeSpan.FromTicks(1)) - TimeSpan.FromTicks(1);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [LoggerMessage(Level = LogLevel.Information, Message = "Pending follow-up: {Reminded} reminders queued, {Resolved} tickets resolved for no response")]
    private partial void LogFollowedUp(int reminded, int resolved);
}
