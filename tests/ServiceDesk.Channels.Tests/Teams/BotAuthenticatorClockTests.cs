using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Channels.Tests.Teams;

/// <summary>
/// The channel's tokens are judged by the desk's clock: a token checked once and remembered is good for as long as its
/// lifetime (with five minutes of skew) says, and no longer, and a token is judged the same whether remembered or not.
/// </summary>
public sealed class BotAuthenticatorClockTests : IAsyncLifetime
{
    private BotFrameworkAuthority _authority = null!;

    public async Task InitializeAsync() => _authority = await BotFrameworkAuthority.StartAsync();

    public async Task DisposeAsync() => await _authority.DisposeAsync();

    [Fact]
    public async Task A_remembered_token_is_refused_once_the_clock_passes_its_expiry_and_skew()
    {
        await using var desk = await CreateDeskAsync();
        var authenticator = desk.Services.GetRequiredService<BotAuthenticator>();
        const string serviceUrl = "https://smba.trafficmanager.net/emea/";
        var token = "Bearer " + _authority.MintChannelToken(serviceUrl, expires: desk.Time.Now.AddMinutes(10));

        Assert.True((await authenticator.AuthenticateAsync(token, "msteams", serviceUrl, CancellationToken.None)).Succeeded);

        // Past its expiry but within the skew: still good.
        desk.Time.Advance(TimeSpan.FromMinutes(14));
        Assert.True((await authenticator.AuthenticateAsync(token, "msteams", serviceUrl, CancellationToken.None)).Succeeded);

        desk.Time.Advance(TimeSpan.FromMinutes(2));
        var late = await authenticator.AuthenticateAsync(token, "msteams", serviceUrl, CancellationToken.None);
        Assert.False(late.Succeeded);
        Assert.Contains("expired", late.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_token_never_seen_is_judged_by_the_same_clock()
    {
        await using var desk = await CreateDeskAsync();
        var authenticator = desk.Services.GetRequiredService<BotAuthenticator>();
        const string serviceUrl = "https://smba.trafficmanager.net/emea/";
        var token = "Bearer " + _authority.MintChannelToken(serviceUrl, expires: desk.Time.Now.AddMinutes(10));

        desk.Time.Advance(TimeSpan.FromMinutes(16));
        var late = await authenticator.AuthenticateAsync(token, "msteams", serviceUrl, CancellationToken.None);

        Assert.False(late.Succeeded);
        Assert.Contains("expired", late.Error, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A desk whose clock reads the real time at first: the authority signs its tokens with the real time.</summary>
    private async Task<TestDesk> CreateDeskAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_authority.Settings()).Build();
        var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddTeamsChannel(configuration), _authority.Settings().ToDictionary());
        desk.Time.Set(DateTimeOffset.UtcNow);
        return desk;
    }
}
