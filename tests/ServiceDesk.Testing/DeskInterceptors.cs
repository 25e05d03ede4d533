using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Testing;

public static class DeskInterceptors
{
    /// <summary>
    /// Adds an EF interceptor to the desk's database context, whichever provider the test desk runs on (the tests run on
    /// SQLite and PostgreSQL; each has its own context type).
    /// </summary>
    public static IServiceCollection AddDeskInterceptor(this IServiceCollection services, IInterceptor interceptor)
    {
        services.ConfigureDbContext<SqliteServiceDeskDbContext>(o => o.AddInterceptors(interceptor));
        services.ConfigureDbContext<PostgreSqlServiceDeskDbContext>(o => o.AddInterceptors(interceptor));
        return services;
    }
}
