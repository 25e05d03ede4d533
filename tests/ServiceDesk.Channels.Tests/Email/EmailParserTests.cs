using System.Text;
using MimeKit;
using ServiceDesk.Channels.Email.Parsing;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Email;

public sealed class EmailParserTests
{
    /// <summary>The shared fixtures' README table, as mail kinds.</summary>
    private static readonly Dictionary<string, MailKind> Expected = new()
    {
        ["01-new-plain-es.eml"] = MailKind.Personal,
        ["02-new-html-only.eml"] = MailKind.Personal,
        ["03-reply-outlook-es.eml"] = MailKind.Personal,
        ["04-reply-gmail-references-only.eml"] = MailKind.Personal,
        ["05-auto-reply-auto-submitted.eml"] = MailKind.AutoReply,
        ["06-auto-reply-exchange-precedence.eml"] = MailKind.AutoReply,
        ["07-bounce-dsn.eml"] = MailKind.Bounce,
        ["08-latin1-quoted-printable.eml"] = MailKind.Personal,
        ["09-attachment-inline-image.eml"] = MailKind.Personal,
        ["10-forward-new-ticket.eml"] = MailKind.Personal,
        ["11-own-notification-loop.eml"] = MailKind.Own,
        ["12-mailing-list.eml"] = MailKind.Bulk,
        ["13-same-subject-other-sender.eml"] = MailKind.Personal,
        ["14-no-message-id.eml"] = MailKind.Personal,
        ["outlook-html-reply-en.eml"] = MailKind.Personal,
        ["gmail-reply-es-wrapped.eml"] = MailKind.Personal,
        ["bottom-posted-reply.eml"] = MailKind.Personal,
        ["iso-2022-jp.eml"] = MailKind.Personal,
        ["windows-1252-mobile.eml"] = MailKind.Personal,
        ["x-autoreply.eml"] = MailKind.AutoReply,
        ["null-return-path.eml"] = MailKind.Automatic,
        ["monitoring-alert.eml"] = MailKind.Automatic,
        ["out-of-office-to-a-notification.eml"] = MailKind.AutoReply,
        ["exchange-automatic-reply.eml"] = MailKind.AutoReply,
        ["postfix-bounce.eml"] = MailKind.Bounce,
        ["google-group.eml"] = MailKind.Bulk,
        ["no-sender.eml"] = MailKind.Personal,
    };

