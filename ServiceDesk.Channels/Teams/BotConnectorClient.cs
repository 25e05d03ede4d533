using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// The Bot Connector REST API v3 (the Connector Swagger): send to a conversation, reply to an activity,
/// update an activity, create a conversation. Throttling and transient gateway errors are retried here,
/// honouring Retry-After, for as long as <see cref="TeamsOptions.MaxRetryWait"/> allows; a longer wait is
/// handed back to the caller (the outbox schedules it) rather than holding a request open.
/// </summary>
public sealed partial class BotConnectorClient(
    IHttpClientFactory httpClients,
    ConnectorTokenProvider tokens,
    ServiceUrlTrust trust,
    IOptions<TeamsOptions> options,
    TimeProvider time,
    ILogger<BotConnectorClient> logger)
{
    public const string HttpClientName = "teams-connector";

    private const int MaxAttempts = 4;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    public Task<ResourceResponse?> SendToConversationAsync(string serviceUrl, string conversationId, Activity activity, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, serviceUrl, $"v3/conversations/{Escape(conversationId)}/activities", activity, TeamsJson.Default.Activity, TeamsJson.Default.ResourceResponse, cancellationToken);

    /// <summary>
    /// Sends to a conversation in one attempt: a throttled or failed call is not retried. For what is worth
    /// nothing a moment later (a typing indicator); only a rejected token is renewed and tried once more.
    /// </summary>
    public Task<ResourceResponse?> SendToConversationOnceAsync(string serviceUrl, string conversationId, Activity activity, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, serviceUrl, $"v3/conversations/{Escape(conversationId)}/activities", activity, TeamsJson.Default.Activity, TeamsJson.Default.ResourceResponse, cancellationToken, maxAttempts: 1);

    public Task<ResourceResponse?> ReplyToActivityAsync(string serviceUrl, string conversationId, string replyToId, Activity activity, CancellationToken cancellationToken)
    {
        activity.ReplyToId = replyToId;
        return SendAsync(HttpMethod.Post, serviceUrl, $"v3/conversations/{Escape(conversationId)}/activities/{Escape(replyToId)}", activity, TeamsJson.Default.Activity, TeamsJson.Default.ResourceResponse, cancellationToken);
    }

    public Task<ResourceResponse?> UpdateActivityAsync(string serviceUrl, string conversationId, string activityId, Activity activity, CancellationToken cancellationToken)
    {
        activity.Id = activityId;
        return SendAsync(HttpMethod.Put, serviceUrl, $"v3/conversations/{Escape(conversationId)}/activities/{Escape(activityId)}", activity, TeamsJson.Default.Activity, TeamsJson.Default.ResourceResponse, cancellationToken);
    }

    public Task<ConversationResourceResponse?> CreateConversationAsync(string serviceUrl, ConversationParameters parameters, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, serviceUrl, "v3/conversations", parameters, TeamsJson.Default.ConversationParameters, TeamsJson.Default.ConversationResourceResponse, cancellationToken);

    private async Task<TResponse?> SendAsync<TBody, TResponse>(
        HttpMethod method,
        string serviceUrl,
        string path,
        TBody body,
        JsonTypeInfo<TBody> bodyType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        int maxAttempts = MaxAttempts)
        where TResponse : class
    {
        var baseUrl = ServiceUrlTrust.Normalize(serviceUrl)
            ?? throw new ConnectorException(HttpStatusCode.BadRequest, null, $"'{serviceUrl}' is not a usable serviceUrl.", null);
        if (options.Value.AuthenticationEnabled && !await trust.IsTrustedAsync(baseUrl, cancellationToken))
        {
            // Never hand our token to a URL Bot Framework has not vouched for.
            throw new UntrustedServiceUrlException(baseUrl);
        }

        var url = new Uri(new Uri(baseUrl), path);
        var payload = JsonSerializer.SerializeToUtf8Bytes(body, bodyType);
        var waited = TimeSpan.Zero;
        var refreshedToken = false;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = Json;
            if (await TokenAsync(cancellationToken) is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return await ReadAsync(response, responseType, cancellationToken);
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshedToken && options.Value.AuthenticationEnabled)
            {
                // Our cached token was revoked or rotated: one more try with a fresh one.
                refreshedToken = true;
                tokens.Invalidate();
                continue;
            }

            var failure = ConnectorException.From(response, text, time.GetUtcNow());
            if (!failure.IsTransient)
            {
                throw failure;
            }

            var delay = failure.RetryAfter ?? Backoff(attempt);
            if (attempt >= maxAttempts || waited + delay > options.Value.MaxRetryWait)
            {
                throw failure.WithRetryAfter(delay);
            }

            LogRetry((int)response.StatusCode, method.Method, url.AbsolutePath, delay, attempt);
            await Task.Delay(delay, time, cancellationToken);
            waited += delay;
        }
    }

    private async Task<string?> TokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await tokens.GetTokenAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Set apart from failures of the call itself: without a token nothing went to the Connector.
            throw new ConnectorTokenException(e);
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        // Some connectors (and emulators) answer 200 with an empty body: the send still succeeded.
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (bytes.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        FirstBackoff * Math.Pow(2, attempt - 1) + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));

    /// <summary>Ids are path segments: Teams ids hold ':', ';', '@' and '=', so every one is escaped.</summary>
    private static string Escape(string id) => Uri.EscapeDataString(id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot Connector answered {Status} to {Method} {Path}; retry {Attempt} in {Delay}")]
    private partial void LogRetry(int status, string method, string path, TimeSpan delay, int attempt);
}

