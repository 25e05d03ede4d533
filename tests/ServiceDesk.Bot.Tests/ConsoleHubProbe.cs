using System.Net;
using System.Text.Json;

namespace ServiceDesk.Bot.Tests;

/// <summary>
/// Joins the console hub as the console's SignalR client does over long polling (JSON protocol, negotiate
/// version 1), with the client's cookies, and reports whether the hub took the connection.
/// </summary>
internal static class ConsoleHubProbe
{
    private const string Hub = "/hubs/console";
    private const char RecordSeparator = '\u001e';

    public static async Task<HttpStatusCode> NegotiateAsync(HttpClient client) =>
        (await client.PostAsync($"{Hub}/negotiate?negotiateVersion=1", null)).StatusCode;

    /// <summary>
    /// Connects, shakes hands and invokes a hub method. Returns null when the method completed (the hub accepted
    /// the connection), else the error of the server's close message.
    /// </summary>
    public static async Task<string?> JoinAsync(HttpClient client) => (await OpenAsync(client)).Refusal;

    /// <summary>As <see cref="JoinAsync"/>, and the connection's URL to poll it further.</summary>
    public static async Task<(string Url, string? Refusal)> OpenAsync(HttpClient client)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var cancellationToken = deadline.Token;
        var negotiate = await client.PostAsync($"{Hub}/negotiate?negotiateVersion=1", null, cancellationToken);
        negotiate.EnsureSuccessStatusCode();
        using var negotiated = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync(cancellationToken));
        var url = $"{Hub}?id={Uri.EscapeDataString(negotiated.RootElement.GetProperty("connectionToken").GetString()!)}";

        // The first poll only completes the connection; it returns without data.
        (await client.GetAsync(url, cancellationToken)).EnsureSuccessStatusCode();
        (await client.PostAsync(url, new StringContent($$"""{"protocol":"json","version":1}{{RecordSeparator}}"""), cancellationToken)).EnsureSuccessStatusCode();

        // Hub methods run only after OnConnectedAsync has let the connection in; a refused one may already be gone.
        await client.PostAsync(url, new StringContent($$"""{"type":1,"invocationId":"1","target":"WatchTicket","arguments":[1]}{{RecordSeparator}}"""), cancellationToken);

        while (true)
        {
            var poll = await client.GetAsync(url, cancellationToken);
            if (poll.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"The connection ended ({(int)poll.StatusCode}) without a completion or a close message.");
            }

            var payload = await poll.Content.ReadAsStringAsync(cancellationToken);
            foreach (var frame in payload.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                using var message = JsonDocument.Parse(frame);
                var type = message.RootElement.TryGetProperty("type", out var t) ? t.GetInt32() : 0; // 0: the handshake response
                switch (type)
                {
                    case 3 when message.RootElement.GetProperty("invocationId").GetString() == "1":
                        return (url, null);
                    case 7:
                        return (url, message.RootElement.TryGetProperty("error", out var error) ? error.GetString() : "closed without an error");
                }
            }
        }
    }

    /// <summary>Polls an open connection until the server ends it; fails at the deadline while it is still open.</summary>
    public static async Task WaitForEndAsync(HttpClient client, string url)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var poll = await client.GetAsync(url, deadline.Token);
            if (poll.StatusCode != HttpStatusCode.OK || (await poll.Content.ReadAsStringAsync(deadline.Token)).Contains("\"type\":7", StringComparison.Ordinal))
            {
                return;
            }
        }
    }
}
