using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Attachments;
using ServiceDesk.Bot.Sms;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Sms;

/// <summary>MMS media fetched from Twilio (the stub) into the attachment store by a background job.</summary>
[Collection(HostCollection.Name)]
public class SmsMediaTests
{
    private const string Path = "/api/sms/twilio";
    private const string Phone = "+34600111333";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>The default <c>Channels:Sms:MediaRetryDelay</c>: a test clock ends the pause, nothing waits for it.</summary>
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(5);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_signed_mms_gets_its_media_stored_and_served_and_a_rerun_job_fetches_nothing_again(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider, mediaFromStub: true);
        var photo = RandomBytes(20_000);
        var media = ApiMediaPath();

        // As Twilio does: the API URL answers with a redirect to where the bytes are.
        host.Twilio.ServeMedia("/cdn/photo", photo, "image/png");
        var url = host.Twilio.RedirectMedia(media, new Uri(host.Twilio.BaseUrl, "/cdn/photo").ToString());
        var sid = SmsHost.NewSid();

        await host.TwimlAsync(await host.PostSignedAsync(Path, Mms(sid, "The printer shows this error", url, "image/png")));

        var attachment = await StoredAttachmentAsync(host, a => a.Url is { } u && u.StartsWith("/api/attachments/", StringComparison.Ordinal));
        Assert.Equal(photo.LongLength, attachment.Size);
        Assert.Equal("image/png", attachment.ContentType);
        var served = await host.Factory.CreateApiClient().GetAsync(AttachmentEndpoints.LinkFor(attachment));
        Assert.Equal(photo, await served.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", served.Content.Headers.ContentType!.MediaType);

        var credentials = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SmsHost.AccountSid}:{SmsHost.AuthToken}"))).ToString();
        Assert.Equal(credentials, Assert.Single(host.Twilio.MediaRequests, r => r.Path == media).Authorization);

        // A job Hangfire runs again (after a crash) finds the item done: nothing fetched, nothing stored twice.
        var fetched = host.Twilio.MediaRequests.Count;
        await RunJobAgainAsync(host, sid);
        Assert.Equal(fetched, host.Twilio.MediaRequests.Count);
        Assert.Equal(1, await host.QueryAsync(db => db.Attachments.CountAsync()));
        Assert.Equal(attachment, await SingleAttachmentAsync(host));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_redirect_to_a_host_that_is_not_twilios_is_refused_and_nothing_is_fetched_from_it(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider, mediaFromStub: true);
        await using var foreign = await TwilioStub.StartAsync();
        var elsewhere = foreign.ServeMedia("/x.png", RandomBytes(100), "image/png");
        var url = host.Twilio.RedirectMedia(ApiMediaPath(), elsewhere);

        await host.TwimlAsync(await host.PostSignedAsync(Path, Mms(SmsHost.NewSid(), "The printer shows this error", url, "image/png")));

        var attachment = await StoredAttachmentAsync(host, a => a.Url is null);
        Assert.Equal(0, attachment.Size);
        Assert.Empty(foreign.MediaRequests);
        Assert.Equal(0, await host.QueryAsync(db => db.Attachments.CountAsync()));
        var note = await NoteAsync(host);
        Assert.Contains("could not be fetched", note);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Media_over_the_size_limit_becomes_a_note_in_the_contacts_language_and_is_not_stored(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider, settings: new Dictionary<string, string?> { ["Channels:Sms:MaxMediaBytes"] = "2048" }, mediaFromStub: true);
        var url = host.Twilio.ServeMedia(ApiMediaPath(), RandomBytes(4096), "video/mp4");
        var fields = Mms(SmsHost.NewSid(), "La impresora muestra este error", url, "video/mp4");
        fields.Add(new("FromCountry", "ES"));

        await host.TwimlAsync(await host.PostSignedAsync(Path, fields));