/// <summary>The Bot Connector refused a call.</summary>
public sealed class ConnectorException(HttpStatusCode status, string? errorCode, string message, TimeSpan? retryAfter)
    : Exception(message)
{
    private static readonly string[] BlockedCodes = ["ConversationBlockedByUser", "MessageWritesBlocked"];

    public HttpStatusCode Status { get; } = status;

    /// <summary>The Connector's error code (<c>error.code</c>) or Teams' sub-code, when it sent one.</summary>
    public string? ErrorCode { get; } = errorCode;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>Throttled or a gateway hiccup: the message certainly did not go out and may be sent again later.</summary>
    public bool IsTransient => Status is HttpStatusCode.TooManyRequests or HttpStatusCode.PreconditionFailed
        or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>The user blocked the bot or the thread no longer takes messages: this address is dead.</summary>
    public bool IsRecipientBlocked => Status == HttpStatusCode.Forbidden && ErrorCode is not null && BlockedCodes.Contains(ErrorCode);

    internal ConnectorException WithRetryAfter(TimeSpan delay) => new(Status, ErrorCode, Message, RetryAfter ?? delay);

    /// <param name="now">When the answer came: a Retry-After date is a wait from then.</param>
    internal static ConnectorException From(HttpResponseMessage response, string body, DateTimeOffset now)
    {
        var code = ErrorCodeOf(body);
        var summary = body.Length <= 500 ? body : body[..500] + "…";
        return new ConnectorException(
            response.StatusCode,
            code,
            $"Bot Connector answered {(int)response.StatusCode} {response.ReasonPhrase}{(code is null ? "" : $" ({code})")}: {summary}",
            RetryAfterOf(response, now));
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? (date - now) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero : null;
    }

    /// <summary>
    /// The Swagger's <c>{"error":{"code":…}}</c>, or Teams' <c>{"errorCode":209,"message":"{\"subCode\":…}"}</c>
    /// whose message is itself JSON.
    /// </summary>
    private static string? ErrorCodeOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String)
            {
                return code.GetString();
            }

            if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && message.GetString() is { } inner && inner.TrimStart().StartsWith('{'))
            {
                using var nested = JsonDocument.Parse(inner);
                if (nested.RootElement.TryGetProperty("subCode", out var subCode) && subCode.ValueKind == JsonValueKind.String)
                {
                    return subCode.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a gateway's HTML page): no code.
        }

        return null;
    }
}

/// <summary>The bot's token could not be obtained, so nothing was sent to the Connector.</summary>
public sealed class ConnectorTokenException(Exception inner)
    : HttpRequestException($"No Bot Connector token: {inner.Message}", inner);

/// <summary>The serviceUrl never arrived on an authenticated activity and is not allow-listed: no token goes there.</summary>
public sealed class UntrustedServiceUrlException(string serviceUrl)
    : Exception($"The serviceUrl {serviceUrl} is not trusted: it never arrived on an authenticated activity and its host is not in Channels:Teams:AllowedServiceUrlHosts.")
{
    public string ServiceUrl { get; } = serviceUrl;
}
