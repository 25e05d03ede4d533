using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Bot.Sms;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Sms;

/// <summary><c>POST /api/sms/twilio</c> through the real host and the registered chat bot.</summary>
[Collection(HostCollection.Name)]
public class SmsWebhookTests
{
    private const string Path = "/api/sms/twilio";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_real_webhook_is_answered_by_the_bot_in_TwiML_and_its_redelivery_changes_nothing(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider);
        var fields = FixtureForm("inbound-sms.form");

        var first = await host.TwimlAsync(await host.PostSignedAsync(Path, fields));
        var again = await host.TwimlAsync(await host.PostSignedAsync(Path, fields));

        // The sample says "Hi": the bot greets and offers its numbered menu; a greeting opens no ticket.
        var reply = Assert.Single(XDocument.Parse(first).Root!.Elements("Message")).Value;
        Assert.StartsWith("Hello! I am the Service Desk assistant.", reply);
        Assert.Contains("1) Report an issue", reply);
        Assert.True(GsmText.IsGsm7(reply));
        var tickets = await host.Factory.CreateApiClient().GetFromJsonAsync<JsonObject>("/api/tickets?channel=sms");
        Assert.Empty(tickets!["items"]!.AsArray());
        Assert.Empty(XDocument.Parse(again).Root!.Elements());
        var message = await host.QueryAsync(db => db.Messages.SingleAsync(m => m.Direction == MessageDirection.Inbound));
        Assert.Equal("SM3b3c68b39785c9c19e2cddf1332bba1e", message.ExternalId);
        Assert.Equal("Hi", message.Body);
        var conversation = await host.QueryAsync(db => db.Conversations.SingleAsync());
        Assert.Equal("+15555550123|+15005550006", conversation.ExternalKey);
        Assert.Equal("+15005550006", SmsReplyHandle.FromJson(conversation.ReplyHandle)!.DeskNumber);
        Assert.Empty(host.Twilio.Requests);
    }

    [Fact]
    public async Task Unsigned_forged_or_misaddressed_webhooks_are_refused_and_store_nothing()
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite);
        var fields = SmsHost.Sms("+34600111222", "my screen is black");

        var unsigned = await host.Client.PostAsync(Path, new FormUrlEncodedContent(fields));
        var wrongToken = await host.PostSignedAsync(Path, fields, token: "not-the-token");
        var wrongUrl = await host.PostSignedAsync(Path, fields, signedUrl: "https://evil.example.com" + Path);
        var garbage = await host.PostSignedAsync(Path, fields, signature: "bm90IGEgc2lnbmF0dXJl");
        var tampered = await host.PostSignedAsync(Path, fields.Select(f => f.Key == "Body" ? new KeyValuePair<string, string>("Body", "changed") : f).ToList(), signature: TwilioSignature.Compute(SmsHost.AuthToken, host.UrlFor(Path), fields));

        Assert.All([unsigned, wrongToken, wrongUrl, garbage, tampered], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(0, await host.CountMessagesAsync());
        Assert.Equal(0, await host.QueryAsync(db => db.Contacts.CountAsync()));
    }

    [Fact]
    public async Task Malformed_requests_get_4xx_and_store_nothing()
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite);

        var noSid = await host.PostSignedAsync(Path, SmsHost.Sms("+34600111222", "x").Where(f => f.Key is not ("MessageSid" or "SmsSid")).ToList());
        var badSid = await host.PostSignedAsync(Path, SmsHost.Sms("+34600111222", "x", sid: "SM123"));
        var noFrom = await host.PostSignedAsync(Path, SmsHost.Sms("+34600111222", "x").Where(f => f.Key != "From").ToList());
        var tooManyFields = await host.PostSignedAsync(Path, Enumerable.Range(0, 1100).Select(i => new KeyValuePair<string, string>($"f{i}", "v")).ToList());
        var json = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent("{\"Body\":\"hi\"}", Encoding.UTF8, "application/json") };
        json.Headers.Add(TwilioSignature.HeaderName, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        var unsignedJson = await host.Client.SendAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, noSid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badSid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noFrom.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooManyFields.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unsignedJson.StatusCode);
        Assert.Equal(0, await host.CountMessagesAsync());
    }

    [Fact]
    public async Task A_signed_json_body_is_recognised_but_only_forms_are_taken()
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite);
        var body = "{\"Body\":\"hi\"}";
        var path = $"{Path}?bodySHA256={TwilioSignature.BodyHash(Encoding.UTF8.GetBytes(body))}";
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(TwilioSignature.HeaderName, TwilioSignature.Compute(SmsHost.AuthToken, host.UrlFor(path), []));

        var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(0, await host.CountMessagesAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Signatures_made_by_Twilios_node_library_are_accepted_and_altered_ones_refused(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider);
        await using var oracle = await TwilioNodeOracle.StartAsync();
        var random = new Random(5);
        var accepted = 0;
        for (var i = 0; i < 8; i++)
        {
            var fields = SmsHost.Sms($"+3460011{random.Next(10000, 99999)}", $"Problem {i}: ¿qué pasa? {Guid.NewGuid()} “x” & <y>");
            fields.AddRange(Enumerable.Range(0, random.Next(1, 6)).Select(j => new KeyValuePair<string, string>($"X{random.Next(100)}_{j}", RandomValue(random))));
            var url = host.UrlFor(Path);
            var signature = await oracle.SignAsync(SmsHost.AuthToken, url, fields);

            var tampered = fields.Select(f => f.Key == "Body" ? new KeyValuePair<string, string>(f.Key, f.Value + "!") : f).ToList();
            Assert.Equal(HttpStatusCode.Forbidden, (await host.PostSignedAsync(Path, tampered, signature: signature)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await host.PostSignedAsync(Path, fields, signature: await oracle.SignAsync(SmsHost.AuthToken, url + "x", fields))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await host.PostSignedAsync(Path, fields, signature: await oracle.SignAsync(SmsHost.AuthToken + "x", url, fields))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.PostSignedAsync(Path, fields, signature: signature)).StatusCode);
            accepted++;
        }

        Assert.Equal(accepted, await host.CountMessagesAsync());
    }

    [Fact]
    public async Task Without_a_public_base_url_the_requests_own_url_is_what_is_signed()
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite, publicBase: null);
        var fields = SmsHost.Sms("+34600111222", "hello");

        var own = await host.PostSignedAsync(Path, fields, signedUrl: "http://localhost" + Path);
        var proxied = await host.PostSignedAsync(Path, SmsHost.Sms("+34600111222", "hello again"), signedUrl: SmsHost.PublicBase + Path);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, proxied.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Mms_media_from_Twilio_is_recorded_and_other_hosts_are_not(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider);
        var fields = SmsHost.Sms("+34600111222", "photo of the error").Where(f => f.Key != "NumMedia").ToList();
        fields.AddRange(
        [
            new("NumMedia", "2"),
            new("MediaUrl0", $"https://api.twilio.com/2010-04-01/Accounts/{SmsHost.AccountSid}/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef"),
            new("MediaContentType0", "image/jpeg"),
            new("MediaUrl1", "https://attacker.example.net/x.png"),
            new("MediaContentType1", "image/png"),
        ]);

        Assert.Equal(HttpStatusCode.OK, (await host.PostSignedAsync(Path, fields)).StatusCode);

        var message = await host.QueryAsync(db => db.Messages.SingleAsync(m => m.Direction == MessageDirection.Inbound));
        var attachment = Assert.Single(message.Attachments);
        Assert.Equal("ME0123456789abcdef0123456789abcdef.jpg", attachment.FileName);
        Assert.Equal("image/jpeg", attachment.ContentType);
        Assert.StartsWith("https://api.twilio.com/", attachment.Url);
    }

    [Theory]
    [InlineData("help", "ES", "escribenos tu problema")]
    [InlineData("INFO", "US", "text us your problem")]
    public async Task Help_answers_in_the_senders_language_and_opens_nothing(string keyword, string country, string expected)
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite);
        var fields = SmsHost.Sms("+34600111222", keyword);
        fields.Add(new("FromCountry", country));

        var twiml = await host.TwimlAsync(await host.PostSignedAsync(Path, fields));

        var text = Assert.Single(XDocument.Parse(twiml).Root!.Elements("Message")).Value;
        Assert.Contains(expected, text);
        Assert.Contains("STOP", text);
        Assert.True(GsmText.IsGsm7(text));
        Assert.Equal(0, await host.CountMessagesAsync());
    }

    [Fact]
    public async Task The_channel_is_off_without_an_account()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var response = await factory.CreateClient().PostAsync(Path, new FormUrlEncodedContent(SmsHost.Sms("+34600111222", "x")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("Channels:Sms:Twilio:AccountSid", "AC123", "Channels:Sms:Twilio:AccountSid must be 'AC' followed by 32 hexadecimal digits")]
    [InlineData("Channels:Sms:Twilio:AuthToken", "", "Channels:Sms:Twilio:AuthToken is required")]
    [InlineData("Channels:Sms:Twilio:FromNumber", "600 111 222", "Channels:Sms:Twilio:FromNumber must be an E.164 number")]
    [InlineData("Channels:Sms:Twilio:PublicBaseUrl", "desk.example.com", "Channels:Sms:Twilio:PublicBaseUrl must be an absolute http(s) URL")]
    [InlineData("Channels:Sms:MediaHosts:0", "http://", "Channels:Sms:MediaHosts 'http://' is not an absolute URL")]
    public async Task Invalid_twilio_options_stop_the_start_naming_the_key(string key, string value, string expected)
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite, withChannels: false))
            .With("Channels:Sms:Twilio:AccountSid", SmsHost.AccountSid)
            .With("Channels:Sms:Twilio:AuthToken", "t")
            .With("Channels:Sms:Twilio:FromNumber", SmsHost.DeskNumber)
            .With(key, value);

        var error = Assert.ThrowsAny<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, error.Message);
    }

    internal static List<KeyValuePair<string, string>> FixtureForm(string name) =>
        [.. File.ReadAllText(SharedFiles.Path("fixtures", "twilio", name)).Trim().Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(WebUtility.UrlDecode(p[0]), WebUtility.UrlDecode(p[1])))];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_body_over_64_KB_is_refused_with_413_and_stores_nothing(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider);
        var huge = SmsHost.Sms("+34600111222", "report " + new string('x', TwilioWebhooks.MaxBodyBytes));

        // Declared by Content-Length, and streamed without one (chunked): both stop at the limit, signature or not.
        var declared = await host.PostSignedAsync(Path, huge);
        var chunked = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new StreamContent(new MemoryStream(await new FormUrlEncodedContent(huge).ReadAsByteArrayAsync())),
        };
        chunked.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.Add(TwilioSignature.HeaderName, TwilioSignature.Compute(SmsHost.AuthToken, host.UrlFor(Path), huge));
        var streamed = await host.Client.SendAsync(chunked);
        var status = await host.PostSignedAsync(Path + "/status", [new("MessageSid", SmsHost.NewSid()), new("MessageStatus", "delivered"), new("Padding", new string('y', 70 * 1024))]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status.StatusCode);
        Assert.Equal(0, await host.CountMessagesAsync());
        Assert.Equal(0, await host.QueryAsync(db => db.Contacts.CountAsync()));

        // Just under the limit is an ordinary webhook.
        var fits = SmsHost.Sms("+34600111222", "report " + new string('x', TwilioWebhooks.MaxBodyBytes - 1024));
        await host.TwimlAsync(await host.PostSignedAsync(Path, fits));
        Assert.Equal(1, await host.CountMessagesAsync());
    }

    private static string RandomValue(Random random)
    {
        const string chars = "abcXYZ019 +-_.:/=&?%áñ€😀\n<>\"'";
        var length = random.Next(0, 20);
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var c = chars[random.Next(chars.Length)];
            if (char.IsSurrogate(c))
            {
                text.Append("😀");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
