using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Parsing;
using ServiceDesk.Channels.Email.Receiving;
using ServiceDesk.Channels.Email.Sending;
using ServiceDesk.Core;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>The e-mail channel's services on a <see cref="TestDesk"/>, wired as the host wires them.</summary>
internal static class EmailServices
{
    public const string FixtureDesk = "desk@example.com";

    public static EmailParser FixtureParser(long maxAttachmentBytes = 10 * 1024 * 1024) =>
        new(FixtureDesk, new MessageIds("SD", "example.com"), maxAttachmentBytes);

    public static MimeMessage Load(string path)
    {
        using var stream = File.OpenRead(path);
        return MimeMessage.Load(stream);
    }

    public static Task<TestDesk> CreateDeskAsync(DatabaseProvider provider, EmailOptions options, ImapIntakeTimings? timings = null) =>
        TestDesk.CreateAsync(provider, services => Add(services, options, timings));

    public static void Add(IServiceCollection services, EmailOptions options, ImapIntakeTimings? timings = null)
    {
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(sp => new MessageIds("SD", options.Domain));
        services.AddSingleton(sp => new EmailParser(options.Address, sp.GetRequiredService<MessageIds>(), options.MaxAttachmentBytes));
        services.AddSingleton(sp => new EmailComposer(new MailboxAddress("Mesa de Servicio", options.Address), "Mesa de Servicio", sp.GetRequiredService<MessageIds>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EmailSender>(sp, options));
        services.AddScoped<SentMail>();
        services.AddScoped<EmailIngestor>();
        services.AddSingleton<MailboxStatus>();
        services.AddSingleton(timings ?? new ImapIntakeTimings());
        services.AddTransient<ImapIntake>();
    }

    /// <summary>Options for the desk mailbox on the test mail server.</summary>
    public static EmailOptions For(MailServer server, string deskAddress) => new()
    {
        Address = deskAddress,
        Imap = new ImapOptions { Host = MailServer.Host, Port = server.ImapPort, UseSsl = false, Username = deskAddress, Password = MailServer.Password, PollInterval = TimeSpan.FromSeconds(1) },
        Smtp = new SmtpOptions { Host = MailServer.Host, Port = server.SmtpPort, UseSsl = false, Username = deskAddress, Password = MailServer.Password },
    };
}
