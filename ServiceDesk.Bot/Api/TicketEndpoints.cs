using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Api;

/// <summary>The tickets REST API (<c>/api/tickets</c>), as the public contract describes it.</summary>
public static class TicketEndpoints
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 200;
    public const string Policy = "TicketsApi";

    public static void MapTicketEndpoints(this IEndpointRouteBuilder app)
    {
        var tickets = app.MapGroup("/api/tickets").RequireAuthorization(Policy).WithTags("Tickets");
        tickets.MapGet("/", ListAsync).WithName("ListTickets");
        tickets.MapGet("/{number}", GetAsync).WithName("GetTicket");
        tickets.MapPost("/", CreateAsync).WithName("CreateTicket");
        tickets.MapPatch("/{number}", UpdateAsync).WithName("UpdateTicket");
        tickets.MapPost("/{number}/comments", CommentAsync).WithName("CommentOnTicket");

        app.MapGet("/api/services", ListServicesAsync).RequireAuthorization(Policy).WithTags("Catalogue").WithName("ListServices");
    }

    private static async Task<Results<Ok<PagedResult<TicketSummary>>, ValidationProblem>> ListAsync(
        ServiceDeskDbContext db,
        TicketNumber numbers,
        string? status,
        string? channel,
        string? requester,
        string? priority,
        string? service,
        string? group,
        string? assignee,
        int? page,
        int? pageSize,
        CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var statusFilter = validation.Enum<TicketStatus>(nameof(status), status);
        var channelFilter = validation.Enum<Channel>(nameof(channel), channel);
        var priorityFilter = validation.Enum<Core.Priorities.Priority>(nameof(priority), priority);
        validation.Page(page, pageSize);
        validation.MaxLength(nameof(requester), requester, 320);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var query = db.Tickets.AsNoTracking();
        if (statusFilter is { } s)
        {
            query = query.Where(t => t.Status == s);
        }

        if (channelFilter is { } c)
        {
            query = query.Where(t => t.OriginChannel == c);
        }

        if (priorityFilter is { } p)
        {
            query = query.Where(t => t.Priority == p);
        }

        if (!string.IsNullOrWhiteSpace(requester))
        {
            // An exact address (any channel) or part of the display name.
            var address = requester.Trim().ToLowerInvariant();
            query = query.Where(t => t.Requester.Identities.Any(i => i.Address == address) || t.Requester.DisplayName.Contains(requester.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(service))
        {
            query = query.Where(t => t.Service != null && t.Service.Code == service);
        }

        if (!string.IsNullOrWhiteSpace(group))
        {
            query = query.Where(t => t.AssignmentGroup != null && t.AssignmentGroup.Name == group);
        }

        if (!string.IsNullOrWhiteSpace(assignee))
        {
            query = query.Where(t => t.Assignee == assignee);
        }

        var size = pageSize ?? DefaultPageSize;
        var number = page ?? 1;
        var total = await query.CountAsync(cancellationToken);
        var rows = await query
            .OrderByDescending(t => t.Id)
            .Skip((number - 1) * size)
            .Take(size)
            .Select(TicketQueries.Summary(numbers))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<TicketSummary>(rows, number, size, total));
    }

    private static async Task<Results<Ok<TicketDetail>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> GetAsync(
        string number, ServiceDeskDbContext db, TicketNumber numbers, CancellationToken cancellationToken)
    {
        if (!numbers.TryGetId(number, out var id))
        {
            return NotFoundProblem(number);
        }

        var detail = await TicketQueries.DetailAsync(db, numbers, id, cancellationToken);
        return detail is null ? NotFoundProblem(number) : TypedResults.Ok(detail);
    }

    private static async Task<Results<Created<TicketDetail>, ValidationProblem>> CreateAsync(
        CreateTicketRequest request, TicketService service, ServiceDeskDbContext db, TicketNumber numbers, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        validation.Required("title", request.Title, 200);
        validation.Required("description", request.Description, 20_000);
        validation.MaxLength("service", request.Service, 64);
        validation.Defined("type", request.Type);
        validation.Defined("impact", request.Impact);
        validation.Defined("urgency", request.Urgency);
        if (request.Requester is null)
        {
            validation.Add("requester", "The requester field is required.");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(request.Requester.Email) && string.IsNullOrWhiteSpace(request.Requester.Phone))
            {
                validation.Add("requester", "Give the requester's email or phone so the desk can reach them.");
            }

            validation.MaxLength("requester.name", request.Requester.Name, 200);
            validation.Email("requester.email", request.Requester.Email);
            validation.Phone("requester.phone", request.Requester.Phone);
            validation.Language("requester.language", request.Requester.Language);
        }

        if (request.Service is { } code && !await db.Services.AnyAsync(s => s.Code == code, cancellationToken))
        {
            validation.Add("service", $"There is no service '{code}' in the catalogue.");
        }

        if (validation.IsValid && await service.RequesterAddressesConflictAsync(Requester(request.Requester!), cancellationToken))
        {
            validation.Add("requester.phone", "The phone number belongs to another contact than the e-mail address.");
        }

        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var requester = request.Requester!;
        var ticket = await service.CreateAsync(
            new NewTicket(
                request.Type ?? TicketType.Incident,
                request.Title!.Trim(),
                request.Description!,
                Requester(requester),
                request.Impact ?? Core.Priorities.Impact.Medium,
                request.Urgency ?? Core.Priorities.Urgency.Medium,
                request.Service),
            Actor(http),
            cancellationToken);
        var detail = await TicketQueries.DetailAsync(db, numbers, ticket.Id, cancellationToken);
        return TypedResults.Created($"/api/tickets/{numbers.Format(ticket.Id)}", detail);
    }

    private static async Task<Results<Ok<TicketDetail>, ValidationProblem, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> UpdateAsync(
        string number, UpdateTicketRequest request, TicketService service, ServiceDeskDbContext db, TicketNumber numbers, HttpContext http, CancellationToken cancellationToken)
    {
        if (!numbers.TryGetId(number, out var id))
        {
            return NotFoundProblem(number);
        }

        var validation = new RequestValidation();
        validation.MaxLength("assignee", request.Assignee, 200);
        validation.MaxLength("service", request.Service, 64);
        validation.MaxLength("group", request.Group, 200);
        validation.Defined("status", request.Status);
        validation.Defined("impact", request.Impact);
        validation.Defined("urgency", request.Urgency);
        validation.Defined("priority", request.Priority);
        if (request is { Status: null, Impact: null, Urgency: null, Priority: null, Service: null, Group: null, Assignee: null })
        {
            validation.Add("body", "Name at least one of status, impact, urgency, priority, service, group, assignee.");
        }

        // Checked here, like on creation, so an unknown name is a field error rather than a broken ticket rule.
        if (request.Service is { } code && !await db.Services.AnyAsync(s => s.Code == code, cancellationToken))
        {
            validation.Add("service", $"There is no service '{code}' in the catalogue.");
        }

        if (request.Group is { } groupName && !await db.AssignmentGroups.AnyAsync(g => g.Name == groupName, cancellationToken))
        {
            validation.Add("group", $"There is no assignment group '{groupName}'.");
        }

        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var changes = new TicketChanges(
            request.Status,
            request.Impact,
            request.Urgency,
            request.Priority,
            request.Service,
            request.Group,
            string.IsNullOrWhiteSpace(request.Assignee) ? null : request.Assignee,
            ClearAssignee: request.Assignee is { Length: 0 });
        var ticket = await service.UpdateAsync(id, changes, Actor(http), cancellationToken);
        if (ticket is null)
        {
            return NotFoundProblem(number);
        }

        return TypedResults.Ok((await TicketQueries.DetailAsync(db, numbers, id, cancellationToken))!);
    }

    private static async Task<Results<Created<MessageView>, ValidationProblem, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> CommentAsync(
        string number, CommentRequest request, TicketService service, TicketNumber numbers, HttpContext http, CancellationToken cancellationToken)
    {
        if (!numbers.TryGetId(number, out var id))
        {
            return NotFoundProblem(number);
        }

        var validation = new RequestValidation();
        validation.Required("body", request.Body, 20_000);
        validation.MaxLength("author", request.Author, 200);
        validation.Defined("visibility", request.Visibility);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var visibility = request.Visibility ?? MessageVisibility.Public;
        var actor = Actor(http);
        var author = string.IsNullOrWhiteSpace(request.Author) ? actor : request.Author.Trim();
        var message = await service.CommentAsync(id, request.Body!, visibility, author, actor, cancellationToken);
        if (message is null)
        {
            return NotFoundProblem(number);
        }

        return TypedResults.Created($"/api/tickets/{number}", TicketQueries.ToView(message));
    }

    private static async Task<Ok<List<ServiceView>>> ListServicesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        var services = await db.Services.AsNoTracking()
            .OrderBy(s => s.Code)
            .Select(s => new ServiceView(s.Code, s.NameEn, s.NameEs, s.AssignmentGroup.Name, s.AssignmentGroup.Tier.ToString(), s.Supplier != null ? s.Supplier.Name : null))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(services);
    }

    private static RequesterDetails Requester(RequesterInput input) => new(input.Name, input.Email, input.Phone, input.Language);

    private static string Actor(HttpContext http) => http.User.Identity?.Name ?? "api";

    private static NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails> NotFoundProblem(string number) =>
        TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Ticket not found",
            Detail = $"There is no ticket {number}.",
        });
}
