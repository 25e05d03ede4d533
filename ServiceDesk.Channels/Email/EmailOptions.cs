using System.ComponentModel.DataAnnotations;
using System.Net;
using MailKit.Security;
using MimeKit;

namespace ServiceDesk.Channels.Email;

/// <summary><c>Channels:Email:*</c>: the desk's mailbox. The channel is off while <see cref="Address"/> is empty.</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string SectionName = "Channels:Email";

    /// <summary>The desk's address: mail to it becomes tickets, notifications come from it.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>The name beside <see cref="Address"/> in the From header; <c>Desk:Name</c> when empty.</summary>
    public string? DisplayName { get; set; }

    [Required]
    public ImapOptions Imap { get; set; } = new();

    [Required]
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Attachments larger than this are not kept; the ticket says so instead.</summary>
    [Range(0, 1L << 31)]
    public long MaxAttachmentBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>At most this many tickets opened from one sender within an hour are acknowledged; the rest are taken in silently.</summary>
    [Range(0, 10_000)]
    public int MaxAcknowledgementsPerSenderPerHour { get; set; } = 5;

    /// <summary>
    /// Lets the desk talk to a mail server that offers no TLS. Off: without <c>UseSsl</c> a server must offer
    /// STARTTLS, or the password would cross the network in clear text; a server on this machine (loopback) is exempt.
    /// </summary>
    public bool AllowPlaintext { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Address);

    /// <summary>How to secure a connection to <paramref name="host"/>: TLS from the first byte, required STARTTLS, or STARTTLS when offered.</summary>
    public SecureSocketOptions SecurityFor(string host, bool useSsl) =>
        useSsl ? SecureSocketOptions.SslOnConnect
        : AllowPlaintext || IsLoopback(host) ? SecureSocketOptions.StartTlsWhenAvailable
        : SecureSocketOptions.StartTls;

    private static bool IsLoopback(string host) =>
        host.Trim().Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim().Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The domain our Message-IDs are made in: the desk address's.</summary>
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..].Trim().ToLowerInvariant();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!MailboxAddress.TryParse(Address, out var parsed) || !parsed.Address.Contains('@', StringComparison.Ordinal))
        {
            yield return new ValidationResult($"{SectionName}:Address '{Address}' is not an e-mail address.", [nameof(Address)]);
        }

        foreach (var result in Imap.Check().Concat(Smtp.Check()).Concat(CheckPort("Imap", Imap.Port, Imap.UseSsl, 993, 143)).Concat(CheckPort("Smtp", Smtp.Port, Smtp.UseSsl, 465, 587)))
        {
            yield return result;
        }
    }

    /// <summary>
    /// The nested options' [Range] is not validated by ValidateDataAnnotations, hence by hand; and the well-known
    /// ports with the wrong <c>UseSsl</c> hang or fail at the first connection, so they are refused at start-up.
    /// </summary>
    private static IEnumerable<ValidationResult> CheckPort(string server, int port, bool useSsl, int sslPort, int startTlsPort)
    {
        var key = $"{SectionName}:{server}";
        if (port is < 0 or > 65535)
        {
            yield return new ValidationResult($"{key}:Port {port} is not a port (1-65535, or 0 for the default).", ["Port"]);
        }
        else if (useSsl && port == startTlsPort)
        {
            yield return new ValidationResult($"{key}:Port {port} speaks STARTTLS: set {key}:UseSsl=false (or use port {sslPort}).", ["UseSsl"]);
        }
        else if (!useSsl && port == sslPort)
        {
            yield return new ValidationResult($"{key}:Port {port} expects TLS from the first byte: set {key}:UseSsl=true (or use port {startTlsPort}).", ["UseSsl"]);
        }
    }
}

public sealed class ImapOptions
{
    public string Host { get; set; } = string.Empty;

    /// <summary>0: 993 with SSL, 143 without.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>TLS from the first byte (993); otherwise STARTTLS, required unless <see cref="EmailOptions.AllowPlaintext"/> or a loopback host.</summary>
    public bool UseSsl { get; set; } = true;

    public string Username { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    public string Folder { get; set; } = "INBOX";

    public string ProcessedFolder { get; set; } = "Processed";

    /// <summary>How often to look for new mail when the server cannot IDLE.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// With several app instances one reads the mailbox under a lease in the database, renewed every third of
    /// this; when that instance dies another takes over after at most this long (at once when it stops).
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    public int EffectivePort => Port != 0 ? Port : UseSsl ? 993 : 143;

    internal IEnumerable<ValidationResult> Check()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return new ValidationResult("Channels:Email:Imap:Host is required when Channels:Email:Address is set.", [nameof(Host)]);
        }

        if (string.IsNullOrWhiteSpace(Folder) || string.IsNullOrWhiteSpace(ProcessedFolder) || string.Equals(Folder, ProcessedFolder, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult("Channels:Email:Imap:Folder and ProcessedFolder must be set and differ.", [nameof(ProcessedFolder)]);
        }

        if (PollInterval < TimeSpan.FromSeconds(1) || PollInterval > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Channels:Email:Imap:PollInterval must be between 1 second and 1 hour.", [nameof(PollInterval)]);
        }

        if (LeaseDuration < TimeSpan.FromSeconds(3) || LeaseDuration > TimeSpan.FromMinutes(30))
        {
            yield return new ValidationResult("Channels:Email:Imap:LeaseDuration must be between 3 seconds and 30 minutes.", [nameof(LeaseDuration)]);
        }
    }
}

public sealed class SmtpOptions
{
    public string Host { get; set; } = string.Empty;

    /// <summary>0: 465 with SSL, 587 without.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>TLS from the first byte (465); otherwise STARTTLS (587), required unless <see cref="EmailOptions.AllowPlaintext"/> or a loopback host.</summary>
    public bool UseSsl { get; set; }

    public string Username { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    public int EffectivePort => Port != 0 ? Port : UseSsl ? 465 : 587;

    internal IEnumerable<ValidationResult> Check()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return new ValidationResult("Channels:Email:Smtp:Host is required when Channels:Email:Address is set.", [nameof(Host)]);
        }
    }
}
