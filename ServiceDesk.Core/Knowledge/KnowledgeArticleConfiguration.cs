using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ServiceDesk.Core.Knowledge;

internal sealed class KnowledgeArticleConfiguration : IEntityTypeConfiguration<KnowledgeArticle>
{
    public void Configure(EntityTypeBuilder<KnowledgeArticle> article)
    {
        article.Property(a => a.Slug).HasMaxLength(100);
        article.Property(a => a.Language).HasMaxLength(8);
        article.Property(a => a.Title).HasMaxLength(200);
        article.Property(a => a.Keywords).HasMaxLength(1000);
        article.Property(a => a.Body).HasMaxLength(8000);
        article.Property(a => a.Version).IsConcurrencyToken();
        article.HasIndex(a => new { a.Slug, a.Language }).IsUnique();
        article.HasOne(a => a.Service).WithMany().HasForeignKey(a => a.ServiceId).OnDelete(DeleteBehavior.Restrict);
    }
}
