using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Receiving;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>
/// The shared e-mail fixtures through the real intake, on SQLite and PostgreSQL: each gets the classification
/// its README gives (new, follow-up, auto-reply, bounce, ignored). The fixtures' example ticket numbers and
/// Message-IDs are rewritten to the tickets this test created.
/// </summary>
public sealed class EmailCorpusIntakeTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Every_fixture_is_classified_as_its_readme_says(DatabaseProvider provider)
    {
        var options = new EmailOptions { Address = EmailServices.FixtureDesk };
        await using var desk = await EmailServices.CreateDeskAsync(provider, options);

        var luisTicket = await IngestAsync(desk, Fixture("01-new-plain-es.eml"));
        var janeTicket = await IngestAsync(desk, Fixture("02-new-html-only.eml"));
        var nobodyTicket = await IngestAsync(desk, TestMail.Create("nobody@example.org", EmailServices.FixtureDesk, "Mi portátil no arranca", "No enciende."));
        var renumbered = new Dictionary<string, long> { ["1042"] = luisTicket!.Value, ["1043"] = janeTicket!.Value, ["1044"] = nobodyTicket!.Value };

        // The fixtures' Message-IDs of the desk become those of the acknowledgements the desk sent: only mail it sent counts.
        var sent = new Dictionary<string, string>
        {
            [$"sd-{luisTicket}.n1.abc@desk.example.com"] = await EmailThreadingTests.SendAcknowledgementAsync(desk, luisTicket.Value),
            [$"sd-{janeTicket}.n1.def@desk.example.com"] = await EmailThreadingTests.SendAcknowledgementAsync(desk, janeTicket.Value),
            [$"sd-{nobodyTicket}.n1.ghi@desk.example.com"] = await EmailThreadingTests.SendAcknowledgementAsync(desk, nobodyTicket.Value),
        };
        var outboxBefore = await CountOutboxAsync(desk);

        // Follow-ups: Outlook (headers and tag), Gmail (References only).
        Assert.Equal(luisTicket, await IngestAsync(desk, Fixture("03-reply-outlook-es.eml", renumbered, sent)));
        Assert.Equal(janeTicket, await IngestAsync(desk, Fixture("04-reply-gmail-references-only.eml", renumbered, sent)));

        // Auto-replies: recorded on the ticket, no status change, nothing queued.
        Assert.Equal(luisTicket, await IngestAsync(desk, Fixture("05-auto-reply-auto-submitted.eml", renumbered, sent)));
        Assert.Equal(janeTicket, await IngestAsync(desk, Fixture("06-auto-reply-exchange-precedence.eml", renumbered, sent)));
        Assert.Equal(MessageKind.AutoReply, await KindOfAsync(desk, "ooo-5@example.org"));
        Assert.Equal(MessageKind.AutoReply, await KindOfAsync(desk, "ooo-6@example.net"));
        Assert.Equal(outboxBefore, await CountOutboxAsync(desk));

        // The bounce: recorded on the bounced ticket; the address is dead now.
        Assert.Equal(nobodyTicket, await IngestAsync(desk, Fixture("07-bounce-dsn.eml", renumbered, sent)));
        Assert.Equal(MessageKind.Bounce, await KindOfAsync(desk, "bounce-7@mx.example.org"));
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var identity = await db.ContactIdentities.SingleAsync(i => i.Channel == Channel.Email && i.Address == "nobody@example.org");
            Assert.True(identity.Unreachable);
            Assert.Contains(TicketEventKind.ContactUnreachable, await db.TicketEvents.Where(e => e.TicketId == nobodyTicket).Select(e => e.Kind).ToListAsync());
        });
        Assert.Equal(outboxBefore, await CountOutboxAsync(desk));

        // New tickets.
        var latin1 = await IngestAsync(desk, Fixture("08-latin1-quoted-printable.eml"));
        var withAttachment = await IngestAsync(desk, Fixture("09-attachment-inline-image.eml"));
        var forward = await IngestAsync(desk, Fixture("10-forward-new-ticket.eml", renumbered));
        var list = await IngestAsync(desk, Fixture("12-mailing-list.eml"));
        var sameSubject = await IngestAsync(desk, Fixture("13-same-subject-other-sender.eml"));
        var noId = await IngestAsync(desk, Fixture("14-no-message-id.eml"));
        long?[] created = [latin1, withAttachment, forward, list, sameSubject, noId];
        Assert.All(created, t => Assert.NotNull(t));
        Assert.Equal(created.Length, created.Distinct().Count());
        Assert.DoesNotContain(created, t => t == luisTicket || t == janeTicket || t == nobodyTicket);

        // The desk's own mail: ignored, nothing stored.
        Assert.Null(await IngestAsync(desk, Fixture("11-own-notification-loop.eml", renumbered)));

        // The list mail opened a ticket, but nothing answers it automatically; the others were acknowledged.
        Assert.Equal(0, await CountOutboxAsync(desk, list));
        Assert.Equal(1, await CountOutboxAsync(desk, sameSubject));

        // Attachments are in the database, under the URL the message carries.
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var message = await db.Messages.SingleAsync(m => m.ExternalId == "attach-9@example.net");
            Assert.Equal(2, message.Attachments.Count);
            var log = message.Attachments.Single(a => a.FileName == "app.log");
            var stored = await db.Attachments.SingleAsync(a => log.Url!.EndsWith(a.Sha256));
            Assert.Equal("2026-11-16 09:00 ERROR disk full\n", Encoding.ASCII.GetString(stored.Content));
        });

        // A message without Message-ID read twice is taken in once.
        var messages = await CountMessagesAsync(desk);
        await IngestAsync(desk, Fixture("14-no-message-id.eml"));
        Assert.Equal(messages, await CountMessagesAsync(desk));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_out_of_office_for_no_known_ticket_opens_nothing_and_a_flood_of_tickets_stops_being_acknowledged(DatabaseProvider provider)
    {
        var options = new EmailOptions { Address = EmailServices.FixtureDesk, MaxAcknowledgementsPerSenderPerHour = 2 };
        await using var desk = await EmailServices.CreateDeskAsync(provider, options);

        var ooo = TestMail.Create("stranger@example.org", EmailServices.FixtureDesk, "Automatic reply: hello", "I am away.");
        ooo.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        Assert.Null(await IngestAsync(desk, ooo));
        Assert.Equal(0, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.CountAsync()));
        Assert.Equal(0, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Contacts.CountAsync()));

        var tickets = new List<long?>();
        for (var i = 0; i < 4; i++)
        {
            tickets.Add(await IngestAsync(desk, TestMail.Create("script@example.org", EmailServices.FixtureDesk, $"Alert {i}", "Disk full on server 7.")));
        }

        Assert.Equal(4, tickets.Distinct().Count());
        var acknowledgements = new List<int>();
        foreach (var ticket in tickets)
        {
            acknowledgements.Add(await CountOutboxAsync(desk, ticket));
        }

        Assert.Equal([1, 1, 0, 0], acknowledgements);
    }

    private static MimeMessage Fixture(string name, IReadOnlyDictionary<string, long>? renumbered = null, IReadOnlyDictionary<string, string>? sent = null)
    {
        var text = File.ReadAllText(SharedFiles.Path("fixtures", "email", name), Encoding.Latin1);
        foreach (var (example, real) in renumbered ?? new Dictionary<string, long>())
        {
            text = text.Replace($"SD-{example}", $"SD-{real}", StringComparison.Ordinal).Replace($"sd-{example}.", $"sd-{real}.", StringComparison.Ordinal);
        }

        foreach (var (example, real) in sent ?? new Dictionary<string, string>())
        {
            text = text.Replace(example, real, StringComparison.Ordinal);
        }

        return MimeMessage.Load(new MemoryStream(Encoding.Latin1.GetBytes(text)));
    }

    /// <summary>Takes a mail in; returns the ticket it landed on, or null when nothing was stored for it.</summary>
    private static async Task<long?> IngestAsync(TestDesk desk, MimeMessage mail)
    {
        var parsed = EmailServices.FixtureParser().Parse(mail);
        await desk.InScopeAsync(sp => sp.GetRequiredService<EmailIngestor>().IngestAsync(mail, null, CancellationToken.None));
        return await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages
            .Where(m => m.Channel == Channel.Email && m.ExternalId == parsed.ExternalId)
            .Select(m => m.TicketId)
            .FirstOrDefaultAsync());
    }

    private static Task<MessageKind> KindOfAsync(TestDesk desk, string externalId) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.Where(m => m.ExternalId == externalId).Select(m => m.Kind).SingleAsync());

    private static Task<int> CountOutboxAsync(TestDesk desk, long? ticketId = null) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.CountAsync(o => ticketId == null || o.Message.TicketId == ticketId));

    private static Task<int> CountMessagesAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync());
}
