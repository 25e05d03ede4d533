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
        await tracking.ReportAsync(Channel.Sms, sid, key, state, error, cancellationToken);
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
        if (!request.HasFormContentType)
        {
            // Twilio signs JSON bodies another way; the desk only takes forms, but a forged request still gets 403.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            var signed = validator.IsValidJson(request, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
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

    private static IResult Refusal(HttpContext http) => http.Response.StatusCode switch
    {
        StatusCodes.Status403Forbidden => Results.Problem("The request is not signed by Twilio for this URL.", statusCode: StatusCodes.Status403Forbidden),
        StatusCodes.Status415UnsupportedMediaType => Results.Problem("Send the webhook form-encoded.", statusCode: StatusCodes.Status415UnsupportedMediaType),
        _ => Results.Problem("The body is not a well-formed form.", statusCode: StatusCodes.Status400BadRequest),
    };

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Twilio webhook {Path} refused: missing or invalid X-Twilio-Signature")]
    private static partial void LogForged(ILogger logger, string path);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Twilio webhook {Kind} refused as malformed: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string kind, string problem);
}
