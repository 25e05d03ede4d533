using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;
using Xunit.Abstractions;

namespace ServiceDesk.EndToEnd.Tests.ScaleOut;

/// <summary>
/// Two app instances, real processes on their own ports, share one PostgreSQL database and its Hangfire storage,
/// with the real mail system (Postfix, Dovecot) and loopback stand-ins for the Teams and Twilio clouds. Teams
/// activities and signed SMS webhooks are spread over both; one instance reads the mailbox at a time; then the
/// instance holding the mailbox is killed with SIGKILL in the middle of the traffic and of its deliveries.
/// </summary>
public sealed partial class ScaleOutTests(ITestOutputHelper output)
{
    private const int People = 6; // per channel
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "scale-out-auth-token";
    private const string DeskNumber = "+15005550006";
    private const string PublicBase = "https://desk.example.test";
    private const string HeldComment = "Held update";
    private const string AgentEmail = "admin@desk.test";
    private const string AgentPassword = "Admin-Pass-2026";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_instances_share_the_work_and_when_one_is_killed_nothing_accepted_is_lost_or_sent_twice()
    {
        var postgres = await PostgresServer.GetAsync();
        var database = new ScaleOutDatabase(await postgres.CreateDatabaseAsync("scaleout"));
        var mail = await MailServer.GetAsync();
        var deskAddress = await mail.CreateMailboxAsync("desk", "desk.test");
        var mailers = new List<string>();
        for (var i = 0; i < People; i++)
        {
            mailers.Add(await mail.CreateMailboxAsync("mailer"));
        }

        await using var authority = await BotFrameworkAuthority.StartAsync();
        await using var connector = await ConnectorStub.StartAsync();
        await using var twilio = await TwilioStub.StartAsync();
        var settings = Settings(database.ConnectionString, mail, deskAddress, authority, twilio);

        // Both start together, as a scaled-out deployment does: migrations and job storage set-up must not trip over each other.
        await using var a = DeskProcess.Start("a", settings);
        await using var b = DeskProcess.Start("b", settings);
        DeskProcess[] desks = [a, b];
        string Logs() => string.Join('\n', desks.Select(d => d.Tail()));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        await Task.WhenAll(desks.Select(d => d.WaitUntilReadyAsync(Patience)));
        Phase("both instances ready");
        await AgentSignsInOnOneInstanceAndWorksOnTheOtherAsync(a, b);
        using var balancer = new LoadBalancer(desks);
        var traffic = new Traffic(balancer, authority, connector);

        // Who holds an IMAP connection, sampled from the operating system the whole time.
        using var sampling = new CancellationTokenSource();
        var readers = new MailboxReaders(desks, mail.ImapPort);
        var sampler = readers.SampleAsync(sampling.Token);

        // 1. Both instances take traffic: chats on Teams and SMS, mail, and agents' replies through the API.
        await Task.WhenAll(Enumerable.Range(0, People).Select(p => traffic.ChatAsync(p, turns: [0, 1])));
        var firstMails = await SendMailsAsync(mail, mailers, deskAddress, round: 1);
        await WaitForTicketsAsync(database, People, Logs);
        Assert.True(traffic.ServedBy(a) > 0 && traffic.ServedBy(b) > 0, "both instances take requests");
        var comments = new ConcurrentBag<string>();
        Phase("first chats and mails taken in");
        await CommentOnEveryTicketAsync(database, balancer, round: 1, comments);
        await WaitForOutboxAsync(database, Logs);
        Phase("first replies delivered");

        // 2. The instance reading the mailbox is the one that dies. Twilio stops answering for a moment, so that it
        //    dies in the middle of texting three updates; chats keep coming while it dies.
        var victim = await MailboxHolderAsync(database, desks);
        var survivor = desks.Single(d => d != victim);
        var smsTickets = await database.QueryAsync(db => db.Tickets.Where(t => t.OriginChannel == Channel.Sms).OrderBy(t => t.Id).Select(t => t.Id).Take(3).ToListAsync());
        var twilioBefore = twilio.Requests.Count;
        var hold = twilio.Hold();

        // Hangfire gives each delivery job to whichever instance asks first: the survivor is frozen until the victim
        // has taken all three and is waiting on Twilio, or the survivor might send them and nothing would die mid-send.
        using (survivor.Freeze())
        using (var victimApi = victim.ApiClient())
        {
            foreach (var ticket in smsTickets)
            {
                var body = $"{HeldComment} on SD-{ticket}";
                Assert.Equal(HttpStatusCode.Created, (await victimApi.PostAsJsonAsync($"/api/tickets/SD-{ticket}/comments", new { body, author = "Eva" })).StatusCode);
                comments.Add(body);
            }

            await twilio.WaitForRequestsAsync(twilioBefore + smsTickets.Count, Patience);
        }

        var acceptedBefore = traffic.Accepted;
        var during = Task.WhenAll(Enumerable.Range(0, People).Select(p => traffic.ChatAsync(p, turns: [2, 3])));
        await ScaleOutDatabase.WaitUntilAsync(() => Task.FromResult(traffic.Accepted >= acceptedBefore + 4), Patience, () => Task.FromResult("the chats did not go on"));
        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        var deadAt = DateTimeOffset.UtcNow;
        hold.Dispose();
        Phase($"killed {victim.Name}");
        output.WriteLine($"Killed {victim.Name} (pid {victim.ProcessId}) with SIGKILL; {survivor.Name} (pid {survivor.ProcessId}) survives.");

        // 3. The survivor carries on with everything: chats, the mailbox, replies, and the dead instance's deliveries.
        await during;
        await Task.WhenAll(Enumerable.Range(0, People).Select(p => traffic.ChatAsync(p, turns: [4])));
        var secondMails = await SendMailsAsync(mail, mailers, deskAddress, round: 2);
        await WaitForTicketsAsync(database, 2 * People, Logs);
        await CommentOnEveryTicketAsync(database, balancer, round: 2, comments);
        await ScaleOutDatabase.WaitUntilAsync(
            async () => await mail.CountAsync(deskAddress) == 0,
            Patience,
            () => Task.FromResult($"the desk's inbox was not emptied\n{Logs()}"));
        await WaitForOutboxAsync(database, Logs);
        Phase("the survivor took in everything and the outbox is settled");
        var rows = await database.QueryAsync(db => db.Outbox.AsNoTracking().Include(o => o.Message).OrderBy(o => o.Id).ToListAsync());
        var mailed = rows.Where(r => r.Message.Channel == Channel.Email && r.State == OutboxState.Sent).Select(r => r.DeliveryKey).ToHashSet();
        await ScaleOutDatabase.WaitUntilAsync(
            async () => (await MailDeliveriesAsync(mail, mailers)).Keys.ToHashSet().IsSupersetOf(mailed),
            Patience,
            () => Task.FromResult("mail sent by the desk did not arrive"));
        await sampling.CancelAsync();
        await sampler;
        Phase("every mail delivered");

        // Nothing accepted is lost: every 2xx'd activity and webhook, and every mail, is on file once.
        var inbound = await database.QueryAsync(db => db.Messages.AsNoTracking()
            .Where(m => m.Direction == MessageDirection.Inbound && m.ExternalId != null)
            .Select(m => new { m.Channel, m.ExternalId }).ToListAsync());
        Assert.Equal(traffic.TeamsAccepted.Order(), inbound.Where(m => m.Channel == Channel.Teams).Select(m => m.ExternalId!).Order());
        Assert.Equal(traffic.SmsAccepted.Order(), inbound.Where(m => m.Channel == Channel.Sms).Select(m => m.ExternalId!).Order());
        Assert.Equal(
            firstMails.Concat(secondMails).Order(),
            inbound.Where(m => m.Channel == Channel.Email).Select(m => m.ExternalId!.Trim('<', '>')).Order());
        var replies = rows.Where(r => r.Message.Kind == MessageKind.AgentReply).Select(r => r.Message.Body).ToList();
        Assert.Equal(comments.Count, replies.Count);
        Assert.All(comments, comment => Assert.Single(replies, reply => reply.Contains(comment, StringComparison.Ordinal)));

        // Every outbox row ends sent, or unconfirmed when its sender died mid-send; none is left behind or failed.
        Assert.All(rows, r => Assert.True(r.State is OutboxState.Sent or OutboxState.Unconfirmed, $"outbox row {r.Id} ({r.Message.Channel}) is {r.State}: {r.LastError}"));
        var held = rows.Where(r => r.Message.Body.Contains(HeldComment, StringComparison.Ordinal)).ToList();
        Assert.Contains(held, r => r.State == OutboxState.Unconfirmed);
        Assert.All(rows.Where(r => r.CreatedAt > deadAt), r => Assert.Equal(OutboxState.Sent, r.State));

        // Nothing is sent twice: each delivery counted where it arrives, by delivery key (Twilio's StatusCallback,
        // the mail's Message-ID) or, for Teams, by its text. Sent: exactly once; unconfirmed: at most once.
        var texted = twilio.Requests.Select(r => DeliveryKeyIn(r.Form.GetValueOrDefault("StatusCallback"))).ToList();
        var mails = await MailDeliveriesAsync(mail, mailers);
        foreach (var row in rows.Where(r => r.Message.Channel != Channel.Teams))
        {
            var delivered = row.Message.Channel == Channel.Sms ? texted.Count(k => k == row.DeliveryKey) : mails.GetValueOrDefault(row.DeliveryKey);
            Assert.True(
                row.State == OutboxState.Sent ? delivered == 1 : delivered <= 1,
                $"outbox row {row.Id} on {row.Message.Channel} ({row.State}) was delivered {delivered} times");
        }

        var keys = rows.Select(r => r.DeliveryKey).ToHashSet();
        Assert.All(texted.Concat(mails.Keys), key => Assert.Contains(key, keys));
        var posted = connector.Calls.Where(c => c.Operation == "Conversations_SendToConversation").Select(c => (string?)c.Body?["text"]).ToList();
        foreach (var same in rows.Where(r => r.Message.Channel == Channel.Teams).GroupBy(r => r.Message.Body))
        {
            var delivered = posted.Count(text => text == same.Key);
            var sent = same.Count(r => r.State == OutboxState.Sent);
            Assert.True(delivered >= sent && delivered <= same.Count(), $"'{same.Key}' was posted to Teams {delivered} times for {same.Count()} outbox rows ({sent} sent)");
        }

        Assert.All(posted, text => Assert.Contains(rows, r => r.Message.Channel == Channel.Teams && r.Message.Body == text));

        // The mailbox was read by one instance at a time, and by the survivor after the kill.
        Assert.True(readers.Overlaps.IsEmpty, "two instances held IMAP connections at once:\n" + string.Join('\n', readers.Overlaps));
        var takeover = readers.Reading.Where(r => r.ProcessId == survivor.ProcessId && r.At > deadAt).Select(r => (DateTimeOffset?)r.At).FirstOrDefault();
        Assert.True(takeover is not null, "the survivor never read the mailbox after the kill");
        var owner = await database.QueryAsync(db => db.SourceCheckpoints.Select(c => c.LeaseOwner).SingleAsync());
        Assert.Equal(survivor.ProcessId, OwnerProcessId(owner));

        output.WriteLine($"Requests: {traffic.Accepted} chat turns accepted ({traffic.TeamsAccepted.Count} Teams, {traffic.SmsAccepted.Count} SMS), {traffic.ServedBy(a)} by a, {traffic.ServedBy(b)} by b; {balancer.Redelivered} sent again after the kill; all on file once (lost: 0, duplicated: 0).");
        output.WriteLine($"Mail: {firstMails.Count + secondMails.Count} taken in once each; the survivor held the IMAP connection {(takeover!.Value - killedAt).TotalSeconds:0.0} s after the kill (lease 9 s).");
        output.WriteLine($"Outbox: {rows.Count} rows, {rows.Count(r => r.State == OutboxState.Sent)} sent exactly once, {rows.Count(r => r.State == OutboxState.Unconfirmed)} unconfirmed (claimed by the killed instance, delivered {rows.Where(r => r.State == OutboxState.Unconfirmed).Sum(r => texted.Count(k => k == r.DeliveryKey) + mails.GetValueOrDefault(r.DeliveryKey))} time(s), never resent); duplicates: 0.");
    }

