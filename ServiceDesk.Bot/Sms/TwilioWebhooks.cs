using System.Globalization;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;

namespace ServiceDesk.Bot.Sms;

/// <summary>
/// Twilio's two webhooks. Both refuse an unsigned or wrongly signed request with 403 before anything
/// is stored, and a body that is not a well-formed form with 4xx.
/// </summary>
public static partial class TwilioWebhooks
{
    /// <summary>
    /// The largest body taken. Twilio's webhooks are a few KB (an MMS with ten media URLs included);
    /// anything bigger is not Twilio and is refused with 413 before it is parsed or stored.
    /// </summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary><c>POST /api/sms/twilio</c>: an incoming SMS/MMS, answered with TwiML.</summary>
    public static async Task<IResult> InboundAsync(HttpContext http, TwilioRequestValidator validator, SmsConversation conversation, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(TwilioWebhooks));
        if (await ReadSignedFormAsync(http, validator, logger, cancellationToken) is not { } form)
        {
            return Refusal(http);
        }

        var sms = TwilioInboundSms.Parse(name => form.TryGetValue(name, out var value) ? value.ToString() : null, out var error);
        if (sms is null)
        {
            LogMalformed(logger, "inbound", error!);
            return Results.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var twiml = await conversation.HandleAsync(sms, cancellationToken);
        return Results.Bytes(twiml, Twiml.ContentType);
    }

    /// <summary><c>POST /api/sms/twilio/status</c>: Twilio's StatusCallback for a message the desk sent.</summary>
    public static async Task<IResult> StatusAsync(
        HttpContext http,
        TwilioRequestValidator validator,
        DeliveryTracking tracking,
        SmsConsent consent,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(TwilioWebhooks));
        if (await ReadSignedFormAsync(http, validator, logger, cancellationToken) is not { } form)
        {
            return Refusal(http);
        }

        var sid = form["MessageSid"].ToString();
        var status = form["MessageStatus"].ToString();
        if (!TwilioSid.IsValid(sid) || status.Length == 0)
        {
            LogMalformed(logger, "status", "MessageSid or MessageStatus is missing or malformed");
            return Results.Problem("MessageSid and MessageStatus are required.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (TwilioErrors.StateOf(status) is not { } state)
        {
            // e.g. "receiving"/"received" of inbound messages: nothing to track.
            return Results.NoContent();
        }

        int? code = int.TryParse(form["ErrorCode"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed != 0 ? parsed : null;
        var error = state == DeliveryState.Failed ? $"Twilio {status}{(code is null ? string.Empty : $" (error {code})")}" : null;
        Guid? key = Guid.TryParseExact(http.Request.Query[SmsChannelSender.DeliveryKeyParameter].ToString(), "N", out var k) ? k : null;
        await tracking.ReportAsync(Channel.Sms, sid, key, state, error, recipientUnreachable: state == DeliveryState.Failed && TwilioErrors.MeansUnreachable(code), cancellationToken);
        if (code == TwilioErrors.UnsubscribedRecipient && form["To"].ToString() is { Length: > 0 } to)
        {
            await consent.OptOutAsync(to, $"Twilio {code}", cancellationToken);
        }

        return Results.NoContent();
    }

    /// <summary>The form, or null when the request is not a signed, well-formed form (the response status is set).</summary>
    private static async Task<IFormCollection?> ReadSignedFormAsync(HttpContext http, TwilioRequestValidator validator, ILogger logger, CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (await ReadCappedBodyAsync(request, cancellationToken) is not { } body)
        {
            LogTooLarge(logger, request.Path, request.ContentLength);
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return null;
        }

        if (!request.HasFormContentType)
        {
            // Twilio signs JSON bodies another way; the desk only takes forms, but a forged request still gets 403.
            var signed = validator.IsValidJson(request, body);
            http.Response.StatusCode = signed ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status403Forbidden;
            if (!signed)
            {
                LogForged(logger, request.Path);
            }

            return null;
        }

        IFormCollection form;
        try
        {
            request.Body = new MemoryStream(body, writable: false);
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            LogMalformed(logger, request.Path, e.Message);
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }

        if (!await validator.IsValidAsync(request, form, cancellationToken))
        {
            LogForged(logger, request.Path);
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return null;
        }

        return form;
    }

    /// <summary>The whole body, or null as soon as it proves larger than <see cref="MaxBodyBytes"/> (declared or streamed).</summary>
    private static async Task<byte[]?> ReadCappedBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        if (request.ContentLength is { } declared)
        {
            // Twilio declares the length, and the server ends the body there: one buffer of that size, no copies.
            var body = new byte[declared];
            var filled = await request.Body.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, cancellationToken);
            return filled == body.Length ? body : body[..filled];
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Refusal(HttpContext http) => http.Response.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => Results.Problem($"The body is larger than {MaxBodyBytes / 1024} KB.", statusCode: StatusCodes.Status413PayloadTooLarge),
        StatusCodes.Status403Forbidden => Results.Problem("The request is not signed by Twilio for this URL.", statusCode: StatusCodes.Status403Forbidden),
        StatusCodes.Status415UnsupportedMediaType => Results.Problem("Send the webhook form-encoded.", statusCode: StatusCodes.Status415UnsupportedMediaType),
        _ => Results.Problem("The body is not a well-formed form.", statusCode: StatusCodes.Status400BadRequest),
    };

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Twilio webhook {Path} refused: missing or invalid X-Twilio-Signature")]
    private static partial void LogForged(ILogger logger, string path);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Twilio webhook {Path} refused: the body is larger than the limit (Content-Length {ContentLength})")]
    private static partial void LogTooLarge(ILogger logger, string path, long? contentLength);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Twilio webhook {Kind} refused as malformed: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string kind, string problem);
}
