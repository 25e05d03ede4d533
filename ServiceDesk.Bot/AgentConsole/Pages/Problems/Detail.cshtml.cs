using Microsoft.AspNetCore.Mvc;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core.Problems;

namespace ServiceDesk.Bot.AgentConsole.Pages.Problems;

public sealed class ProblemModel(ConsoleQueries queries, ProblemService problems) : ConsolePage
{
    public Problem Problem { get; private set; } = null!;

    public IReadOnlyList<TicketSummary> Incidents { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        if (await queries.ProblemAsync(id, cancellationToken) is not { } problem)
        {
            return NotFound();
        }

        Problem = problem;
        Incidents = await queries.ProblemIncidentsAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, [FromForm] ProblemStatus? status, [FromForm] string? rootCause, [FromForm] string? workaround, CancellationToken cancellationToken)
    {
        var updated = await problems.UpdateAsync(id, new ProblemChanges(status, rootCause ?? "", workaround ?? ""), cancellationToken);
        if (updated is null)
        {
            return NotFound();
        }

        Flash = Texts["Problems_Saved"];
        return RedirectToPage(new { id });
    }
}
