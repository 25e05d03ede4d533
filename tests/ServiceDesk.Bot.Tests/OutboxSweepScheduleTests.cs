using System.Globalization;
using ServiceDesk.Bot.Jobs;

namespace ServiceDesk.Bot.Tests;

public class OutboxSweepScheduleTests
{
    [Theory]
    [InlineData("00:00:01", "* * * * * *")]
    [InlineData("00:00:02", "*/2 * * * * *")]
    [InlineData("00:00:30", "*/30 * * * * *")]
    [InlineData("00:01:00", "* * * * *")]
    [InlineData("00:05:00", "*/5 * * * *")]
    [InlineData("01:00:00", "0 * * * *")]
    public void The_sweep_interval_becomes_a_cron_schedule_of_that_period(string interval, string expected) =>
        Assert.Equal(expected, HangfireSetup.CronEvery(TimeSpan.Parse(interval, CultureInfo.InvariantCulture)));
}
