using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Satisfaction;

/// <summary>
/// Records CSAT answers on resolved tickets, in the caller's transaction (the caller saves). A second
/// answer replaces the first; every answer is on the ticket's timeline.
/// </summary>
public sealed class SatisfactionSurvey(ServiceDeskDbContext db, TimeProvider time)
{
    public static bool IsValidRating(int rating) => rating is >= SatisfactionResponse.MinRating and <= SatisfactionResponse.MaxRating;

    /// <exception cref="DomainRuleException">The ticket is not resolved yet, or the rating is not 1 to 5.</exception>
    public async Task<SatisfactionResponse> RateAsync(Ticket ticket, int rating, string? comment, Channel channel, string actor, CancellationToken cancellationToken)
    {
        if (!IsValidRating(rating))
        {
            throw new DomainRuleException("invalid_rating", $"A rating is a whole number from {SatisfactionResponse.MinRating} to {SatisfactionResponse.MaxRating}.");
        }

        EnsureResolved(ticket);
        var now = time.GetUtcNow();
        var response = await FindAsync(ticket.Id, cancellationToken);
        if (response is null)
        {
            response = new SatisfactionResponse { TicketId = ticket.Id };
            db.SatisfactionResponses.Add(response);
        }

        response.Rating = rating;
        response.Channel = channel;
        response.RespondedAt = now;
        if (Clean(comment) is { } text)
        {
            response.Comment = text;
        }

        ticket.Record(TicketEventKind.SatisfactionRated, actor, now, $"{rating}/{SatisfactionResponse.MaxRating}");
        return response;
    }

    /// <summary>Adds the requester's comment to their rating.</summary>
    /// <returns>The updated answer, or null when the ticket has no rating to comment on.</returns>
    public async Task<SatisfactionResponse?> CommentAsync(Ticket ticket, string comment, string actor, CancellationToken cancellationToken)
    {
        var response = await FindAsync(ticket.Id, cancellationToken);
        if (response is null || Clean(comment) is not { } text)
        {
            return null;
        }

        var now = time.GetUtcNow();
        response.Comment = text;
        response.RespondedAt = now;
        ticket.Record(TicketEventKind.SatisfactionCommented, actor, now, null);
        return response;
    }

    private static void EnsureResolved(Ticket ticket)
    {
        if (ticket.Status is not (TicketStatus.Resolved or TicketStatus.Closed))
        {
            throw new DomainRuleException("not_resolved", $"Ticket {ticket.Id} is {ticket.Status}; satisfaction is asked once it is resolved.");
        }
    }

    private Task<SatisfactionResponse?> FindAsync(long ticketId, CancellationToken cancellationToken) =>
        db.SatisfactionResponses.FirstOrDefaultAsync(r => r.TicketId == ticketId, cancellationToken);

    private static string? Clean(string? comment)
    {
        var text = comment?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return text.Length <= SatisfactionResponse.MaxCommentLength ? text : text[..SatisfactionResponse.MaxCommentLength];
    }
}
