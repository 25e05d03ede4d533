using Microsoft.AspNetCore.Mvc;
using ServiceDesk.Core.Problems;

namespace ServiceDesk.Bot.AgentConsole.Pages.Problems;

public sealed class ProblemsModel(ConsoleQueries queries, ProblemService problems) : ConsolePage
{
    public IReadOnlyList<Problem> Problems { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Problems = await queries.ProblemsAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync([FromForm] string? title, [FromForm] string? description, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(title) || title.Length > 200 || description?.Length > 20_000)
        {
            FlashError = Texts["Problem_InvalidTitle"];
            return RedirectToPage();
        }

        var problem = await problems.CreateAsync(title, description ?? "", Agent.Actor, fromTicketId: null, cancellationToken);
        return RedirectToPage("Detail", new { id = problem.Id });
    }
}
