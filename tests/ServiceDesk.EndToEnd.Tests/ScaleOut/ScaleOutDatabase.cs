using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.EndToEnd.Tests.ScaleOut;

/// <summary>The database the instances share, read by the test to see what they stored.</summary>
public sealed class ScaleOutDatabase(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public async Task<T> QueryAsync<T>(Func<ServiceDeskDbContext, Task<T>> query)
    {
        var options = new DbContextOptionsBuilder<PostgreSqlServiceDeskDbContext>().UseNpgsql(ConnectionString).Options;
        await using var db = new PostgreSqlServiceDeskDbContext(options);
        return await query(db);
    }

    /// <summary>Polls until the condition holds; fails after the timeout with what <paramref name="explain"/> says.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> explain)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {timeout}: {await explain()}");
            }

            await Task.Delay(250);
        }
    }
}
