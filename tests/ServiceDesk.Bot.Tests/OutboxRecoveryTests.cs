using System.Net;
using System.Net.Http.Json;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

[Collection(HostCollection.Name)]
public class OutboxRecoveryTests
{
    [Fact]
    public async Task Undelivered_notifications_are_sent_after_a_restart()
    {
        string connection;

        // First run: no channel can send, so the acknowledgements stay in the outbox.
        await using (var first = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite, withChannels: false))
        {
            connection = first.ConnectionString;
            var client = first.CreateApiClient();
            for (var i = 0; i < 3; i++)
            {
                var response = await client.PostAsJsonAsync("/api/tickets", new { title = $"T{i}", description = "x", requester = new { email = $"u{i}@example.com" } });
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        }

        // Simulate the crash: rows claimed by a job that died, or never picked up, are all still due.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection(connection))
        {
            await db.OpenAsync();
            await using var reset = db.CreateCommand();
            reset.CommandText = "UPDATE Outbox SET State = 'Pending', Attempts = 0; UPDATE Messages SET DeliveryState = 'Queued' WHERE Direction = 'Outbound';";
            Assert.Equal(6, await reset.ExecuteNonQueryAsync());
        }

        // Second run, with in-memory job storage that remembers nothing: start-up re-enqueues the rows.
        await using var second = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite, connection);
        _ = second.CreateClient();
        await second.Email.WaitForAsync(3, TimeSpan.FromSeconds(30));
        Assert.Equal(["u0@example.com", "u1@example.com", "u2@example.com"], second.Email.Sent.Select(s => s.Recipient).Order());
    }
}
