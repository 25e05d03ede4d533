using System.Collections.Concurrent;
using System.Threading.Channels;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Channels.Email.Receiving;

/// <summary>How often the mailbox reader does what; tests shorten them.</summary>
public sealed record ImapIntakeTimings
{
    /// <summary>How long a lease lasts without renewal: a crashed instance's mailbox is taken over after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RenewEvery { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often a standby instance checks whether the lease became free.</summary>
    public TimeSpan StandbyCheck { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>IMAP servers drop an IDLE after 30 minutes and NATs sooner: IDLE is re-issued this often (RFC 2177 advises under 29 minutes).</summary>
    public TimeSpan IdleRefresh { get; init; } = TimeSpan.FromMinutes(9);

    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Refused credentials are tried again this rarely: a wrong password must not hammer the server (or lock the account).</summary>
    public TimeSpan AuthenticationRetry { get; init; } = TimeSpan.FromMinutes(5);

    public int BatchSize { get; init; } = 100;

    /// <summary>Mails taken in at the same time (one at a time per thread, so a reply never overtakes its original).</summary>
    public int Workers { get; init; } = 8;

    /// <summary>The timings for a lease of the given length (<c>Channels:Email:Imap:LeaseDuration</c>): renewed every third, watched every quarter.</summary>
    public static ImapIntakeTimings ForLease(TimeSpan lease) => new() { Lease = lease, RenewEvery = lease / 3, StandbyCheck = lease / 4 };
}

/// <summary>
/// Reads the desk's IMAP folder into the desk, on exactly one app instance at a time (a database lease).
/// IDLE when the server offers it, polling otherwise. Each mail is taken in, then moved to the processed
/// folder (MOVE, or COPY + \Deleted + UID EXPUNGE), then the UIDVALIDITY/UID checkpoint is saved. A crash in
/// between re-reads the mail on restart, and the intake, idempotent on the Message-ID, stores nothing twice.
/// </summary>
public sealed partial class ImapIntake(
    IOptions<EmailOptions> options,
    IServiceScopeFactory scopes,
    MailboxStatus status,
    ImapIntakeTimings timings,
    TimeProvider time,
    ILogger<ImapIntake> logger)
{
    /// <summary>A mail whose intake failed this often is set aside, so one bad message cannot stop the mailbox.</summary>
    private const int MaxAttemptsPerMail = 3;

    private readonly ImapOptions _imap = options.Value.Imap;
    private readonly ConcurrentDictionary<(uint Validity, uint Uid), int> _failures = [];
    private bool _authenticationFailureLogged;

    /// <summary>This instance, as it appears in the lease.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>The checkpoint's name for the folder.</summary>
    public string Source => Truncate($"imap://{_imap.Username}@{_imap.Host}:{_imap.EffectivePort}/{_imap.Folder}".ToLowerInvariant(), 400);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = timings.FirstRetry;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await LeaseAsync(stoppingToken))
                {
                    status.Set(MailboxState.Standby, "another instance reads the mailbox");
                    await Task.Delay(timings.StandbyCheck, time, stoppingToken);
                    continue;
                }

