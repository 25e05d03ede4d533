using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Channels.Email.Parsing;
using ServiceDesk.Channels.Email.Receiving;
using ServiceDesk.Channels.Email.Sending;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

internal sealed record EmailRun(
    string Scenario,
    string Provider,
    int Messages,
    double Seconds,
    double PerSecond,
    LatencySummary? Latency,
    double CpuMicrosecondsPerMessage,
    long PeakWorkingSetMb);

/// <summary>
/// The e-mail channel against the real mail system (Postfix + Dovecot on this machine):
/// <list type="bullet">
/// <item>backlog: mails waiting in the desk's IMAP folder → tickets (fetch, parse, intake, MOVE, checkpoint);</item>
/// <item>notifications: the acknowledgements those tickets queued → outbox dispatcher → SMTP → Postfix;</item>
/// <item>live: mails sent through Postfix while the reader sits in IDLE → tickets; latency from SMTP send to ticket.</item>
/// </list>
/// </summary>
internal static class EmailBenchmark
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<List<EmailRun>> RunAsync(DatabaseProvider provider, string? connectionString, MailServer server, int messages, bool live)
    {
        var runs = new List<EmailRun>();
        var deskAddress = await server.CreateMailboxAsync("desk", "desk.test");
        var requesters = Enumerable.Range(0, messages).Select(_ => server.CreateMailbox("req")).ToList();
        await server.CreateMailboxAsync("probe"); // Dovecot knows every mailbox above once it knows this one
        await AppendAsync(server, deskAddress, requesters.Select((r, i) => Mail(r, deskAddress, $"Backlog {i}")).ToList());

        await using var desk = await CreateDeskAsync(provider, connectionString, server, deskAddress);
        runs.Add(await MeasureAsync("backlog IMAP → tickets", provider, messages, async () =>
        {
            using var stop = new CancellationTokenSource();
            var reading = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);
            await WaitForTicketsAsync(desk, messages);
            await stop.CancelAsync();
            await reading;
            return null;
        }));

        // Every ticket queued an acknowledgement: deliver them all through Postfix, four jobs at a time as Hangfire would.
        var outbox = new ConcurrentQueue<long>(desk.Scheduler.Drain().Select(s => s.OutboxId));
        var sent = new LatencyRecorder(outbox.Count);
        var notifications = outbox.Count;
        runs.Add(await MeasureAsync("notifications outbox → SMTP", provider, notifications, async () =>
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (outbox.TryDequeue(out var id))
                {
                    await using var scope = desk.Services.CreateAsyncScope();
                    var dispatcher = scope.ServiceProvider.GetRequiredService<OutboxDispatcher>();
                    await sent.TimeAsync(async () =>
                    {
                        await dispatcher.DeliverAsync(id, CancellationToken.None);
                        return 0;
                    });
                }
            })));
            var delivered = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.CountAsync(o => o.State == OutboxState.Sent));
            if (delivered != notifications)
            {
                throw new InvalidOperationException($"{notifications - delivered} notifications were not sent.");
            }

            return sent.Summarise();
        }));

        // Spot check: the first requester really got the acknowledgement, threaded.
        var first = (await server.WaitForAsync(requesters[0], 1, TimeSpan.FromMinutes(2))).Single();
        if (first.Subject?.Contains("[SD-", StringComparison.Ordinal) != true || first.InReplyTo is null)
        {
            throw new InvalidOperationException($"Unexpected acknowledgement: {first.Subject} / {first.InReplyTo}");
        }

        if (live)
        {
            runs.Add(await LiveAsync(provider, desk, server, deskAddress, Math.Max(50, messages / 4)));
        }

        return runs;
    }

    /// <summary>Mail arriving through Postfix while the reader idles; latency is SMTP send → ticket row.</summary>
    private static async Task<EmailRun> LiveAsync(DatabaseProvider provider, TestDesk desk, MailServer server, string deskAddress, int messages)
    {
        var before = await CountTicketsAsync(desk);
        var sender = await server.CreateMailboxAsync("live");
        var sentAt = new ConcurrentDictionary<string, DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var status = desk.Services.GetRequiredService<MailboxStatus>();
        var reading = desk.Services.GetRequiredService<ImapIntake>().RunAsync(stop.Token);
        while (status.Current.State != MailboxState.Connected)
        {
            await Task.Delay(20);
        }

        var run = await MeasureAsync("live SMTP → IDLE → tickets", provider, messages, async () =>
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                using var smtp = new MailKit.Net.Smtp.SmtpClient();
                await smtp.ConnectAsync(MailServer.Host, server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
                for (var i = Interlocked.Increment(ref next); i < messages; i = Interlocked.Increment(ref next))
                {
                    var title = $"Live {i}";
                    sentAt[title] = DateTimeOffset.UtcNow;
                    await smtp.SendAsync(Mail(sender, deskAddress, title));
                }

                await smtp.DisconnectAsync(true);
            })));
            await WaitForTicketsAsync(desk, before + messages);
            var created = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.AsNoTracking()
                .Where(t => t.Title.StartsWith("Live ")).Select(t => new { t.Title, t.CreatedAt }).ToListAsync());
            var latency = new LatencyRecorder(created.Count);
            foreach (var ticket in created)
            {
                latency.Record((ticket.CreatedAt - sentAt[ticket.Title]).TotalMilliseconds);
            }

            return latency.Summarise();
        });
        await stop.CancelAsync();
        await reading;
        return run;
    }

    private static async Task<EmailRun> MeasureAsync(string scenario, DatabaseProvider provider, int messages, Func<Task<LatencySummary?>> work)
    {
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var latency = await work();
        clock.Stop();
        var cpuPerMessage = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / messages;
        var run = new EmailRun(
            scenario,
            provider.ToString(),
            messages,
            Math.Round(clock.Elapsed.TotalSeconds, 2),
            Math.Round(messages / clock.Elapsed.TotalSeconds, 0),
            latency,
            Math.Round(cpuPerMessage, 0),
            Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024));
        Console.WriteLine($"{scenario} ({provider}): {run.PerSecond} msg/s over {messages}" + (latency is null ? string.Empty : $", p50 {latency.P50Ms:F1} ms, p99 {latency.P99Ms:F1} ms"));
        return run;
    }

    private static async Task<TestDesk> CreateDeskAsync(DatabaseProvider provider, string? connectionString, MailServer server, string deskAddress)
    {
        var options = new EmailOptions
        {
            Address = deskAddress,
            MaxAcknowledgementsPerSenderPerHour = int.MaxValue / 2,
            Imap = new ImapOptions { Host = MailServer.Host, Port = server.ImapPort, UseSsl = false, Username = deskAddress, Password = MailServer.Password },
            Smtp = new SmtpOptions { Host = MailServer.Host, Port = server.SmtpPort, UseSsl = false, Username = deskAddress, Password = MailServer.Password },
        };
        var settings = connectionString is null ? null : new Dictionary<string, string?> { ["ConnectionStrings:ServiceDesk"] = connectionString };
        return await TestDesk.CreateAsync(
            provider,
            services =>
            {
                services.Replace(ServiceDescriptor.Singleton(TimeProvider.System));
                services.AddSingleton(Options.Create(options));
                services.AddSingleton(_ => new MessageIds("SD", options.Domain));
                services.AddSingleton(sp => new EmailParser(options.Address, sp.GetRequiredService<MessageIds>(), options.MaxAttachmentBytes));
                services.AddSingleton(sp => new EmailComposer(new MailboxAddress("Service Desk", options.Address), "Service Desk", sp.GetRequiredService<MessageIds>(), TimeProvider.System));
                services.AddSingleton<IChannelSender>(sp => ActivatorUtilities.CreateInstance<EmailSender>(sp, options));
                services.AddScoped<SentMail>();
                services.AddScoped<EmailIngestor>();
                services.AddSingleton<MailboxStatus>();
                services.AddSingleton(new ImapIntakeTimings());
                services.AddTransient<ImapIntake>();
            },
            settings);
    }

    /// <summary>A typical request: a few paragraphs, a signature and a quoted earlier mail to trim.</summary>
    private static MimeMessage Mail(string from, string to, string subject)
    {
        var message = new MimeMessage { Subject = subject, MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.test"), Date = DateTimeOffset.UtcNow };
        message.From.Add(new MailboxAddress("Bench User", from));
        message.To.Add(MailboxAddress.Parse(to));
        var body = new BodyBuilder
        {
            TextBody = "Hola,\n\nDesde esta mañana no puedo acceder a la aplicación de nóminas: me da un error 500 al entrar.\n"
                + "He probado desde otro navegador y desde el portátil de un compañero, con el mismo resultado.\n\n"
                + "Saludos,\nBench User\nRecursos Humanos - Ext. 1234\n\n"
                + "De: Mesa de Servicio <desk@desk.test>\nEnviado: lunes, 23 de noviembre de 2026 9:40\nPara: Bench User\nAsunto: Aviso de mantenimiento\n\n"
                + string.Concat(Enumerable.Repeat("El sábado habrá una parada programada de los sistemas de nóminas. ", 10)),
        };
        message.Body = body.ToMessageBody();
        return message;
    }

    private static async Task AppendAsync(MailServer server, string mailbox, IReadOnlyList<MimeMessage> mails)
    {
        var parts = mails.Chunk(Math.Max(1, mails.Count / 4) + 1);
        await Task.WhenAll(parts.Select(part => server.AppendAsync(mailbox, part)));
    }

    private static Task<int> CountTicketsAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.CountAsync());

    private static async Task WaitForTicketsAsync(TestDesk desk, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await CountTicketsAsync(desk) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Fewer than {count} tickets after {Patience}.");
            }

            await Task.Delay(20);
        }
    }
}
