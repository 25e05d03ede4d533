using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using ServiceDesk.Bot.AgentConsole;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Bot.Api;
using ServiceDesk.Bot.Attachments;
using ServiceDesk.Bot.Dialog;
using ServiceDesk.Bot.Email;
using ServiceDesk.Bot.Hosting;
using ServiceDesk.Bot.Jobs;
using ServiceDesk.Bot.Knowledge;
using ServiceDesk.Bot.Teams;
using ServiceDesk.Bot.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

var builder = WebApplication.CreateBuilder(args);
var dataFolder = DataFolder.Resolve(builder.Environment);
var databaseFile = Path.Combine(dataFolder, "servicedesk.db");

builder.Services.AddServiceDeskCore(builder.Configuration, databaseFile);
builder.Services.AddServiceDeskJobs(builder.Configuration);
builder.Services.AddChatBot(builder.Configuration);
builder.Services.AddTeams(builder.Configuration);
builder.Services.AddSmsChannel(builder.Configuration);
builder.Services.AddEmailChannel(builder.Configuration);

builder.Services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddAuthentication()
    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(TicketEndpoints.Policy, policy => policy.AddAuthenticationSchemes(AgentSignIn.ApiKeyOrSessionScheme).RequireAuthenticatedUser());
builder.Services.AddAgentConsole(builder.Configuration, databaseFile);

builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
// Enums by name only: a number would bind to any value, defined or not ({"impact": 9}).
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false)));
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

var app = builder.Build();

await DatabaseInitializer.InitializeAsync(app.Services, app.Lifetime.ApplicationStopping);
await app.Services.InitializeAgentsAsync(app.Lifetime.ApplicationStopping);
ChannelReport.Log(app.Configuration, app.Logger);
HangfireSetup.ScheduleRecurringJobs(app.Services);
await using (var scope = app.Services.CreateAsyncScope())
{
    // In-memory job storage forgets on restart; the outbox does not.
    await scope.ServiceProvider.GetRequiredService<OutboxRecovery>().RequeueAsync(app.Lifetime.ApplicationStopping);
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi();
app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
app.MapTicketEndpoints();
app.MapGroupEndpoints();
app.MapKnowledgeEndpoints();
app.MapAgentConsole();
app.MapTeams();
app.MapSmsChannel();
app.MapAttachmentEndpoints();

app.Run();

/// <summary>The host's entry point, visible to the integration tests.</summary>
public partial class Program;
