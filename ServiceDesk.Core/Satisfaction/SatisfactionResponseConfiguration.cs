using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Satisfaction;

internal sealed class SatisfactionResponseConfiguration : IEntityTypeConfiguration<SatisfactionResponse>
{
    public void Configure(EntityTypeBuilder<SatisfactionResponse> response)
    {
        response.Property(r => r.Comment).HasMaxLength(SatisfactionResponse.MaxCommentLength);

        // One answer per ticket: two concurrent first answers cannot both insert; the loser retries and updates.
        response.HasIndex(r => r.TicketId).IsUnique();
        response.HasOne<Ticket>().WithMany().HasForeignKey(r => r.TicketId).OnDelete(DeleteBehavior.Cascade);
    }
}
