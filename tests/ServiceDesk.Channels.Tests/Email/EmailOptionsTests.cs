using System.ComponentModel.DataAnnotations;
using MailKit.Security;
using ServiceDesk.Channels.Email;

namespace ServiceDesk.Channels.Tests.Email;

public sealed class EmailOptionsTests
{
    [Theory]
    [InlineData("smtp.example.com", false, false, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.com", false, true, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("smtp.example.com", true, false, SecureSocketOptions.SslOnConnect)]
    [InlineData("localhost", false, false, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("127.0.0.1", false, false, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("::1", false, false, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("10.0.0.5", false, false, SecureSocketOptions.StartTls)]
    public void A_remote_server_must_offer_starttls_unless_plaintext_is_allowed(string host, bool useSsl, bool allowPlaintext, SecureSocketOptions expected)
    {
        var options = new EmailOptions { AllowPlaintext = allowPlaintext };

        Assert.Equal(expected, options.SecurityFor(host, useSsl));
    }

    [Theory]
    [InlineData(587, false, null)]
    [InlineData(465, true, null)]
    [InlineData(0, true, null)]
    [InlineData(2525, false, null)]
    [InlineData(587, true, "Channels:Email:Smtp:Port 587 speaks STARTTLS")]
    [InlineData(465, false, "Channels:Email:Smtp:Port 465 expects TLS")]
    [InlineData(70000, false, "Channels:Email:Smtp:Port 70000 is not a port")]
    [InlineData(-1, false, "Channels:Email:Smtp:Port -1 is not a port")]
    public void Smtp_ports_are_checked_against_the_tls_setting(int port, bool useSsl, string? error)
    {
        var options = Valid();
        options.Smtp.Port = port;
        options.Smtp.UseSsl = useSsl;

        var errors = Validate(options);

        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.StartsWith(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void An_imap_port_that_wants_tls_from_the_first_byte_is_refused_without_ssl()
    {
        var options = Valid();
        options.Imap.Port = 993;
        options.Imap.UseSsl = false;

        Assert.Contains(Validate(options), e => e.StartsWith("Channels:Email:Imap:Port 993 expects TLS", StringComparison.Ordinal));
    }

    private static EmailOptions Valid() => new()
    {
        Address = "desk@example.com",
        Imap = new ImapOptions { Host = "imap.example.com" },
        Smtp = new SmtpOptions { Host = "smtp.example.com" },
    };

    private static List<string> Validate(EmailOptions options) =>
        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage ?? string.Empty).ToList();
}
