using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>What bounces do to an address, and what brings it back, through the real intake on SQLite and PostgreSQL.</summary>
public sealed class EmailBounceTests
{
    private const string Ana = "ana@example.org";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_full_mailbox_stops_mail_only_after_three_bounces_and_the_person_writing_again_restores_it(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var ticket = await EmailThreadingTests.IngestAsync(desk, TestMail.Create(Ana, EmailServices.FixtureDesk, "VPN", "It drops every hour."));
        var sent = await EmailThreadingTests.SendAcknowledgementAsync(desk, ticket!.Value);

        await EmailThreadingTests.IngestAsync(desk, Bounce(1, Ana, "4.2.2", sent));
        await EmailThreadingTests.IngestAsync(desk, Bounce(2, Ana, "4.2.2", sent));
        var afterTwo = await IdentityAsync(desk);
        Assert.False(afterTwo.Unreachable);
        Assert.Equal(2, afterTwo.SoftBounces);

        Assert.Equal(ticket, await EmailThreadingTests.IngestAsync(desk, Bounce(3, Ana, "4.2.2", sent)));
        var afterThree = await IdentityAsync(desk);
        Assert.True(afterThree.Unreachable);
        Assert.Contains("3 times", afterThree.UnreachableReason);

        await EmailThreadingTests.IngestAsync(desk, TestMail.Create(Ana, EmailServices.FixtureDesk, "Re: VPN", "I emptied my mailbox.", inReplyTo: sent));
        var restored = await IdentityAsync(desk);
        Assert.False(restored.Unreachable);
        Assert.Null(restored.UnreachableReason);
        Assert.Equal(0, restored.SoftBounces);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_unknown_mailbox_stops_mail_at_once_and_an_out_of_office_from_it_later_restores_it(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var ticket = await EmailThreadingTests.IngestAsync(desk, TestMail.Create(Ana, EmailServices.FixtureDesk, "Printer", "It jams."));
        var sent = await EmailThreadingTests.SendAcknowledgementAsync(desk, ticket!.Value);

        await EmailThreadingTests.IngestAsync(desk, Bounce(1, Ana, "5.1.1", sent));
        Assert.True((await IdentityAsync(desk)).Unreachable);

        var away = TestMail.Create(Ana, EmailServices.FixtureDesk, "Automatic reply: Printer", "Back on Monday.", inReplyTo: sent);
        away.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        Assert.Equal(ticket, await EmailThreadingTests.IngestAsync(desk, away));
        Assert.False((await IdentityAsync(desk)).Unreachable);
    }

    [Theory]
    [InlineData("failed", "5.1.1", 1, 0)]
    [InlineData("failed", "4.2.2", 0, 1)]
    [InlineData("delayed", "4.4.1", 0, 0)]
    public void A_delivery_report_tells_lasting_from_temporary_failures(string action, string status, int hard, int soft)
    {
        var parsed = EmailServices.FixtureParser().Parse(Bounce(1, Ana, status, "sd-1.m1.0123456789abcdef0123456789abcdef@example.com", action));

        Assert.Equal(hard, parsed.BouncedAddresses.Count);
        Assert.Equal(soft, parsed.SoftBouncedAddresses.Count);
    }

    /// <summary>An RFC 3464 report as Postfix writes it, for mail the desk sent.</summary>
    private static MimeMessage Bounce(int n, string recipient, string status, string original, string action = "failed")
    {
        var text = $"""
            From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
            To: {EmailServices.FixtureDesk}
            Subject: Undelivered Mail Returned to Sender
            Message-ID: <bounce-{n}-{Guid.NewGuid():N}@mx.example.org>
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="report"

            --report
            Content-Type: text/plain

            The mail could not be delivered to <{recipient}>.

            --report
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.org

            Final-Recipient: rfc822; {recipient}
            Original-Recipient: rfc822;{recipient}
            Action: {action}
            Status: {status}
            Diagnostic-Code: smtp; 552 {status} Mailbox full

            --report
            Content-Type: text/rfc822-headers

            From: desk@example.com
            To: {recipient}
            Subject: [SD-1] Printer
            Message-ID: <{original}>

            --report--
            """;
        return MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n"))));
    }

    private static Task<ContactIdentity> IdentityAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().ContactIdentities.AsNoTracking().SingleAsync(i => i.Channel == Channel.Email && i.Address == Ana));
}
