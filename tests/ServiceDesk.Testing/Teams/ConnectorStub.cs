using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServiceDesk.Testing.Teams;

/// <summary>One call the desk made to the Connector.</summary>
/// <param name="Operation">The Swagger operationId, e.g. <c>Conversations_ReplyToActivity</c>.</param>
/// <param name="RawPath">The path exactly as sent, before any decoding (to check the ids' escaping).</param>
public sealed record ConnectorCall(
    string Operation,
    string Method,
    string RawPath,
    string? ConversationId,
    string? ActivityId,
    string? Authorization,
    JsonObject? Body,
    DateTimeOffset ReceivedAt)
{
    /// <summary>Every text the user would read in the activity: text, summary, and the text of card elements.</summary>
    public string VisibleText => string.Join("\n", Texts(Body));

    private static IEnumerable<string> Texts(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var text) && name is "text" or "summary" or "title" or "value")
                    {
                        yield return text;
                    }
                    else
                    {
                        foreach (var inner in Texts(value))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.SelectMany(Texts))
                {
                    yield return item;
                }

                break;
        }
    }
}

/// <summary>A scripted answer for the next call: a status, an optional body and Retry-After.</summary>
public sealed record ScriptedResponse(int Status, string? Body = null, TimeSpan? RetryAfter = null, StubFault Fault = StubFault.None)
{
    /// <summary>Takes the activity and never answers.</summary>
    public static ScriptedResponse NoAnswer() => new(StatusCodes.Status201Created, Fault: StubFault.NoAnswer);

    /// <summary>Takes the activity, starts the 201 answer and drops the connection in the middle of it.</summary>
    public static ScriptedResponse ResetMidResponse() => new(StatusCodes.Status201Created, Fault: StubFault.ResetMidResponse);

    public static ScriptedResponse TooManyRequests(TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, """{"error":{"code":"TooManyRequests","message":"Too many requests."}}""", retryAfter);

    /// <summary>Teams' answer when the user blocked the bot, in the shape of the published sample.</summary>
    public static ScriptedResponse Blocked() =>
        new(StatusCodes.Status403Forbidden, File.ReadAllText(SharedFiles.Path("fixtures", "teams", "error-403-MessageWritesBlocked.json")));
}

/// <summary>
/// The Bot Connector REST API v3 on loopback, built from the Connector Swagger (botframework-channel.json):
/// the conversation and activity operations the desk uses, with the Swagger's response shapes. It records
/// every call and answers as scripted (429 with Retry-After, 403 blocked, …), else with success.
/// </summary>
public sealed class ConnectorStub : LoopbackServer
{
    private readonly ConcurrentQueue<ConnectorCall> _calls = new();
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly List<(Func<ConnectorCall, bool> Match, TaskCompletionSource<ConnectorCall> Signal)> _waiters = [];
    private readonly Lock _lock = new();
    private int _ids;

    private ConnectorStub()
    {
    }

    public static async Task<ConnectorStub> StartAsync()
    {
        var stub = new ConnectorStub();
        await stub.ListenAsync();
        return stub;
    }

    /// <summary>The serviceUrl activities name for this Connector.</summary>
    public string ServiceUrl => BaseAddress.ToString();

    public IReadOnlyList<ConnectorCall> Calls => [.. _calls];

    /// <summary>Answers for the next calls, in order; afterwards every call succeeds.</summary>
    public void Script(params ScriptedResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    /// <summary>The first call (already made or still to come) that matches; fails after the timeout.</summary>
    public Task<ConnectorCall> WaitForAsync(Func<ConnectorCall, bool> match, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_calls.FirstOrDefault(match) is { } made)
            {
                return Task.FromResult(made);
            }

            var signal = new TaskCompletionSource<ConnectorCall>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/v3/conversations", (Delegate)((HttpContext c) => HandleAsync(c, "Conversations_CreateConversation", null, null)));
        app.MapPost("/v3/conversations/{conversationId}/activities", (HttpContext c, string conversationId) =>
            HandleAsync(c, "Conversations_SendToConversation", conversationId, null));
        app.MapPost("/v3/conversations/{conversationId}/activities/{activityId}", (HttpContext c, string conversationId, string activityId) =>
            HandleAsync(c, "Conversations_ReplyToActivity", conversationId, activityId));
        app.MapPut("/v3/conversations/{conversationId}/activities/{activityId}", (HttpContext c, string conversationId, string activityId) =>
            HandleAsync(c, "Conversations_UpdateActivity", conversationId, activityId));
        app.MapDelete("/v3/conversations/{conversationId}/activities/{activityId}", (HttpContext c, string conversationId, string activityId) =>
            HandleAsync(c, "Conversations_DeleteActivity", conversationId, activityId));
    }

    private async Task<IResult> HandleAsync(HttpContext context, string operation, string? conversationId, string? activityId)
    {
        JsonObject? body = null;
        if (context.Request.ContentLength is not 0 && context.Request.Method != HttpMethods.Delete)
        {
            try
            {
                body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            }
            catch (JsonException)
            {
                body = null;
            }

            if (body is null)
            {
                return Error(StatusCodes.Status400BadRequest, "BadArgument", "The body is not a JSON object.");
            }
        }

        var call = new ConnectorCall(
            operation,
            context.Request.Method,
            context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path,
            conversationId,
            activityId,
            context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
            body,
            DateTimeOffset.UtcNow);
        lock (_lock)
        {
            _calls.Enqueue(call);
            foreach (var waiter in _waiters.Where(w => w.Match(call)).ToList())
            {
                waiter.Signal.TrySetResult(call);
                _waiters.Remove(waiter);
            }
        }

        if (_script.TryDequeue(out var scripted))
        {
            switch (scripted.Fault)
            {
                case StubFault.NoAnswer:
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Empty;
                case StubFault.ResetMidResponse:
                    context.Response.StatusCode = scripted.Status;
                    context.Response.ContentType = "application/json";
                    context.Response.ContentLength = 256;
                    await context.Response.WriteAsync("""{"id":"activ""");
                    await context.Response.Body.FlushAsync();
                    context.Abort();
                    return Results.Empty;
            }

            if (scripted.RetryAfter is { } wait)
            {
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            return scripted.Status is >= 200 and < 300
                ? Results.Json(new JsonObject { ["id"] = NextId("activity") }, statusCode: scripted.Status)
                : Results.Text(scripted.Body ?? string.Empty, "application/json", statusCode: scripted.Status);
        }

        // Activity operations need an activity; the Swagger's Activity has "type" as its discriminator.
        if (operation != "Conversations_CreateConversation" && operation != "Conversations_DeleteActivity" && body?["type"] is null)
        {
            return Error(StatusCodes.Status400BadRequest, "MissingProperty", "The activity has no type.");
        }

        return operation switch
        {
            "Conversations_CreateConversation" => Results.Json(new JsonObject
            {
                ["id"] = NextId("conversation"),
                ["activityId"] = body?["activity"] is null ? null : NextId("activity"),
                ["serviceUrl"] = ServiceUrl,
            }, statusCode: StatusCodes.Status201Created),
            "Conversations_DeleteActivity" => Results.Ok(),
            _ => Results.Json(new JsonObject { ["id"] = NextId("activity") }, statusCode: StatusCodes.Status201Created),
        };
    }

    private string NextId(string kind) => $"{kind}-{Interlocked.Increment(ref _ids)}";

    /// <summary>The Swagger's ErrorResponse.</summary>
    private static IResult Error(int status, string code, string message) =>
        Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }, statusCode: status);
}