        var attachment = await StoredAttachmentAsync(host, a => a.Url is null);
        Assert.Equal(4096, attachment.Size);
        Assert.Equal(0, await host.QueryAsync(db => db.Attachments.CountAsync()));
        var note = await NoteAsync(host);
        Assert.Contains("no se ha guardado", note);
        Assert.Contains(attachment.FileName, note);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Media_that_fails_twice_is_fetched_at_the_third_attempt(DatabaseProvider provider)
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow) { ManualTimers = true };
        await using var host = await SmsHost.StartAsync(provider, mediaFromStub: true, time: time);
        var photo = RandomBytes(3000);
        var media = ApiMediaPath();
        var url = host.Twilio.ServeMediaAfterFailures(media, failures: 2, photo, "image/jpeg");

        await host.TwimlAsync(await host.PostSignedAsync(Path, Mms(SmsHost.NewSid(), "The screen shows this error", url, "image/jpeg")));

        // The pause after each failure is the configured one, then twice that, on the desk's clock.
        await EndPauseAsync(host, time, media, attemptsSoFar: 1, FirstPause);
        await EndPauseAsync(host, time, media, attemptsSoFar: 2, FirstPause * 2);
        var attachment = await StoredAttachmentAsync(host, a => a.Url is { } u && u.StartsWith("/api/attachments/", StringComparison.Ordinal));
        Assert.Equal(photo.LongLength, attachment.Size);
        Assert.Equal(3, host.Twilio.MediaRequests.Count(r => r.Path == media));
        Assert.Equal(0, await host.QueryAsync(db => db.Messages.CountAsync(m => m.Visibility == MessageVisibility.Internal)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Media_that_keeps_failing_is_tried_three_times_and_becomes_a_note(DatabaseProvider provider)
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow) { ManualTimers = true };
        await using var host = await SmsHost.StartAsync(provider, mediaFromStub: true, time: time);
        var media = ApiMediaPath();
        var url = host.Twilio.ServeMediaAfterFailures(media, failures: int.MaxValue, RandomBytes(100), "image/jpeg");

        await host.TwimlAsync(await host.PostSignedAsync(Path, Mms(SmsHost.NewSid(), "The screen shows this error", url, "image/jpeg")));

        await EndPauseAsync(host, time, media, attemptsSoFar: 1, FirstPause);
        await EndPauseAsync(host, time, media, attemptsSoFar: 2, FirstPause * 2);
        var attachment = await StoredAttachmentAsync(host, a => a.Url is null);
        Assert.Equal(3, host.Twilio.MediaRequests.Count(r => r.Path == media));
        Assert.Equal(0, await host.QueryAsync(db => db.Attachments.CountAsync()));
        var note = await NoteAsync(host);
        Assert.Contains("could not be fetched", note);
        Assert.Contains(attachment.FileName, note);
    }

    /// <summary>
    /// Waits until the job pauses after its failed fetches, checks the pause's length and that no further fetch came
    /// before it ended, then moves the clock past it.
    /// </summary>
    private static async Task EndPauseAsync(SmsHost host, ManualTimeProvider time, string media, int attemptsSoFar, TimeSpan pause)
    {
        await Poll.UntilAsync(
            () => Task.FromResult(time.PendingTimers.Contains(pause)),
            Deadline,
            () => $"The media job did not pause for {pause} after attempt {attemptsSoFar} (timers: {string.Join(", ", time.PendingTimers)}).");
        Assert.Equal(attemptsSoFar, host.Twilio.MediaRequests.Count(r => r.Path == media));
        time.Advance(pause);
    }

    private static List<KeyValuePair<string, string>> Mms(string sid, string body, string mediaUrl, string contentType)
    {
        var fields = SmsHost.Sms(Phone, body, sid).Where(f => f.Key != "NumMedia").ToList();
        fields.AddRange([new("NumMedia", "1"), new("MediaUrl0", mediaUrl), new("MediaContentType0", contentType)]);
        return fields;
    }

    private static string ApiMediaPath() =>
        $"/2010-04-01/Accounts/{SmsHost.AccountSid}/Messages/MM{Guid.NewGuid():N}/Media/ME{Guid.NewGuid():N}";

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    private static Task<AttachmentInfo> SingleAttachmentAsync(SmsHost host) =>
        host.QueryAsync(async db => Assert.Single((await db.Messages.AsNoTracking().SingleAsync(m => m.Direction == MessageDirection.Inbound)).Attachments));

    /// <summary>The message's one attachment once the job has settled it as expected.</summary>
    private static async Task<AttachmentInfo> StoredAttachmentAsync(SmsHost host, Func<AttachmentInfo, bool> settled)
    {
        AttachmentInfo? last = null;
        await Poll.UntilAsync(
            async () => settled(last = await SingleAttachmentAsync(host)),
            Deadline,
            () => $"the media job did not settle the attachment: {last}");
        return last!;
    }

    private static Task<string> NoteAsync(SmsHost host) =>
        host.QueryAsync(async db => (await db.Messages.AsNoTracking().SingleAsync(m => m.Visibility == MessageVisibility.Internal && m.TicketId != null)).Body);

    private static async Task RunJobAgainAsync(SmsHost host, string sid)
    {
        await using var scope = host.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SmsMediaJob>().RunAsync(sid, null, CancellationToken.None);
    }
}