    public static TheoryData<string> Corpus()
    {
        var files = Directory.GetFiles(SharedFiles.Path("fixtures", "email"), "*.eml")
            .Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Email", "Corpus"), "*.eml"))
            .OrderBy(Path.GetFileName, StringComparer.Ordinal);
        return [.. files];
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Every_message_of_the_corpus_parses_and_gets_its_kind(string path)
    {
        var name = Path.GetFileName(path);
        Assert.True(Expected.ContainsKey(name), $"{name} has no expected kind: add it to the table");

        var parsed = EmailServices.FixtureParser().Parse(EmailServices.Load(path));

        Assert.Equal(Expected[name], parsed.Kind);
        Assert.False(string.IsNullOrWhiteSpace(parsed.ExternalId));
        Assert.NotNull(parsed.Text);
        if (parsed.Kind.OpensTickets() && name != "no-sender.eml")
        {
            Assert.False(string.IsNullOrWhiteSpace(parsed.Text), $"{name}: no text");
            Assert.NotNull(parsed.SenderAddress);
        }
    }

    [Fact]
    public void A_signature_after_a_closing_word_is_trimmed()
    {
        var parsed = Fixture("01-new-plain-es.eml");

        Assert.Equal("Hola,\n\nDesde ayer SAP me dice que mi usuario está bloqueado.\n¿Pueden ayudarme?", parsed.Text);
        Assert.Equal("luis.gomez@example.org", parsed.SenderAddress);
        Assert.Equal("Luis Gómez", parsed.SenderName);
        Assert.Equal("new-plain-1@example.org", parsed.ExternalId);
        Assert.Null(parsed.TicketId);
    }

    [Fact]
    public void Html_only_mail_becomes_text_without_styles_or_scripts()
    {
        var parsed = Fixture("02-new-html-only.eml");

        Assert.Equal("Hi team,\n\nThe printer on floor 3 jams on every job.", parsed.Text);
        Assert.DoesNotContain("alert", parsed.Text);
        Assert.DoesNotContain("color", parsed.Text);
    }

    [Fact]
    public void An_outlook_reply_in_spanish_loses_the_quoted_header_block_and_names_its_ticket()
    {
        var parsed = Fixture("03-reply-outlook-es.eml");

        Assert.Equal("Gracias, ya puedo entrar.\n\nLuis", parsed.Text);
        Assert.Equal(1042, parsed.TicketId);
        Assert.Equal(["sd-1042.n1.abc@desk.example.com", "new-plain-1@example.org"], parsed.ThreadKeys);
        Assert.Equal("new-plain-1@example.org", parsed.ThreadRoot);
        Assert.Equal("AdnX1y2Q3k1mZ0yXQm2c8A==", parsed.ThreadIndex);
        Assert.False(parsed.IsForward);
    }

    [Fact]
    public void A_gmail_reply_with_references_only_loses_the_on_wrote_quote()
    {
        var parsed = Fixture("04-reply-gmail-references-only.eml");

        Assert.Equal("It is still jamming after the reboot.", parsed.Text);
        Assert.Equal(1043, parsed.TicketId);
    }

    [Fact]
    public void A_delivery_status_report_names_the_dead_recipient_and_the_ticket_of_the_bounced_mail()
    {
        var parsed = Fixture("07-bounce-dsn.eml");

        Assert.Equal(MailKind.Bounce, parsed.Kind);
        Assert.Equal(["nobody@example.org"], parsed.BouncedAddresses);
        Assert.Equal(1044, parsed.TicketId);
        Assert.Empty(parsed.Attachments);
    }

    [Fact]
    public void Latin1_quoted_printable_is_decoded()
    {
        var parsed = Fixture("08-latin1-quoted-printable.eml");

        Assert.Equal("Contraseña caducada", parsed.Subject);
        Assert.Equal("María Peña", parsed.SenderName);
        Assert.Equal("Mi contraseña caducó y no puedo cambiarla desde el portátil.", parsed.Text);
    }

    [Fact]
    public void Attachments_and_inline_images_are_kept_with_their_bytes()
    {
        var parsed = Fixture("09-attachment-inline-image.eml");

        Assert.Equal("See the attached screenshot and log.", parsed.Text);
        var log = Assert.Single(parsed.Attachments, a => a.FileName == "app.log");
        Assert.Equal("2026-11-16 09:00 ERROR disk full\n", Encoding.ASCII.GetString(log.Content!));
        Assert.False(log.Inline);
        var image = Assert.Single(parsed.Attachments, a => a.ContentType == "image/png");
        Assert.True(image.Inline);
        Assert.EndsWith(".png", image.FileName);
        Assert.NotEmpty(image.Content!);
        Assert.Equal(2, parsed.Attachments.Count);
    }

    [Fact]
    public void An_attachment_over_the_limit_is_reported_without_its_bytes()
    {
        var parsed = EmailServices.FixtureParser(maxAttachmentBytes: 10).Parse(EmailServices.Load(SharedFiles.Path("fixtures", "email", "09-attachment-inline-image.eml")));

        var log = Assert.Single(parsed.Attachments, a => a.FileName == "app.log");
        Assert.Null(log.Content);
        Assert.Equal(33, log.Size);
    }

    [Fact]
    public void A_forward_starts_a_new_request_and_keeps_the_forwarded_text()
    {
        var parsed = Fixture("10-forward-new-ticket.eml");

        Assert.True(parsed.IsForward);
        Assert.Contains("My colleague has the same problem on floor 5.", parsed.Text);
        Assert.Contains("We restarted the printer.", parsed.Text);
    }

    [Fact]
    public void A_message_without_message_id_gets_a_stable_content_hash()
    {
        var first = Fixture("14-no-message-id.eml");
        var again = Fixture("14-no-message-id.eml");

        Assert.StartsWith("sha256:", first.ExternalId);
        Assert.Equal(first.ExternalId, again.ExternalId);
        Assert.NotEqual(first.ExternalId, Fixture("08-latin1-quoted-printable.eml").ExternalId);
    }

    [Fact]
    public void An_outlook_html_reply_in_english_keeps_only_the_new_text()
    {
        var parsed = Own("outlook-html-reply-en.eml");

        Assert.Equal("The VPN works again, thank you — you can close it.", parsed.Text);
        Assert.Equal(77, parsed.TicketId);
    }

    [Fact]
    public void A_wrapped_spanish_gmail_attribution_is_cut()
    {
        var parsed = Own("gmail-reply-es-wrapped.eml");

        Assert.Equal("Sigue sin funcionar la impresora.", parsed.Text);
    }

    [Fact]
    public void A_bottom_posted_answer_is_kept()
    {
        var parsed = Own("bottom-posted-reply.eml");

        Assert.Equal("Yes, it happens on both laptops.", parsed.Text);
    }

    [Fact]
    public void Other_charsets_and_mobile_footers()
    {
        Assert.Equal("プリンターが動きません。", Own("iso-2022-jp.eml").Text);
        var mobile = Own("windows-1252-mobile.eml");
        Assert.Equal("El ratón “no responde” desde esta mañana.", mobile.Text);
    }

    [Fact]
    public void A_real_postfix_bounce_is_read()
    {
        var parsed = Own("postfix-bounce.eml");

        Assert.Equal(["ghost-9@remote.test"], parsed.BouncedAddresses);
        Assert.Equal(12, parsed.TicketId);
    }

    [Fact]
    public void A_huge_text_is_read_only_up_to_the_limit_and_says_so()
    {
        var line = "2026-11-17 03:14:02 ERROR disk full on /var\n";
        var message = TestMail.Create("ops@example.org", EmailServices.FixtureDesk, "Log", "x");
        message.Body = new TextPart("plain") { Text = "See the log below.\n" + string.Concat(Enumerable.Repeat(line, 5 * 1024 * 1024 / line.Length)), ContentTransferEncoding = ContentEncoding.QuotedPrintable };

        var parsed = EmailServices.FixtureParser().Parse(message);

        Assert.StartsWith("See the log below.", parsed.Text);
        Assert.EndsWith("[…]", parsed.Text);
        Assert.True(parsed.Text.Length <= EmailParser.MaxTextChars + EmailParser.TruncatedNote.Length, $"{parsed.Text.Length} characters");
    }

    [Fact]
    public void A_monitoring_alert_is_automatic_mail_of_its_own_and_keeps_its_whole_text()
    {
        var parsed = Own("monitoring-alert.eml");

        Assert.Equal(MailKind.Automatic, parsed.Kind);
        Assert.Contains("Auto-Submitted: auto-generated", parsed.KindReason);
        Assert.EndsWith("Thanks\nOriginal problem ID: 88231", parsed.Text);
    }

    [Theory]
    [InlineData("Auto-Submitted", "auto-generated", "Disk full on srv1", MailKind.Automatic)]
    [InlineData("Auto-Submitted", "auto-generated", "Re: [SD-12] Disk full", MailKind.AutoReply)]
    [InlineData("Auto-Submitted", "auto-replied", "Disk full on srv1", MailKind.AutoReply)]
    [InlineData("Auto-Submitted", "no", "Disk full on srv1", MailKind.Personal)]
    [InlineData("Precedence", "junk", "Weekly report", MailKind.Automatic)]
    [InlineData("Precedence", "bulk", "Respuesta automática: impresora", MailKind.AutoReply)]
    [InlineData("X-Auto-Response-Suppress", "All", "Backup finished", MailKind.Automatic)]
    [InlineData("X-Autoreply", "yes", "Holiday", MailKind.AutoReply)]
    public void Machine_mail_is_an_auto_reply_only_when_it_answers_the_desk(string header, string value, string subject, MailKind expected)
    {
        var message = TestMail.Create("robot@example.org", EmailServices.FixtureDesk, subject, "Report.");
        message.Headers.Add(header, value);

        Assert.Equal(expected, EmailServices.FixtureParser().Parse(message).Kind);
    }

    [Theory]
    [InlineData("noreply@shop.example", "Your order has shipped", MailKind.Automatic)]
    [InlineData("No-Reply@bank.example", "Statement ready", MailKind.Automatic)]
    [InlineData("do_not_reply@hr.example", "Payslip", MailKind.Automatic)]
    [InlineData("donotreply+alerts@ops.example", "CPU high", MailKind.Automatic)]
    [InlineData("noreply@saas.example", "Re: [SD-12] Disk full", MailKind.AutoReply)]
    [InlineData("norma.reyes@example.org", "No puedo entrar", MailKind.Personal)]
    [InlineData("replyall@example.org", "Question", MailKind.Personal)]
    public void A_no_reply_sender_is_a_program(string from, string subject, MailKind expected)
    {
        var parsed = EmailServices.FixtureParser().Parse(TestMail.Create(from, EmailServices.FixtureDesk, subject, "Text."));

        Assert.Equal(expected, parsed.Kind);
        if (expected == MailKind.Automatic)
        {
            Assert.StartsWith("no-reply sender", parsed.KindReason);
        }
    }

    [Fact]
    public void Machine_mail_in_a_thread_of_the_desk_is_an_auto_reply()
    {
        var message = TestMail.Create("robot@example.org", EmailServices.FixtureDesk, "Away", "Back on Monday.", inReplyTo: "sd-12.m3.0123456789abcdef0123456789abcdef@example.com");
        message.Headers.Add("Return-Path", "<>");

        Assert.Equal(MailKind.AutoReply, EmailServices.FixtureParser().Parse(message).Kind);
    }

    [Theory]
    [InlineData("Fwd: printer", true)]
    [InlineData("RV: impresora", true)]
    [InlineData("FW: x", true)]
    [InlineData("Re: Fwd: printer", false)]
    [InlineData("RE: RV: impresora", false)]
    [InlineData("Forwarding rules broken", false)]
    public void Forwards_are_recognised_by_their_first_prefix(string subject, bool forward)
    {
        var message = new MimeMessage { Subject = subject, MessageId = "f@example.org" };
        message.From.Add(new MailboxAddress("A", "a@example.org"));
        message.Body = new TextPart("plain") { Text = "x" };

        Assert.Equal(forward, EmailServices.FixtureParser().Parse(message).IsForward);
    }

    private static ParsedEmail Fixture(string name) =>
        EmailServices.FixtureParser().Parse(EmailServices.Load(SharedFiles.Path("fixtures", "email", name)));

    private static ParsedEmail Own(string name) =>
        EmailServices.FixtureParser().Parse(EmailServices.Load(Path.Combine(AppContext.BaseDirectory, "Email", "Corpus", name)));
}
