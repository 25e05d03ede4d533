using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Channels.Sms;

/// <summary>The part of Twilio's REST API (2010-04-01) the desk uses: create a Message.</summary>
public sealed class TwilioClient(HttpClient http, IOptions<TwilioOptions> options, TimeProvider time)
{
    private readonly TwilioOptions _options = options.Value;

    /// <summary><c>POST {ApiBaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>.</summary>
    /// <exception cref="TwilioApiException">Twilio answered with an error.</exception>
    public async Task<TwilioMessageResource> CreateMessageAsync(TwilioNewMessage message, CancellationToken cancellationToken)
    {
        var fields = new List<KeyValuePair<string, string>> { new("To", message.To), new("Body", message.Body) };
        if (message.MessagingServiceSid is { Length: > 0 } service)
        {
            fields.Add(new("MessagingServiceSid", service));
        }
        else if (message.From is { Length: > 0 } from)
        {
            fields.Add(new("From", from));
        }
        else
        {
            throw new ArgumentException("A message needs From or MessagingServiceSid.", nameof(message));
        }

        if (message.StatusCallback is { Length: > 0 } callback)
        {
            fields.Add(new("StatusCallback", callback));
        }

        var sid = _options.AccountSid!;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_options.ApiBaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(sid)}/Messages.json")
        {
            Content = new FormUrlEncodedContent(fields),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sid}:{_options.AuthToken}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return Read<TwilioMessageResource>(body) ?? new TwilioMessageResource();
        }

        var error = Read<TwilioErrorBody>(body);
        throw new TwilioApiException(response.StatusCode, error?.Code, error?.Message ?? response.ReasonPhrase, RetryAfter(response));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static T? Read<T>(string body)
        where T : class
    {
        try
        {
            return body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record TwilioErrorBody(
        [property: JsonPropertyName("code")] int? Code,
        [property: JsonPropertyName("message")] string? Message);
}

/// <summary>A message to create. Exactly one of <see cref="From"/> and <see cref="MessagingServiceSid"/> is sent (the service when both are set).</summary>
public sealed record TwilioNewMessage(string To, string Body, string? From, string? MessagingServiceSid, string? StatusCallback);

/// <summary>The fields of Twilio's Message resource the desk reads.</summary>
public sealed record TwilioMessageResource
{
    [JsonPropertyName("sid")]
    public string? Sid { get; init; }

    [JsonPropertyName("status")]
    public string? Status { get; init; }
}

/// <summary>Twilio refused a request: the HTTP status, Twilio's error code (e.g. 21610) and its message.</summary>
public sealed class TwilioApiException(HttpStatusCode status, int? code, string? detail, TimeSpan? retryAfter)
    : Exception($"Twilio answered {(int)status}{(code is null ? string.Empty : $" (error {code})")}: {detail}")
{
    public HttpStatusCode Status { get; } = status;

    public int? Code { get; } = code;

    public string? Detail { get; } = detail;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
