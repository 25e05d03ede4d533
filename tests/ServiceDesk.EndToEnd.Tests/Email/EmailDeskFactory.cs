using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.EndToEnd.Tests.Email;

/// <summary>The real host with the e-mail channel on, reading and sending through the test mail server.</summary>
public sealed class EmailDeskFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "e2e-key-4711";

    private readonly Dictionary<string, string?> _settings;

    private EmailDeskFactory(Dictionary<string, string?> settings) => _settings = settings;

    public string DeskAddress => _settings["Channels:Email:Address"]!;

    public string ConnectionString => _settings["ConnectionStrings:ServiceDesk"]!;

    /// <param name="connectionString">A database to reuse (a restarted desk); a fresh one when null.</param>
    public static async Task<EmailDeskFactory> CreateAsync(DatabaseProvider provider, MailServer server, string deskAddress, string? connectionString = null)
    {
        connectionString ??= provider == DatabaseProvider.PostgreSql
            ? await (await PostgresServer.GetAsync()).CreateDatabaseAsync("e2e")
            : $"Data Source={Path.Combine(Path.GetTempPath(), "servicedesk-tests", Guid.NewGuid().ToString("N"), "desk.db")}";
        return new EmailDeskFactory(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:ServiceDesk"] = connectionString,
            ["Api:Keys:0"] = ApiKey,
            ["Desk:Name"] = "Mesa de Servicio",
            ["Desk:DefaultLanguage"] = "es",
            ["Channels:Email:Address"] = deskAddress,
            ["Channels:Email:DisplayName"] = "Mesa de Servicio",
            ["Channels:Email:Imap:Host"] = MailServer.Host,
            ["Channels:Email:Imap:Port"] = server.ImapPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Channels:Email:Imap:UseSsl"] = "false",
            ["Channels:Email:Imap:Username"] = deskAddress,
            ["Channels:Email:Imap:Password"] = MailServer.Password,
            ["Channels:Email:Smtp:Host"] = MailServer.Host,
            ["Channels:Email:Smtp:Port"] = server.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Channels:Email:Smtp:UseSsl"] = "false",
            ["Channels:Email:Smtp:Username"] = deskAddress,
            ["Channels:Email:Smtp:Password"] = MailServer.Password,
        });
    }

    /// <summary>Overrides one setting before the host starts.</summary>
    public EmailDeskFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection
{
    // Hangfire keeps its storage in a static: hosts run one at a time.
    public const string Name = "host";
}
