using Microsoft.Extensions.Options;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Teams;

[Collection(HostCollection.Name)]
public class TeamsOptionsTests
{
    [Theory]
    [InlineData("SingleTenant", "secret", "", "Channels:Teams:MicrosoftAppTenantId is required when Channels:Teams:MicrosoftAppType is SingleTenant.")]
    [InlineData("MultiTenant", "", "", "Channels:Teams:MicrosoftAppPassword is required")]
    public async Task An_incomplete_bot_registration_stops_the_start_naming_the_key(string appType, string password, string tenant, string expected)
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite))
            .With("Channels:Teams:MicrosoftAppId", "6c1b3f2a-0d3e-4a4b-9b7e-5f3c2a1d0e9f")
            .With("Channels:Teams:MicrosoftAppType", appType)
            .With("Channels:Teams:MicrosoftAppPassword", password)
            .With("Channels:Teams:MicrosoftAppTenantId", tenant);

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("Channels:Teams:OpenIdMetadataUrl", "not a url", "OpenIdMetadataUrl")]
    [InlineData("Channels:Teams:ConnectorScope", "https://api.botframework.us", "Channels:Teams:ConnectorScope is a resource URL ending in '/.default'")]
    [InlineData("Channels:Teams:AllowedServiceUrlHosts:0", "https://smba.trafficmanager.net/amer/", "Channels:Teams:AllowedServiceUrlHosts entries are host names")]
    public async Task Malformed_teams_endpoints_stop_the_start(string key, string value, string expected)
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite))
            .With("Channels:Teams:MicrosoftAppId", "6c1b3f2a-0d3e-4a4b-9b7e-5f3c2a1d0e9f")
            .With("Channels:Teams:MicrosoftAppPassword", "secret")
            .With(key, value);

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, error.Message);
    }
}
