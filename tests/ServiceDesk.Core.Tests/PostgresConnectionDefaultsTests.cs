using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

public class PostgresConnectionDefaultsTests
{
    [Fact]
    public void A_connection_string_without_preparation_settings_gets_the_desks()
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply("Host=db;Database=desk;Username=desk"));

        Assert.Equal(PostgresConnectionDefaults.MaxAutoPrepare, applied.MaxAutoPrepare);
        Assert.Equal(PostgresConnectionDefaults.AutoPrepareMinUsages, applied.AutoPrepareMinUsages);
        Assert.Equal("db", applied.Host);
        Assert.Equal("desk", applied.Database);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;Auto Prepare Min Usages=7")]
    [InlineData("Host=db;maxautoprepare=0;AUTOPREPAREMINUSAGES=7")]
    public void The_operators_own_values_win(string connectionString)
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply(connectionString));

        Assert.Equal(0, applied.MaxAutoPrepare);
        Assert.Equal(7, applied.AutoPrepareMinUsages);
    }

    [Fact]
    public void The_desks_contexts_return_connections_to_the_pool_without_a_session_reset()
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.ApplyForDeskContexts("Host=db;Database=desk"));

        Assert.True(applied.NoResetOnClose);
        Assert.Equal(PostgresConnectionDefaults.MaxAutoPrepare, applied.MaxAutoPrepare);
        Assert.False(new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply("Host=db;Database=desk")).NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false")]
    [InlineData("Host=db;noresetonclose=False")]
    public void The_operators_own_reset_setting_wins(string connectionString)
    {
        Assert.False(new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.ApplyForDeskContexts(connectionString)).NoResetOnClose);
    }

    [Fact]
    public async Task A_connection_string_with_multiplexing_starts_the_desk_and_takes_messages()
    {
        // Npgsql pipelines the commands of many callers on one connection; the desk's units of work are transactions,
        // which bind a connection of their own, and its start-up lock is an unpooled session.
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync() + ";Multiplexing=true";
        await using var desk = await TestDesk.CreateAsync(
            DatabaseProvider.PostgreSql, settings: new Dictionary<string, string?> { ["ConnectionStrings:ServiceDesk"] = connectionString });

        var first = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "La VPN no conecta"));
        var again = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "La VPN no conecta"));

        Assert.Equal(Intake.IntakeOutcome.CreatedTicket, first.Outcome);
        Assert.Equal((Intake.IntakeOutcome.Duplicate, first.MessageId), (again.Outcome, again.MessageId));
    }

    [Fact]
    public async Task The_desks_repeated_statements_are_prepared_on_the_server()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);
        await using var scope = desk.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();

        // One physical connection for the whole check: prepared statements live on a server session.
        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < PostgresConnectionDefaults.AutoPrepareMinUsages + 1; i++)
        {
            await db.Tickets.CountAsync(t => t.Id < 0);
        }

        var prepared = await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM pg_prepared_statements").SingleAsync();
        Assert.True(prepared > 0, "The desk's connection string did not turn on Npgsql's automatic preparation.");
    }
}
