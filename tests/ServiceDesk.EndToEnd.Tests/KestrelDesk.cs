using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDesk.EndToEnd.Tests;

/// <summary>The real desk on Kestrel, 127.0.0.1 and a free port, on a fresh SQLite database: what outside programs talk to.</summary>
public sealed class KestrelDesk : WebApplicationFactory<Program>
{
    public const string ApiKey = "e2e-key-7f3a";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "servicedesk-e2e", Guid.NewGuid().ToString("N"));

    public KestrelDesk()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>The desk's base address, without a trailing slash.</summary>
    public string Address { get; private set; } = string.Empty;

    public static KestrelDesk Start()
    {
        var desk = new KestrelDesk();
        desk.StartServer();
        desk.Address = desk.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return desk;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:ServiceDesk", $"Data Source={Path.Combine(_folder, "desk.db")}");
        builder.UseSetting("Api:Keys:0", ApiKey);
        builder.UseSetting("Desk:DefaultLanguage", "en");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's cleanup.
        }
    }
}
