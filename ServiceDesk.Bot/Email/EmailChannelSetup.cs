using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Parsing;
using ServiceDesk.Channels.Email.Receiving;
using ServiceDesk.Channels.Email.Sending;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Bot.Email;

public static class EmailChannelSetup
{
    /// <summary>
    /// The e-mail channel: the SMTP sender for the outbox, the IMAP reader as a background service and its
    /// readiness check. Off (nothing registered) while <c>Channels:Email:Address</c> is empty.
    /// </summary>
    public static IServiceCollection AddEmailChannel(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EmailOptions.SectionName);
        if (string.IsNullOrWhiteSpace(section[nameof(EmailOptions.Address)]))
        {
            return services;
        }

        services.AddOptions<EmailOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new MessageIds(sp.GetRequiredService<IOptions<DeskOptions>>().Value.TicketPrefix, Options(sp).Domain));
        services.AddSingleton(sp => new EmailParser(Options(sp).Address.Trim(), sp.GetRequiredService<MessageIds>(), Options(sp).MaxAttachmentBytes));
        services.AddSingleton(sp =>
        {
            var email = Options(sp);
            var name = string.IsNullOrWhiteSpace(email.DisplayName) ? sp.GetRequiredService<IOptions<DeskOptions>>().Value.Name : email.DisplayName;
            return new EmailComposer(new MailboxAddress(name, email.Address.Trim()), name, sp.GetRequiredService<MessageIds>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EmailSender>(sp, Options(sp)));
        services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<EmailSender>());

        services.AddScoped<SentMail>();
        services.AddScoped<EmailIngestor>();
        services.AddSingleton<MailboxStatus>();
        services.AddSingleton(sp => ImapIntakeTimings.ForLease(Options(sp).Imap.LeaseDuration));
        services.AddSingleton<ImapIntake>();
        services.AddHostedService<EmailIntakeWorker>();
        services.AddHealthChecks().AddCheck<MailboxHealthCheck>("email", tags: ["ready"]);
        return services;
    }

    private static EmailOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<EmailOptions>>().Value;
}
