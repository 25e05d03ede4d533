using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ServiceDesk.Core.Persistence;

/// <summary>Warning settings for SQLite contexts (the desk's and the agent accounts').</summary>
public static class SqliteMigrationWarnings
{
    /// <summary>
    /// Logs EF's "non-transactional migration operation" at Debug instead of Warning. SQLite cannot alter most
    /// columns or constraints, so EF rebuilds the table, and around the rebuild it switches foreign keys off and on
    /// with <c>PRAGMA foreign_keys</c>, which SQLite ignores inside a transaction; EF runs those two statements
    /// outside it and warns about each, on every fresh database, although the rebuild itself is transactional and
    /// EF checks the keys afterwards. Left at Warning it buries real warnings in start-up and test logs; at Debug it
    /// is still there for whoever investigates a failed upgrade.
    /// </summary>
    public static DbContextOptionsBuilder QuietSqliteTableRebuilds(this DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log((RelationalEventId.NonTransactionalMigrationOperationWarning, LogLevel.Debug)));
}
