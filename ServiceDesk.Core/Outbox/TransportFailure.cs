using System.Net.Sockets;

namespace ServiceDesk.Core.Outbox;

/// <summary>
/// Tells, from how a call to a channel's server failed, whether the message can have reached it: only a
/// failure to connect is certain (nothing was sent); a timeout or a dropped connection may come after the
/// peer took the message, and sending it again could deliver it twice.
/// </summary>
public static class TransportFailure
{
    /// <summary>
    /// True when the call failed before the request could reach the peer: the name did not resolve, the
    /// connection was refused or could not be made, or TLS could not be set up.
    /// </summary>
    public static bool IsBeforeSending(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError }:
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData }:
                    return true;
            }
        }

        return false;
    }

    /// <summary>Transient (sent again later) when nothing went out, otherwise Unconfirmed (left for an agent to check).</summary>
    public static DeliveryResult ToResult(Exception exception)
    {
        var description = Describe(exception);
        return IsBeforeSending(exception)
            ? DeliveryResult.Transient(description)
            : DeliveryResult.Unconfirmed($"{description} (it may have reached the recipient; not sent again)");
    }

    private static string Describe(Exception exception) => exception switch
    {
        TaskCanceledException { InnerException: TimeoutException timeout } => timeout.Message,
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http => $"{http.HttpRequestError}: {http.Message}",
        _ => exception.Message,
    };
}
