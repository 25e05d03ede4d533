using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Sending;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>The SMTP sender against a real Postfix that delivers into a real Dovecot.</summary>
public sealed class EmailSenderTests
{
    [Fact]
    public async Task An_acknowledgement_continues_the_requesters_thread_and_carries_loop_protection()
    {
        var server = await MailServer.GetAsync();
        var desk = await server.CreateMailboxAsync("desk", "desk.test");
        var requester = await server.CreateMailboxAsync("ana");
        await using var sender = Sender(server, desk);
        var thread = new EmailThread("first-mail@example.test", "RE: No puedo imprimir", "AdnX1y2Q3k1mZ0yXQm2c8A==");

        var result = await sender.SendAsync(Outbound(requester, MessageKind.Acknowledgement, "es", thread, ["first-mail@example.test"]), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Sent, result.Outcome);
        var mail = Assert.Single(await server.WaitForAsync(requester, 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(result.ExternalId, mail.MessageId);
        Assert.StartsWith("sd-42.m7.", mail.MessageId);
        Assert.EndsWith("@desk.test", mail.MessageId);
        Assert.Equal("first-mail@example.test", mail.InReplyTo);
        Assert.Equal(["first-mail@example.test"], mail.References);
        Assert.Equal("Re: [SD-42] No puedo imprimir", mail.Subject);
        Assert.Equal("auto-generated", mail.Headers[HeaderId.AutoSubmitted]);
        Assert.Equal("All", mail.Headers["X-Auto-Response-Suppress"]);
        var parentIndex = Convert.FromBase64String("AdnX1y2Q3k1mZ0yXQm2c8A==");
        var childIndex = Convert.FromBase64String(mail.Headers["Thread-Index"]!);
        Assert.Equal(parentIndex.Length + 5, childIndex.Length);
        Assert.Equal(parentIndex, childIndex[..parentIndex.Length]);
        Assert.Contains("Hemos recibido tu solicitud", mail.TextBody);
        Assert.Contains("mantén [SD-42] en el asunto", mail.TextBody);
        Assert.Contains("<p>Hola Ana, Hemos recibido tu solicitud", mail.HtmlBody);
        Assert.Equal(desk, mail.From.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task An_agent_reply_is_not_marked_automatic_and_a_first_mail_gets_the_tag_and_a_new_thread_index()
    {
        var server = await MailServer.GetAsync();
        var desk = await server.CreateMailboxAsync("desk", "desk.test");
        var requester = await server.CreateMailboxAsync("tom");
        await using var sender = Sender(server, desk);

        var result = await sender.SendAsync(Outbound(requester, MessageKind.AgentReply, "en", thread: null, []), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Sent, result.Outcome);
        var mail = Assert.Single(await server.WaitForAsync(requester, 1, TimeSpan.FromSeconds(30)));
        Assert.Null(mail.Headers[HeaderId.AutoSubmitted]);
        Assert.Null(mail.Headers["X-Auto-Response-Suppress"]);
        Assert.Null(mail.InReplyTo);
        Assert.Equal("[SD-42] Update on your request: Printer", mail.Subject);
        Assert.Equal(22, Convert.FromBase64String(mail.Headers["Thread-Index"]!).Length);
        Assert.Contains("keep [SD-42] in the subject", mail.TextBody);
    }

    [Fact]
    public async Task A_recipient_refused_with_550_is_permanent_and_unreachable()
    {
        var server = await MailServer.GetAsync();
        await using var sender = Sender(server, await server.CreateMailboxAsync("desk", "desk.test"));

        var result = await sender.SendAsync(Outbound(MailServer.RefusedAddress("nobody"), MessageKind.StatusNotification, "en", null, []), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientUnreachable);
        Assert.Contains("550", result.Error);
    }

    [Fact]
    public async Task No_server_listening_or_refused_credentials_are_transient()
    {
        var server = await MailServer.GetAsync();
        var desk = await server.CreateMailboxAsync("desk", "desk.test");
        var requester = await server.CreateMailboxAsync("eva");
        var options = EmailServices.For(server, desk);
        options.Smtp.Port = LoopbackPorts.Unused();
        await using var nobodyListening = Sender(options);
        options = EmailServices.For(server, desk);
        options.Smtp.Password = "wrong";
        await using var wrongPassword = Sender(options);

        var refused = await nobodyListening.SendAsync(Outbound(requester, MessageKind.AgentReply, "en", null, []), CancellationToken.None);
        var unauthenticated = await wrongPassword.SendAsync(Outbound(requester, MessageKind.AgentReply, "en", null, []), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Transient, refused.Outcome);
        Assert.Equal(DeliveryOutcome.Transient, unauthenticated.Outcome);
        Assert.Contains("authentication", unauthenticated.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await server.ReadAsync(requester));
    }

    [Theory]
    [InlineData(SmtpFault.DropAtRecipient, DeliveryOutcome.Transient, 0)]
    [InlineData(SmtpFault.RefuseAfterData, DeliveryOutcome.Transient, 1)]
    [InlineData(SmtpFault.DropAfterData, DeliveryOutcome.Unconfirmed, 1)]
    public async Task Only_a_line_lost_after_the_whole_message_went_out_leaves_it_unconfirmed(SmtpFault fault, DeliveryOutcome expected, int messagesRead)
    {
        await using var smtp = new ScriptedSmtpServer(fault);
        await using var sender = Sender(new EmailOptions
        {
            Address = "desk@desk.test",
            Imap = new ImapOptions { Host = "127.0.0.1" },
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = smtp.Port, UseSsl = false },
        });

        var result = await sender.SendAsync(Outbound("ana@example.test", MessageKind.AgentReply, "en", null, []), CancellationToken.None);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(messagesRead, smtp.MessagesRead);
    }

    [Fact]
    public async Task Connections_are_reused_across_sends()
    {
        var server = await MailServer.GetAsync();
        var desk = await server.CreateMailboxAsync("desk", "desk.test");
        var requester = await server.CreateMailboxAsync("many");
        await using var sender = Sender(server, desk);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => sender.SendAsync(Outbound(requester, MessageKind.StatusNotification, "en", null, [], messageId: 100 + i), CancellationToken.None)));

        Assert.All(results, r => Assert.Equal(DeliveryOutcome.Sent, r.Outcome));
        var mails = await server.WaitForAsync(requester, 12, TimeSpan.FromSeconds(30));
        Assert.Equal(12, mails.Select(m => m.MessageId).Distinct().Count());
        Assert.InRange(sender.ConnectionsOpened, 1, 4);
    }

    internal static EmailSender Sender(MailServer server, string desk) => Sender(EmailServices.For(server, desk));

    private static EmailSender Sender(EmailOptions options)
    {
        var ids = new MessageIds("SD", options.Domain);
        var composer = new EmailComposer(new MailboxAddress("Mesa de Servicio", options.Address), "Mesa de Servicio", ids, TimeProvider.System);
        return new EmailSender(options, composer, NullLogger<EmailSender>.Instance);
    }

    private static OutboundMessage Outbound(string to, MessageKind kind, string language, EmailThread? thread, IReadOnlyList<string> threadIds, long messageId = 7)
    {
        var body = language == "es"
            ? "Hola Ana, Hemos recibido tu solicitud y abierto el ticket SD-42."
            : "Eva (Service Desk) on ticket SD-42:\n\nPlease restart the printer.";
        return new OutboundMessage(Guid.NewGuid(), messageId, 42, "SD-42", to, language == "es" ? "Solicitud recibida: Impresora" : "Update on your request: Printer", body, kind, language, thread?.ToJson(), threadIds);
    }
}
