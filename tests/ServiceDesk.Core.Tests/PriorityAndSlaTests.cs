using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Tests;

public class PriorityAndSlaTests
{
    // Monday 23 November 2026 in Madrid (UTC+1): 10:00 local.
    private static readonly DateTimeOffset MondayTen = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Impact.High, Urgency.High, Priority.P1)]
    [InlineData(Impact.High, Urgency.Medium, Priority.P2)]
    [InlineData(Impact.High, Urgency.Low, Priority.P3)]
    [InlineData(Impact.Medium, Urgency.High, Priority.P2)]
    [InlineData(Impact.Medium, Urgency.Medium, Priority.P3)]
    [InlineData(Impact.Medium, Urgency.Low, Priority.P4)]
    [InlineData(Impact.Low, Urgency.High, Priority.P3)]
    [InlineData(Impact.Low, Urgency.Medium, Priority.P4)]
    [InlineData(Impact.Low, Urgency.Low, Priority.P4)]
    public void Priority_follows_the_impact_urgency_matrix(Impact impact, Urgency urgency, Priority expected) =>
        Assert.Equal(expected, PriorityMatrix.For(impact, urgency));

    [Fact]
    public void Working_time_skips_the_night_and_the_weekend()
    {
        var calendar = new BusinessCalendar(new BusinessHoursOptions());
        var fridayFive = Local(2026, 11, 27, 17, 0);

        // One hour left on Friday (until 18:00), one more from Monday 08:00.
        Assert.Equal(Local(2026, 11, 30, 9, 0), calendar.Add(fridayFive, TimeSpan.FromHours(2)));

        // Starting on Saturday counts from Monday's opening.
        Assert.Equal(Local(2026, 11, 30, 8, 30), calendar.Add(Local(2026, 11, 28, 12, 0), TimeSpan.FromMinutes(30)));

        // Ten working hours from Monday 10:00 end Tuesday 10:00.
        Assert.Equal(Local(2026, 11, 24, 10, 0), calendar.Add(MondayTen, TimeSpan.FromHours(10)));

        // Exactly the end of the day stays on that day.
        Assert.Equal(Local(2026, 11, 23, 18, 0), calendar.Add(MondayTen, TimeSpan.FromHours(8)));
    }

    [Fact]
    public void Working_time_skips_holidays()
    {
        var calendar = new BusinessCalendar(new BusinessHoursOptions { Holidays = [new DateOnly(2026, 12, 8)] });

        // Monday 7 Dec 17:00 + 2h: Tuesday 8 Dec is a holiday, so Wednesday 09:00.
        Assert.Equal(Local(2026, 12, 9, 9, 0), calendar.Add(Local(2026, 12, 7, 17, 0), TimeSpan.FromHours(2)));
    }

    [Fact]
    public void Working_time_across_a_daylight_saving_change_counts_local_hours()
    {
        var calendar = new BusinessCalendar(new BusinessHoursOptions());

        // Clocks go forward on Sunday 29 March 2026 in Madrid; Friday 17:00 CET + 2h = Monday 09:00 CEST.
        var result = calendar.Add(new DateTimeOffset(2026, 3, 27, 16, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(2));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 7, 0, 0, TimeSpan.Zero), result);
    }

    [Fact]
    public void Working_time_between_two_instants_is_measured_the_same_way()
    {
        var calendar = new BusinessCalendar(new BusinessHoursOptions());

        Assert.Equal(TimeSpan.FromHours(2), calendar.Between(Local(2026, 11, 27, 17, 0), Local(2026, 11, 30, 9, 0)));
        Assert.Equal(TimeSpan.Zero, calendar.Between(Local(2026, 11, 28, 9, 0), Local(2026, 11, 29, 20, 0)));
        Assert.Equal(TimeSpan.Zero, calendar.Between(Local(2026, 11, 30, 9, 0), Local(2026, 11, 27, 9, 0)));
    }

    [Fact]
    public void Configured_working_days_replace_monday_to_friday_and_none_means_monday_to_friday()
    {
        static IServiceProvider Desk(params (string Key, string Value)[] settings)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
                .Build();
            return new ServiceCollection().AddLogging().AddServiceDeskCore(configuration, Path.Combine(Path.GetTempPath(), "unused.db")).BuildServiceProvider();
        }

        var sundays = Desk(("Sla:BusinessHours:Days:0", "Sunday"));
        var weekdays = Desk();

        Assert.Equal([DayOfWeek.Sunday], sundays.GetRequiredService<IOptions<SlaOptions>>().Value.BusinessHours.Days);
        Assert.Equal(BusinessHoursOptions.DefaultDays, weekdays.GetRequiredService<IOptions<SlaOptions>>().Value.BusinessHours.Days);

        // P4 answers within 8 working hours: on a Sunday-only desk, from Monday that is the next Sunday 08:00–16:00.
        Assert.Equal(Local(2026, 11, 29, 16, 0), sundays.GetRequiredService<SlaClock>().FirstResponseDue(Priority.P4, MondayTen));
        Assert.Equal(Local(2026, 11, 23, 18, 0), weekdays.GetRequiredService<SlaClock>().FirstResponseDue(Priority.P4, MondayTen));
    }

    [Fact]
    public void Due_dates_come_from_the_priority_target_and_calendar()
    {
        var sla = Domain.Sla();

        // P3: 4 working hours to respond, 24 to resolve (2.4 working days).
        var p3 = Domain.NewTicket(MondayTen, Impact.Medium, Urgency.Medium, sla);
        Assert.Equal(Local(2026, 11, 23, 14, 0), p3.FirstResponseDueAt);
        Assert.Equal(Local(2026, 11, 25, 14, 0), p3.ResolutionDueAt);

        // P1 runs around the clock, even on a Saturday night.
        var saturdayNight = Local(2026, 11, 28, 23, 0);
        var p1 = Domain.NewTicket(saturdayNight, Impact.High, Urgency.High, sla);
        Assert.Equal(saturdayNight.AddMinutes(15), p1.FirstResponseDueAt);
        Assert.Equal(saturdayNight.AddHours(4), p1.ResolutionDueAt);
    }

    [Fact]
    public void Changing_priority_recomputes_the_due_dates()
    {
        var sla = Domain.Sla();
        var ticket = Domain.NewTicket(MondayTen, Impact.Low, Urgency.Low, sla);
        Assert.Equal(Priority.P4, ticket.Priority);

        ticket.Reprioritize(Impact.High, Urgency.Medium, "agent", sla, MondayTen.AddMinutes(10));

        Assert.Equal(Priority.P2, ticket.Priority);
        Assert.Equal(Local(2026, 11, 23, 11, 0), ticket.FirstResponseDueAt);
        Assert.Equal(Local(2026, 11, 23, 18, 0), ticket.ResolutionDueAt);
        Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.PriorityChanged && e.Detail == "P4 → P2");

        ticket.OverridePriority(Priority.P1, "agent", sla, MondayTen.AddMinutes(20));
        Assert.True(ticket.PriorityOverridden);
        Assert.Equal(MondayTen.AddHours(4), ticket.ResolutionDueAt);
    }

    [Fact]
    public void Waiting_for_the_requester_stops_the_resolution_clock()
    {
        var sla = Domain.Sla();
        var ticket = Domain.NewTicket(MondayTen, sla: sla);
        var due = ticket.ResolutionDueAt;

        ticket.ChangeStatus(TicketStatus.Pending, "agent", sla, MondayTen.AddHours(1));
        ticket.AcceptRequesterReply("contact:1", TimeSpan.FromDays(7), sla, MondayTen.AddHours(4));

        // Three working hours pending are given back.
        Assert.Equal(sla.AddWorkingTime(due, TimeSpan.FromHours(3)), ticket.ResolutionDueAt);
    }

    [Fact]
    public void Breaches_are_flagged_once_and_only_when_a_target_passed()
    {
        var sla = Domain.Sla();
        var ticket = Domain.NewTicket(MondayTen, sla: sla);

        Assert.Empty(ticket.CheckBreaches(MondayTen.AddHours(1)));
        Assert.Equal([TicketEventKind.FirstResponseBreached], ticket.CheckBreaches(ticket.FirstResponseDueAt.AddSeconds(1)));
        Assert.Empty(ticket.CheckBreaches(ticket.FirstResponseDueAt.AddMinutes(5)));
        Assert.Equal([TicketEventKind.ResolutionBreached], ticket.CheckBreaches(ticket.ResolutionDueAt.AddSeconds(1)));
        Assert.True(ticket.FirstResponseBreached);
        Assert.True(ticket.ResolutionBreached);
    }

    [Fact]
    public void A_first_public_reply_in_time_is_not_a_breach()
    {
        var sla = Domain.Sla();
        var ticket = Domain.NewTicket(MondayTen, sla: sla);

        ticket.RecordPublicReply("agent", MondayTen.AddMinutes(30));

        Assert.Empty(ticket.CheckBreaches(ticket.FirstResponseDueAt.AddHours(1)));
        Assert.Equal(MondayTen.AddMinutes(30), ticket.FirstRespondedAt);
    }

    private static DateTimeOffset Local(int y, int m, int d, int h, int min)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid");
        var local = new DateTime(y, m, d, h, min, 0);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
