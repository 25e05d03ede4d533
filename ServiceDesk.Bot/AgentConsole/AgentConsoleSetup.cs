using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Antiforgery;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>The agent console at <c>/</c>: Razor Pages, the live hub, the job dashboard and the handoff job.</summary>
public static class AgentConsoleSetup
{
    public static IServiceCollection AddAgentConsole(this IServiceCollection services, IConfiguration configuration, string defaultSqliteFile)
    {
        services.AddAgentSignIn(configuration, defaultSqliteFile);
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/AgentConsole/Pages";
            o.Conventions.AuthorizeFolder("/", AgentPolicies.Console);
            o.Conventions.AuthorizeFolder("/Agents", AgentPolicies.Admin);
            o.Conventions.AllowAnonymousToFolder("/Account");
        });
        services.AddConsoleLocalization();
        services.AddAntiforgery(o => o.HeaderName = "RequestVerificationToken");
        services.AddSignalR();
        services.AddSingleton<IDeskEvents, ConsoleEvents>();
        services.AddSingleton<ServiceDesk.Core.Sla.ISlaAlerts, ConsoleSlaAlerts>();
        services.AddScoped<ServiceDesk.Core.Sla.IAgentDirectory, AgentDirectory>();
        services.AddSingleton<TypingThrottle>();
        services.AddSingleton<ConsoleConnections>();
        services.AddSingleton<ConsoleClock>();
        services.AddScoped<ConsoleQueries>();
        services.AddScoped<KpiQueries>();
        return services;
    }

    public static WebApplication MapAgentConsole(this WebApplication app)
    {
        app.UseStaticFiles();
        app.UseMiddleware<SessionApiAntiforgery>();
        app.UseConsoleLocalization();
        app.MapRazorPages();
        app.MapHub<ConsoleHub>(ConsoleHub.Path).RequireAuthorization(AgentPolicies.Console);

        // The job dashboard shows payloads and can re-run jobs: admins only, and never for anonymous callers.
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [new AdminDashboardFilter()], AppPath = "/" })
            .RequireAuthorization(AgentPolicies.Admin);

        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<IdleHandBackJob>("conversation-idle-hand-back", j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        return app;
    }
}

/// <summary>Lets only signed-in admins into the Hangfire dashboard (defence in depth behind the endpoint's policy).</summary>
public sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) =>
        context.GetHttpContext().User is { Identity.IsAuthenticated: true } user && user.IsInRole(AgentRoles.Admin);
}

/// <summary>Returns conversations whose agent went quiet to the queue (<c>Agents:IdleHandBackAfter</c>).</summary>
public sealed class IdleHandBackJob(HandoffService handoff, Microsoft.Extensions.Options.IOptions<AgentsOptions> options)
{
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RunAsync(CancellationToken cancellationToken) => handoff.ReturnIdleToQueueAsync(options.Value.IdleHandBackAfter, cancellationToken);
}

/// <summary>
/// The REST API accepts an agent's session cookie as well as an API key. A cookie is sent by the browser
/// on its own, so a write made with it must carry the console's anti-forgery token (header
/// <c>RequestVerificationToken</c>); API-key callers are not affected.
/// </summary>
public sealed class SessionApiAntiforgery(RequestDelegate next, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/api")
            && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && !request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
            && context.User.Identity?.IsAuthenticated == true
            && !await antiforgery.IsRequestValidAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await Results.Problem(statusCode: 400, title: "Anti-forgery token missing or invalid", detail: "Send the console's RequestVerificationToken header with session-authenticated API writes.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
