using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Sms;

/// <summary>The real host with the SMS channel on, its REST calls going to a Twilio stub, and ways to post signed webhooks.</summary>
internal sealed class SmsHost : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "host-test-auth-token";
    public const string DeskNumber = "+15005550006";
    public const string PublicBase = "https://desk.example.com";

    private SmsHost(DeskFactory factory, TwilioStub twilio)
    {
        Factory = factory;
        Twilio = twilio;
        Client = factory.CreateClient();
    }

    public DeskFactory Factory { get; }

    public TwilioStub Twilio { get; }

    public HttpClient Client { get; }

    /// <param name="connectionString">Another host's database, to run a second instance beside it; a fresh one when null.</param>
    /// <param name="settings">More settings for the host, applied before it starts.</param>
    /// <param name="mediaFromStub">Lets MMS media be fetched from the stub (and only from it) in place of Twilio's hosts.</param>
    public static async Task<SmsHost> StartAsync(DatabaseProvider provider, string? publicBase = PublicBase, string? connectionString = null, IReadOnlyDictionary<string, string?>? settings = null, bool mediaFromStub = false, TimeProvider? time = null)
    {
        var twilio = await TwilioStub.StartAsync();
        var factory = (await DeskFactory.CreateAsync(provider, connectionString, withChannels: false))
            .With("Channels:Sms:Twilio:AccountSid", AccountSid)
            .With("Channels:Sms:Twilio:AuthToken", AuthToken)
            .With("Channels:Sms:Twilio:FromNumber", DeskNumber)
            .With("Channels:Sms:Twilio:ApiBaseUrl", twilio.BaseUrl.ToString())
            .With("Channels:Sms:Twilio:PublicBaseUrl", publicBase);
        if (mediaFromStub)
        {
            factory.With("Channels:Sms:MediaHosts:0", twilio.BaseUrl.GetLeftPart(UriPartial.Authority));
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            factory.With(key, value);
        }

        if (time is not null)
        {
            factory.WithTime(time);
        }

        return new SmsHost(factory, twilio);
    }

    /// <summary>The URL Twilio would sign for a path of this host.</summary>
    public string UrlFor(string pathAndQuery) =>
        (Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TwilioOptions>>().Value.PublicBaseUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : Client.BaseAddress!.ToString().TrimEnd('/')) + pathAndQuery;

    public static List<KeyValuePair<string, string>> Sms(string from, string body, string? sid = null, string to = DeskNumber) =>
    [
        new("MessageSid", sid ?? NewSid()),
        new("SmsSid", sid ?? NewSid()),
        new("AccountSid", AccountSid),
        new("From", from),
        new("To", to),
        new("Body", body),
        new("NumMedia", "0"),
        new("ApiVersion", "2010-04-01"),
    ];

    public static string NewSid() => "SM" + Guid.NewGuid().ToString("N");

    /// <summary>Posts a form as Twilio would: signed with the account's token over the public URL (or as told).</summary>
    public Task<HttpResponseMessage> PostSignedAsync(string path, IReadOnlyList<KeyValuePair<string, string>> fields, string? token = null, string? signedUrl = null, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add(TwilioSignature.HeaderName, signature ?? TwilioSignature.Compute(token ?? AuthToken, signedUrl ?? UrlFor(path), fields));
        return Client.SendAsync(request);
    }

    public async Task<string> TwimlAsync(HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType!.MediaType);
        return Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
    }

    public async Task<T> QueryAsync<T>(Func<ServiceDeskDbContext, Task<T>> query)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>());
    }

    /// <summary>What users' texts stored (the bot's answers are in the transcript too, as outbound messages).</summary>
    public Task<int> CountMessagesAsync() => QueryAsync(db => db.Messages.CountAsync(m => m.Direction == Core.Messages.MessageDirection.Inbound));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Twilio.DisposeAsync();
    }
}
