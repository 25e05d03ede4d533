using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace ServiceDesk.Testing;

/// <summary>What a test mail server offers; a server without IDLE or MOVE exercises the fallbacks.</summary>
public sealed record MailServerOptions(bool Idle = true, bool Move = true);

/// <summary>
/// A real mail system for the tests: Dovecot (IMAP, LMTP, SASL) and Postfix (SMTP) on 127.0.0.1 with free ports,
/// in a temporary folder, stopped and removed when the process ends. Postfix relays every domain below to
/// Dovecot over LMTP, so mail to a mailbox that does not exist bounces the way it does on the Internet:
/// <list type="bullet">
/// <item><c>desk.test</c>, <c>example.test</c>: mailboxes made with <see cref="CreateMailboxAsync"/>; mail to others bounces (a DSN).</item>
/// <item><c>remote.test</c>: no mailboxes at all — every message to it bounces.</item>
/// <item><c>rejected.test</c>: Postfix refuses the recipient in the SMTP dialogue (550 5.1.1).</item>
/// </list>
/// Needs root (Postfix's master runs as root), as <c>./test.sh</c> in CI is.
/// </summary>
public sealed class MailServer
{
    public const string Password = "secret-Pw1";
    public const string Host = "127.0.0.1";

    private static readonly Lazy<Task<MailServer>> Shared = new(() => StartAsync(new MailServerOptions()), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _mailboxes;

    private readonly string _root;
    private readonly Lock _usersLock = new();
    private int _stopped;

    private MailServer(string root, int imapPort, int smtpPort)
    {
        _root = root;
        ImapPort = imapPort;
        SmtpPort = smtpPort;
    }

    public int ImapPort { get; }

    public int SmtpPort { get; }

    /// <summary>The server shared by this test process, started on first use.</summary>
    public static Task<MailServer> GetAsync() => Shared.Value;

    public static async Task<MailServer> StartAsync(MailServerOptions options)
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("The test mail server (Postfix + Dovecot) needs root: run ./test.sh as root, as CI does.");
        }

        foreach (var program in new[] { "/usr/sbin/dovecot", "/usr/sbin/postfix" })
        {
            if (!File.Exists(program))
            {
                throw new InvalidOperationException($"{program} is missing. Run ./test.sh (it installs dovecot-imapd, dovecot-lmtpd and postfix).");
            }
        }

        RemoveLeftovers();
        var root = Path.Combine(Path.GetTempPath(), $"sd-mail-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(root);
        var (imap, lmtp, auth, smtp) = (LoopbackPorts.Unused(), LoopbackPorts.Unused(), LoopbackPorts.Unused(), LoopbackPorts.Unused());
        var server = new MailServer(root, imap, smtp);
        await server.StartDovecotAsync(options, lmtp, auth);
        await server.StartPostfixAsync(lmtp, auth);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    /// <summary>Creates a mailbox (password <see cref="Password"/>) and returns its unique address, e.g. <c>desk-3@desk.test</c>.</summary>
    public string CreateMailbox(string name, string domain = "example.test")
    {
        var address = $"{name}-{Interlocked.Increment(ref _mailboxes)}@{domain}";
        lock (_usersLock)
        {
            // Dovecot re-reads the file when it notices a change.
            File.AppendAllText(Path.Combine(_root, "users"), $"{address}:{{PLAIN}}{Password}\n");
        }

        return address;
    }

    /// <summary>
    /// Creates a mailbox and waits until Dovecot accepts a login to it, so mail to it is delivered, not bounced
    /// (Dovecot may notice the changed user list only a moment later).
    /// </summary>
    public async Task<string> CreateMailboxAsync(string name, string domain = "example.test")
    {
        var address = CreateMailbox(name, domain);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var client = await LoginAsync(address);
                await client.DisconnectAsync(true);
                return address;
            }
            catch (AuthenticationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>An address in a domain without mailboxes: mail to it is accepted, then bounces.</summary>
    public static string BouncingAddress(string name) => $"{name}-{Interlocked.Increment(ref _mailboxes)}@remote.test";

    /// <summary>An address Postfix refuses at RCPT TO with 550 5.1.1.</summary>
    public static string RefusedAddress(string name) => $"{name}-{Interlocked.Increment(ref _mailboxes)}@rejected.test";

    /// <summary>Sends a message through Postfix, as any mail client would.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(Host, SmtpPort, SecureSocketOptions.None, cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
    }

    /// <summary>Puts messages straight into a mailbox folder over IMAP (faster than SMTP for a large batch).</summary>
    public async Task AppendAsync(string mailbox, IEnumerable<MimeMessage> messages, string folder = "INBOX", CancellationToken cancellationToken = default)
    {
        using var client = await LoginAsync(mailbox, cancellationToken);
        var target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder, cancellationToken);
        foreach (var message in messages)
        {
            await target.AppendAsync(message, MessageFlags.None, cancellationToken);
        }

        await client.DisconnectAsync(true, cancellationToken);
    }

