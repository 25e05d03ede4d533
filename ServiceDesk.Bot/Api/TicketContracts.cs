using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Api;

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public sealed record TicketSummary(
    string Number,
    TicketType Type,
    string Title,
    TicketStatus Status,
    Priority Priority,
    Impact Impact,
    Urgency Urgency,
    Channel Channel,
    string Requester,
    string? Service,
    string? Group,
    string? Assignee,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset FirstResponseDueAt,
    DateTimeOffset ResolutionDueAt,
    bool FirstResponseBreached,
    bool ResolutionBreached);

public sealed record ContactView(string Name, string Language, bool SmsOptedOut, IReadOnlyList<string> Identities);

public sealed record MessageView(
    long Id,
    Channel Channel,
    MessageDirection Direction,
    MessageVisibility Visibility,
    MessageKind Kind,
    string Author,
    string? Subject,
    string Body,
    IReadOnlyList<AttachmentInfo> Attachments,
    DeliveryState DeliveryState,
    string? DeliveryError,
    DateTimeOffset CreatedAt);

public sealed record EventView(TicketEventKind Kind, string Actor, DateTimeOffset OccurredAt, string? Detail);

public sealed record TicketDetail(
    TicketSummary Ticket,
    string Description,
    ContactView Requester,
    string? SupplierDueAt,
    string? RelatedTicket,
    DateTimeOffset? FirstRespondedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt,
    IReadOnlyList<MessageView> Messages,
    IReadOnlyList<EventView> Events);

public sealed record RequesterInput(string? Name, string? Email, string? Phone, string? Language);

public sealed record CreateTicketRequest(
    string? Title,
    string? Description,
    TicketType? Type,
    Impact? Impact,
    Urgency? Urgency,
    string? Service,
    RequesterInput? Requester);

public sealed record UpdateTicketRequest(
    TicketStatus? Status,
    Impact? Impact,
    Urgency? Urgency,
    Priority? Priority,
    string? Service,
    string? Group,
    string? Assignee);

public sealed record CommentRequest(string? Body, MessageVisibility? Visibility, string? Author);

public sealed record ServiceView(string Code, string Name, string NameEs, string Group, string Tier, string? Supplier);

/// <param name="Email">The group's shared mailbox for SLA alerts; null when it has none.</param>
public sealed record GroupView(string Name, string Tier, string? Email);

/// <param name="Email">The group's shared mailbox; an empty string removes it.</param>
public sealed record UpdateGroupRequest(string? Email);
