using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Channels.Teams;

/// <summary>An OAuth token endpoint's answer (client credentials, or the Azure managed-identity endpoint).</summary>
public sealed class TokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    /// <summary>Seconds; Entra sends a number, the managed-identity endpoint a string.</summary>
    [JsonPropertyName("expires_in")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public int ExpiresIn { get; set; }
}

/// <summary>
/// The bot's own token for calling the Bot Connector: client credentials against the configured token
/// endpoint (scope <c>https://api.botframework.com/.default</c>), or the managed identity for
/// UserAssignedMSI bots. Cached and shared by every call until five minutes before it expires. A renewal that fails
/// while the token is still good keeps it in use (and is tried again shortly): the renewal comes early so that a short
/// outage of the token endpoint costs nothing; only once the token is about to expire is the failure the caller's.
/// </summary>
public sealed partial class ConnectorTokenProvider(IHttpClientFactory httpClients, IOptions<TeamsOptions> options, TimeProvider time, ILogger<ConnectorTokenProvider> logger)
{
    public const string HttpClientName = "teams-token";

    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>A token this close to its expiry is not sent: the Connector may see it expired by the time it arrives.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed renewal waits before the next call tries again, while the current token is still good.</summary>
    private static readonly TimeSpan RenewalRetry = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private CachedToken? _current;

    /// <summary>A valid token, or null when no app id is configured (local testing without credentials).</summary>
    public async Task<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.AuthenticationEnabled)
        {
            return null;
        }

        if (_current is { } cached && time.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Token;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } fresh && time.GetUtcNow() < fresh.RefreshAt)
            {
                return fresh.Token;
            }

            TokenResponse response;
            try
            {
                response = await RequestAsync(settings, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested
                && _current is { } current && time.GetUtcNow() < current.UsableUntil)
            {
                LogRenewalFailed(e, current.UsableUntil);
                var retryAt = time.GetUtcNow() + RenewalRetry;
                _current = current with { RefreshAt = retryAt < current.UsableUntil ? retryAt : current.UsableUntil };
                return current.Token;
            }

            var lifetime = TimeSpan.FromSeconds(Math.Max(response.ExpiresIn, 60));

            // Renew well before expiry; a short-lived token is renewed at half its life.
            var margin = lifetime > RefreshMargin * 2 ? RefreshMargin : lifetime / 2;
            var now = time.GetUtcNow();
            _current = new CachedToken(response.AccessToken!, now + lifetime - margin, now + lifetime - ExpiryMargin);
            LogAcquired(lifetime);
            return response.AccessToken;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Forgets the cached token (the Connector refused it), so the next call fetches a new one.</summary>
    public void Invalidate() => _current = null;

    private async Task<TokenResponse> RequestAsync(TeamsOptions settings, CancellationToken cancellationToken)
    {
        using var request = settings.MicrosoftAppType == BotAppType.UserAssignedMSI
            ? ManagedIdentityRequest(settings)
            : new HttpRequestMessage(HttpMethod.Post, settings.ResolvedTokenEndpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = settings.MicrosoftAppId!,
                    ["client_secret"] = settings.MicrosoftAppPassword ?? string.Empty,
                    ["scope"] = settings.ConnectorScope,
                }),
            };
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"The token endpoint answered {(int)response.StatusCode}: {Truncate(body)}", null, response.StatusCode);
        }

        try
        {
            var token = await response.Content.ReadFromJsonAsync(TeamsJson.Default.TokenResponse, cancellationToken);
            return token is { AccessToken.Length: > 0 }
                ? token
                : throw new HttpRequestException("The token endpoint answered without an access_token.");
        }
        catch (JsonException e)
        {
            throw new HttpRequestException("The token endpoint answered with something other than a token.", e);
        }
    }

    private static HttpRequestMessage ManagedIdentityRequest(TeamsOptions settings)
    {
        // The Azure instance metadata endpoint: the resource is the scope without "/.default".
        var resource = Uri.EscapeDataString(settings.ConnectorScope[..^"/.default".Length]);
        var url = string.Create(
            CultureInfo.InvariantCulture,
            $"{settings.ResolvedTokenEndpoint}?api-version=2018-02-01&resource={resource}&client_id={Uri.EscapeDataString(settings.MicrosoftAppId!)}");
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Metadata", "true");
        return request;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Acquired a Bot Connector token valid for {Lifetime}")]
    private partial void LogAcquired(TimeSpan lifetime);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the Bot Connector token; the current one is used until {UsableUntil}")]
    private partial void LogRenewalFailed(Exception exception, DateTimeOffset usableUntil);

    /// <summary>A token, when to renew it, and until when it may still be sent if the renewal fails.</summary>
    private sealed record CachedToken(string Token, DateTimeOffset RefreshAt, DateTimeOffset UsableUntil);
}
