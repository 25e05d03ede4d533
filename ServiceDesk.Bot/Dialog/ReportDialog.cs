using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// "Report an issue": collect a description, offer matching knowledge articles first (self-service),
/// ask impact and urgency in plain words, pick the service, open the ticket and answer with its number,
/// priority and target.
/// </summary>
internal sealed partial class ReportDialog(
    ServiceDeskDbContext db,
    IntakeService intake,
    KnowledgeSearch knowledge,
    SlaClock sla,
    TicketNumber numbers,
    IOptions<BotOptions> options,
    ILogger<ReportDialog> logger)
{
    private const string Solved = "solved";
    private const string NotSolved = "no";

    // Plain-word answers, folded like IntentReader.Key, for users who type instead of choosing.
    private static readonly Dictionary<string, bool> YesNo = Words(
        (true, ["yes", "y", "yeah", "yep", "ok", "solved", "it worked", "that solved it", "si", "s", "vale", "resuelto", "solucionado", "ya funciona", "funciona"]),
        (false, ["no", "n", "nope", "not solved", "no funciona", "sigue igual", "no resuelto"]));

    private static readonly Dictionary<string, Impact> ImpactWords = Words(
        (Impact.Low, ["me", "only me", "just me", "yo", "solo yo", "solo a mi"]),
        (Impact.Medium, ["team", "my team", "several", "equipo", "mi equipo", "varios", "varias personas"]),
        (Impact.High, ["everyone", "everybody", "company", "the whole company", "todos", "toda la empresa", "empresa"]));

    private static readonly Dictionary<string, Urgency> UrgencyWords = Words(
        (Urgency.High, ["urgent", "very urgent", "i cant work", "blocked", "urgente", "muy urgente", "no puedo trabajar", "bloqueado"]),
        (Urgency.Medium, ["slow", "annoying", "slows me down", "lento", "molesto", "me retrasa"]),
        (Urgency.Low, ["it can wait", "can wait", "not urgent", "puede esperar", "no es urgente", "no urgente"]));

    /// <summary>Starts a report; with a description already given (typed freely, or a card's input) it goes straight on.</summary>
    /// <param name="openAtOnce">
    /// Open the ticket now and ask afterwards (a problem typed freely on a plain-text channel): text messages are
    /// often sent and left, and what the user said must not wait on answers that may never come.
    /// </param>
    public async Task StartAsync(TurnContext ctx, string? description, bool openAtOnce, CancellationToken ct)
    {
        // A card's "send" after the bot asked for a description continues that report (and files its first message).
        var draft = ctx.State is { Step: DialogStep.Describe, Report: { } asked }
            ? asked
            : new ReportDraft { FirstMessageId = ctx.InboundId };
        if (!IsDescription(description))
        {
            AskDescription(ctx, draft, again: false);
        }
        else if (openAtOnce)
        {
            await OpenAtOnceAsync(ctx, draft with { Description = description!.Trim() }, ct);
        }
        else
        {
            await DescribedAsync(ctx, draft with { Description = description!.Trim() }, ct);
        }
    }

    /// <summary>Typed text while a report question is open.</summary>
    public async Task OnTextAsync(TurnContext ctx, string text, CancellationToken ct)
    {
        var draft = await DraftAsync(ctx, ct);
        var key = IntentReader.Key(text);
        switch (ctx.State.Step)
        {
            case DialogStep.Describe when IsDescription(text):
                await DescribedAsync(ctx, draft with { Description = text.Trim() }, ct);
                break;
            case DialogStep.Describe:
                AskDescription(ctx, draft, again: true);
                break;
            case DialogStep.Suggest when YesNo.TryGetValue(key, out var solved):
                await SuggestionAnsweredAsync(ctx, draft, solved, draft.Articles.FirstOrDefault(), ct);
                break;
            case DialogStep.Suggest:
                ctx.Say(
                    ctx.T("Suggest_YesOrNo"),
                    BotChoice.For(ctx.T("Choice_SolvedIt"), ChatActions.Answer, Step(DialogStep.Suggest), (ChatActions.ValueKey, Solved)),
                    NotSolvedChoice(ctx, draft));
                break;
            case DialogStep.Impact when ImpactWords.TryGetValue(key, out var impact):
                ctx.Say(AskUrgency(ctx, draft with { Impact = impact }, again: false));
                break;
            case DialogStep.Impact:
                ctx.Say(AskImpact(ctx, draft, again: true));
                break;
            case DialogStep.Urgency when UrgencyWords.TryGetValue(key, out var urgency):
                await UrgencyAnsweredAsync(ctx, draft with { Urgency = urgency }, ct);
                break;
            case DialogStep.Urgency:
                ctx.Say(AskUrgency(ctx, draft, again: true));
                break;
            case DialogStep.Service when await ServiceNamedAsync(key, ct) is { } code:
                await CreateAsync(ctx, draft, code, ct);
                break;
            case DialogStep.Service:
                await AskServiceAsync(ctx, draft, again: true, ct);
                break;
        }
    }

    /// <summary>A button answering the current report question.</summary>
    public async Task OnAnswerAsync(TurnContext ctx, Intent answer, CancellationToken ct)
    {
        var draft = await DraftAsync(ctx, ct);
        switch (ctx.State.Step)
        {
            case DialogStep.Suggest when answer.Value is Solved or NotSolved:
                await SuggestionAnsweredAsync(ctx, draft, answer.Value == Solved, answer.Article ?? draft.Articles.FirstOrDefault(), ct);
                break;
            case DialogStep.Impact when Enum.TryParse<Impact>(answer.Value, ignoreCase: true, out var impact) && Enum.IsDefined(impact):
                ctx.Say(AskUrgency(ctx, draft with { Impact = impact }, again: false));
                break;
            case DialogStep.Urgency when Enum.TryParse<Urgency>(answer.Value, ignoreCase: true, out var urgency) && Enum.IsDefined(urgency):
                await UrgencyAnsweredAsync(ctx, draft with { Urgency = urgency }, ct);
                break;
            case DialogStep.Service when answer.Value is { } code && await db.Services.AnyAsync(s => s.Code == code, ct):
                await CreateAsync(ctx, draft, code, ct);
                break;
            default:
                await OnTextAsync(ctx, answer.Text ?? "", ct);
                break;
        }
    }

    /// <summary>The report being collected; answers about a ticket already opened go on that ticket.</summary>
    private async Task<ReportDraft> DraftAsync(TurnContext ctx, CancellationToken ct)
    {
        var draft = ctx.State.Report ?? new ReportDraft { FirstMessageId = ctx.InboundId };

        // Most answers only re-ask or move to the next question: the ticket is loaded by the few that change it (OpenedTicketAsync).
        if (draft.TicketId is { } id && await db.IsRequestersTicketAsync(id, ctx.Contact.Id, ct))
        {
            ctx.FileOn(id);
        }

        return draft;
    }

    /// <summary>The ticket the turn is filed on, loaded (with its service) if it was not, or null when there is none.</summary>
    private async Task<Ticket?> OpenedTicketAsync(TurnContext ctx, CancellationToken ct)
    {
        if (ctx.Ticket is null && ctx.TicketId is { } id && await db.FindRequestersTicketAsync(id, ctx.Contact.Id, ct) is { } ticket)
        {
            ctx.FileOn(ticket);
        }

        return ctx.Ticket;
    }

    private async Task OpenAtOnceAsync(TurnContext ctx, ReportDraft draft, CancellationToken ct)
    {
        var hits = await SuggestionsAsync(draft.Description!, ctx.Language, ct);
        var ticket = await intake.OpenForConversationAsync(
            ctx.Conversation,
            ctx.Contact,
            new ConversationTicket(draft.Description!, Impact.Medium, Urgency.Medium, hits.FirstOrDefault()?.Article.ServiceCode, draft.FirstMessageId),
            callerSaves: true,
            ct);
        ctx.FileOn(ticket);
        var number = numbers.Format(ticket.Id);
        LogCreated(number, ticket.Priority);
        draft = draft with
        {
            TicketId = ticket.Id,
            Articles = [.. hits.Select(h => h.Article.Slug)],
            SuggestedService = hits.FirstOrDefault()?.Article.ServiceCode,
        };

        // One message: the ticket that was opened, then the article that may solve it or the first question.
        var next = hits.Count == 0 ? AskImpact(ctx, draft, again: false) : OfferArticles(ctx, draft, hits);
        var opened = TicketReplies.Opened(ctx, ticket, number, sla);
        ctx.Say(next with
        {
            Title = opened.Title,
            Text = opened.Text + (ctx.Rich ? "\n\n" : "\n") + next.Text,
            Facts = opened.Facts,
        });
    }

    private static bool IsDescription(string? text) => text is not null && text.Trim().Length >= 3 && !int.TryParse(text.Trim(), out _);

    private void AskDescription(TurnContext ctx, ReportDraft draft, bool again)
    {
        ctx.State = ctx.State.At(DialogStep.Describe) with { Report = draft };
        var text = ctx.T(again ? "Report_DescribeAgain" : "Report_Describe");
        if (ctx.Rich)
        {
            ctx.Say(new BotReply
            {
                Text = text,
                Inputs = [new BotInput(ChatActions.TextKey, ctx.T("Report_DescribeLabel"), Multiline: true, Placeholder: ctx.T("Report_DescribePlaceholder"))],
                Choices = [ctx.Choice("Choice_Send", ChatActions.Report), ctx.Choice("Choice_Cancel", ChatActions.Cancel)],
            });
        }
        else
        {
            ctx.Say(text + " " + ctx.T("Hint_Cancel"));
        }
    }

    private async Task DescribedAsync(TurnContext ctx, ReportDraft draft, CancellationToken ct)
    {
        var hits = await SuggestionsAsync(draft.Description!, ctx.Language, ct);
        draft = draft with
        {
            Articles = [.. hits.Select(h => h.Article.Slug)],
            SuggestedService = hits.FirstOrDefault()?.Article.ServiceCode,
        };
        ctx.Say(hits.Count == 0 ? AskImpact(ctx, draft, again: false) : OfferArticles(ctx, draft, hits));
    }

    /// <summary>Waits for the answer to the suggestions: the articles in one message, a button for each and one for "no".</summary>
    private static BotReply OfferArticles(TurnContext ctx, ReportDraft draft, IReadOnlyList<KnowledgeHit> hits)
    {
        ctx.State = ctx.State.At(DialogStep.Suggest) with { Report = draft };

        // Plain text gets the best article only: one fits in a text message, more would bury it.
        var shown = ctx.Rich ? hits : hits.Take(1).ToList();
        var question = ctx.T(draft.TicketId is null ? "Suggest_Question" : "Suggest_QuestionOpened");
        var articles = string.Join("\n\n", shown.Select(h => h.Article.Title + "\n" + h.Article.Body));
        var solvedBy = shown.Count == 1
            ? [SolvedChoice(ctx, "Choice_SolvedIt", shown[0].Article)]
            : shown.Select(h => SolvedChoice(ctx, "Choice_SolvedBy", h.Article)).ToList();
        return new BotReply
        {
            Title = ctx.T("Suggest_Intro"),
            Text = ctx.Rich ? ctx.T("Suggest_Intro") + "\n\n" + articles + "\n\n" + question : ctx.T("Suggest_Plain", shown[0].Article.Title, shown[0].Article.Body),
            Choices = [.. solvedBy, NotSolvedChoice(ctx, draft)],
        };
    }

    private static BotChoice SolvedChoice(TurnContext ctx, string labelKey, KnowledgeEntry article) =>
        BotChoice.For(ctx.T(labelKey, article.Title), ChatActions.Answer, Step(DialogStep.Suggest), (ChatActions.ValueKey, Solved), (ChatActions.ArticleKey, article.Slug));

    private static BotChoice NotSolvedChoice(TurnContext ctx, ReportDraft draft) =>
        ctx.Choice(draft.TicketId is null ? "Choice_NotSolved" : "Choice_NotSolvedOpened", ChatActions.Answer, Step(DialogStep.Suggest), (ChatActions.ValueKey, NotSolved));

    private async Task<IReadOnlyList<KnowledgeHit>> SuggestionsAsync(string description, string language, CancellationToken ct)
    {
        var hits = await knowledge.SearchAsync(description, language, options.Value.MaxSuggestions, ct);
        if (hits.Count == 0 || hits[0].Score < options.Value.SuggestionMinimumScore)
        {
            return [];
        }

        // Keep only articles close to the best: a distant second is noise next to a clear answer.
        var floor = Math.Max(options.Value.SuggestionMinimumScore, hits[0].Score / 2);
        return [.. hits.Where(h => h.Score >= floor)];
    }

    private async Task SuggestionAnsweredAsync(TurnContext ctx, ReportDraft draft, bool solved, string? slug, CancellationToken ct)
    {
        if (!solved)
        {
            ctx.Say(AskImpact(ctx, draft, again: false));
            return;
        }

        var article = string.IsNullOrEmpty(slug) ? null : await db.KnowledgeArticles.AsNoTracking()
            .Where(a => a.Slug == slug)
            .OrderByDescending(a => a.Language == ctx.Language)
            .Select(a => new { a.Slug, a.Title, ServiceCode = a.Service != null ? a.Service.Code : null })
            .FirstOrDefaultAsync(ct);

        // Solved by self-service: the ticket records the deflection (first-contact resolution) and is closed at once.
        var ticket = await OpenedTicketAsync(ctx, ct) ?? await intake.OpenForConversationAsync(
            ctx.Conversation,
            ctx.Contact,
            new ConversationTicket(draft.Description!, Impact.Low, Urgency.Low, article?.ServiceCode ?? draft.SuggestedService, draft.FirstMessageId),
            callerSaves: true,
            ct);
        if (TicketLifecycle.IsActive(ticket.Status))
        {
            ticket.ResolveAtFirstContact("bot", sla, ctx.Now);
            ticket.Record(TicketEventKind.SelfServiceResolved, "bot", ctx.Now, article?.Slug);
            ticket.ConfirmResolution(ctx.Actor, ctx.Now);
        }

        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        LogSelfService(numbers.Format(ticket.Id), article?.Slug);
        var text = ctx.T("Solved", numbers.Format(ticket.Id));
        if (ctx.Rich)
        {
            ctx.Say(text, ctx.Choice("Choice_ReportAnother", ChatActions.Report), ctx.Choice("Choice_MyTickets", ChatActions.MyTickets));
        }
        else
        {
            ctx.Say(text);
        }
    }

    /// <summary>Waits for who is affected, in plain words.</summary>
    private static BotReply AskImpact(TurnContext ctx, ReportDraft draft, bool again)
    {
        ctx.State = ctx.State.At(DialogStep.Impact) with { Report = draft };
        return new BotReply
        {
            Text = ctx.T(again ? "Impact_Again" : "Impact_Question"),
            Choices =
            [
                ctx.Choice("Impact_Low", ChatActions.Answer, Step(DialogStep.Impact), (ChatActions.ValueKey, nameof(Impact.Low))),
                ctx.Choice("Impact_Medium", ChatActions.Answer, Step(DialogStep.Impact), (ChatActions.ValueKey, nameof(Impact.Medium))),
                ctx.Choice("Impact_High", ChatActions.Answer, Step(DialogStep.Impact), (ChatActions.ValueKey, nameof(Impact.High))),
            ],
        };
    }

    /// <summary>Waits for how much it stops the user's work, in plain words.</summary>
    private static BotReply AskUrgency(TurnContext ctx, ReportDraft draft, bool again)
    {
        ctx.State = ctx.State.At(DialogStep.Urgency) with { Report = draft };
        return new BotReply
        {
            Text = ctx.T(again ? "Urgency_Again" : "Urgency_Question"),
            Choices =
            [
                ctx.Choice("Urgency_High", ChatActions.Answer, Step(DialogStep.Urgency), (ChatActions.ValueKey, nameof(Urgency.High))),
                ctx.Choice("Urgency_Medium", ChatActions.Answer, Step(DialogStep.Urgency), (ChatActions.ValueKey, nameof(Urgency.Medium))),
                ctx.Choice("Urgency_Low", ChatActions.Answer, Step(DialogStep.Urgency), (ChatActions.ValueKey, nameof(Urgency.Low))),
            ],
        };
    }

    private async Task UrgencyAnsweredAsync(TurnContext ctx, ReportDraft draft, CancellationToken ct)
    {
        if (await OpenedTicketAsync(ctx, ct) is not { } opened)
        {
            await AskServiceAsync(ctx, draft, again: false, ct);
            return;
        }

        // The ticket opened at the first message takes the priority the answers give, unless the desk has set one by hand.
        if (TicketLifecycle.IsActive(opened.Status) && !opened.PriorityOverridden)
        {
            opened.Reprioritize(draft.Impact ?? Impact.Medium, draft.Urgency ?? Urgency.Medium, ctx.Actor, sla, ctx.Now);
        }

        ctx.State = DialogState.Empty;
        ctx.Say(ctx.T("Refined", numbers.Format(opened.Id), ctx.T("Priority_" + opened.Priority), TicketReplies.Due(ctx, opened.ResolutionDueAt, sla)));
    }

    private async Task AskServiceAsync(TurnContext ctx, ReportDraft draft, bool again, CancellationToken ct)
    {
        ctx.State = ctx.State.At(DialogStep.Service) with { Report = draft };
        var services = await db.Services.AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct);

        // The service of the best-matching article first: most likely the one, and the first number to type.
        var ordered = services.OrderByDescending(s => s.Code == draft.SuggestedService).ThenBy(s => s.Code == IntakeService.DefaultServiceCode);
        ctx.Say(
            ctx.T(again ? "Service_Again" : "Service_Question"),
            [.. ordered.Select(s => BotChoice.For(s.NameIn(ctx.Language), ChatActions.Answer, Step(DialogStep.Service), (ChatActions.ValueKey, s.Code)))]);
    }

    /// <summary>A service the user named in words ("vpn", "correo").</summary>
    private async Task<string?> ServiceNamedAsync(string key, CancellationToken ct)
    {
        var words = SearchText.Terms(key).ToHashSet(StringComparer.Ordinal);
        if (words.Count == 0)
        {
            return null;
        }

        var services = await db.Services.AsNoTracking().Select(s => new { s.Code, s.NameEn, s.NameEs }).ToListAsync(ct);
        return services.FirstOrDefault(s => words.Contains(s.Code)
            || SearchText.Terms(s.NameEn).Concat(SearchText.Terms(s.NameEs)).Any(words.Contains))?.Code;
    }

    private async Task CreateAsync(TurnContext ctx, ReportDraft draft, string? serviceCode, CancellationToken ct)
    {
        var ticket = await intake.OpenForConversationAsync(
            ctx.Conversation,
            ctx.Contact,
            new ConversationTicket(draft.Description!, draft.Impact ?? Impact.Medium, draft.Urgency ?? Urgency.Medium, serviceCode, draft.FirstMessageId),
            callerSaves: true,
            ct);
        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        LogCreated(numbers.Format(ticket.Id), ticket.Priority);
        ctx.Say(TicketReplies.Created(ctx, ticket, numbers.Format(ticket.Id), sla));
    }

    private static Dictionary<string, T> Words<T>(params (T Value, string[] Words)[] groups) =>
        groups.SelectMany(g => g.Words.Select(w => (Word: w, g.Value))).ToDictionary(w => w.Word, w => w.Value, StringComparer.Ordinal);

    private static (string, string) Step(DialogStep step) => (ChatActions.StepKey, DialogSteps.Name(step));

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot opened {TicketNumber} ({Priority})")]
    private partial void LogCreated(string ticketNumber, Priority priority);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot resolved {TicketNumber} by self-service with article {Article}")]
    private partial void LogSelfService(string ticketNumber, string? article);
}