    private static Dictionary<string, string?> Settings(string connectionString, MailServer mail, string deskAddress, BotFrameworkAuthority authority, TwilioStub twilio)
    {
        var port = (int value) => value.ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:ServiceDesk"] = connectionString,
            ["Api:Keys:0"] = DeskProcess.ApiKey,
            ["Desk:DefaultLanguage"] = "en",
            ["Agents:Bootstrap:Email"] = AgentEmail,
            ["Agents:Bootstrap:Password"] = AgentPassword,

            // A claim left by a dead instance is recognised after 5 s and swept every 2 s (1 minute and 5 minutes in production).
            ["Outbox:ClaimTimeout"] = "00:00:05",
            ["Outbox:SweepInterval"] = "00:00:02",
            ["Channels:Sms:Twilio:AccountSid"] = AccountSid,
            ["Channels:Sms:Twilio:AuthToken"] = AuthToken,
            ["Channels:Sms:Twilio:FromNumber"] = DeskNumber,
            ["Channels:Sms:Twilio:ApiBaseUrl"] = twilio.BaseUrl.ToString(),
            ["Channels:Sms:Twilio:PublicBaseUrl"] = PublicBase,
            ["Channels:Email:Address"] = deskAddress,
            ["Channels:Email:Imap:Host"] = MailServer.Host,
            ["Channels:Email:Imap:Port"] = port(mail.ImapPort),
            ["Channels:Email:Imap:UseSsl"] = "false",
            ["Channels:Email:Imap:Username"] = deskAddress,
            ["Channels:Email:Imap:Password"] = MailServer.Password,
            ["Channels:Email:Imap:LeaseDuration"] = "00:00:09",
            ["Channels:Email:Smtp:Host"] = MailServer.Host,
            ["Channels:Email:Smtp:Port"] = port(mail.SmtpPort),
            ["Channels:Email:Smtp:UseSsl"] = "false",
            ["Channels:Email:Smtp:Username"] = deskAddress,
            ["Channels:Email:Smtp:Password"] = MailServer.Password,
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        };
        foreach (var (key, value) in authority.Settings())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// An agent's browser behind the load balancer: the sign-in form comes from one instance, is posted to the other
    /// (its anti-forgery token checked there), and the session cookie that one issues opens the console on the first.
    /// </summary>
    private static async Task AgentSignsInOnOneInstanceAndWorksOnTheOtherAsync(DeskProcess first, DeskProcess second)
    {
        var cookies = new CookieContainer(); // cookies belong to the host, whatever the port: one jar for both
        HttpClient Browser(DeskProcess desk) =>
            new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(desk.Address) };
        using var onFirst = Browser(first);
        using var onSecond = Browser(second);

