using Microsoft.AspNetCore.Mvc;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Bot.AgentConsole.Pages.Conversations;

public sealed class ConversationModel(ConsoleQueries queries, HandoffService handoff) : ConsolePage
{
    public ConversationView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        View = (await queries.ConversationAsync(id, cancellationToken))!;
        return View is null ? NotFound() : Page();
    }

    /// <summary>Header and transcript alone, for the live refresh (the reply box is left alone while the agent types).</summary>
    public async Task<IActionResult> OnGetLiveAsync(long id, CancellationToken cancellationToken)
    {
        View = (await queries.ConversationAsync(id, cancellationToken))!;
        return View is null ? NotFound() : Partial("_Conversation", this);
    }

    public async Task<IActionResult> OnPostTakeOverAsync(long id, CancellationToken cancellationToken)
    {
        var result = await handoff.TakeOverAsync(id, Agent, cancellationToken);
        switch (result.Outcome)
        {
            case TakeOverOutcome.NotFound:
                return NotFound();
            case TakeOverOutcome.HeldByAnother:
                FlashError = Texts["Conversation_TakenFirst", result.Holder ?? ""];
                break;
            default:
                Flash = Texts["Conversation_TookOver"];
                break;
        }

        return RedirectToPage(new { id });
    }

    public Task<IActionResult> OnPostHandBackAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(
            async () => await handoff.HandBackAsync(id, Agent, overrideHolder: IsAdmin, cancellationToken) ? Texts["Conversation_HandedBack"].Value : null,
            () => RedirectToPage(new { id }));

    public Task<IActionResult> OnPostSendAsync(long id, [FromForm] string? text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4000)
        {
            FlashError = Texts["Conversation_InvalidText"];
            return Task.FromResult<IActionResult>(RedirectToPage(new { id }));
        }

        return ChangeAsync(
            async () =>
            {
                await handoff.SendAsync(id, Agent, text.Trim(), cancellationToken);
                return null;
            },
            () => RedirectToPage(new { id }));
    }
}
