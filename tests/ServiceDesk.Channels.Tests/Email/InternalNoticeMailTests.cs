using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Sending;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>A notice to the desk's agents (an SLA alert) is a mail of its own: no ticket tag, no requester thread.</summary>
public class InternalNoticeMailTests
{
    [Fact]
    public void An_internal_notice_has_no_ticket_tag_no_thread_and_is_marked_automatic()
    {
        var ids = new MessageIds("SD", "desk.test");
        var composer = new EmailComposer(new MailboxAddress("Mesa de Servicio", "desk@desk.test"), "Mesa de Servicio", ids, TimeProvider.System);
        var outbound = new OutboundMessage(
            Guid.NewGuid(),
            MessageId: 9,
            TicketId: 0,
            TicketNumber: string.Empty,
            Recipient: "eva@desk.test",
            Subject: "SLA warning: SD-42 needs a first response by Monday",
            Body: "SLA warning: SD-42 needs a first response by Monday\n\nTicket: SD-42 · VPN down",
            MessageKind.InternalNotice,
            Language: "en",
            ReplyHandle: null,
            ThreadExternalIds: []);

        var mail = composer.Compose(outbound);

        Assert.Equal("SLA warning: SD-42 needs a first response by Monday", mail.Subject);
        Assert.Equal("eva@desk.test", mail.To.Mailboxes.Single().Address);
        Assert.Null(mail.InReplyTo);
        Assert.Empty(mail.References);
        Assert.Equal("auto-generated", mail.Headers[HeaderId.AutoSubmitted]);
        Assert.Equal("en", mail.Headers[HeaderId.ContentLanguage]);
        Assert.StartsWith("SLA warning: SD-42", mail.TextBody);
        Assert.DoesNotContain("[SD-42]", mail.TextBody);

        // A reply to it names no ticket the desk would append it to.
        Assert.NotEqual(42, ids.TicketIdIn(mail.MessageId));
    }
}
