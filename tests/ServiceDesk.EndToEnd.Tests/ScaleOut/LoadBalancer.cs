namespace ServiceDesk.EndToEnd.Tests.ScaleOut;

/// <summary>
/// What sits in front of the instances in production: requests go round-robin to the instances it believes up.
/// When a connection to an instance that was killed fails, that instance is taken out and the request goes to
/// the next one, as a proxy's retry or the channel's own redelivery (Bot Framework, Twilio) would send it again.
/// </summary>
public sealed class LoadBalancer : IDisposable
{
    private readonly IReadOnlyList<DeskProcess> _desks;
    private readonly HttpClient[] _clients;
    private readonly bool[] _down;
    private int _next = -1;
    private int _redelivered;

    public LoadBalancer(IReadOnlyList<DeskProcess> desks)
    {
        _desks = desks;
        _clients = [.. desks.Select(d => new HttpClient { BaseAddress = new Uri(d.Address), Timeout = TimeSpan.FromSeconds(90) })];
        _down = new bool[desks.Count];
    }

    /// <summary>Requests sent again to another instance because the first one died under them.</summary>
    public int Redelivered => Volatile.Read(ref _redelivered);

    /// <summary>Sends a request (built anew for each try) and returns the answer and the instance that gave it.</summary>
    public async Task<(HttpResponseMessage Response, DeskProcess Desk)> SendAsync(Func<HttpRequestMessage> request)
    {
        for (var attempt = 0; attempt <= _desks.Count; attempt++)
        {
            var index = NextUp();
            try
            {
                return (await _clients[index].SendAsync(request()), _desks[index]);
            }
            catch (HttpRequestException) when (_desks[index].Killed)
            {
                Volatile.Write(ref _down[index], true);
                Interlocked.Increment(ref _redelivered);
            }
        }

        throw new InvalidOperationException("No instance is up.");
    }

    private int NextUp()
    {
        for (var i = 0; i < _desks.Count; i++)
        {
            var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_desks.Count);
            if (!Volatile.Read(ref _down[index]))
            {
                return index;
            }
        }

        throw new InvalidOperationException("No instance is up.");
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
