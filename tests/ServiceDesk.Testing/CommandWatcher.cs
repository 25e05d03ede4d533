using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDesk.Testing;

/// <summary>
/// A command interceptor that sees every command the desk's contexts run, just before it runs: as a reader (queries,
/// SaveChanges and the row writers) or as a non-query (ExecuteUpdate, ExecuteDelete). Interceptors see a command in the
/// order they were added with <see cref="AddTo"/>, before the desk is built; one that throws stops the command there.
/// </summary>
public abstract class CommandWatcher : DbCommandInterceptor
{
    public void AddTo(IServiceCollection services) => services.AddDeskInterceptor(this);

    public sealed override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await SeeAsync(command, cancellationToken);
        return result;
    }

    public sealed override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await SeeAsync(command, cancellationToken);
        return result;
    }

    /// <summary>Looks at the command before it runs; may run statements of its own on its connection, or throw to refuse it.</summary>
    protected abstract ValueTask SeeAsync(DbCommand command, CancellationToken cancellationToken);
}
