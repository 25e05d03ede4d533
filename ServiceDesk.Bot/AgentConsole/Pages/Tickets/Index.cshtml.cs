using Microsoft.AspNetCore.Mvc;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.AgentConsole.Pages.Tickets;

public sealed class QueueModel(ConsoleQueries queries) : ConsolePage
{
    public QueueFilter Filter { get; private set; } = new();

    public PagedResult<TicketSummary> Result { get; private set; } = null!;

    public IReadOnlyList<string> Services { get; private set; } = [];

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public string NextPageUrl => QueryHelpers() + $"page={Result.Page + 1}";

    public async Task OnGetAsync(
        TicketStatus? status, Priority? priority, Channel? channel, string? service, string? group, string? assignee, SlaFilter? sla, int? page, CancellationToken cancellationToken)
    {
        // Unknown values in the query string bind to null: the filter is simply not applied.
        Filter = new QueueFilter(status, priority, channel, Blank(service), Blank(group), Blank(assignee), sla, Page: page ?? 1);
        Result = await queries.QueueAsync(Filter, cancellationToken);
        Services = await queries.ServiceCodesAsync(cancellationToken);
        Groups = await queries.GroupNamesAsync(cancellationToken);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private string QueryHelpers()
    {
        var parts = Request.Query.Where(q => q.Key != "page").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}&");
        return "/tickets?" + string.Concat(parts);
    }
}
