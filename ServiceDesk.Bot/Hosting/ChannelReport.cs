namespace ServiceDesk.Bot.Hosting;

/// <summary>Says at start-up which channels are on; a channel without configuration is off and the desk still runs.</summary>
public static partial class ChannelReport
{
    public static void Log(IConfiguration configuration, ILogger logger)
    {
        Report(logger, "Email", configuration["Channels:Email:Address"], "Channels:Email:Address");
        Report(logger, "SMS", configuration["Channels:Sms:Twilio:AccountSid"], "Channels:Sms:Twilio:AccountSid");
    }

    private static void Report(ILogger logger, string channel, string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            LogOff(logger, channel, key);
        }
        else
        {
            LogOn(logger, channel);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} channel is off: {Key} is not set")]
    private static partial void LogOff(ILogger logger, string channel, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} channel is configured")]
    private static partial void LogOn(ILogger logger, string channel);
}
