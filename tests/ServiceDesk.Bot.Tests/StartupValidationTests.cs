using Microsoft.Extensions.Options;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

[Collection(HostCollection.Name)]
public class StartupValidationTests
{
    [Theory]
    [InlineData("Desk:DefaultLanguage", "fr", "Desk:DefaultLanguage must be 'es' or 'en'.")]
    [InlineData("Desk:TicketPrefix", "S D", "Desk:TicketPrefix must be 1-10 letters or digits")]
    [InlineData("Sla:BusinessHours:TimeZone", "Mars/Olympus", "Sla:BusinessHours:TimeZone 'Mars/Olympus' is not a known time zone.")]
    [InlineData("Outbox:SweepInterval", "00:00:07", "Outbox:SweepInterval must be a whole number of seconds that divides a minute")]
    [InlineData("Outbox:SweepInterval", "00:01:30", "Outbox:SweepInterval must be a whole number of seconds that divides a minute")]
    [InlineData("Database:Provider", "MySql", "Database:Provider 'MySql' is not one of Sqlite, PostgreSql, SqlServer.")]
    [InlineData("Database:Provider", "1", "Database:Provider '1' is not one of Sqlite, PostgreSql, SqlServer.")]
    [InlineData("Outbox:ClaimTimeout", "00:00:00", "Outbox:ClaimTimeout must be between 5 seconds and 1 day.")]
    [InlineData("Outbox:FirstRetryDelay", "-00:00:05", "Outbox:FirstRetryDelay must be between 1 second and 1 hour.")]
    [InlineData("Outbox:MaxRetryDelay", "00:00:02", "Outbox:MaxRetryDelay must not be shorter than Outbox:FirstRetryDelay.")]
    [InlineData("Api:Keys:1", "short", "Api:Keys:1 is shorter than 12 characters.")]
    [InlineData("Api:Keys:1", DeskFactory.ApiKey, "Api:Keys:1 repeats an earlier key")]
    [InlineData("Agents:SessionCheckInterval", "2.00:00:00", "Agents:SessionCheckInterval must be between 0 (every request) and 1 day.")]
    [InlineData("Desk:PendingReminders", "11", "Desk:PendingReminders must be between 0 and 10.")]
    [InlineData("Desk:PendingReminderAfter", "00:00:30", "Desk:PendingReminderAfter must be between 1 minute and 365 days.")]
    public async Task Invalid_options_stop_the_start_with_a_message_naming_the_key(string key, string value, string expected)
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite)).With(key, value);

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_server_provider_without_a_connection_string_is_refused_clearly()
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite))
            .With("Database:Provider", "PostgreSql")
            .With("ConnectionStrings:ServiceDesk", "");

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("set ConnectionStrings:ServiceDesk", error.Message);
    }
}
