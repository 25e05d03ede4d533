using MailKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Receiving;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>The mailbox reader against a real Dovecot, on SQLite and PostgreSQL.</summary>
public sealed class ImapIntakeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Mail_becomes_tickets_is_moved_and_checkpointed_and_new_mail_arrives_through_idle(DatabaseProvider provider)
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var requesters = Enumerable.Range(0, 3).Select(i => server.CreateMailbox("user")).ToList();
        await server.AppendAsync(deskAddress, requesters.Select(r => TestMail.Create(r, deskAddress, $"Printer {r}", "The printer on floor 3 jams.")));
        await using var desk = await CreateDeskAsync(provider, EmailServices.For(server, deskAddress));
        var intake = desk.Services.GetRequiredService<ImapIntake>();
        using var stop = new CancellationTokenSource();
        var running = intake.RunAsync(stop.Token);

        await WaitForTicketsAsync(desk, 3, server);
        await Poll.UntilAsync(async () => await server.CountAsync(deskAddress) == 0, Patience, () => "the inbox was not emptied");
        Assert.Equal(3, await server.CountAsync(deskAddress, "Processed"));
        var status = desk.Services.GetRequiredService<MailboxStatus>().Current;
        Assert.Equal(MailboxState.Connected, status.State);
        Assert.Contains("IDLE", status.Detail);

        // New mail, delivered by Postfix while the reader sits in IDLE.
        var late = await server.CreateMailboxAsync("late");
        await server.SendAsync(TestMail.Create(late, deskAddress, "Monitor flickers", "Since this morning."));
        await WaitForTicketsAsync(desk, 4, server);
        await Poll.UntilAsync(
            async () => (await desk.InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().ReadAsync(intake.Source, CancellationToken.None)))?.Position >= 4,
            Patience,
            () => "the checkpoint did not move past the fourth mail");

        await stop.CancelAsync();
        await running;
        using var imap = await server.LoginAsync(deskAddress);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var checkpoint = await desk.InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().ReadAsync(intake.Source, CancellationToken.None));
        Assert.NotNull(checkpoint);
        Assert.Equal((long)imap.Inbox.UidValidity, checkpoint.Generation);
        Assert.True(checkpoint.Position >= 4);
        Assert.Null(checkpoint.LeaseOwner); // released on shutdown
        Assert.Equal(4, desk.Scheduler.Scheduled.Count); // one acknowledgement queued per ticket
    }

    [Fact]
    public async Task Without_idle_or_move_the_reader_polls_and_copies_flags_and_expunges()
    {
        var server = await MailServer.StartAsync(new MailServerOptions(Idle: false, Move: false));
        try
        {
            var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
            var requester = await server.CreateMailboxAsync("poll");
            await server.AppendAsync(deskAddress, [TestMail.Create(requester, deskAddress, "One", "first"), TestMail.Create(requester, deskAddress, "Two", "second")]);
            await using var desk = await CreateDeskAsync(DatabaseProvider.Sqlite, EmailServices.For(server, deskAddress));
            using var stop = new CancellationTokenSource();
            var running = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);

            await WaitForTicketsAsync(desk, 2, server);
            await server.SendAsync(TestMail.Create(requester, deskAddress, "Three", "third"));
            await WaitForTicketsAsync(desk, 3, server);
            await Poll.UntilAsync(async () => await server.CountAsync(deskAddress, "Processed") == 3, Patience, () => "not all moved");
            await stop.CancelAsync();
            await running;

            Assert.Contains("polling", desk.Services.GetRequiredService<MailboxStatus>().Current.Detail);
            using var imap = await server.LoginAsync(deskAddress);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(0, imap.Inbox.Count); // expunged, not merely flagged \Deleted
            Assert.Equal(3, (await server.ReadAsync(deskAddress, "Processed")).Count);
        }
        finally
        {
            server.Stop();
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_restart_in_the_middle_of_a_batch_neither_loses_nor_duplicates(DatabaseProvider provider)
    {
        const int total = 40;
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var mails = Enumerable.Range(0, total).Select(i => TestMail.Create(server.CreateMailbox("crash"), deskAddress, $"Request {i}", $"Body {i}")).ToList();
        await server.AppendAsync(deskAddress, mails);
        var options = EmailServices.For(server, deskAddress);
        await using var desk = await CreateDeskAsync(provider, options);

        // The crash window: five mails already taken in, but neither moved nor checkpointed.
        foreach (var mail in mails.Take(5))
        {
            await desk.InScopeAsync(sp => sp.GetRequiredService<EmailIngestor>().IngestAsync(mail, null, CancellationToken.None));
        }

        // A first instance stops part-way through its batch…
        using (var stop = new CancellationTokenSource())
        {
            var first = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);
            await WaitForTicketsAsync(desk, 15, server);
            await stop.CancelAsync();
            await first;
        }

        // …and the next one finishes the job.
        using (var stop = new CancellationTokenSource())
        {
            var second = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);
            await Poll.UntilAsync(async () => await server.CountAsync(deskAddress) == 0, Patience, () => "the inbox was not emptied");
            await stop.CancelAsync();
            await second;
        }

        var stored = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages
            .Where(m => m.Direction == MessageDirection.Inbound).Select(m => m.ExternalId!).ToListAsync());
        Assert.Equal(total, stored.Count);
        Assert.Equal(mails.Select(m => m.MessageId).Order(), stored.Order());
        Assert.Equal(total, await CountTicketsAsync(desk));
        var processed = await server.ReadAsync(deskAddress, "Processed");
        Assert.Equal(total, processed.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Refused_credentials_are_reported_and_logged_once_and_not_retried_in_a_loop()
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var options = EmailServices.For(server, deskAddress);
        options.Imap.Password = "wrong";
        var logs = new LogCollector();
        await using var desk = await CreateDeskAsync(DatabaseProvider.Sqlite, options, logs: logs);
        using var stop = new CancellationTokenSource();
        var running = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);

        var status = desk.Services.GetRequiredService<MailboxStatus>();
        await Poll.UntilAsync(() => Task.FromResult(status.Current.State == MailboxState.AuthenticationFailed), Patience, () => $"status {status.Current}");
        await stop.CancelAsync();
        await running;

        var failed = status.Current;
        Assert.Contains(deskAddress, failed.Detail);
        Assert.NotNull(failed.NextAttemptAt);
        Assert.True(failed.NextAttemptAt - failed.Since >= TimeSpan.FromMinutes(4), $"next attempt {failed.NextAttemptAt} after {failed.Since}");
        var errors = logs.Entries.Where(e => e.Level == LogLevel.Error).ToList();
        var error = Assert.Single(errors);
        Assert.Contains("Channels:Email:Imap:Username/Password", error.Message);
    }

    [Fact]
    public async Task Only_the_lease_holder_reads_and_a_standby_instance_takes_over_when_it_stops()
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var timings = new ImapIntakeTimings { Lease = TimeSpan.FromSeconds(5), RenewEvery = TimeSpan.FromMilliseconds(500), StandbyCheck = TimeSpan.FromMilliseconds(200) };
        await using var desk = await CreateDeskAsync(DatabaseProvider.PostgreSql, EmailServices.For(server, deskAddress), timings);
        var (first, firstStatus) = Instance(desk);
        var (second, secondStatus) = Instance(desk);
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();

        var runningFirst = first.RunAsync(stopFirst.Token);
        await Poll.UntilAsync(() => Task.FromResult(firstStatus.Current.State == MailboxState.Connected), Patience, () => $"first: {firstStatus.Current}");
        var runningSecond = second.RunAsync(stopSecond.Token);
        await Poll.UntilAsync(() => Task.FromResult(secondStatus.Current.State == MailboxState.Standby), Patience, () => $"second: {secondStatus.Current}");

        var requester = await server.CreateMailboxAsync("lease");
        await server.SendAsync(TestMail.Create(requester, deskAddress, "First", "read by the first instance"));
        await WaitForTicketsAsync(desk, 1, server);
        Assert.Equal(MailboxState.Standby, secondStatus.Current.State);

        await stopFirst.CancelAsync();
        await runningFirst;
        await Poll.UntilAsync(() => Task.FromResult(secondStatus.Current.State == MailboxState.Connected), Patience, () => $"second: {secondStatus.Current}");
        await server.SendAsync(TestMail.Create(requester, deskAddress, "Second", "read by the second instance"));
        await WaitForTicketsAsync(desk, 2, server);

        await stopSecond.CancelAsync();
        await runningSecond;
    }

    [Fact]
    public async Task Mail_that_cannot_be_taken_in_is_flagged_and_left_while_the_rest_flows()
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var anonymous = TestMail.Create("x@example.test", deskAddress, "No sender", "Who sent this?");
        anonymous.From.Clear();
        await server.AppendAsync(deskAddress, [anonymous, TestMail.Create(await server.CreateMailboxAsync("ok"), deskAddress, "Fine", "A normal request.")]);
        await using var desk = await CreateDeskAsync(DatabaseProvider.Sqlite, EmailServices.For(server, deskAddress));
        using var stop = new CancellationTokenSource();
        var running = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);

        await WaitForTicketsAsync(desk, 1, server);
        await Poll.UntilAsync(async () => await server.CountAsync(deskAddress, "Processed") == 1, Patience, () => "not moved");
        await stop.CancelAsync();
        await running;

        using var imap = await server.LoginAsync(deskAddress);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var left = Assert.Single(await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Envelope));
        Assert.Equal("No sender", left.Envelope!.Subject);
        Assert.True(left.Flags!.Value.HasFlag(MessageFlags.Flagged));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_mail_that_fails_three_times_is_set_aside_but_a_busy_database_counts_no_strike(DatabaseProvider provider)
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var failing = new FailingCommands(provider);
        failing.Fail("Poison", transient: false);
        failing.Fail("Busy", transient: true, times: 5);
        await server.AppendAsync(deskAddress, [
            TestMail.Create(await server.CreateMailboxAsync("poison"), deskAddress, "Poison", "The data of this one is refused."),
            TestMail.Create(await server.CreateMailboxAsync("busy"), deskAddress, "Busy", "The database is locked five times while this one comes in."),
        ]);
        var timings = new ImapIntakeTimings { FirstRetry = TimeSpan.FromMilliseconds(50), MaxRetry = TimeSpan.FromMilliseconds(200), Workers = 1 };
        await using var desk = await CreateDeskAsync(provider, EmailServices.For(server, deskAddress), timings, configure: failing.AddTo);
        using var stop = new CancellationTokenSource();
        var running = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);

        await Poll.UntilAsync(async () => await server.CountAsync(deskAddress, "Processed") == 1, Patience, () => $"not moved; Busy failed {failing.FailuresOf("Busy")} times");
        await Poll.UntilAsync(
            async () => (await server.ReadAsync(deskAddress)).Count == 1 && await FlaggedAsync(server, deskAddress) == 1,
            Patience,
            () => $"Poison not set aside after {failing.FailuresOf("Poison")} failures");
        await stop.CancelAsync();
        await running;

        Assert.Equal(5, failing.FailuresOf("Busy"));
        Assert.Equal(3, failing.FailuresOf("Poison"));
        Assert.Equal("Busy", Assert.Single(await server.ReadAsync(deskAddress, "Processed")).Subject);
        Assert.Equal("Poison", Assert.Single(await server.ReadAsync(deskAddress)).Subject);
        Assert.Equal(1, await CountTicketsAsync(desk));
    }

    [Fact]
    public async Task The_reader_reconnects_when_the_server_drops_the_connection()
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var logs = new LogCollector();
        var timings = new ImapIntakeTimings { FirstRetry = TimeSpan.FromMilliseconds(100), MaxRetry = TimeSpan.FromMilliseconds(500) };
        await using var desk = await CreateDeskAsync(DatabaseProvider.Sqlite, EmailServices.For(server, deskAddress), timings, logs);
        var status = desk.Services.GetRequiredService<MailboxStatus>();
        using var stop = new CancellationTokenSource();
        var running = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);
        await Poll.UntilAsync(() => Task.FromResult(status.Current.State == MailboxState.Connected), Patience, () => $"status {status.Current}");

        // The server ends the session in the middle of IDLE.
        await server.KickAsync(deskAddress);
        await Poll.UntilAsync(() => Task.FromResult(logs.Entries.Any(e => e.Message.Contains("retrying in", StringComparison.Ordinal))), Patience, () => "the drop went unnoticed");

        var requester = await server.CreateMailboxAsync("dropped");
        await server.SendAsync(TestMail.Create(requester, deskAddress, "After the drop", "Is anybody reading?"));
        await WaitForTicketsAsync(desk, 1, server);
        Assert.Equal(MailboxState.Connected, status.Current.State);
        await stop.CancelAsync();
        await running;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_folder_the_server_renumbers_is_read_again_and_nothing_is_taken_twice(DatabaseProvider provider)
    {
        const string folder = "Desk";
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        await CreateFolderAsync(server, deskAddress, folder);
        var before = Enumerable.Range(0, 2).Select(i => TestMail.Create(server.CreateMailbox("renumbered"), deskAddress, $"Before {i}", "Taken in before the renumbering.")).ToList();
        await server.AppendAsync(deskAddress, before, folder);
        var options = EmailServices.For(server, deskAddress);
        options.Imap.Folder = folder;
        await using var desk = await CreateDeskAsync(provider, options);
        var intake = desk.Services.GetRequiredService<ImapIntake>();

        await ReadUntilEmptyAsync(desk, server, deskAddress, folder);
        var first = await desk.InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().ReadAsync(intake.Source, CancellationToken.None));
        Assert.Equal(2, first!.Position);

        // The folder is rebuilt (a server migration, a restore): UIDs start at 1 again, below the checkpoint, under a
        // new UIDVALIDITY; a copy of a mail already taken in comes back with a new one.
        await DeleteFolderAsync(server, deskAddress, folder);
        await CreateFolderAsync(server, deskAddress, folder);
        await server.AppendAsync(deskAddress, [before[0], TestMail.Create(server.CreateMailbox("renumbered"), deskAddress, "After", "Arrived after the renumbering.")], folder);

        await ReadUntilEmptyAsync(desk, server, deskAddress, folder);
        var second = await desk.InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().ReadAsync(intake.Source, CancellationToken.None));
        Assert.NotEqual(first.Generation, second!.Generation);
        Assert.Equal(3, await CountTicketsAsync(desk));
        Assert.Equal(3, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.Direction == MessageDirection.Inbound)));
    }

    /// <summary>Runs a reader until the folder is empty and the checkpoint names its last mail under its current UIDVALIDITY.</summary>
    private static async Task ReadUntilEmptyAsync(TestDesk desk, MailServer server, string deskAddress, string folder)
    {
        uint validity;
        using (var imap = await server.LoginAsync(deskAddress))
        {
            var opened = await imap.GetFolderAsync(folder);
            await opened.OpenAsync(FolderAccess.ReadOnly);
            validity = opened.UidValidity;
        }

        var intake = desk.Services.GetRequiredService<ImapIntake>();
        using var stop = new CancellationTokenSource();
        var running = intake.RunAsync(stop.Token);
        await Poll.UntilAsync(
            async () => await server.CountAsync(deskAddress, folder) == 0
                && (await desk.InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().ReadAsync(intake.Source, CancellationToken.None)))?.Generation == validity,
            Patience,
            () => $"{folder} was not emptied and checkpointed");
        await stop.CancelAsync();
        await running;
    }

    private static async Task CreateFolderAsync(MailServer server, string address, string name)
    {
        using var imap = await server.LoginAsync(address);
        await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync(name, isMessageFolder: true);
    }

    private static async Task DeleteFolderAsync(MailServer server, string address, string name)
    {
        using var imap = await server.LoginAsync(address);
        await (await imap.GetFolderAsync(name)).DeleteAsync();
    }

    private static async Task<int> FlaggedAsync(MailServer server, string address)
    {
        using var imap = await server.LoginAsync(address);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags);
        return summaries.Count(s => s.Flags!.Value.HasFlag(MessageFlags.Flagged));
    }

    private static (ImapIntake Intake, MailboxStatus Status) Instance(TestDesk desk)
    {
        var status = new MailboxStatus(TimeProvider.System);
        var intake = ActivatorUtilities.CreateInstance<ImapIntake>(desk.Services, status);
        return (intake, status);
    }

    internal static Task<TestDesk> CreateDeskAsync(
        DatabaseProvider provider, EmailOptions options, ImapIntakeTimings? timings = null, LogCollector? logs = null, Action<IServiceCollection>? configure = null) =>
        TestDesk.CreateAsync(provider, services =>
        {
            EmailServices.Add(services, options, timings);
            configure?.Invoke(services);

            // The reader waits in real time (IDLE refresh, polling, backoff).
            services.Replace(ServiceDescriptor.Singleton(TimeProvider.System));
            if (logs is not null)
            {
                services.AddSingleton<ILoggerProvider>(logs);
            }
        });

    internal static Task<int> CountTicketsAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.CountAsync());

    internal static Task WaitForTicketsAsync(TestDesk desk, int count, MailServer server) =>
        Poll.UntilAsync(async () => await CountTicketsAsync(desk) >= count, Patience, () => $"fewer than {count} tickets. Dovecot:\n{server.Tail("dovecot.log")}");
}
