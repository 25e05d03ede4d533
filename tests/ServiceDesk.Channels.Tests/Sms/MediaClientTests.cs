using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Sms;

/// <summary>Which hosts MMS media may come from, and how redirects are followed, against the Twilio stub.</summary>
public class MediaClientTests
{
    [Theory]
    [InlineData("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", true)]
    [InlineData("https://media.twiliocdn.com/AC1/abc", true)]
    [InlineData("https://s3-external-1.twilio.com/x", true)]
    [InlineData("http://api.twilio.com/x", false)]
    [InlineData("https://eviltwilio.com/x", false)]
    [InlineData("https://api.twilio.com.evil.example/x", false)]
    [InlineData("https://user:pass@api.twilio.com/x", false)]
    [InlineData("not a url", false)]
    public void By_default_only_twilios_media_hosts_over_https_are_allowed(string url, bool allowed) =>
        Assert.Equal(allowed, new TwilioMediaHosts(null).IsAllowed(url));

    [Fact]
    public void A_configured_origin_replaces_the_defaults_and_matches_scheme_host_and_port()
    {
        var hosts = new TwilioMediaHosts(["http://127.0.0.1:5000"]);
        Assert.True(hosts.IsAllowed("http://127.0.0.1:5000/m"));
        Assert.False(hosts.IsAllowed("http://127.0.0.1:5001/m"));
        Assert.False(hosts.IsAllowed("https://api.twilio.com/m"));
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public async Task Redirects_are_followed_up_to_three_times(int redirects, bool downloaded)
    {
        await using var twilio = await TwilioStub.StartAsync();
        var content = new byte[] { 1, 2, 3, 4 };
        var next = twilio.ServeMedia("/media/final", content, "image/png");
        for (var i = redirects; i > 0; i--)
        {
            next = twilio.RedirectMedia($"/media/hop{i}", next);
        }

        var result = await ClientFor(twilio).DownloadAsync(next, CancellationToken.None);

        Assert.Equal(downloaded, result.Content is not null);
        Assert.Equal(downloaded ? content : null, result.Content);
        Assert.Equal(downloaded, twilio.MediaRequests.Any(r => r.Path == "/media/final"));
    }

    [Fact]
    public async Task A_media_url_answering_404_is_refused_without_an_exception()
    {
        await using var twilio = await TwilioStub.StartAsync();

        var result = await ClientFor(twilio).DownloadAsync(new Uri(twilio.BaseUrl, "/media/gone").ToString(), CancellationToken.None);

        Assert.Null(result.Content);
        Assert.False(result.IsTooLarge);
        Assert.Contains("404", result.Problem);
    }

    private static TwilioMediaClient ClientFor(TwilioStub twilio) => new(
        new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }),
        Options.Create(new TwilioOptions { AccountSid = "AC0123456789abcdef0123456789abcdef", AuthToken = "token" }),
        Options.Create(new SmsOptions { MediaHosts = [twilio.BaseUrl.GetLeftPart(UriPartial.Authority)] }));
}
