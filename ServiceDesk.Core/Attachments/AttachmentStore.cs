using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Attachments;

/// <summary>Keeps attachment bytes in the database, content-addressed, so a re-read message stores nothing twice.</summary>
public sealed class AttachmentStore(ServiceDeskDbContext db, WriteTransaction transaction, TimeProvider time)
{
    /// <summary>The address under which the host serves a stored attachment.</summary>
    public static string UrlFor(string sha256) => $"/api/attachments/{sha256}";

    /// <summary>Stores the content unless it is already there; returns its key.</summary>
    public async Task<string> SaveAsync(byte[] content, string contentType, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(content));
        if (await db.Attachments.AsNoTracking().AnyAsync(a => a.Sha256 == key, cancellationToken))
        {
            return key;
        }

        // A concurrent save of the same bytes loses on the primary key; the retry then finds them.
        await transaction.RunAsync(
            async ct =>
            {
                if (!await db.Attachments.AnyAsync(a => a.Sha256 == key, ct))
                {
                    db.Attachments.Add(new AttachmentContent { Sha256 = key, ContentType = contentType, Size = content.LongLength, Content = content, CreatedAt = time.GetUtcNow() });
                    await db.SaveChangesAsync(ct);
                }

                return 0;
            },
            cancellationToken);
        db.ChangeTracker.Clear();
        return key;
    }

    public Task<AttachmentContent?> FindAsync(string sha256, CancellationToken cancellationToken) =>
        db.Attachments.AsNoTracking().FirstOrDefaultAsync(a => a.Sha256 == sha256, cancellationToken);
}
