using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Bot.Sms;

/// <summary>The SMS channel in the host: Twilio options, the outbox sender and the two webhooks.</summary>
public static class SmsChannelSetup
{
    /// <summary>Binds and validates <c>Channels:Sms:Twilio:*</c>; with an AccountSid, registers the Twilio client and the SMS sender.</summary>
    public static IServiceCollection AddSmsChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TwilioOptions>()
            .Bind(configuration.GetSection(TwilioOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SmsOptions>()
            .Bind(configuration.GetSection(SmsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (!IsEnabled(configuration))
        {
            return services;
        }

        services.AddHttpClient<TwilioClient>(client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddScoped<IChannelSender, SmsChannelSender>();
        services.AddScoped<SmsConversation>();

        // Redirects are followed by the client itself, each checked against the media hosts.
        services.AddHttpClient<TwilioMediaClient>(client => client.Timeout = TimeSpan.FromSeconds(60))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        // Parsed once: the inbound webhook checks every MMS URL against them.
        services.AddSingleton(provider => new TwilioMediaHosts(provider.GetRequiredService<IOptions<SmsOptions>>().Value.MediaHosts));
        services.AddScoped<SmsMediaJob>();
        services.AddSingleton<SmsMediaScheduler>();
        services.AddSingleton<TwilioRequestValidator>();
        services.AddSingleton<TwilioPublicBase>();
        return services;
    }

    /// <summary><c>POST /api/sms/twilio</c> (incoming SMS) and <c>POST /api/sms/twilio/status</c> (delivery callbacks), when the channel is on.</summary>
    public static IEndpointRouteBuilder MapSmsChannel(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<TwilioOptions>>().Value.Enabled)
        {
            return app;
        }

        var twilio = app.MapGroup("/api/sms/twilio").ExcludeFromDescription().DisableAntiforgery();
        twilio.MapPost(string.Empty, TwilioWebhooks.InboundAsync);
        twilio.MapPost("/status", TwilioWebhooks.StatusAsync);
        return app;
    }

    private static bool IsEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{TwilioOptions.SectionName}:AccountSid"]);
}
