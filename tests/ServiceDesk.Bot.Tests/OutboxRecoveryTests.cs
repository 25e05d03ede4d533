using System.Net;
using System.Net.Http.Json;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

[Collection(HostCollection.Name)]
public class OutboxRecoveryTests
{
    [Fact]
    public async Task Undelivered_notifications_are_sent_after_a_restart()
    {
        string connection;

        // First run: the mail server refuses for now, so the acknowledgements stay in the outbox, due later.
        await using (var first = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite))
        {
            connection = first.ConnectionString;
            first.Email.Script([.. Enumerable.Repeat(DeliveryResult.Transient("421 try again later", TimeSpan.FromHours(1)), 3)]);
            var client = first.CreateApiClient();
            for (var i = 0; i < 3; i++)
            {
                var response = await client.PostAsJsonAsync("/api/tickets", new { title = $"T{i}", description = "x", requester = new { email = $"u{i}@example.com" } });
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            // Every refusal recorded before the host stops.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await CountAsync(first, "SELECT COUNT(*) FROM Outbox WHERE State = 'Pending' AND LastError IS NOT NULL") < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "The refused sends were not recorded in time.");
                await Task.Delay(50);
            }
        }

        // Simulate the crash: rows claimed by a job that died, or never picked up, are all due now.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection(connection))
        {
            await db.OpenAsync();
            await using var reset = db.CreateCommand();
            reset.CommandText = "UPDATE Outbox SET State = 'Pending', Attempts = 0, NextAttemptAt = CreatedAt; UPDATE Messages SET DeliveryState = 'Queued' WHERE Direction = 'Outbound';";
            Assert.Equal(6, await reset.ExecuteNonQueryAsync());
        }

        // Second run, with in-memory job storage that remembers nothing: start-up re-enqueues the rows.
        await using var second = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite, connection);
        _ = second.CreateClient();
        await second.Email.WaitForAsync(3, TimeSpan.FromSeconds(30));
        Assert.Equal(["u0@example.com", "u1@example.com", "u2@example.com"], second.Email.Sent.Select(s => s.Recipient).Order());
    }

    private static async Task<long> CountAsync(DeskFactory desk, string sql)
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection(desk.ConnectionString);
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