    /// <summary>The messages in a mailbox folder, oldest first; an empty list when the folder does not exist yet.</summary>
    public async Task<IReadOnlyList<MimeMessage>> ReadAsync(string mailbox, string folder = "INBOX", CancellationToken cancellationToken = default)
    {
        using var client = await LoginAsync(mailbox, cancellationToken);
        IMailFolder target;
        try
        {
            target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            return [];
        }

        await target.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var messages = new List<MimeMessage>();
        foreach (var uid in await target.SearchAsync(SearchQuery.NotDeleted, cancellationToken))
        {
            try
            {
                messages.Add(await target.GetMessageAsync(uid, cancellationToken));
            }
            catch (Exception e) when (e is MessageNotFoundException or FormatException)
            {
                // Moved away meanwhile (the desk is reading the same folder).
            }
        }

        await client.DisconnectAsync(true, cancellationToken);
        return messages;
    }

    /// <summary>How many messages a folder holds (not counting any flagged \Deleted); 0 when it does not exist yet.</summary>
    public async Task<int> CountAsync(string mailbox, string folder = "INBOX", CancellationToken cancellationToken = default)
    {
        using var client = await LoginAsync(mailbox, cancellationToken);
        try
        {
            var target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder, cancellationToken);
            await target.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            return (await target.SearchAsync(SearchQuery.NotDeleted, cancellationToken)).Count;
        }
        catch (FolderNotFoundException)
        {
            return 0;
        }
        finally
        {
            await client.DisconnectAsync(true, cancellationToken);
        }
    }

    /// <summary>Polls a folder until it holds at least <paramref name="count"/> messages; fails after the timeout.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(string mailbox, int count, TimeSpan timeout, string folder = "INBOX")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = await ReadAsync(mailbox, folder);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{mailbox}/{folder} holds {messages.Count} messages, expected {count} within {timeout}. Postfix log:\n{Tail("postfix.log")}\nDovecot log:\n{Tail("dovecot.log")}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<ImapClient> LoginAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient();
        await client.ConnectAsync(Host, ImapPort, SecureSocketOptions.None, cancellationToken);
        await client.AuthenticateAsync(mailbox, Password, cancellationToken);
        return client;
    }

    /// <summary>The last lines of a server log, for a failing test's message.</summary>
    public string Tail(string log, int lines = 30)
    {
        var path = Path.Combine(_root, log);
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : "(no log)";
    }

    /// <summary>Drops every IMAP connection of the mailbox, as a server restart or a network cut would.</summary>
    public Task KickAsync(string mailbox) => RunAsync("/usr/bin/doveadm", ["-c", Path.Combine(_root, "dovecot.conf"), "kick", mailbox]);

    /// <summary>Stops both servers and removes their files; called at process exit too.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        StopIn(_root);
    }

    private async Task StartDovecotAsync(MailServerOptions options, int lmtpPort, int authPort)
    {
        var mail = Path.Combine(_root, "mail");
        Directory.CreateDirectory(mail);
        Directory.CreateDirectory(Path.Combine(_root, "run"));
        Directory.CreateDirectory(Path.Combine(_root, "state"));
        File.WriteAllText(Path.Combine(_root, "users"), string.Empty);
        await RunAsync("chown", ["mail:mail", mail]);
        await RunAsync("chmod", ["755", _root]);

        // Without IDLE and MOVE the desk must poll and fall back to COPY + EXPUNGE.
        var capability = options.Idle && options.Move
            ? string.Empty
            : "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS"
                + (options.Idle ? " IDLE" : string.Empty) + (options.Move ? " MOVE" : string.Empty);
        var config = $$"""
            base_dir = {{_root}}/run
            state_dir = {{_root}}/state
            instance_name = sd-mail-{{Path.GetFileName(_root)}}
            log_path = {{_root}}/dovecot.log
            protocols = imap lmtp
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            auth_username_format = %Lu
            first_valid_uid = 1
            default_internal_user = dovecot
            default_login_user = dovenull
            mail_location = maildir:{{mail}}/%d/%n
            {{capability}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{_root}}/users
            }
            userdb {
              driver = static
              args = uid=mail gid=mail home={{mail}}/%d/%n
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{ImapPort}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service lmtp {
              inet_listener lmtp {
                address = 127.0.0.1
                port = {{lmtpPort}}
              }
            }
            service auth {
              inet_listener {
                address = 127.0.0.1
                port = {{authPort}}
              }
            }
            protocol lmtp {
              postmaster_address = postmaster@desk.test
            }
            """;
        File.WriteAllText(Path.Combine(_root, "dovecot.conf"), config);
        await RunAsync("/usr/sbin/dovecot", ["-c", Path.Combine(_root, "dovecot.conf")]);
        await WaitForPortAsync(ImapPort);
    }

    private async Task StartPostfixAsync(int lmtpPort, int authPort)
    {
        var conf = Path.Combine(_root, "postfix");
        var queue = Path.Combine(_root, "queue");
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(conf);
        Directory.CreateDirectory(queue);
        Directory.CreateDirectory(data);
        await RunAsync("chown", ["postfix", data]);
        File.WriteAllText(Path.Combine(conf, "nobody"), string.Empty);
        File.WriteAllText(Path.Combine(conf, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {queue}
            data_directory = {data}
            maillog_file = {_root}/postfix.log
            maillog_file_prefixes = {Path.GetTempPath().TrimEnd('/')}
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = mx.desk.test
            mydomain = desk.test
            myorigin = $myhostname
            mydestination =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_type = dovecot
            smtpd_sasl_path = inet:127.0.0.1:{authPort}
            smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
            relay_domains = desk.test example.test remote.test
            relay_transport = lmtp:inet:127.0.0.1:{lmtpPort}
            virtual_mailbox_domains = rejected.test
            virtual_mailbox_maps = texthash:{conf}/nobody
            disable_dns_lookups = yes
            smtp_dns_support_level = disabled
            alias_maps =
            alias_database =
            local_recipient_maps =
            biff = no
            smtpd_banner = $myhostname ESMTP
            message_size_limit = 52428800
            default_process_limit = 20
            bounce_queue_lifetime = 0
            maximal_queue_lifetime = 1h
            shlib_directory = /usr/lib/postfix
            daemon_directory = /usr/lib/postfix/sbin
            command_directory = /usr/sbin
            """);
        File.WriteAllText(Path.Combine(conf, "master.cf"), $"""
            127.0.0.1:{SmtpPort} inet n - n - - smtpd
            pickup    unix  n - n 60 1 pickup
            cleanup   unix  n - n - 0 cleanup
            qmgr      unix  n - n 300 1 qmgr
            rewrite   unix  - - n - - trivial-rewrite
            bounce    unix  - - n - 0 bounce
            defer     unix  - - n - 0 bounce
            trace     unix  - - n - 0 bounce
            verify    unix  - - n - 1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n - - proxymap
            smtp      unix  - - n - - smtp
            relay     unix  - - n - - smtp
            showq     unix  n - n - - showq
            error     unix  - - n - - error
            retry     unix  - - n - - error
            discard   unix  - - n - - discard
            lmtp      unix  - - n - - lmtp
            anvil     unix  - - n - 1 anvil
            scache    unix  - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd
            """);
        await RunAsync("/usr/sbin/postfix", ["-c", conf, "start"]);
        await WaitForPortAsync(SmtpPort);
    }

    /// <summary>Removes servers of earlier test processes that were killed before they could clean up.</summary>
    private static void RemoveLeftovers()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), "sd-mail-*"))
        {
            var parts = Path.GetFileName(folder).Split('-');
            if (parts.Length > 2 && int.TryParse(parts[2], out var pid) && !LocalProcesses.IsRunning(pid))
            {
                StopIn(folder);
            }
        }
    }

    private static void StopIn(string root)
    {
        // Quick and without waiting: this also runs at process exit, where time is short.
        var dovecotPid = Path.Combine(root, "run", "master.pid");
        if (File.Exists(dovecotPid) && int.TryParse(File.ReadAllText(dovecotPid).Trim(), out var pid))
        {
            TryRun("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (File.Exists(Path.Combine(root, "postfix", "main.cf")))
        {
            TryRun("/usr/sbin/postfix", ["-c", Path.Combine(root, "postfix"), "abort"]);
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not remove the test mail server in {root}: {e.Message}");
        }
    }

    private static void TryRun(string program, string[] arguments)
    {
        try
        {
            RunAsync(program, arguments).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Not running any more.
        }
    }


    private static async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }


    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(new StringBuilder().Append(program).Append(' ').AppendJoin(' ', arguments)
                .Append(" failed (").Append(process.ExitCode).Append("): ").Append(await stderr).Append(await stdout).ToString());
        }
    }
}
