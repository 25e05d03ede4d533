using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Agents;

/// <summary>
/// Agent sign-in: ASP.NET Core Identity accounts with a cookie session for the console (lock-out after
/// repeated failures), optional Microsoft Entra ID, and one scheme for the REST API that takes an
/// <c>X-Api-Key</c> or an agent's session.
/// </summary>
public static class AgentSignIn
{
    /// <summary>The API's scheme: the API key when the header is present, else the agent's session cookie.</summary>
    public const string ApiKeyOrSessionScheme = "ApiKeyOrSession";

    public const string EntraScheme = "Entra";

    public const string DisplayNameClaim = "servicedesk:display_name";

    public static IServiceCollection AddAgentSignIn(this IServiceCollection services, IConfiguration configuration, string defaultSqliteFile)
    {
        services.AddOptions<AgentsOptions>().Bind(configuration.GetSection(AgentsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(AgentsOptions.SectionName).Get<AgentsOptions>() ?? new AgentsOptions();
        AddDatabase(services, configuration, defaultSqliteFile);
        services.AddSharedDataProtection();

        services.AddIdentity<AgentUser, IdentityRole>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = options.LockoutMaxFailedAttempts;
                o.Lockout.DefaultLockoutTimeSpan = options.LockoutFor;
                o.Password.RequiredLength = 10;
            })
            .AddEntityFrameworkStores<AgentIdentityDbContext>()
            .AddClaimsPrincipalFactory<AgentClaimsFactory>();
        services.AddScoped<EntraAccountLink>();

        // The validator takes the host's TimeProvider (Identity post-configures it from DI), so tests move time.
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<AgentsOptions>>((o, agents) => o.ValidationInterval = agents.Value.SessionCheckInterval);

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "servicedesk.agent";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/denied";
            o.ExpireTimeSpan = TimeSpan.FromHours(10);
            o.SlidingExpiration = true;

            // Machines (the hub's negotiate, API calls) get a status code, people a sign-in page.
            o.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        var authentication = services.AddAuthentication()
            .AddPolicyScheme(ApiKeyOrSessionScheme, "API key or agent session", o =>
            {
                o.ForwardDefaultSelector = context => context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme;
                o.ForwardChallenge = ApiKeyAuthenticationHandler.SchemeName;
            });
        if (options.Entra.Enabled)
        {
            authentication.AddOpenIdConnect(EntraScheme, "Microsoft Entra ID", o =>
            {
                o.Authority = $"{options.Entra.Instance.TrimEnd('/')}/{options.Entra.TenantId}/v2.0";
                o.ClientId = options.Entra.ClientId;
                o.ClientSecret = options.Entra.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SignInScheme = IdentityConstants.ExternalScheme;
                o.Scope.Add("email");
                o.CallbackPath = "/signin-oidc";
                o.MapInboundClaims = false;
            });
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(AgentPolicies.Console, p => p.RequireAuthenticatedUser().RequireRole(AgentRoles.All))
            .AddPolicy(AgentPolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(AgentRoles.Admin));
        return services;
    }

    /// <summary>The agent behind a signed-in principal, as the core's handoff service knows them.</summary>
    public static AgentRef ToAgent(this ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not a signed-in agent."),
        user.FindFirstValue(DisplayNameClaim) ?? user.Identity?.Name ?? "?");

    /// <summary>Applies the agents' migrations and creates the roles and, when no agent exists, the bootstrap admin.</summary>
    public static async Task InitializeAgentsAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;

        // One instance at a time, or two that start together both create the roles and the admin.
        await using var turn = await StartupLock.AcquireAsync(provider.GetRequiredService<AgentIdentityDbContext>(), cancellationToken);
        if (provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await provider.GetRequiredService<AgentIdentityDbContext>().Database.MigrateAsync(cancellationToken);
        }

        // The first instance creates the Data Protection key now, in its turn; the others load it in theirs, rather
        // than each making its own at the first sign-in and not knowing the other's until their key rings refresh.
        provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("ServiceDesk.Startup").Protect("key ring");

        var roles = provider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in AgentRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var bootstrap = provider.GetRequiredService<IOptions<AgentsOptions>>().Value.Bootstrap;
        var users = provider.GetRequiredService<UserManager<AgentUser>>();
        if (string.IsNullOrWhiteSpace(bootstrap.Email) || await users.Users.AnyAsync(cancellationToken))
        {
            return;
        }

        var admin = new AgentUser { UserName = bootstrap.Email.Trim(), Email = bootstrap.Email.Trim(), EmailConfirmed = true, DisplayName = "Admin" };
        var created = await users.CreateAsync(admin, bootstrap.Password!);
        if (!created.Succeeded)
        {
            throw new OptionsValidationException(AgentsOptions.SectionName, typeof(AgentsOptions), [.. created.Errors.Select(e => $"Agents:Bootstrap:Password: {e.Description}")]);
        }

        await users.AddToRolesAsync(admin, AgentRoles.All);
    }

    private static void AddDatabase(IServiceCollection services, IConfiguration configuration, string defaultSqliteFile)
    {
        var provider = DatabaseOptions.ReadProvider(configuration);
        var connectionString = configuration.GetConnectionString("ServiceDesk");
        const string history = AgentIdentityDbContext.MigrationsHistoryTable;
        switch (provider)
        {
            case DatabaseProvider.PostgreSql:
                services.AddDbContext<AgentIdentityDbContext, PostgreSqlAgentIdentityDbContext>(o => o.UseNpgsql(PostgresConnectionDefaults.Apply(connectionString!), n => n.MigrationsHistoryTable(history)));
                break;
            case DatabaseProvider.SqlServer:
                services.AddDbContext<AgentIdentityDbContext, SqlServerAgentIdentityDbContext>(o => o.UseSqlServer(connectionString, s => s.MigrationsHistoryTable(history)));
                break;
            default:
                var sqlite = string.IsNullOrWhiteSpace(connectionString) ? $"Data Source={defaultSqliteFile}" : connectionString;
                services.AddDbContext<AgentIdentityDbContext, SqliteAgentIdentityDbContext>(o => o.UseSqlite(sqlite, s => s.MigrationsHistoryTable(history)).QuietSqliteTableRebuilds());
                break;
        }
    }

    private static Task RedirectOrStatus(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || context.Request.Headers.XRequestedWith == "fetch")
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>Puts the agent's display name in their session, for the console and the audit trail.</summary>
public sealed class AgentClaimsFactory(UserManager<AgentUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AgentUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AgentUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(AgentSignIn.DisplayNameClaim, string.IsNullOrWhiteSpace(user.DisplayName) ? user.UserName ?? "?" : user.DisplayName));
        return identity;
    }
}
