using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Teams;

namespace ServiceDesk.Bot.Teams;

/// <summary><c>POST /api/messages</c>: where Azure Bot Service, Direct Line and the Agents Playground deliver activities.</summary>
public static partial class TeamsEndpoints
{
    /// <summary>Activities are small; a larger body is not one.</summary>
    private const long MaxActivityBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/messages", ReceiveAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext context,
        IOptions<TeamsOptions> options,
        BotAuthenticator authenticator,
        ServiceUrlTrust trust,
        ILogger<TeamsActivityHandler> logger,
        CancellationToken cancellationToken)
    {
        // An injected logger, not ILoggerFactory.CreateLogger per request: that builds the category name and
        // takes the factory's lock on every activity.
        if (context.Request.ContentLength > MaxActivityBytes)
        {
            LogTooLarge(logger, context.Request.ContentLength.Value);
            return TooLarge();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxActivityBytes;
        }

        Activity? activity;
        try
        {
            activity = await JsonSerializer.DeserializeAsync(context.Request.Body, TeamsJson.Default.Activity, cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body that grew past the limit while being read.
            LogTooLarge(logger, MaxActivityBytes);
            return TooLarge();
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            LogMalformed(logger, e.Message);
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a Bot Framework activity.");
        }

        if (activity is null || string.IsNullOrWhiteSpace(activity.Type))
        {
            LogMalformed(logger, "no activity type");
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The activity has no type.");
        }

        // Nothing is read from the activity's content, let alone stored, before the caller is known.
        if (options.Value.AuthenticationEnabled)
        {
            var authentication = await authenticator.AuthenticateAsync(
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null,
                activity.ChannelId,
                activity.ServiceUrl,
                cancellationToken);
            if (!authentication.Succeeded)
            {
                LogRefused(logger, context.Connection.RemoteIpAddress, activity.Type, authentication.Error);
                return Results.Unauthorized();
            }

            await trust.RememberAsync(activity.ServiceUrl!, cancellationToken);
        }
        else if (!IsLocal(context.Connection.RemoteIpAddress))
        {
            LogNotLocal(logger, context.Connection.RemoteIpAddress);
            return Results.Unauthorized();
        }

        if (!TeamsActivityHandler.Routes(activity))
        {
            return TeamsActivityHandler.Ignore(activity, logger);
        }

        // Resolved only now: the handler brings a pooled database context and the chat bot's services, which a refused
        // request, or a typing activity, has no use for.
        var handler = context.RequestServices.GetRequiredService<TeamsActivityHandler>();
        return await handler.HandleAsync(activity, cancellationToken);
    }

    private static IResult TooLarge() =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"An activity is at most {MaxActivityBytes} bytes.");

    /// <summary>Loopback, or an in-process or Unix-socket caller (no IP at all).</summary>
    private static bool IsLocal(IPAddress? address) => address is null || IPAddress.IsLoopback(address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a malformed activity: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an activity body of {Bytes} bytes or more")]
    private static partial void LogTooLarge(ILogger logger, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {Type} activity from {Remote}: {Reason}")]
    private static partial void LogRefused(ILogger logger, IPAddress? remote, string? type, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an activity from {Remote}: authentication is off (no Channels:Teams:MicrosoftAppId), so only local callers are accepted")]
    private static partial void LogNotLocal(ILogger logger, IPAddress? remote);
}
