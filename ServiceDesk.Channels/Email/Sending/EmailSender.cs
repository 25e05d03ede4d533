using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Email.Sending;

/// <summary>
/// The outbox's sender for e-mail: SMTP through MailKit, over a few kept-open connections.
/// A refused connection, a 4xx answer or a line dropped before the whole message went out is transient; a 5xx
/// answer is permanent, and a 5xx refusal of the recipient (other than a 5.7.x policy refusal) marks the
/// address unreachable. A line dropped (or a timeout) once the whole message was transmitted after DATA is
/// Unconfirmed: the server may already have taken it, and a retry would deliver it twice.
/// </summary>
public sealed partial class EmailSender(EmailOptions options, EmailComposer composer, ILogger<EmailSender> logger) : IChannelSender, IAsyncDisposable
{
    private const int MaxConnections = 4;

    /// <summary>A connection idle longer than this is checked with NOOP before it is used again.</summary>
    private static readonly TimeSpan CheckAfterIdle = TimeSpan.FromSeconds(15);

    private readonly ConcurrentBag<(SmtpClient Client, DateTime IdleSince)> _idle = [];
    private readonly SemaphoreSlim _connections = new(MaxConnections, MaxConnections);

    private int _connectionsOpened;

    public Channel Channel => Channel.Email;

    /// <summary>SMTP connections opened so far (the pool should keep this small).</summary>
    internal int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    public async Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        MimeMessage mail;
        try
        {
            mail = composer.Compose(message);
        }
        catch (ParseException e)
        {
            return DeliveryResult.Permanent($"'{message.Recipient}' is not an e-mail address: {e.Message}", recipientUnreachable: true);
        }

        await _connections.WaitAsync(cancellationToken);
        SmtpClient? client = null;
        var data = new DataProgress();
        try
        {
            client = await RentAsync(cancellationToken);
            await client.SendAsync(mail, cancellationToken, data);
            _idle.Add((client, DateTime.UtcNow));
            client = null;
            return DeliveryResult.Sent(mail.MessageId);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            var unreachable = e.ErrorCode == SmtpErrorCode.RecipientNotAccepted && !e.Message.TrimStart().StartsWith("5.7.", StringComparison.Ordinal);
            LogRefused(message.Recipient, (int)e.StatusCode, e.Message);
            return DeliveryResult.Permanent($"SMTP {(int)e.StatusCode}: {e.Message}", unreachable);
        }
        catch (SmtpCommandException e)
        {
            return DeliveryResult.Transient($"SMTP {(int)e.StatusCode}: {e.Message}");
        }
        catch (AuthenticationException e)
        {
            LogAuthenticationFailed(options.Smtp.Host, e.Message);
            return DeliveryResult.Transient($"SMTP authentication failed: {e.Message}", TimeSpan.FromMinutes(5));
        }
        catch (NotSupportedException e)
        {
            // Required STARTTLS not offered: a setting to fix, not a glitch to retry every few seconds.
            LogNoTls(options.Smtp.Host, e.Message);
            return DeliveryResult.Transient($"SMTP server offers no STARTTLS: {e.Message}", TimeSpan.FromMinutes(5));
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException or SslHandshakeException or TimeoutException)
        {
            if (data.MayBeComplete)
            {
                LogUnconfirmed(message.Recipient, e.Message);
                return DeliveryResult.Unconfirmed($"SMTP {e.GetType().Name} after the message was transmitted: {e.Message} (it may have been accepted; not sent again)");
            }

            return DeliveryResult.Transient($"SMTP {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (client is not null)
            {
                await DiscardAsync(client);
            }

            _connections.Release();
        }
    }

    private async Task<SmtpClient> RentAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var pooled))
        {
            if (pooled.Client.IsConnected && (DateTime.UtcNow - pooled.IdleSince < CheckAfterIdle || await IsAliveAsync(pooled.Client, cancellationToken)))
            {
                return pooled.Client;
            }

            await DiscardAsync(pooled.Client);
        }

        var client = new SmtpClient { Timeout = 60_000 };
        Interlocked.Increment(ref _connectionsOpened);
        try
        {
            var security = options.SecurityFor(options.Smtp.Host, options.Smtp.UseSsl);
            await client.ConnectAsync(options.Smtp.Host, options.Smtp.EffectivePort, security, cancellationToken);
            if (!string.IsNullOrEmpty(options.Smtp.Username))
            {
                await client.AuthenticateAsync(options.Smtp.Username, options.Smtp.Password, cancellationToken);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<bool> IsAliveAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.NoOpAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException)
        {
            return false;
        }
    }

    private static async Task DiscardAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, timeout.Token);
            }
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or SocketException or OperationCanceledException)
        {
            // The connection is going away either way.
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var pooled))
        {
            await DiscardAsync(pooled.Client);
        }

        _connections.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP connection to the server lost after the mail to {Recipient} was transmitted, before its answer: {Error}")]
    private partial void LogUnconfirmed(string recipient, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP refused mail to {Recipient}: {StatusCode} {Reply}")]
    private partial void LogRefused(string recipient, int statusCode, string reply);

    [LoggerMessage(Level = LogLevel.Error, Message = "SMTP server {Host} offers no STARTTLS ({Error}); the password is not sent in clear text. Set Channels:Email:Smtp:UseSsl (port 465), or Channels:Email:AllowPlaintext=true for a trusted network")]
    private partial void LogNoTls(string host, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "SMTP authentication at {Host} failed: {Error}. Check Channels:Email:Smtp:Username/Password")]
    private partial void LogAuthenticationFailed(string host, string error);
}

/// <summary>
/// Watches the message data go out. MailKit reports it only once the server took DATA (or for BDAT), so no
/// report means the server cannot have the message; a message transmitted to its last byte may have been
/// accepted even if the answer never came. A transfer cut short is never delivered (RFC 5321, 4.1.1.4).
/// </summary>
internal sealed class DataProgress : ITransferProgress
{
    private long _transferred = -1;
    private long _total = -1;

    /// <summary>Data went out and, as far as the size is known, all of it.</summary>
    public bool MayBeComplete => _transferred >= 0 && (_total < 0 || _transferred >= _total);

    public void Report(long bytesTransferred, long totalSize)
    {
        _transferred = bytesTransferred;
        _total = totalSize;
    }

    public void Report(long bytesTransferred) => _transferred = bytesTransferred;
}
