using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>Where <see cref="ScriptedSmtpServer"/> lets a session go wrong.</summary>
public enum SmtpFault
{
    /// <summary>Drops the connection when the recipient is named: before any message data.</summary>
    DropAtRecipient,

    /// <summary>Reads the whole message after DATA, then drops the connection instead of answering.</summary>
    DropAfterData,

    /// <summary>Reads the whole message after DATA and refuses it for now (451).</summary>
    RefuseAfterData,
}

/// <summary>
/// Just enough of an SMTP server (RFC 5321) on 127.0.0.1 to fail at a chosen step of a session, which a
/// real mail server cannot be made to do on cue.
/// </summary>
internal sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SmtpFault _fault;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _messagesRead;

    public ScriptedSmtpServer(SmtpFault fault)
    {
        _fault = fault;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Messages whose data the server read to the final dot.</summary>
    public int MessagesRead => Volatile.Read(ref _messagesRead);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task ReplyAsync(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), _stop.Token);
        try
        {
            await ReplyAsync("220 stub.test ESMTP");
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" or "HELO":
                        await ReplyAsync("250 stub.test");
                        break;
                    case "RCPT" when _fault == SmtpFault.DropAtRecipient:
                        return;
                    case "DATA":
                        await ReplyAsync("354 End data with <CR><LF>.<CR><LF>");
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                        {
                        }

                        Interlocked.Increment(ref _messagesRead);
                        if (_fault == SmtpFault.DropAfterData)
                        {
                            return;
                        }

                        await ReplyAsync("451 4.3.0 Try again later");
                        break;
                    case "QUIT":
                        await ReplyAsync("221 Bye");
                        return;
                    default:
                        await ReplyAsync("250 OK");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
