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

/// <summary>Which ticket a mail lands on, and whether machine mail opens one, through the real intake on SQLite and PostgreSQL.</summary>
public sealed class EmailThreadingTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_monitoring_alert_opens_a_ticket_that_is_not_acknowledged(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });

        var ticket = await IngestAsync(desk, EmailServices.Load(Corpus("monitoring-alert.eml")));

        Assert.NotNull(ticket);
        Assert.Equal(0, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.CountAsync()));
        var body = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.Where(m => m.TicketId == ticket).Select(m => m.Body).SingleAsync());
        Assert.Contains("Original problem ID: 88231", body);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_out_of_office_to_a_notification_is_recorded_on_its_ticket_and_never_answered(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var ticket = await IngestAsync(desk, TestMail.Create("carla@example.org", EmailServices.FixtureDesk, "VPN down", "It says the certificate expired."));
        var sent = await SendAcknowledgementAsync(desk, ticket!.Value);
        var outboxBefore = await CountOutboxAsync(desk);

        var away = TestMail.Create("carla@example.org", EmailServices.FixtureDesk, "Away until Monday", "I am away until Monday.", inReplyTo: sent);
        away.Headers.Add("Precedence", "bulk");
        away.Headers.Add("Return-Path", "<>");

        Assert.Equal(ticket, await IngestAsync(desk, away));
        Assert.Equal(MessageKind.AutoReply, await KindOfAsync(desk, away.MessageId!));
        Assert.Equal(outboxBefore, await CountOutboxAsync(desk));
        Assert.Contains(TicketEventKind.AutoReplyReceived, await EventsAsync(desk, ticket.Value));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_reply_to_mail_the_desk_sent_lands_on_its_ticket_even_before_the_send_was_recorded(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var ticket = await IngestAsync(desk, TestMail.Create("ana@example.org", EmailServices.FixtureDesk, "Printer", "It jams."));
        var recorded = await SendAcknowledgementAsync(desk, ticket!.Value);
        var second = await IngestAsync(desk, TestMail.Create("ana@example.org", EmailServices.FixtureDesk, "Monitor", "It flickers."));
        var unrecorded = await SendAcknowledgementAsync(desk, second!.Value, record: false);

        // Other subjects than the tickets', so only the thread headers can tell.
        Assert.Equal(ticket, await IngestAsync(desk, TestMail.Create("ana@example.org", EmailServices.FixtureDesk, "Re: hello", "Still jams.", inReplyTo: recorded)));
        Assert.Equal(second, await IngestAsync(desk, TestMail.Create("ana@example.org", EmailServices.FixtureDesk, "Re: hello", "Still flickers.", inReplyTo: unrecorded)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_forged_thread_header_naming_someone_elses_ticket_opens_a_ticket_of_its_own(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var victim = await IngestAsync(desk, TestMail.Create("ana@example.org", EmailServices.FixtureDesk, "Payroll access", "I cannot open payroll."));
        var real = await SendAcknowledgementAsync(desk, victim!.Value);

        // The right form and the right ticket, but no mail the desk sent: a guessed message and key.
        var forged = new MessageIds("SD", "example.com").Create(victim.Value, 1, Guid.NewGuid());
        Assert.NotEqual(real, forged);
        var intruder = await IngestAsync(desk, TestMail.Create("mallory@example.net", EmailServices.FixtureDesk, "Re: Payroll access", "Please send the file to me.", inReplyTo: forged));

        Assert.NotNull(intruder);
        Assert.NotEqual(victim, intruder);
        Assert.DoesNotContain(TicketEventKind.MessageReceived, await EventsAsync(desk, victim.Value));

        // A forged id still falls back to the subject tag for the requester's own ticket.
        var tagged = TestMail.Create("ana@example.org", EmailServices.FixtureDesk, $"Re: [SD-{victim}] Payroll access", "It works now.", inReplyTo: new MessageIds("SD", "example.com").Create(victim.Value, 999, Guid.NewGuid()));
        Assert.Equal(victim, await IngestAsync(desk, tagged));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_note_about_an_attachment_too_large_is_in_the_contacts_language(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk, MaxAttachmentBytes = 16 });
        var spanish = TestMail.Create("lucia@example.org", EmailServices.FixtureDesk, "La impresora no imprime", "Hola, la impresora de la planta 3 no imprime. Gracias.");
        spanish.Headers.Add(HeaderId.ContentLanguage, "es");
        await IngestAsync(desk, spanish);

        // The next mail says nothing of its language; the contact's Spanish decides.
        var withLog = TestMail.Create("lucia@example.org", EmailServices.FixtureDesk, "log", "trace");
        var builder = new BodyBuilder { TextBody = "trace" };
        builder.Attachments.Add("printer.log", new byte[100], ContentType.Parse("text/plain"));
        withLog.Body = builder.ToMessageBody();
        var ticket = await IngestAsync(desk, withLog);

        var body = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.Where(m => m.ExternalId == withLog.MessageId).Select(m => m.Body).SingleAsync());
        Assert.NotNull(ticket);
        Assert.Contains("El adjunto «printer.log»", body);
    }

    internal static string Corpus(string name) => Path.Combine(AppContext.BaseDirectory, "Email", "Corpus", name);

    /// <summary>
    /// Plays the outbox's part for the acknowledgement queued on a ticket: the Message-ID the e-mail composer gives
    /// it, stored on the message as the dispatcher does once the SMTP server accepts it (unless <paramref name="record"/> is false:
    /// a crash between acceptance and the record).
    /// </summary>
    internal static Task<string> SendAcknowledgementAsync(TestDesk desk, long ticketId, bool record = true) =>
        desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var outbox = await db.Outbox.Include(o => o.Message).Where(o => o.Message.TicketId == ticketId).OrderByDescending(o => o.Id).FirstAsync();
            var id = sp.GetRequiredService<MessageIds>().Create(ticketId, outbox.MessageId, outbox.DeliveryKey);
            if (record)
            {
                outbox.Message.ExternalId = id;
                outbox.Message.DeliveryState = DeliveryState.Sent;
                await db.SaveChangesAsync();
            }

            return id;
        });

    /// <summary>Takes a mail in; returns the ticket it landed on, or null when nothing was stored for it.</summary>
    internal static async Task<long?> IngestAsync(TestDesk desk, MimeMessage mail)
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

    private static Task<List<TicketEventKind>> EventsAsync(TestDesk desk, long ticketId) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents.Where(e => e.TicketId == ticketId).Select(e => e.Kind).ToListAsync());

    private static Task<int> CountOutboxAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.CountAsync());
}
