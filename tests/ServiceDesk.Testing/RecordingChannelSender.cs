using System.Collections.Concurrent;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Testing;

/// <summary>
/// A channel that records every message it is asked to send, answers what the test scripts
/// (sent by default), and lets a test await the n-th send instead of sleeping.
/// </summary>
public sealed class RecordingChannelSender(Channel channel) : IChannelSender
{
    private readonly ConcurrentQueue<OutboundMessage> _sent = new();
    private readonly ConcurrentQueue<DeliveryResult> _script = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly Lock _lock = new();

    public Channel Channel { get; } = channel;

    public IReadOnlyCollection<OutboundMessage> Sent => _sent;

    /// <summary>Answers for the next sends, in order; afterwards every send succeeds.</summary>
    public void Script(params DeliveryResult[] results)
    {
        foreach (var result in results)
        {
            _script.Enqueue(result);
        }
    }

    public Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        _sent.Enqueue(message);
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => _sent.Count >= w.Count))
            {
                waiter.Signal.TrySetResult();
            }
        }

        var result = _script.TryDequeue(out var scripted) ? scripted : DeliveryResult.Sent($"{Channel}-{message.DeliveryKey:N}-{_sent.Count}");
        return Task.FromResult(result);
    }

    /// <summary>Completes once at least <paramref name="count"/> messages were sent; fails after the timeout.</summary>
    public Task WaitForAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            if (_sent.Count >= count)
            {
                return Task.CompletedTask;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(timeout);
    }
}

/// <summary>Collects what the core asks the job system to run, so a test can run it when it chooses.</summary>
public sealed class RecordingScheduler : IOutboxScheduler
{
    private readonly ConcurrentQueue<(long OutboxId, DateTimeOffset? NotBefore)> _scheduled = new();

    public IReadOnlyCollection<(long OutboxId, DateTimeOffset? NotBefore)> Scheduled => _scheduled;

    public void Schedule(long outboxId, DateTimeOffset? notBefore = null) => _scheduled.Enqueue((outboxId, notBefore));

    public List<(long OutboxId, DateTimeOffset? NotBefore)> Drain()
    {
        var drained = new List<(long, DateTimeOffset?)>();
        while (_scheduled.TryDequeue(out var item))
        {
            drained.Add(item);
        }

        return drained;
    }
}
