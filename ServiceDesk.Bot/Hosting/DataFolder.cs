namespace ServiceDesk.Bot.Hosting;

/// <summary>Where the embedded database and other local state live: <c>$SERVICEDESK_DATA</c>, else <c>data/</c> beside the app.</summary>
public static class DataFolder
{
    public static string Resolve(IHostEnvironment environment) =>
        Environment.GetEnvironmentVariable("SERVICEDESK_DATA") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(environment.ContentRootPath, "data");
}
