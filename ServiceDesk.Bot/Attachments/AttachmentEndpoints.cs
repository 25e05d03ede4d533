using ServiceDesk.Bot.Api;
using ServiceDesk.Core.Attachments;

namespace ServiceDesk.Bot.Attachments;

public static class AttachmentEndpoints
{
    /// <summary><c>GET /api/attachments/{sha256}</c>: a stored attachment's bytes (the URL a message's attachment carries).</summary>
    public static IEndpointRouteBuilder MapAttachmentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/attachments/{sha256:regex(^[0-9a-f]{{64}}$)}", async (string sha256, AttachmentStore store, CancellationToken cancellationToken) =>
                await store.FindAsync(sha256, cancellationToken) is { } found
                    ? Results.File(found.Content, found.ContentType, enableRangeProcessing: true)
                    : Results.NotFound())
            .RequireAuthorization(TicketEndpoints.Policy)
            .WithTags("Attachments")
            .WithSummary("Downloads an attachment of a message");
        return app;
    }
}