                try
                {
                    await RunWithLeaseAsync(stoppingToken);
                    backoff = timings.FirstRetry;
                }
                catch (AuthenticationException e)
                {
                    var next = time.GetUtcNow() + timings.AuthenticationRetry;
                    status.Set(MailboxState.AuthenticationFailed, $"IMAP login as {_imap.Username} at {_imap.Host} refused: {e.Message}", next);
                    if (!_authenticationFailureLogged)
                    {
                        LogAuthenticationFailed(_imap.Username, _imap.Host, e.Message, timings.AuthenticationRetry);
                        _authenticationFailureLogged = true;
                    }

                    await ReleaseAsync();
                    await Task.Delay(timings.AuthenticationRetry, time, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // Server gone, connection dropped, database away, a bug: all wait and retry, never in a hot loop.
                    status.Set(MailboxState.Retrying, $"{e.GetType().Name}: {e.Message}", time.GetUtcNow() + backoff);
                    LogRetrying(_imap.Host, e.GetType().Name, e.Message, backoff);
                    await Task.Delay(backoff, time, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, timings.MaxRetry.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            await ReleaseAsync();
        }
    }

    private async Task RunWithLeaseAsync(CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(held);
        try
        {
            await SessionAsync(held.Token);
        }
        catch (OperationCanceledException) when (held.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            LogLeaseLost();
        }
        catch (LeaseLostException)
        {
            LogLeaseLost();
        }
        finally
        {
            await held.CancelAsync();
            await renewing;
        }
    }

    private async Task RenewAsync(CancellationTokenSource held)
    {
        try
        {
            while (!held.IsCancellationRequested)
            {
                await Task.Delay(timings.RenewEvery, time, held.Token);
                if (!await LeaseAsync(held.Token))
                {
                    await held.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended.
        }
        catch (Exception e)
        {
            // The database is away: stop reading rather than risk two readers; the outer loop retries.
            LogRenewFailed(e.Message);
            await held.CancelAsync();
        }
    }

    private async Task SessionAsync(CancellationToken cancellationToken)
    {
        using var client = new ImapClient { Timeout = 120_000 };
        var security = options.Value.SecurityFor(_imap.Host, _imap.UseSsl);
        await client.ConnectAsync(_imap.Host, _imap.EffectivePort, security, cancellationToken);
        if (!string.IsNullOrEmpty(_imap.Username))
        {
            await client.AuthenticateAsync(_imap.Username, _imap.Password, cancellationToken);
        }

        if (_authenticationFailureLogged)
        {
            LogAuthenticationRecovered(_imap.Username, _imap.Host);
            _authenticationFailureLogged = false;
        }

        var inbox = _imap.Folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(_imap.Folder, cancellationToken);
        await inbox.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        var processed = await ProcessedFolderAsync(client, cancellationToken);
        var idle = client.Capabilities.HasFlag(ImapCapabilities.Idle);
        status.Set(MailboxState.Connected, idle ? $"{_imap.Host}/{_imap.Folder}, IDLE" : $"{_imap.Host}/{_imap.Folder}, polling every {_imap.PollInterval}");
        LogConnected(_imap.Host, _imap.Folder, idle ? "IDLE" : "polling", client.Capabilities.HasFlag(ImapCapabilities.Move) ? "MOVE" : "COPY + EXPUNGE");

        // The server may announce new mail in the answer to any command (a SEARCH, our own MOVE), not only
        // during IDLE; such news must not be lost, or the mail would wait for the next IDLE refresh.
        var changed = 0;
        void OnChanged(object? sender, EventArgs e) => Interlocked.Exchange(ref changed, 1);
        inbox.CountChanged += OnChanged;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Exchange(ref changed, 0);
            if (await ProcessNewMailAsync(inbox, processed, cancellationToken) > 0 || Interlocked.Exchange(ref changed, 0) == 1)
            {
                continue;
            }

            if (idle)
            {
                await IdleAsync(client, inbox, cancellationToken);
            }
            else
            {
                await Task.Delay(_imap.PollInterval, time, cancellationToken);
            }
        }
    }

    /// <summary>Waits in IDLE until the folder changes or the refresh interval ends.</summary>
    private async Task IdleAsync(ImapClient client, IMailFolder inbox, CancellationToken cancellationToken)
    {
        using var done = new CancellationTokenSource(timings.IdleRefresh, time);
        void OnChanged(object? sender, EventArgs e) => done.Cancel();
        inbox.CountChanged += OnChanged;
        try
        {
            await client.IdleAsync(done.Token, cancellationToken);
        }
        finally
        {
            inbox.CountChanged -= OnChanged;
        }
    }

    /// <summary>Takes in one batch of mail after the checkpoint; returns how many mails it covered.</summary>
    internal async Task<int> ProcessNewMailAsync(IMailFolder inbox, IMailFolder processed, CancellationToken cancellationToken)
    {
        var validity = inbox.UidValidity;
        var checkpoint = await InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().ReadAsync(Source, cancellationToken));
        var last = checkpoint is not null && checkpoint.Generation == validity ? checkpoint.Position : 0;
        if (checkpoint is { Generation: > 0 } && checkpoint.Generation != validity)
        {
            // The server renumbered the folder: read it all again; the intake recognises what it already has.
            LogUidValidityChanged(_imap.Folder, checkpoint.Generation, validity);
        }

        var first = new UniqueId((uint)Math.Min(last + 1, uint.MaxValue));
        var found = await inbox.SearchAsync(SearchQuery.Uids(new UniqueIdRange(first, UniqueId.MaxValue)).And(SearchQuery.NotDeleted), cancellationToken);

        // "n:*" always matches the highest UID, even below n.
        var batch = found.Where(u => u.Id > last).OrderBy(u => u.Id).Take(timings.BatchSize).ToList();
        if (batch.Count == 0)
        {
            return 0;
        }

        var (done, setAside) = await IngestBatchAsync(inbox, batch, cancellationToken);

        if (done.Count > 0)
        {
            // MailKit uses MOVE when offered, else COPY, \Deleted and UID EXPUNGE of exactly these messages.
            await inbox.MoveToAsync(done, processed, cancellationToken);
        }

        if (setAside.Count > 0)
        {
            await inbox.AddFlagsAsync(setAside, MessageFlags.Flagged, silent: true, cancellationToken);
            foreach (var uid in setAside)
            {
                _failures.TryRemove((validity, uid.Id), out _);
            }
        }

        var saved = await InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().SaveAsync(Source, Owner, validity, batch[^1].Id, cancellationToken));
        return saved ? batch.Count : throw new LeaseLostException();
    }

