namespace ServiceDesk.Bot.Hosting;

/// <summary>Says at start-up which channels are on; a channel without configuration is off and the desk still runs.</summary>
public static partial class ChannelReport
{
    public static void Log(IConfiguration configuration, ILogger logger)
    {
        ReportTeams(logger, configuration["Channels:Teams:MicrosoftAppId"], configuration["Channels:Teams:MicrosoftAppType"]);
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

    private static void ReportTeams(ILogger logger, string? appId, string? appType)
    {
        // Teams is never off: without an app id it serves local tools (Agents Playground, a Direct Line emulator).
        if (string.IsNullOrWhiteSpace(appId))
        {
            LogTeamsUnauthenticated(logger);
        }
        else
        {
            LogTeamsOn(logger, string.IsNullOrWhiteSpace(appType) ? "MultiTenant" : appType);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Teams channel: authentication is OFF (Channels:Teams:MicrosoftAppId is not set); /api/messages accepts local callers only")]
    private static partial void LogTeamsUnauthenticated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Teams channel is configured ({AppType} bot; activities are JWT-validated)")]
    private static partial void LogTeamsOn(ILogger logger, string appType);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} channel is off: {Key} is not set")]
    private static partial void LogOff(ILogger logger, string channel, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} channel is configured")]
    private static partial void LogOn(ILogger logger, string channel);
}
