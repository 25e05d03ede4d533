using Microsoft.AspNetCore.Mvc;

namespace ServiceDesk.Bot.AgentConsole.Pages;

public sealed class IndexModel(ConsoleQueries queries) : ConsolePage
{
    public Board Board { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Board = await queries.BoardAsync(cancellationToken);

    /// <summary>The board alone, for the live refresh.</summary>
    public async Task<IActionResult> OnGetBoardAsync(CancellationToken cancellationToken) =>
        Partial("_Board", await queries.BoardAsync(cancellationToken));
}
