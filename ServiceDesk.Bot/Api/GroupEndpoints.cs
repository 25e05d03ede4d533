using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Api;

/// <summary>
/// The assignment groups (<c>/api/groups</c>): who works which tickets, and the shared mailbox that is told of SLA
/// warnings and breaches on them. Groups come from the catalogue seed; only their mailbox is set here.
/// </summary>
public static partial class GroupEndpoints
{
    public static void MapGroupEndpoints(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/api/groups").RequireAuthorization(TicketEndpoints.Policy).WithTags("Catalogue");
        groups.MapGet("/", ListAsync).WithName("ListGroups");
        groups.MapPatch("/{name}", UpdateAsync).WithName("UpdateGroup");
    }

    private static async Task<Ok<List<GroupView>>> ListAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        var groups = await db.AssignmentGroups.AsNoTracking()
            .OrderBy(g => g.Name)
            .Select(g => new GroupView(g.Name, g.Tier.ToString(), g.Email))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(groups);
    }

    private static async Task<Results<Ok<GroupView>, ValidationProblem, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> UpdateAsync(
        string name, UpdateGroupRequest request, ServiceDeskDbContext db, HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        if (request.Email is null)
        {
            validation.Add("email", "Give the group's mailbox, or an empty string to remove it.");
        }
        else if (request.Email.Length > 0)
        {
            validation.MaxLength("email", request.Email, 320);
            validation.Email("email", request.Email);
        }

        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var group = await db.AssignmentGroups.FirstOrDefaultAsync(g => g.Name == name, cancellationToken);
        if (group is null)
        {
            return TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Group not found",
                Detail = $"There is no assignment group '{name}'.",
            });
        }

        group.Email = request.Email!.Length == 0 ? null : request.Email.Trim().ToLowerInvariant();
        await db.SaveChangesAsync(cancellationToken);
        LogMailboxSet(loggers.CreateLogger(typeof(GroupEndpoints)), group.Name, group.Email ?? "-", http.User.Identity?.Name ?? "api");
        return TypedResults.Ok(new GroupView(group.Name, group.Tier.ToString(), group.Email));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The mailbox of group {Group} is now {Email} (set by {Actor})")]
    private static partial void LogMailboxSet(ILogger logger, string group, string email, string actor);
}