        var form = await onFirst.GetStringAsync("/account/login");
        var token = AntiForgeryField().Match(form) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("No anti-forgery token on the sign-in page.");
        var signIn = await onSecond.PostAsync("/account/login", new FormUrlEncodedContent(
            [new("Email", AgentEmail), new("Password", AgentPassword), new("__RequestVerificationToken", token)]));
        Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"signing in on {second.Name} with {first.Name}'s form answered {(int)signIn.StatusCode}");
        Assert.DoesNotContain("/account/login", signIn.Headers.Location?.OriginalString ?? string.Empty, StringComparison.Ordinal);

        var tickets = await onFirst.GetAsync("/tickets");
        Assert.True(tickets.StatusCode == HttpStatusCode.OK, $"{first.Name} answered {(int)tickets.StatusCode} ({tickets.Headers.Location}) to the session {second.Name} started");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgeryField();

    /// <summary>Mail from each mailer to the desk; returns their Message-IDs.</summary>
    private static async Task<List<string>> SendMailsAsync(MailServer mail, IReadOnlyList<string> mailers, string deskAddress, int round)
    {
        var ids = new List<string>();
        foreach (var (mailer, i) in mailers.Select((m, i) => (m, i)))
        {
            var message = new MimeMessage { Subject = $"Printer {i} on floor {round} is jammed", MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.test"), Date = DateTimeOffset.UtcNow };
            message.From.Add(MailboxAddress.Parse(mailer));
            message.To.Add(MailboxAddress.Parse(deskAddress));
            message.Body = new TextPart("plain") { Text = $"The printer {i} on floor {round} shows a paper jam that will not clear." };
            await mail.SendAsync(message);
            ids.Add(message.MessageId);
        }

        return ids;
    }

    /// <summary>Waits until there are tickets for every person on each channel.</summary>
    private static Task WaitForTicketsAsync(ScaleOutDatabase database, int emailTickets, Func<string> logs) =>
        ScaleOutDatabase.WaitUntilAsync(
            async () =>
            {
                var counts = await TicketsByChannelAsync(database);
                return counts.GetValueOrDefault(Channel.Teams) >= People && counts.GetValueOrDefault(Channel.Sms) >= People && counts.GetValueOrDefault(Channel.Email) >= emailTickets;
            },
            Patience,
            async () => $"tickets by channel: {string.Join(", ", await TicketsByChannelAsync(database))}\n{logs()}");

    private static Task<Dictionary<Channel, int>> TicketsByChannelAsync(ScaleOutDatabase database) =>
        database.QueryAsync(db => db.Tickets.GroupBy(t => t.OriginChannel).ToDictionaryAsync(g => g.Key, g => g.Count()));

    /// <summary>An agent answers every ticket through the REST API, spread over the instances.</summary>
    private static async Task CommentOnEveryTicketAsync(ScaleOutDatabase database, LoadBalancer balancer, int round, ConcurrentBag<string> comments)
    {
        var tickets = await database.QueryAsync(db => db.Tickets.OrderBy(t => t.Id).Select(t => t.Id).ToListAsync());
        await Task.WhenAll(tickets.Select(async ticket =>
        {
            var body = $"Update {round} on SD-{ticket}: an engineer is looking at it.";
            var (response, _) = await balancer.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/tickets/SD-{ticket}/comments")
            {
                Content = JsonContent.Create(new { body, author = "Eva" }),
                Headers = { { "X-Api-Key", DeskProcess.ApiKey } },
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            comments.Add(body);
        }));
    }

    /// <summary>Waits until no outbox row is waiting or being sent.</summary>
    private static Task WaitForOutboxAsync(ScaleOutDatabase database, Func<string> logs) =>
        ScaleOutDatabase.WaitUntilAsync(
            () => database.QueryAsync(db => db.Outbox.AllAsync(o => o.State != OutboxState.Pending && o.State != OutboxState.Sending)),
            Patience,
            async () => $"outbox rows still due: {string.Join(", ", await database.QueryAsync(db => db.Outbox.Where(o => o.State == OutboxState.Pending || o.State == OutboxState.Sending).Select(o => o.Id + " " + o.State + " " + o.LastError).ToListAsync()))}\n{logs()}");

    /// <summary>The instance that holds the mailbox lease now.</summary>
    private static async Task<DeskProcess> MailboxHolderAsync(ScaleOutDatabase database, IReadOnlyList<DeskProcess> desks)
    {
        var owner = await database.QueryAsync(db => db.SourceCheckpoints.Select(c => c.LeaseOwner).SingleAsync());
        return desks.Single(d => d.ProcessId == OwnerProcessId(owner));
    }

    /// <summary>The lease names its owner as machine/process id/instance.</summary>
    private static int OwnerProcessId(string? owner) =>
        owner?.Split('/') is [_, var pid, _] ? int.Parse(pid, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"Unexpected lease owner '{owner}'.");

    /// <summary>How many times each delivery key arrived in the mailers' mailboxes (the desk's Message-IDs carry it).</summary>
    private static async Task<Dictionary<Guid, int>> MailDeliveriesAsync(MailServer mail, IEnumerable<string> mailers)
    {
        var counts = new Dictionary<Guid, int>();
        foreach (var mailer in mailers)
        {
            foreach (var message in await mail.ReadAsync(mailer))
            {
                var key = DeliveryKeyIn(message.MessageId);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        return counts;
    }

    /// <summary>The 32-hex-digit delivery key in a StatusCallback URL (<c>?key=…</c>) or one of the desk's Message-IDs (<c>….{key}@…</c>).</summary>
    private static Guid DeliveryKeyIn(string? text) =>
        text is not null && DeliveryKey().Match(text) is { Success: true } match ? Guid.ParseExact(match.Groups[1].Value, "N") : Guid.Empty;

    [GeneratedRegex("(?:key=|\\.)([0-9a-f]{32})(?:@|$|&)")]
    private static partial Regex DeliveryKey();

    /// <summary>Chat traffic from people on Teams and SMS, through the load balancer, and what was accepted (2xx).</summary>
    private sealed class Traffic(LoadBalancer balancer, BotFrameworkAuthority authority, ConnectorStub connector)
    {
        private readonly ConcurrentDictionary<string, int> _servedBy = new();
        private int _accepted;

        public ConcurrentBag<string> TeamsAccepted { get; } = [];

        public ConcurrentBag<string> SmsAccepted { get; } = [];

        public int Accepted => Volatile.Read(ref _accepted);

        public int ServedBy(DeskProcess desk) => _servedBy.GetValueOrDefault(desk.Name);

        /// <summary>Person <paramref name="person"/> writes these turns on Teams and, at the same time, by SMS; each turn waits for the desk's answer.</summary>
        public Task ChatAsync(int person, int[] turns) => Task.WhenAll(TeamsAsync(person, turns), SmsAsync(person, turns));

        private async Task TeamsAsync(int person, int[] turns)
        {
            var conversation = $"a:scale-out-{person}";
            foreach (var turn in turns)
            {
                var id = $"1{person}{turn}{Guid.NewGuid():N}"[..24];
                var text = turn == 0 ? $"My laptop number {person} does not start since this morning" : $"Still the same with laptop {person}, try {turn}";
                var activity = TestActivities.Message(connector.ServiceUrl, text, id, userAadId: $"00000000-0000-4000-8000-{person:D12}", userName: $"Teams user {person}", conversationId: conversation).ToJsonString();
                var (response, desk) = await balancer.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "/api/messages")
                {
                    Content = new StringContent(activity, Encoding.UTF8, "application/json"),
                    Headers = { Authorization = new AuthenticationHeaderValue("Bearer", authority.MintChannelToken(connector.ServiceUrl)) },
                });
                Assert.True(response.IsSuccessStatusCode, $"Teams turn answered {(int)response.StatusCode} by {desk.Name}");
                TeamsAccepted.Add(TeamsActivities.ExternalId(conversation, id));
                Served(desk);
            }
        }

        private async Task SmsAsync(int person, int[] turns)
        {
            var phone = $"+3460000{person:D4}";
            foreach (var turn in turns)
            {
                var sid = "SM" + Guid.NewGuid().ToString("N");
                var text = turn == 0 ? $"VPN on phone {person} fails with error 809" : $"Still failing on phone {person}, try {turn}";
                List<KeyValuePair<string, string>> fields =
                [
                    new("MessageSid", sid), new("SmsSid", sid), new("AccountSid", AccountSid), new("From", phone),
                    new("To", DeskNumber), new("Body", text), new("NumMedia", "0"), new("ApiVersion", "2010-04-01"),
                ];
                var signature = TwilioSignature.Compute(AuthToken, PublicBase + "/api/sms/twilio", fields);
                var (response, desk) = await balancer.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "/api/sms/twilio")
                {
                    Content = new FormUrlEncodedContent(fields),
                    Headers = { { TwilioSignature.HeaderName, signature } },
                });
                Assert.True(response.IsSuccessStatusCode, $"SMS webhook answered {(int)response.StatusCode} by {desk.Name}");
                SmsAccepted.Add(sid);
                Served(desk);
            }
        }

        private void Served(DeskProcess desk)
        {
            _servedBy.AddOrUpdate(desk.Name, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _accepted);
        }
    }

    /// <summary>Samples which instances hold an IMAP connection, and records any moment when more than one does.</summary>
    private sealed class MailboxReaders(IReadOnlyList<DeskProcess> desks, int imapPort)
    {
        public ConcurrentBag<string> Overlaps { get; } = [];

        /// <summary>Each sample in which a process held an IMAP connection, in time order.</summary>
        public ConcurrentQueue<(DateTimeOffset At, int ProcessId)> Reading { get; } = new();

        public async Task SampleAsync(CancellationToken cancellationToken)
        {
            var pids = desks.Select(d => d.ProcessId).ToList();
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                var reading = pids.Where(pid => SocketOwners.ConnectionsTo(pid, imapPort) > 0).ToList();
                foreach (var pid in reading)
                {
                    Reading.Enqueue((now, pid));
                }

                if (reading.Count > 1)
                {
                    Overlaps.Add($"{now:HH:mm:ss.fff}: processes {string.Join(", ", reading)}");
                }

                try
                {
                    await Task.Delay(100, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
