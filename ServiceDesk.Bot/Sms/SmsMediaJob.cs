using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Attachments;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Sms;

/// <summary>Hands an MMS to Hangfire for its media to be fetched after the webhook has been answered.</summary>
public sealed class SmsMediaScheduler(IBackgroundJobClient jobs)
{
    public void Schedule(string messageSid) => jobs.Enqueue<SmsMediaJob>(j => j.RunAsync(messageSid, null, CancellationToken.None));
}

/// <summary>
/// Fetches the media of one inbound MMS from Twilio into the attachment store, so that agents see the picture instead
/// of a URL that needs the account's credentials. Each item ends stored (its URL becomes the desk's own), or not
/// kept (no URL, and a note on the ticket saying why): a retried job skips what an earlier run finished.
/// A transient failure (network, 429, 5xx, timeout) is tried again within the job, <see cref="Attempts"/> fetches in
/// all with a growing pause (<see cref="SmsOptions.MediaRetryDelay"/>, then twice that); the last failure becomes the note.
/// </summary>
public sealed partial class SmsMediaJob(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    AttachmentStore store,
    TwilioMediaClient media,
    IOptions<SmsOptions> options,
    IOptions<DeskOptions> desk,
    IDeskEvents events,
    TimeProvider time,
    ILogger<SmsMediaJob> logger)
{
    /// <summary>Fetches of one media item before it is given up on with a note.</summary>
    public const int Attempts = 3;

    private const string Actor = "sms-media";

    // Media failures are retried in the job; Hangfire's own retries are for the job failing otherwise
    // (the database away, a crash), and a rerun skips the items already settled.
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string messageSid, PerformContext? context, CancellationToken cancellationToken)
    {
        var message = await FindAsync(messageSid, cancellationToken);
        if (message is null)
        {
            LogNoMessage(messageSid);
            return;
        }

        for (var i = 0; i < message.Attachments.Count; i++)
        {
            var item = message.Attachments[i];
            if (!IsPending(item))
            {
                continue;
            }

            var download = await DownloadAsync(messageSid, item, cancellationToken);
            await RecordAsync(message.Id, i, item, download, cancellationToken);
        }
    }

    private async Task<MediaDownload> DownloadAsync(string messageSid, AttachmentInfo item, CancellationToken cancellationToken)
    {
        var pause = options.Value.MediaRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await media.DownloadAsync(item.Url!, cancellationToken);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (attempt >= Attempts)
                {
                    return MediaDownload.Refused($"{e.Message} ({Attempts} attempts)");
                }

                LogWillRetry(messageSid, item.FileName, attempt, e.Message);
            }

            await Task.Delay(pause, time, cancellationToken);
            pause *= 2;
        }
    }

    /// <summary>A network failure, a 429/5xx answer or HttpClient's timeout: worth another try later.</summary>
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Still a Twilio URL: neither stored nor given up yet.</summary>
    private bool IsPending(AttachmentInfo item) => item.Url is { } url && media.Hosts.IsAllowed(url);

    private Task<Message?> FindAsync(string messageSid, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Channel == Channel.Sms && m.Direction == MessageDirection.Inbound && m.ExternalId == messageSid, cancellationToken);

    private async Task RecordAsync(long messageId, int index, AttachmentInfo item, MediaDownload download, CancellationToken cancellationToken)
    {
        AttachmentInfo outcome;
        string? note = null;
        if (download.Content is { } content)
        {
            // The type Twilio declared in the webhook is what the phone sent; a CDN's may be generic.
            var key = await store.SaveAsync(content, item.ContentType, cancellationToken);
            outcome = item with { Size = content.LongLength, Url = AttachmentStore.UrlFor(key) };
            LogStored(item.FileName, content.LongLength);
        }
        else if (download.IsTooLarge)
        {
            outcome = item with { Size = download.Size ?? 0, Url = null };
            note = "MediaTooLarge";
            LogTooLarge(item.FileName, download.Size, options.Value.MaxMediaBytes);
        }
        else
        {
            outcome = item with { Url = null };
            note = "MediaNotFetched";
            LogRefused(item.FileName, download.Problem ?? "unknown");
        }

        var ticketId = await transaction.RunAsync(
            async ct =>
            {
                var message = await db.Messages.FirstAsync(m => m.Id == messageId, ct);
                if (message.Attachments.Count <= index || message.Attachments[index] != item)
                {
                    return (long?)null; // another run got here first
                }

                message.Attachments = [.. message.Attachments.Select((a, i) => i == index ? outcome : a)];
                long? noted = null;
                if (note is not null && message.TicketId is { } id
                    && await db.Tickets.Include(t => t.Requester).FirstOrDefaultAsync(t => t.Id == id, ct) is { } ticket)
                {
                    var now = time.GetUtcNow();
                    ticket.Messages.Add(new Message
                    {
                        Channel = Channel.Web,
                        Direction = MessageDirection.Outbound,
                        Visibility = MessageVisibility.Internal,
                        Kind = MessageKind.AgentReply,
                        Body = SmsTexts.Format(note, ticket.Requester.Language, item.FileName, MegaBytes(download.Size), MegaBytes(options.Value.MaxMediaBytes)),
                        Author = desk.Value.Name,
                        DeliveryState = DeliveryState.NotApplicable,
                        CreatedAt = now,
                    });
                    ticket.Record(TicketEventKind.InternalNote, Actor, now, null);
                    noted = id;
                }

                await db.SaveChangesAsync(ct);
                return noted;
            },
            cancellationToken);
        db.ChangeTracker.Clear();
        if (ticketId is { } changed)
        {
            await events.TicketChangedAsync(changed, cancellationToken);
        }
    }

    private static string MegaBytes(long? bytes) =>
        bytes is { } b ? (b / (1024.0 * 1024.0)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " MB" : "?";

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMS {MessageSid}: no such inbound message, no media fetched")]
    private partial void LogNoMessage(string messageSid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMS {MessageSid}: media {FileName} not fetched at attempt {Attempt} ({Problem}); trying again")]
    private partial void LogWillRetry(string messageSid, string fileName, int attempt, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMS media {FileName} stored ({Size} bytes)")]
    private partial void LogStored(string fileName, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMS media {FileName} not kept: {Size} bytes, more than Channels:Sms:MaxMediaBytes {Max}")]
    private partial void LogTooLarge(string fileName, long? size, long max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMS media {FileName} not fetched: {Problem}")]
    private partial void LogRefused(string fileName, string problem);
}
