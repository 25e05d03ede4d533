using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Intake;

/// <summary>What the bot collected in a conversation for a new ticket (<see cref="IntakeService.OpenForConversationAsync"/>).</summary>
/// <param name="Description">The requester's description; the title is its first line unless <paramref name="Title"/> is given.</param>
/// <param name="ServiceCode">A service code from the catalogue; the default service when null or unknown.</param>
/// <param name="FileMessagesFrom">The id of the conversation's first message that belongs on the ticket; null files none.</param>
public sealed record ConversationTicket(
    string Description,
    Impact Impact,
    Urgency Urgency,
    string? ServiceCode,
    long? FileMessagesFrom,
    string? Title = null,
    TicketType Type = TicketType.Incident);
