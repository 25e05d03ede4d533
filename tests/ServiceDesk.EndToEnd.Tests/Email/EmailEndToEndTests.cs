using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MimeKit;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Email.Receiving;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.EndToEnd.Tests.Email;

/// <summary>
/// The desk as people use it by e-mail: real Postfix and Dovecot, the real host with Hangfire, on SQLite and PostgreSQL.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class EmailEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_conversation_by_mail_from_the_first_message_to_an_out_of_office(DatabaseProvider provider)
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var ana = await server.CreateMailboxAsync("ana");
        await using var factory = await EmailDeskFactory.CreateAsync(provider, server, deskAddress);
        var api = factory.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/readyz")).StatusCode);

        // 1. Ana writes to the desk: a ticket, and an acknowledgement in her mailbox, in her thread.
        var first = Mail(ana, deskAddress, "No puedo imprimir", "Hola, la impresora de la planta 2 no imprime nada. ¿Podéis mirarlo?\n\nSaludos,\nAna\nFinanzas");
        await server.SendAsync(first);
        var number = await WaitForTicketAsync(factory, api, ana);
        var ack = (await server.WaitForAsync(ana, 1, Patience)).Single();
        Assert.Equal(first.MessageId, ack.InReplyTo);
        Assert.Equal($"Re: [{number}] No puedo imprimir", ack.Subject);
        Assert.Equal("auto-generated", ack.Headers[HeaderId.AutoSubmitted]);
        Assert.Contains(number, ack.TextBody);
        Assert.StartsWith("Hola Ana", ack.TextBody); // Spanish, guessed from her text
        var detail = await TicketAsync(api, number);
        Assert.Equal("Email", (string)detail["ticket"]!["channel"]!);
        Assert.Equal("Hola, la impresora de la planta 2 no imprime nada. ¿Podéis mirarlo?", (string)detail["description"]!);

        // 2. She answers the acknowledgement: the same ticket, her quote of our mail trimmed.
        var reply = Mail(ana, deskAddress, "RE: " + ack.Subject, $"Sigue sin imprimir.\n\nEl lun, 23 nov 2026 a las 10:00, Mesa de Servicio <{deskAddress}> escribió:\n> {ack.TextBody!.Split('\n')[0]}", inReplyTo: ack.MessageId, references: [first.MessageId!, ack.MessageId!]);
        await server.SendAsync(reply);
        await WaitForAsync(api, number, d => Inbound(d).Count == 2);
        Assert.Equal("Sigue sin imprimir.", (string)Inbound(await TicketAsync(api, number))[1]["body"]!);

        // 3. An agent answers through the API: a mail in her thread, not marked automatic.
        var comment = await api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Hemos reiniciado la cola de impresión. ¿Puedes probar?", author = "Eva" });
        Assert.Equal(HttpStatusCode.Created, comment.StatusCode);
        var agentMail = (await server.WaitForAsync(ana, 2, Patience))[1];
        Assert.Equal(reply.MessageId, agentMail.InReplyTo);
        Assert.Contains(first.MessageId, agentMail.References);
        Assert.Contains(ack.MessageId, agentMail.References);
        Assert.Contains($"[{number}]", agentMail.Subject);
        Assert.Null(agentMail.Headers[HeaderId.AutoSubmitted]);
        Assert.Contains("Hemos reiniciado la cola de impresión.", agentMail.TextBody);

        // 4. The desk waits for her; her out-of-office answers that notice: recorded, nothing sent back, no loop,
        //    and the ticket keeps waiting (a real answer from her would reopen it).
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending" })).StatusCode);
        var pendingMail = (await server.WaitForAsync(ana, 3, Patience))[2];
        var outOfOffice = Mail(ana, deskAddress, "Respuesta automática: " + pendingMail.Subject, "Estoy fuera de la oficina hasta el lunes.", inReplyTo: pendingMail.MessageId, references: [pendingMail.MessageId!]);
        outOfOffice.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        await server.SendAsync(outOfOffice);
        var recorded = await WaitForAsync(api, number, d => d["messages"]!.AsArray().Any(m => (string)m!["kind"]! == "AutoReply"));
        Assert.Equal("Pending", (string)recorded["ticket"]!["status"]!);
        Assert.Equal(3, recorded["messages"]!.AsArray().Count(m => (string)m!["direction"]! == "Outbound"));
        Assert.Contains(recorded["events"]!.AsArray(), e => (string)e!["kind"]! == "AutoReplyReceived");

        // Nothing was queued with the out-of-office (the outbox row would be in the same transaction), so nothing can follow.
        Assert.Equal(3, (await server.ReadAsync(ana)).Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_bounce_is_recorded_marks_the_address_dead_and_is_never_answered(DatabaseProvider provider)
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var ghost = MailServer.BouncingAddress("ghost");
        await using var factory = await EmailDeskFactory.CreateAsync(provider, server, deskAddress);
        var api = factory.CreateApiClient();

        // Somebody writes from an address that cannot receive mail; the acknowledgement bounces back to the desk (a real Postfix DSN).
        await server.SendAsync(Mail(ghost, deskAddress, "Printer on floor 3", "The printer on floor 3 is jammed again."));
        var number = await WaitForTicketAsync(factory, api, ghost);
        var bounced = await WaitForAsync(api, number, d => d["messages"]!.AsArray().Any(m => (string)m!["kind"]! == "Bounce"));

        var events = bounced["events"]!.AsArray().Select(e => (string)e!["kind"]!).ToList();
        Assert.Contains("BounceReceived", events);
        Assert.Contains("ContactUnreachable", events);
        Assert.Single(bounced["messages"]!.AsArray(), m => (string)m!["direction"]! == "Outbound");

        // Mail to the address has stopped: a public reply has no channel left.
        var comment = await api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Can you check?", author = "Eva" });
        Assert.Equal(HttpStatusCode.Conflict, comment.StatusCode);
        Assert.Contains("requester_unreachable", await comment.Content.ReadAsStringAsync());

        // The bounce itself went to the processed folder like any mail, and got no answer.
        await Poll.UntilAsync(async () => await server.CountAsync(deskAddress) == 0, Patience, () => "inbox not emptied");
        Assert.Equal(2, (await server.ReadAsync(deskAddress, "Processed")).Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_monitoring_system_gets_an_agents_reply_but_no_automatic_notice_until_a_person_writes(DatabaseProvider provider)
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var monitor = await server.CreateMailboxAsync("monitor");
        await using var factory = await EmailDeskFactory.CreateAsync(provider, server, deskAddress);
        var api = factory.CreateApiClient();

        // 1. The monitoring system reports a problem: a ticket that remembers its requester is a program.
        var alert = Mail(monitor, deskAddress, "CRITICAL: disk /var on srv2 is 97% full", "Host: srv2\nService: disk /var\nState: CRITICAL");
        alert.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        await server.SendAsync(alert);
        var number = await WaitForTicketAsync(factory, api, monitor);

        // 2. Agents work it to resolved: no status notice, no resolution notice with its satisfaction question.
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Resolved" })).StatusCode);
        var quiet = await TicketAsync(api, number);
        Assert.DoesNotContain(quiet["messages"]!.AsArray(), m => (string)m!["direction"]! == "Outbound");
        Assert.Single(quiet["events"]!.AsArray(), e => (string)e!["kind"]! == "AutomaticNoticesSuppressed");

        // 3. An agent writes to it on purpose: that mail goes out, as a person's mail, and it is the only one.
        var comment = await api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Cleaned up /var/log on srv2; please confirm.", author = "Eva" });
        Assert.Equal(HttpStatusCode.Created, comment.StatusCode);
        var agentMail = Assert.Single(await server.WaitForAsync(monitor, 1, Patience));
        Assert.Contains("Cleaned up /var/log on srv2", agentMail.TextBody);
        Assert.Null(agentMail.Headers[HeaderId.AutoSubmitted]);

        // 4. A person reading that mailbox answers: the ticket reopens, and from now on the desk's notices reach them.
        var answer = Mail(monitor, deskAddress, "Re: " + agentMail.Subject, "Still 95% full after the clean-up.", inReplyTo: agentMail.MessageId, references: [agentMail.MessageId!]);
        await server.SendAsync(answer);
        var reopened = (await server.WaitForAsync(monitor, 2, Patience))[1];
        Assert.Equal("auto-generated", reopened.Headers[HeaderId.AutoSubmitted]);
        Assert.Contains(number, reopened.TextBody);
        var resumed = await TicketAsync(api, number);
        Assert.Equal("Open", (string)resumed["ticket"]!["status"]!);
        Assert.Single(resumed["events"]!.AsArray(), e => (string)e!["kind"]! == "AutomaticNoticesResumed");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_desk_restarted_in_the_middle_of_a_batch_loses_and_duplicates_no_ticket(DatabaseProvider provider)
    {
        const int total = 30;
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var mails = Enumerable.Range(0, total).Select(i => Mail(server.CreateMailbox("batch"), deskAddress, $"Request {i}", $"Something broke, case {i}.")).ToList();
        await server.CreateMailboxAsync("probe"); // Dovecot knows every mailbox above once it knows this one
        await server.AppendAsync(deskAddress, mails);

        string connectionString;
        await using (var first = await EmailDeskFactory.CreateAsync(provider, server, deskAddress))
        {
            connectionString = first.ConnectionString;
            var api = first.CreateApiClient();
            await Poll.UntilAsync(async () => await CountTicketsAsync(api) >= 8, Patience, () => "the first desk took nothing in");
        }

        await using (var second = await EmailDeskFactory.CreateAsync(provider, server, deskAddress, connectionString))
        {
            var api = second.CreateApiClient();
            await Poll.UntilAsync(async () => await server.CountAsync(deskAddress) == 0, Patience, () => "the inbox was not emptied");
            await Poll.UntilAsync(async () => await CountTicketsAsync(api) >= total, Patience, () => "tickets missing");
            var list = await api.GetFromJsonAsync<JsonObject>("/api/tickets?pageSize=100");
            var titles = list!["items"]!.AsArray().Select(t => (string)t!["title"]!).ToList();
            Assert.Equal(total, titles.Count);
            Assert.Equal(Enumerable.Range(0, total).Select(i => $"Request {i}").Order(), titles.Order());
        }
    }

    [Fact]
    public async Task Refused_mailbox_credentials_make_the_desk_not_ready()
    {
        var server = await MailServer.GetAsync();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        await using var factory = (await EmailDeskFactory.CreateAsync(DatabaseProvider.Sqlite, server, deskAddress)).With("Channels:Email:Imap:Password", "wrong");
        var client = factory.CreateClient();

        await Poll.UntilAsync(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, Patience, () => "still ready");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Invalid_email_settings_stop_the_start_up_naming_the_key()
    {
        var server = await MailServer.GetAsync();
        await using var factory = (await EmailDeskFactory.CreateAsync(DatabaseProvider.Sqlite, server, "not-an-address")).With("Channels:Email:Smtp:Host", "");

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Channels:Email:Address", error.ToString());
        Assert.Contains("Channels:Email:Smtp:Host", error.ToString());
    }

    private static MimeMessage Mail(string from, string to, string subject, string body, string? inReplyTo = null, IEnumerable<string>? references = null)
    {
        var message = new MimeMessage { Subject = subject, MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.test"), Date = DateTimeOffset.UtcNow };
        message.From.Add(new MailboxAddress(from.StartsWith("ana", StringComparison.Ordinal) ? "Ana Pérez" : null, from));
        message.To.Add(MailboxAddress.Parse(to));
        message.InReplyTo = inReplyTo;
        foreach (var reference in references ?? [])
        {
            message.References.Add(reference);
        }

        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static async Task<string> WaitForTicketAsync(EmailDeskFactory factory, HttpClient api, string requester)
    {
        string? number = null;
        await Poll.UntilAsync(
            async () =>
            {
                var list = await api.GetFromJsonAsync<JsonObject>($"/api/tickets?requester={Uri.EscapeDataString(requester)}");
                number = list!["items"]!.AsArray().Select(t => (string?)t!["number"]).FirstOrDefault();
                return number is not null;
            },
            Patience,
            () => $"no ticket for {requester}; mailbox reader: {factory.Services.GetRequiredService<MailboxStatus>().Current}. Postfix:\n{MailServer.GetAsync().Result.Tail("postfix.log")}\nDovecot:\n{MailServer.GetAsync().Result.Tail("dovecot.log")}");
        return number!;
    }

    private static async Task<JsonObject> TicketAsync(HttpClient api, string number) =>
        (await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!;

    private static async Task<JsonObject> WaitForAsync(HttpClient api, string number, Func<JsonObject, bool> condition)
    {
        JsonObject? detail = null;
        await Poll.UntilAsync(async () => condition(detail = await TicketAsync(api, number)), Patience, () => $"{number}: {detail}");
        return detail!;
    }

    private static List<JsonNode> Inbound(JsonObject detail) =>
        detail["messages"]!.AsArray().Where(m => (string)m!["direction"]! == "Inbound").Select(m => m!).ToList();

    private static async Task<int> CountTicketsAsync(HttpClient api) =>
        (int)(await api.GetFromJsonAsync<JsonObject>("/api/tickets?pageSize=1"))!["total"]!;
}
