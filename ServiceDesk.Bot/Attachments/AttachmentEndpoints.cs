using ServiceDesk.Bot.Api;
using ServiceDesk.Core.Attachments;
using ServiceDesk.Core.Messages;

namespace ServiceDesk.Bot.Attachments;

public static class AttachmentEndpoints
{
    /// <summary>Images a browser shows as pictures and never runs as a document (SVG is a document: it carries scripts).</summary>
    private static readonly HashSet<string> InlineImages = new(StringComparer.OrdinalIgnoreCase) { "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp" };

    /// <summary>
    /// <c>GET /api/attachments/{sha256}?name=…</c>: a stored attachment's bytes (the URL a message's attachment carries).
    /// The bytes came from anybody who wrote to the desk, and are served on the console's origin: only plain images are
    /// shown inline; anything else downloads as <c>application/octet-stream</c>, and the browser neither guesses a type
    /// (nosniff) nor runs anything of it (a sandboxed document without scripts or the console's cookies' origin).
    /// </summary>
    public static IEndpointRouteBuilder MapAttachmentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/attachments/{sha256:regex(^[0-9a-f]{{64}}$)}", async (string sha256, string? name, AttachmentStore store, HttpResponse response, CancellationToken cancellationToken) =>
            {
                if (await store.FindAsync(sha256, cancellationToken) is not { } found)
                {
                    return Results.NotFound();
                }

                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'; img-src 'self'";
                return InlineImages.Contains(found.ContentType.Split(';')[0].Trim())
                    ? Results.File(found.Content, found.ContentType, enableRangeProcessing: true)
                    : Results.File(found.Content, "application/octet-stream", DownloadName(name, sha256), enableRangeProcessing: true);
            })
            .RequireAuthorization(TicketEndpoints.Policy)
            .WithTags("Attachments")
            .WithSummary("Downloads an attachment of a message");
        return app;
    }

    /// <summary>The console's link to an attachment the desk stored (with its file name for the download); null for anything else.</summary>
    public static string? LinkFor(AttachmentInfo attachment) =>
        attachment.Url is { } url && url.StartsWith("/api/attachments/", StringComparison.Ordinal)
            ? $"{url}?name={Uri.EscapeDataString(attachment.FileName)}"
            : null;

    /// <summary>The sender's file name without anything a path or a header could make of it.</summary>
    private static string DownloadName(string? name, string sha256)
    {
        var clean = new string((Path.GetFileName(name ?? string.Empty)).Where(c => !char.IsControl(c) && c is not '"' and not '\\' and not '/').ToArray()).Trim();
        return clean.Length is > 0 and <= 200 ? clean : $"attachment-{sha256[..12]}";
    }
}
