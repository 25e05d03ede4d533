using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServiceDesk.Testing;

/// <summary>
/// A small stand-in for Twilio's Create Message endpoint on 127.0.0.1, for the answers the spec mock
/// cannot give: Twilio's error bodies (21610, 21211, …), 429 with Retry-After, 5xx. It records every
/// request; unscripted requests get 201 and a fresh message SID. It also serves MMS media as Twilio does (bytes
/// behind Basic auth, or a redirect to where they are), recording every GET.
/// </summary>
public sealed class TwilioStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StubResponse> _script = new();
    private readonly List<StubRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource? _held;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _media = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StubMediaRequest> _mediaRequests = new();

    private TwilioStub(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<StubRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every GET of a media path, served or not.</summary>
    public IReadOnlyList<StubMediaRequest> MediaRequests => [.. _mediaRequests];

    /// <summary>Serves bytes at a path (e.g. <c>/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…</c>); returns its absolute URL.</summary>
    public string ServeMedia(string path, byte[] content, string contentType)
    {
        _media[path] = async http =>
        {
            http.Response.ContentType = contentType;
            http.Response.ContentLength = content.Length;
            await http.Response.Body.WriteAsync(content);
        };
        return new Uri(BaseUrl, path).ToString();
    }

    /// <summary>
    /// Answers a path with 503 (as Twilio does when it is having a bad moment) for the first <paramref name="failures"/>
    /// GETs, then with the bytes; returns its absolute URL.
    /// </summary>
    public string ServeMediaAfterFailures(string path, int failures, byte[] content, string contentType)
    {
        var served = 0;
        _media[path] = async http =>
        {
            if (Interlocked.Increment(ref served) <= failures)
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            http.Response.ContentType = contentType;
            http.Response.ContentLength = content.Length;
            await http.Response.Body.WriteAsync(content);
        };
        return new Uri(BaseUrl, path).ToString();
    }

    /// <summary>Answers a path with 302 to another URL, as Twilio's API host answers with its CDN's; returns its absolute URL.</summary>
    public string RedirectMedia(string path, string location)
    {
        _media[path] = http =>
        {
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = location;
            return Task.CompletedTask;
        };
        return new Uri(BaseUrl, path).ToString();
    }

    public static async Task<TwilioStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new TwilioStub(app);
        app.MapPost("/2010-04-01/Accounts/{accountSid}/Messages.json", (Delegate)stub.HandleAsync);
        app.MapGet("/{**path}", (Delegate)stub.ServeMediaAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub.BaseUrl = new Uri(address);
        return stub;
    }

    /// <summary>Answers for the next requests, in order; afterwards every request succeeds.</summary>
    public void Script(params StubResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    public Task WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_requests.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }

    /// <summary>
    /// Leaves every request that arrives from now on unanswered (it is recorded at once) until the returned handle
    /// is disposed: a Twilio slow to answer, so that a test can stop a sender in the middle of its request.
    /// </summary>
    public IDisposable Hold()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _held, gate);
        return new Release(() =>
        {
            Interlocked.CompareExchange(ref _held, null, gate);
            gate.TrySetResult();
        });
    }

    private async Task HandleAsync(HttpContext http, string accountSid)
    {
        var form = await http.Request.ReadFormAsync();
        var request = new StubRequest(
            DateTimeOffset.UtcNow,
            accountSid,
            http.Request.Headers.Authorization.ToString(),
            form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal));
        lock (_lock)
        {
            _requests.Add(request);
            foreach (var waiter in _waiters.Where(w => _requests.Count >= w.Count))
            {
                waiter.Signal.TrySetResult();
            }
        }

        if (Volatile.Read(ref _held) is { } held)
        {
            try
            {
                await held.Task.WaitAsync(http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the sender went away meanwhile
            }
        }

        var response = _script.TryDequeue(out var scripted) ? scripted : StubResponse.Created();
        switch (response.Fault)
        {
            case StubFault.NoAnswer:
                // Keep the request open until the client gives up and closes the connection.
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case StubFault.ResetMidResponse:
                http.Response.StatusCode = response.Status;
                http.Response.ContentLength = 4096;
                await http.Response.WriteAsync(response.Body[..(response.Body.Length / 2)]);
                await http.Response.Body.FlushAsync();
                http.Abort();
                return;
        }

        http.Response.StatusCode = response.Status;
        http.Response.ContentType = "application/json";
        foreach (var (name, value) in response.Headers)
        {
            http.Response.Headers[name] = value;
        }

        await http.Response.WriteAsync(response.Body.Replace("{To}", request.Form.GetValueOrDefault("To"), StringComparison.Ordinal));
    }

    private Task ServeMediaAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        _mediaRequests.Enqueue(new StubMediaRequest(path, http.Request.Headers.Authorization.ToString()));
        if (_media.TryGetValue(path, out var serve))
        {
            return serve(http);
        }

        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _held?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

/// <summary>One request the stub received: when, for which account, the Authorization header and the form fields.</summary>
public sealed record StubRequest(DateTimeOffset At, string AccountSid, string Authorization, IReadOnlyDictionary<string, string> Form);

/// <summary>One GET of a media path: the path and the Authorization header.</summary>
public sealed record StubMediaRequest(string Path, string Authorization);

public sealed record StubResponse(int Status, string Body, IReadOnlyDictionary<string, string> Headers, StubFault Fault = StubFault.None)
{
    /// <summary>Takes the message and never answers.</summary>
    public static StubResponse NoAnswer() => Created() with { Fault = StubFault.NoAnswer };

    /// <summary>Takes the message, starts the 201 answer and drops the connection in the middle of it.</summary>
    public static StubResponse ResetMidResponse() => Created() with { Fault = StubFault.ResetMidResponse };

    /// <summary>201 with a Message resource and a fresh SID, as Twilio answers a created message.</summary>
    public static StubResponse Created() => new(
        201,
        new JsonObject { ["sid"] = "SM" + Guid.NewGuid().ToString("N"), ["status"] = "queued", ["to"] = "{To}", ["num_segments"] = "1" }.ToJsonString(),
        new Dictionary<string, string>());

    /// <summary>Twilio's documented error body (<c>code</c>, <c>message</c>, <c>more_info</c>, <c>status</c>), as in the shared fixture.</summary>
    public static StubResponse Error(int status, int code, string message, IReadOnlyDictionary<string, string>? headers = null) => new(
        status,
        new JsonObject { ["code"] = code, ["message"] = message, ["more_info"] = $"https://www.twilio.com/docs/errors/{code}", ["status"] = status }.ToJsonString(),
        headers ?? new Dictionary<string, string>());

    /// <summary>A recorded Twilio error body from the shared fixtures, answered with the HTTP status it names.</summary>
    public static StubResponse FromFixture(string fileName)
    {
        var body = File.ReadAllText(SharedFiles.Path("fixtures", "twilio", fileName));
        return new((int)JsonNode.Parse(body)!["status"]!, body, new Dictionary<string, string>());
    }

    /// <summary>429 Too Many Requests (Twilio error 20429) with a Retry-After in seconds.</summary>
    public static StubResponse TooManyRequests(int retryAfterSeconds) =>
        Error(429, 20429, "Too Many Requests", new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
}
