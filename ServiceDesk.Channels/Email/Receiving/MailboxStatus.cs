namespace ServiceDesk.Channels.Email.Receiving;

public enum MailboxState
{
    Starting,

    /// <summary>Another app instance holds the mailbox lease and reads the mailbox; this one waits.</summary>
    Standby,

    /// <summary>Connected, reading new mail as it arrives.</summary>
    Connected,

    /// <summary>The server dropped or refused the connection; retrying with backoff.</summary>
    Retrying,

    /// <summary>The server refused the credentials; retried rarely, reported on /readyz.</summary>
    AuthenticationFailed,
}

/// <summary>How the mailbox reader is doing, for the readiness check.</summary>
public sealed record MailboxSnapshot(MailboxState State, string Detail, DateTimeOffset Since, DateTimeOffset? NextAttemptAt);

/// <summary>The mailbox reader's current state, shared with the health check.</summary>
public sealed class MailboxStatus(TimeProvider time)
{
    private MailboxSnapshot _current = new(MailboxState.Starting, "starting", time.GetUtcNow(), null);

    public MailboxSnapshot Current => Volatile.Read(ref _current);

    public void Set(MailboxState state, string detail, DateTimeOffset? nextAttemptAt = null) =>
        Volatile.Write(ref _current, new MailboxSnapshot(state, detail, time.GetUtcNow(), nextAttemptAt));
}