    /// <summary>
    /// Downloads the batch over the one IMAP connection while several workers take mails in. Mails of one thread
    /// go to the same worker in UID order; a failure stops nothing else but fails the batch (nothing is moved or
    /// checkpointed, and the next attempt re-reads it: the intake recognises what it already has).
    /// </summary>
    private async Task<(List<UniqueId> Done, List<UniqueId> SetAside)> IngestBatchAsync(IMailFolder inbox, List<UniqueId> batch, CancellationToken cancellationToken)
    {
        var arrivals = (await inbox.FetchAsync(batch, MessageSummaryItems.UniqueId | MessageSummaryItems.InternalDate, cancellationToken))
            .ToDictionary(s => s.UniqueId, s => s.InternalDate);
        var validity = inbox.UidValidity;
        var outcomes = new ConcurrentDictionary<UniqueId, IngestOutcome>();
        var queues = Enumerable.Range(0, Math.Max(1, timings.Workers))
            .Select(_ => Channel.CreateBounded<(UniqueId Uid, MimeMessage Mail)>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true }))
            .ToArray();
        // A failing worker stops the download too, so nothing waits on a queue nobody reads any more.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = queues.Select(queue => Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var (uid, mail) in queue.Reader.ReadAllAsync(failed.Token))
                    {
                        outcomes[uid] = await IngestAsync(validity, uid, mail, arrivals.GetValueOrDefault(uid), failed.Token);
                    }
                }
                catch
                {
                    await failed.CancelAsync();
                    throw;
                }
            },
            CancellationToken.None)).ToList();

        async Task DispatchAsync(UniqueId uid, Stream stream, CancellationToken token)
        {
            MimeMessage mail;
            try
            {
                mail = await MimeMessage.LoadAsync(stream, token);
            }
            catch (FormatException e)
            {
                LogUnreadable(uid.Id, e.Message);
                outcomes[uid] = IngestOutcome.Unusable;
                return;
            }

            var queue = queues[(int)((uint)StringComparer.Ordinal.GetHashCode(ThreadOf(mail)) % (uint)queues.Length)];
            await queue.Writer.WriteAsync((uid, mail), token);
        }

        try
        {
            if (inbox is ImapFolder imap)
            {
                // One FETCH for the whole batch instead of a round trip per mail.
                await imap.GetStreamsAsync(batch, (_, _, uid, stream, token) => DispatchAsync(uid, stream, token), failed.Token);
            }
            else
            {
                foreach (var uid in batch)
                {
                    await DispatchAsync(uid, await inbox.GetStreamAsync(uid, failed.Token), failed.Token);
                }
            }
        }
        finally
        {
            foreach (var queue in queues)
            {
                queue.Writer.TryComplete();
            }

            // Let every worker finish what it holds before deciding anything; the first failure is rethrown.
            await Task.WhenAll(workers);
        }

        var done = batch.Where(uid => outcomes.GetValueOrDefault(uid) != IngestOutcome.Unusable).ToList();
        var setAside = batch.Where(uid => outcomes.GetValueOrDefault(uid) == IngestOutcome.Unusable).ToList();
        return (done, setAside);
    }

    /// <summary>The thread's first Message-ID: a reply and its original share it.</summary>
    private static string ThreadOf(MimeMessage mail) =>
        mail.References.FirstOrDefault() ?? mail.InReplyTo ?? mail.MessageId ?? string.Empty;

    private async Task<IngestOutcome> IngestAsync(uint validity, UniqueId uid, MimeMessage mail, DateTimeOffset? arrivedAt, CancellationToken cancellationToken)
    {
        if (_failures.GetValueOrDefault((validity, uid.Id)) >= MaxAttemptsPerMail)
        {
            // Set aside in a batch that then failed for another mail: the verdict stands until the flag is set.
            return IngestOutcome.Unusable;
        }

        try
        {
            var outcome = await InScopeAsync(sp => sp.GetRequiredService<EmailIngestor>().IngestAsync(mail, arrivedAt, cancellationToken));
            _failures.TryRemove((validity, uid.Id), out _);
            return outcome;
        }
        catch (ArgumentException e)
        {
            LogUnreadable(uid.Id, e.Message);
            return IngestOutcome.Unusable;
        }
        catch (Exception e) when (e is not OperationCanceledException && !IsConnectionTrouble(e) && !DatabaseErrors.IsTransient(e))
        {
            // Only a failure of this mail counts towards setting it aside; a busy or unreachable database fails
            // every mail alike, and the batch is simply read again after the backoff.
            var attempts = _failures.AddOrUpdate((validity, uid.Id), 1, (_, count) => count + 1);
            if (attempts < MaxAttemptsPerMail)
            {
                throw;
            }

            LogPoison(uid.Id, mail.MessageId, attempts, e);
            return IngestOutcome.Unusable;
        }
    }

    private static bool IsConnectionTrouble(Exception e) => e is IOException or ImapProtocolException or ServiceNotConnectedException;

    private async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(_imap.ProcessedFolder, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            LogCreatingFolder(_imap.ProcessedFolder);
            return await root.CreateAsync(_imap.ProcessedFolder, isMessageFolder: true, cancellationToken)
                ?? throw new FolderNotFoundException(_imap.ProcessedFolder);
        }
    }

    private async Task<bool> LeaseAsync(CancellationToken cancellationToken) =>
        await InScopeAsync(sp => sp.GetRequiredService<SourceLeases>().TryAcquireAsync(Source, Owner, timings.Lease, cancellationToken));

    /// <summary>Frees the lease at once so a standby instance need not wait for it to expire.</summary>
    private async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SourceLeases>().ReleaseAsync(Source, Owner, timeout.Token);
        }
        catch (Exception e)
        {
            LogRenewFailed(e.Message); // the lease simply expires
        }
    }

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private sealed class LeaseLostException() : Exception("The mailbox lease was lost.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Host}/{Folder} ({Mode}; processed mail moved by {Move})")]
    private partial void LogConnected(string host, string folder, string mode, string move);

    [LoggerMessage(Level = LogLevel.Error, Message = "IMAP login as {Username} at {Host} was refused: {Error}. Check Channels:Email:Imap:Username/Password; trying again in {Delay}, without logging again")]
    private partial void LogAuthenticationFailed(string username, string host, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "IMAP login as {Username} at {Host} works again")]
    private partial void LogAuthenticationRecovered(string username, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox at {Host}: {Error} {Message}; retrying in {Delay}")]
    private partial void LogRetrying(string host, string error, string message, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mailbox lease went to another instance (or could not be renewed); this instance stops reading")]
    private partial void LogLeaseLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox lease not renewed: {Error}")]
    private partial void LogRenewFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UIDVALIDITY of {Folder} changed from {Old} to {New}: reading the folder again (already-received mail is recognised)")]
    private partial void LogUidValidityChanged(string folder, long old, uint @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail UID {Uid} cannot be read: {Error}; left in the inbox, flagged")]
    private partial void LogUnreadable(uint uid, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Mail UID {Uid} ({MessageId}) failed {Attempts} times; left in the inbox, flagged, and skipped")]
    private partial void LogPoison(uint uid, string? messageId, int attempts, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating the IMAP folder {Folder}")]
    private partial void LogCreatingFolder(string folder);
}
