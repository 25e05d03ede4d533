using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Messages;

/// <summary>
/// Applies what a channel reports later about an outbound message (a Twilio status callback):
/// found by the channel's id, or by the outbox delivery key when the send's answer never arrived.
/// States only move forward, so callbacks arriving out of order change nothing.
/// </summary>
public sealed partial class DeliveryTracking(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    TimeProvider time,
    ILogger<DeliveryTracking> logger)
{
    /// <summary>How far along a state is; a report never lowers it. Delivered and Failed are both final.</summary>
    public static int Rank(DeliveryState state) => state switch
    {
        DeliveryState.Unconfirmed => 0,
        DeliveryState.Queued => 1,
        DeliveryState.Sent => 2,
        DeliveryState.Delivered or DeliveryState.Failed => 3,
        _ => -1,
    };

    /// <param name="deliveryKey">The outbox row's key, when the channel echoes it (it lets an unconfirmed send be confirmed).</param>
    public Task<DeliveryReportOutcome> ReportAsync(
        Channel channel,
        string externalId,
        Guid? deliveryKey,
        DeliveryState state,
        string? error,
        CancellationToken cancellationToken) =>
        ReportAsync(channel, externalId, deliveryKey, state, error, recipientUnreachable: false, cancellationToken);

    /// <param name="deliveryKey">The outbox row's key, when the channel echoes it (it lets an unconfirmed send be confirmed).</param>
    /// <param name="recipientUnreachable">
    /// A failure that says the address itself is dead (an unknown or landline number): the identity is marked
    /// unreachable and the ticket records it, as when the send itself is refused that way.
    /// </param>
    public async Task<DeliveryReportOutcome> ReportAsync(
        Channel channel,
        string externalId,
        Guid? deliveryKey,
        DeliveryState state,
        string? error,
        bool recipientUnreachable,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(externalId);
        var outcome = await transaction.RunAsync(
            async ct =>
            {
                var message = await db.Messages.SingleOrDefaultAsync(m => m.Channel == channel && m.ExternalId == externalId && m.Direction == MessageDirection.Outbound, ct);
                OutboxMessage? row = null;
                if (message is null && deliveryKey is { } key)
                {
                    row = await db.Outbox.Include(o => o.Message).SingleOrDefaultAsync(o => o.DeliveryKey == key, ct);
                    message = row?.Message is { } keyed && keyed.Channel == channel && keyed.ExternalId is null ? keyed : null;
                    message?.ExternalId = externalId;
                }

                if (message is null)
                {
                    return DeliveryReportOutcome.UnknownMessage;
                }

                if (Rank(state) <= Rank(message.DeliveryState))
                {
                    await db.SaveChangesAsync(ct);
                    return DeliveryReportOutcome.Ignored;
                }

                var now = time.GetUtcNow();
                var wasUnconfirmed = message.DeliveryState == DeliveryState.Unconfirmed;
                message.DeliveryState = state;
                var ticket = message.TicketId is { } ticketId ? await db.Tickets.SingleAsync(t => t.Id == ticketId, ct) : null;
                if (wasUnconfirmed)
                {
                    // The channel saw it, so the interrupted attempt did go out: the outbox row is done.
                    row ??= await db.Outbox.SingleOrDefaultAsync(o => o.MessageId == message.Id, ct);
                    if (row is { State: OutboxState.Unconfirmed })
                    {
                        row.State = OutboxState.Sent;
                        row.SentAt = now;
                    }
                }

                if (state == DeliveryState.Failed)
                {
                    message.DeliveryError = error;
                    ticket?.Record(TicketEventKind.DeliveryFailed, "system", now, $"{channel}: {error}");
                    if (recipientUnreachable && message.Recipient is { } recipient)
                    {
                        await MarkUnreachableAsync(ticket, channel, recipient, error, now, ct);
                    }
                }
                else
                {
                    message.DeliveryError = null;
                }

                await db.SaveChangesAsync(ct);
                return DeliveryReportOutcome.Applied;
            },
            cancellationToken);

        if (outcome == DeliveryReportOutcome.UnknownMessage)
        {
            LogUnknown(channel, externalId);
        }

        return outcome;
    }

    private async Task MarkUnreachableAsync(Ticket? ticket, Channel channel, string recipient, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var address = ContactIdentity.Normalize(channel, recipient);
        var identity = await db.ContactIdentities.SingleOrDefaultAsync(i => i.Channel == channel && i.Address == address, cancellationToken);
        if (identity is null || identity.Unreachable)
        {
            return;
        }

        identity.Unreachable = true;
        identity.UnreachableReason = reason;
        ticket?.Record(TicketEventKind.ContactUnreachable, "system", now, $"{channel} {recipient}");
        LogUnreachable(channel, recipient, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} address {Address} marked unreachable from a delivery report: {Reason}")]
    private partial void LogUnreachable(Channel channel, string address, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report for unknown {Channel} message {ExternalId} ignored")]
    private partial void LogUnknown(Channel channel, string externalId);
}

public enum DeliveryReportOutcome
{
    Applied,

    /// <summary>The message is already as far or further along (an out-of-order or repeated report).</summary>
    Ignored,
    UnknownMessage,
}
