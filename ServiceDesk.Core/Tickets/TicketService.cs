using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Core.Tickets;

/// <summary>A requester named by an agent or an integration when opening a ticket for them.</summary>
public sealed record RequesterDetails(string? Name, string? Email, string? Phone, string? Language);

public sealed record NewTicket(
    TicketType Type,
    string Title,
    string Description,
    RequesterDetails Requester,
    Impact Impact,
    Urgency Urgency,
    string? ServiceCode);

/// <summary>The changes an agent asks for; null members stay as they are.</summary>
public sealed record TicketChanges(
    TicketStatus? Status = null,
    Impact? Impact = null,
    Urgency? Urgency = null,
    Priority? Priority = null,
    string? ServiceCode = null,
    string? Group = null,
    string? Assignee = null,
    bool ClearAssignee = false);

/// <summary>What agents and integrations do to tickets; every change is audited and notified in one transaction.</summary>
public sealed class TicketService(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    SlaClock sla,
    IOptions<DeskOptions> desk,
    TimeProvider time,
    Conversations.IDeskEvents events)
{
    public async Task<Ticket> CreateAsync(NewTicket request, string actor, CancellationToken cancellationToken)
    {
        var queued = new List<OutboxMessage>();
        var ticket = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var now = time.GetUtcNow();
                var requester = await FindOrCreateRequesterAsync(request.Requester, now, ct);
                var service = await FindServiceAsync(request.ServiceCode ?? Intake.IntakeService.DefaultServiceCode, ct);
                var created = Ticket.Create(request.Type, request.Title, request.Description, requester, Channel.Web, request.Impact, request.Urgency, service, actor, sla, now);
                db.Tickets.Add(created);
                await db.SaveChangesAsync(ct);
                if (await notifier.AcknowledgeAsync(created, via: null, ct) is { } notice)
                {
                    queued.Add(notice);
                }

                await db.SaveChangesAsync(ct);
                return created;
            },
            cancellationToken);
        ScheduleAll(queued);
        return ticket;
    }

    /// <returns>The updated ticket, or null when no ticket has that id.</returns>
    public Task<Ticket?> UpdateAsync(long ticketId, TicketChanges changes, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(
            ticketId,
            async (ticket, now, queued, ct) =>
            {
                if (changes.ServiceCode is { } code)
                {
                    var service = await FindServiceAsync(code, ct)
                        ?? throw new DomainRuleException("unknown_service", $"There is no service '{code}' in the catalogue.");
                    ticket.ChangeService(service, actor, sla, now);
                }

                if (changes.Group is { } groupName)
                {
                    var group = await db.AssignmentGroups.FirstOrDefaultAsync(g => g.Name == groupName, ct)
                        ?? throw new DomainRuleException("unknown_group", $"There is no assignment group '{groupName}'.");
                    ticket.AssignGroup(group, actor, now);
                }

                if (changes.Impact is not null || changes.Urgency is not null)
                {
                    ticket.Reprioritize(changes.Impact ?? ticket.Impact, changes.Urgency ?? ticket.Urgency, actor, sla, now);
                }

                if (changes.Priority is { } priority)
                {
                    ticket.OverridePriority(priority, actor, sla, now);
                }

                if (changes.Assignee is not null || changes.ClearAssignee)
                {
                    ticket.AssignTo(changes.ClearAssignee ? null : changes.Assignee, actor, now);
                }

                if (changes.Status is { } status)
                {
                    ticket.ChangeStatus(status, actor, sla, now);
                    if (await notifier.StatusChangedAsync(ticket, ct) is { } notice)
                    {
                        queued.Add(notice);
                    }
                }

                return ticket;
            },
            cancellationToken);

    /// <summary>A public reply (delivered to the requester) or an internal note.</summary>
    /// <returns>The stored message, or null when no ticket has that id.</returns>
    public Task<Message?> CommentAsync(long ticketId, string text, MessageVisibility visibility, string author, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(
            ticketId,
            async (ticket, now, queued, ct) =>
            {
                if (ticket.Status == TicketStatus.Closed && visibility == MessageVisibility.Public)
                {
                    throw new DomainRuleException("ticket_closed", "The ticket is closed; a public reply is no longer possible.");
                }

                Message stored;
                if (visibility == MessageVisibility.Internal)
                {
                    stored = new Message
                    {
                        Channel = Channel.Web,
                        Direction = MessageDirection.Outbound,
                        Visibility = MessageVisibility.Internal,
                        Kind = MessageKind.AgentReply,
                        Body = text,
                        Author = author,
                        DeliveryState = DeliveryState.NotApplicable,
                        CreatedAt = now,
                    };
                    ticket.Messages.Add(stored);
                    ticket.Record(TicketEventKind.InternalNote, actor, now, null);
                }
                else
                {
                    ticket.RecordPublicReply(actor, now);
                    var notice = await notifier.AgentReplyAsync(ticket, author, text, ct);
                    if (notice is null)
                    {
                        throw new DomainRuleException("requester_unreachable", "The requester has no channel the desk can reach; add an internal note instead.");
                    }

                    queued.Add(notice);
                    stored = notice.Message;
                }

                return stored;
            },
            cancellationToken);

    /// <summary>
    /// Loads a ticket, applies a change in one transaction and hands the notifications it queued to the
    /// job system once committed. Null when no ticket has that id.
    /// </summary>
    private async Task<T?> ChangeAsync<T>(
        long ticketId,
        Func<Ticket, DateTimeOffset, List<OutboxMessage>, CancellationToken, Task<T>> change,
        CancellationToken cancellationToken)
        where T : class
    {
        var queued = new List<OutboxMessage>();
        var result = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var ticket = await LoadAsync(ticketId, ct);
                if (ticket is null)
                {
                    return null;
                }

                var changed = await change(ticket, time.GetUtcNow(), queued, ct);
                await db.SaveChangesAsync(ct);
                return changed;
            },
            cancellationToken);
        ScheduleAll(queued);
        if (result is not null)
        {
            await events.TicketChangedAsync(ticketId, cancellationToken);
        }

        return result;
    }

    private Task<Ticket?> LoadAsync(long id, CancellationToken ct) =>
        db.Tickets
            .Include(t => t.Requester).ThenInclude(c => c.Identities)
            .Include(t => t.Service).ThenInclude(s => s!.AssignmentGroup)
            .Include(t => t.AssignmentGroup)
            .FirstOrDefaultAsync(t => t.Id == id, ct);

    private Task<Service?> FindServiceAsync(string code, CancellationToken ct) =>
        db.Services.Include(s => s.AssignmentGroup).FirstOrDefaultAsync(s => s.Code == code, ct);

    /// <summary>
    /// True when the requester's e-mail and phone are already two different people's: the ticket cannot say
    /// whose it is, and one contact's address must not be moved to the other.
    /// </summary>
    public async Task<bool> RequesterAddressesConflictAsync(RequesterDetails details, CancellationToken cancellationToken)
    {
        var owners = new HashSet<long>();
        foreach (var identity in IdentitiesOf(details))
        {
            if (await db.FindContactAsync(identity.Channel, identity.Address, cancellationToken) is { } owner)
            {
                owners.Add(owner.Id);
            }
        }

        return owners.Count > 1;
    }

    private static List<ContactIdentity> IdentitiesOf(RequesterDetails details)
    {
        var identities = new List<ContactIdentity>();
        if (!string.IsNullOrWhiteSpace(details.Email))
        {
            identities.Add(new ContactIdentity { Channel = Channel.Email, Address = ContactIdentity.Normalize(Channel.Email, details.Email) });
        }

        if (!string.IsNullOrWhiteSpace(details.Phone))
        {
            identities.Add(new ContactIdentity { Channel = Channel.Sms, Address = ContactIdentity.Normalize(Channel.Sms, details.Phone) });
        }

        return identities;
    }

    private async Task<Contact> FindOrCreateRequesterAsync(RequesterDetails details, DateTimeOffset now, CancellationToken ct)
    {
        var identities = IdentitiesOf(details);
        foreach (var wanted in identities)
        {
            var found = await db.FindContactAsync(wanted.Channel, wanted.Address, ct);
            if (found is not null)
            {
                foreach (var missing in identities.Where(w => !found.Identities.Any(i => i.Channel == w.Channel)))
                {
                    // The API checks this first; here it guards against the address being taken meanwhile.
                    if (await db.FindContactAsync(missing.Channel, missing.Address, ct) is { } owner && owner.Id != found.Id)
                    {
                        throw new DomainRuleException("requester_conflict", $"The requester's {missing.Channel} address belongs to another contact.");
                    }

                    found.Identities.Add(missing);
                }

                return found;
            }
        }

        var contact = new Contact
        {
            DisplayName = details.Name?.Trim() is { Length: > 0 } name ? name : details.Email ?? details.Phone ?? "?",
            Language = Languages.FromLocale(details.Language) ?? desk.Value.DefaultLanguage,
            CreatedAt = now,
            Identities = identities,
        };
        db.Contacts.Add(contact);
        return contact;
    }

    private void ScheduleAll(List<OutboxMessage> queued)
    {
        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }
    }
}
