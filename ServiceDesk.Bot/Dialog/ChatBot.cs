using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// The service-desk bot. One turn is one transaction: the user's message (through the intake, so a
/// redelivery is recognised), whatever the dialog does to tickets, the bot's replies as transcript
/// messages and the new dialog state, guarded by the conversation's version. Two turns racing on one
/// conversation cannot both commit on the same state: the loser runs again on the winner's.
/// </summary>
internal sealed partial class ChatBot(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    IntakeService intake,
    IOutboxScheduler scheduler,
    IDeskEvents events,
    IntentReader reader,
    MenuDialog menu,
    ReportDialog report,
    TicketDialog tickets,
    SatisfactionDialog satisfaction,
    HandoffDialog handoff,
    TicketNumber numbers,
    IOptions<DeskOptions> desk,
    IOptions<BotOptions> options,
    TimeProvider time,
    ILogger<ChatBot> logger) : IChatBot
{
    public async Task<ChatTurnResult> HandleAsync(ChatTurn turn, CancellationToken cancellationToken)
    {
        if (turn.Message.ConversationKey is null)
        {
            throw new ArgumentException("A chat turn needs its channel's conversation key.", nameof(turn));
        }

        var queued = new List<OutboxMessage>();
        var attempt = 0;
        var taken = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                return await TakeTurnAsync(turn, queued, retry: attempt++ > 0, ct);
            },
            cancellationToken);
        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }

        // After the commit: live views (the agent console) reload and see the turn.
        if (taken.Stored is { } stored)
        {
            await events.MessageAddedAsync(stored.TicketId ?? 0, stored.ConversationId, stored.MessageId, cancellationToken);
            if (stored.Queued)
            {
                await events.ConversationChangedAsync(stored.ConversationId, ConversationMode.WaitingForAgent, cancellationToken);
            }
        }

        return taken.Result;
    }

    /// <summary>A turn's answer, and what it stored for the live views to hear about; null for a redelivery.</summary>
    private sealed record TakenTurn(ChatTurnResult Result, StoredTurn? Stored);

    /// <param name="Queued">The turn put the conversation in the agents' queue.</param>
    private sealed record StoredTurn(long MessageId, long ConversationId, long? TicketId, bool Queued);

    public IReadOnlyList<BotReply> Welcome(string? locale)
    {
        var language = Languages.FromLocale(locale) ?? desk.Value.DefaultLanguage;
        return [new BotReply { Text = BotTexts.Format("Welcome", language, desk.Value.Name), Choices = MenuDialog.Menu(language) }];
    }

    private async Task<TakenTurn> TakeTurnAsync(ChatTurn turn, List<OutboxMessage> queued, bool retry, CancellationToken ct)
    {
        var inbound = turn.Message;
        var now = time.GetUtcNow();
        var conversation = await db.FindConversationWithContactAsync(inbound.Channel, inbound.ConversationKey!, ct);
        var address = ContactIdentity.Normalize(inbound.Channel, inbound.SenderAddress);
        var contact = conversation?.ContactOwning(address) ?? await db.FindContactAsync(inbound.Channel, address, ct);
        if (turn.ProvesReachable && contact is not null)
        {
            Restore(contact, inbound.Channel, address);
        }

        var state = ReadState(conversation, now);
        var intent = await ReadIntentAsync(turn, state, conversation, now, ct);
        var language = contact?.Language ?? Languages.FromLocale(inbound.Locale) ?? desk.Value.DefaultLanguage;
        if (conversation is { Mode: not ConversationMode.Bot } && !AnswersTheDesk(intent, state))
        {
            // A person holds the conversation: the message goes on its ticket as on any channel, and the bot stays silent.
            var filed = await intake.ReceiveInTransactionAsync(
                inbound with { Text = TranscriptText(turn, DialogState.Empty, language), Acknowledge = true, RecordOnly = false },
                queued,
                retry,
                ct);
            var duplicate = filed.Outcome == IntakeOutcome.Duplicate;
            return new TakenTurn(
                new ChatTurnResult(duplicate, [], NumberOf(filed), conversation.Mode) { Language = language },
                duplicate ? null : new StoredTurn(filed.MessageId, conversation.Id, filed.TicketId, Queued: false));
        }

        var modeBefore = conversation?.Mode ?? ConversationMode.Bot;
        var fileOn = contact is null ? null : await FilingTargetAsync(intent, state, contact, now, ct);

        // Commands and answers stay in the conversation; what the user tells about a ticket goes on it.
        var result = await intake.ReceiveInTransactionAsync(
            inbound with { Text = TranscriptText(turn, state, language), Acknowledge = false, StartsNewTicket = false, RecordOnly = fileOn is null, TicketId = fileOn },
            queued,
            retry,
            firstContact: conversation is null && contact is null,
            callerSaves: true,
            ct);
        if (result.Outcome == IntakeOutcome.Duplicate)
        {
            return new TakenTurn(new ChatTurnResult(true, [], NumberOf(result), modeBefore) { Language = language }, null);
        }

        // All tracked already: FindAsync answers from the change tracker.
        conversation ??= await db.Conversations.FindAsync([result.ConversationId], ct);
        contact ??= await db.Contacts.FindAsync([result.ContactId], ct);
        var message = result.MessageId != 0
            ? await db.Messages.FindAsync([result.MessageId], ct)
            : await InboundOfTurnAsync(inbound, result, ct);
        var context = new TurnContext
        {
            Contact = contact!,
            Conversation = conversation!,
            Inbound = message!,
            Intake = result,
            Rich = turn.RichReplies,
            Now = now,
            State = state,
        };

        await RouteAsync(context, intent, ct);
        var (replies, transcript) = await FinishAsync(context, message!, inbound, ct);

        // The turn's one save of what the intake left for it: the user's message, the replies, and the conversation's one UPDATE
        // (on SQLite inside the write gate, where SaveChanges' own preparations cost more than the statements).
        await transaction.SaveChangesAsync(ct);
        var mode = context.Conversation.Mode;
        return new TakenTurn(
            new ChatTurnResult(false, replies, context.TicketId is { } ticketId ? numbers.Format(ticketId) : null, mode)
            {
                Language = context.Language,
                ReplyMessageIds = [.. transcript.Select(m => m.Id)],
                ContactId = context.Contact.Id,
            },
            new StoredTurn(message!.Id, context.Conversation.Id, message.TicketId, Queued: mode == ConversationMode.WaitingForAgent && modeBefore != mode));
    }

    /// <summary>
    /// The user's message the intake left for the turn's own save (it has no id to find it by yet): in the messages of the
    /// ticket it was filed on, or added to the context on its own. Looked up without reading the context's local view
    /// first, which runs the change detection over every tracked entity.
    /// </summary>
    private async Task<Message> InboundOfTurnAsync(InboundMessage inbound, IntakeResult result, CancellationToken ct)
    {
        bool Sent(Message m) => m.Channel == inbound.Channel && m.ExternalId == inbound.ExternalId;
        if (result.TicketId != 0 && await db.Tickets.FindAsync([result.TicketId], ct) is { } ticket && ticket.Messages.LastOrDefault(Sent) is { } filed)
        {
            return filed;
        }

        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            if (db.Messages.Local.LastOrDefault(Sent) is { } added)
            {
                return added;
            }
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }

        // Reached only through a navigation the detection has not seen yet.
        return db.Messages.Local.Last(Sent);
    }

    /// <summary>The sender's identity is reachable again; it is saved with the turn (both lookups load the contact's identities).</summary>
    private static void Restore(Contact contact, Channel channel, string address)
    {
        foreach (var identity in contact.Identities)
        {
            if (identity.Unreachable && identity.Channel == channel && identity.Address == address)
            {
                identity.Unreachable = false;
                identity.UnreachableReason = null;
            }
        }
    }

    /// <summary>
    /// While a person holds the conversation, what still goes to the bot: answers to a resolution notice (confirm,
    /// reject, a rating and its comment). They are about a resolved ticket, not words for the agent; filed as a
    /// message they would reopen the ticket and the rating would be lost.
    /// </summary>
    private static bool AnswersTheDesk(Intent intent, DialogState state) => intent.Kind switch
    {
        IntentKind.ConfirmResolution or IntentKind.RejectResolution or IntentKind.Rate => true,
        IntentKind.Text => state.Step == DialogStep.SatisfactionComment,
        IntentKind.Answer => state.Step == DialogStep.SatisfactionComment && DialogSteps.Parse(intent.Step) == DialogStep.SatisfactionComment,
        _ => false,
    };

    private DialogState ReadState(Conversation? conversation, DateTimeOffset now)
    {
        var state = DialogState.Read(conversation?.DialogState, out var problem);
        if (problem is not null)
        {
            LogStateDiscarded(conversation!.Id, problem);
        }

        return now - state.UpdatedAt > options.Value.DialogTimeout ? DialogState.Empty : state;
    }

    private async Task<Intent> ReadIntentAsync(ChatTurn turn, DialogState state, Conversation? conversation, DateTimeOffset now, CancellationToken ct)
    {
        if (turn.Action is { } data && data.ContainsKey(ChatActions.Key))
        {
            return reader.FromAction(data);
        }

        var intent = IntentReader.FromText(turn.Message.Text);
        if (intent.Kind != IntentKind.Number)
        {
            return intent;
        }

        // A bare number picks one of the numbered choices offered last, unless a resolution notice asking
        // for a 1-5 rating came after them: then it is the rating. While a person holds the conversation the
        // bot offers no choices, and a number is a rating only if the agent has not written since the notice.
        var number = intent.Number!.Value;
        var held = conversation is { Mode: not ConversationMode.Bot };
        var notice = conversation is not null && number is >= 1 and <= 5 ? await LatestResolutionNoticeAsync(conversation.Id, now, ct) : null;
        if (notice is not null && held && await AgentWroteSinceAsync(conversation!.Id, notice.MessageId, ct))
        {
            notice = null;
        }

        var choice = !held && state.Numbered && number >= 1 && number <= state.Choices.Count ? state.Choices[number - 1] : null;
        if (choice is not null && (notice is null || notice.SentAt <= state.UpdatedAt))
        {
            return reader.FromAction(choice.Data);
        }

        if (notice is not null)
        {
            return new Intent(IntentKind.Rate) { TicketId = notice.TicketId, Number = number };
        }

        return state.IsIdle ? new Intent(IntentKind.Unknown) : new Intent(IntentKind.Text) { Text = intent.Text };
    }

    private sealed record ResolutionNotice(long MessageId, long TicketId, DateTimeOffset SentAt);

    private Task<ResolutionNotice?> LatestResolutionNoticeAsync(long conversationId, DateTimeOffset now, CancellationToken ct)
    {
        var since = now - desk.Value.ReopenWindow;
        return db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Kind == MessageKind.ResolutionNotification && m.TicketId != null && m.CreatedAt >= since)
            .OrderByDescending(m => m.Id)
            .Select(m => new ResolutionNotice(m.Id, m.TicketId!.Value, m.CreatedAt))
            .FirstOrDefaultAsync(ct);
    }

    private Task<bool> AgentWroteSinceAsync(long conversationId, long messageId, CancellationToken ct) =>
        db.Messages.AnyAsync(m => m.ConversationId == conversationId && m.Id > messageId && m.Kind == MessageKind.AgentReply, ct);

    /// <summary>The ticket the user's message belongs on, or null when it is a command or an answer to the bot.</summary>
    private async Task<long?> FilingTargetAsync(Intent intent, DialogState state, Contact contact, DateTimeOffset now, CancellationToken ct)
    {
        switch (intent.Kind)
        {
            case IntentKind.Text when state.Step == DialogStep.AddInformation:
                return await OwnedAsync(state.TicketId, contact, ct);
            case IntentKind.Text when state.IsIdle:
                // Free text with an open ticket adds to it: the one it names ("SD-12 …"), else the latest.
                foreach (var named in numbers.FindIn(intent.Text).Take(3))
                {
                    if (await OwnedAsync(named, contact, ct) is { } id)
                    {
                        return id;
                    }
                }

                return await tickets.Current(contact.Id, now).Select(t => (long?)t.Id).FirstOrDefaultAsync(ct);
            case IntentKind.AddInformation when intent.Text is not null:
                return await OwnedAsync(intent.TicketId, contact, ct);
            default:
                return null;
        }
    }

    private async Task<long?> OwnedAsync(long? ticketId, Contact contact, CancellationToken ct) =>
        ticketId is { } id && await db.Tickets.AnyAsync(t => t.Id == id && t.RequesterId == contact.Id, ct) ? id : null;

    private async Task RouteAsync(TurnContext ctx, Intent intent, CancellationToken ct)
    {
        switch (intent.Kind)
        {
            case IntentKind.Greeting:
                menu.Greet(ctx);
                break;
            case IntentKind.Help:
                menu.Help(ctx);
                break;
            case IntentKind.Cancel:
                menu.Cancel(ctx);
                break;
            case IntentKind.ChooseLanguage:
                menu.OfferLanguages(ctx);
                break;
            case IntentKind.SetLanguage:
                menu.SetLanguage(ctx, intent.Value);
                break;
            case IntentKind.Report:
                await report.StartAsync(ctx, intent.Text, openAtOnce: false, ct);
                break;
            case IntentKind.MyTickets:
                await tickets.ListAsync(ctx, ct);
                break;
            case IntentKind.AddInformation:
                await tickets.AddInformationAsync(ctx, intent, ct);
                break;
            case IntentKind.ConfirmResolution:
                await tickets.ConfirmAsync(ctx, intent, ct);
                break;
            case IntentKind.RejectResolution:
                await tickets.RejectAsync(ctx, intent, ct);
                break;
            case IntentKind.Rate:
                await satisfaction.RateAsync(ctx, intent, ct);
                break;
            case IntentKind.TalkToAgent:
                await handoff.RequestAsync(ctx, ct);
                break;
            case IntentKind.Answer:
                await AnswerAsync(ctx, intent, ct);
                break;
            case IntentKind.Text:
                await TextAsync(ctx, intent.Text ?? "", ct);
                break;
            default:
                menu.NotUnderstood(ctx);
                break;
        }
    }

    private async Task AnswerAsync(TurnContext ctx, Intent answer, CancellationToken ct)
    {
        var step = DialogSteps.Parse(answer.Step);
        if (step is null || step == DialogStep.None || step != ctx.State.Step)
        {
            menu.Stale(ctx);
            return;
        }

        switch (step)
        {
            case DialogStep.SatisfactionComment:
                await satisfaction.CommentAsync(ctx, answer.Value == SatisfactionDialog.Skip ? null : answer.Text, ct);
                break;
            case DialogStep.AddInformation:
                menu.Stale(ctx);
                break;
            default:
                await report.OnAnswerAsync(ctx, answer, ct);
                break;
        }
    }

    private async Task TextAsync(TurnContext ctx, string text, CancellationToken ct)
    {
        if (ctx.Intake.TicketId != 0)
        {
            await tickets.AddedAsync(ctx, ct);
            return;
        }

        switch (ctx.State.Step)
        {
            case DialogStep.Describe or DialogStep.Suggest or DialogStep.Impact or DialogStep.Urgency or DialogStep.Service:
                await report.OnTextAsync(ctx, text, ct);
                break;
            case DialogStep.SatisfactionComment:
                await satisfaction.CommentAsync(ctx, text, ct);
                break;
            case DialogStep.AddInformation or DialogStep.None when string.IsNullOrWhiteSpace(text):
                menu.NotUnderstood(ctx);
                break;
            default:
                // Nothing open to add to: the text describes a new issue, a ticket at once; the article and questions follow.
                ctx.State = DialogState.Empty;
                await report.StartAsync(ctx, text, openAtOnce: true, ct);
                break;
        }
    }

    /// <summary>Stores the bot's replies in the transcript and the dialog state on the conversation.</summary>
    private async Task<(List<BotReply> Replies, List<Message> Transcript)> FinishAsync(TurnContext ctx, Message inbound, InboundMessage received, CancellationToken ct)
    {
        var replies = ctx.Replies;
        if (!ctx.Rich)
        {
            // Numbers must be unambiguous: only the last message with choices keeps them.
            var last = replies.FindLastIndex(r => r.Choices.Count > 0);
            replies = [.. replies.Select((r, i) => i == last || r.Choices.Count == 0 ? r : r with { Choices = [] })];
        }

        var at = inbound.CreatedAt > ctx.Now ? inbound.CreatedAt : ctx.Now;
        var recipient = ContactIdentity.Normalize(received.Channel, received.SenderAddress);
        var transcript = new List<Message>(replies.Count);
        foreach (var reply in replies)
        {
            var stored = new Message
            {
                Channel = ctx.Conversation.Channel,
                Direction = MessageDirection.Outbound,
                Visibility = MessageVisibility.Public,
                Kind = MessageKind.BotReply,
                Body = reply.ToPlainText(),
                Author = desk.Value.Name,
                Recipient = recipient,
                ConversationId = ctx.Conversation.Id,
                TicketId = ctx.TicketId,

                // The channel delivers the replies in its answer to this turn.
                DeliveryState = DeliveryState.Sent,
                CreatedAt = at,
            };
            db.Messages.Add(stored);
            transcript.Add(stored);
        }

        if (ctx.State.Report is { FirstMessageId: TurnContext.UnsavedInbound } draft && db.Entry(ctx.Conversation).State == EntityState.Added)
        {
            // A report begun in the turn that opens the conversation (a first contact's problem) starts at the conversation's
            // start: no message of it comes before this one, so no key is needed before the save.
            ctx.State = ctx.State with { Report = draft with { FirstMessageId = ReportDraft.ConversationStart } };
        }
        else if (ctx.State.Report is { FirstMessageId: TurnContext.UnsavedInbound } named)
        {
            // A report goes on over the next turns: its draft names the user's message by id. The message (and the replies,
            // which follow it) take their keys now, so the state goes in the turn's one save; a save gives them otherwise.
            if (inbound.Id == 0 && !await MessageKeys.AssignAsync(db, [inbound, .. transcript], ct))
            {
                await db.SaveChangesAsync(ct);
            }

            ctx.State = ctx.State with { Report = named with { FirstMessageId = inbound.Id } };
        }

        var offered = ctx.Rich ? replies.SelectMany(r => r.Choices) : replies.LastOrDefault(r => r.Choices.Count > 0)?.Choices ?? [];
        ctx.Conversation.DialogState = (ctx.State with
        {
            Choices = [.. offered.Select(c => new OfferedChoice(c.Label, c.Data))],
            Numbered = !ctx.Rich,
            UpdatedAt = ctx.Now,
        }).Write();
        ctx.Conversation.Version++;
        return (replies, transcript);
    }

    /// <summary>What the transcript shows for the turn: the typed text, or the button the user pressed.</summary>
    private static string TranscriptText(ChatTurn turn, DialogState state, string language)
    {
        if (!string.IsNullOrWhiteSpace(turn.Message.Text) || turn.Action is not { } data)
        {
            return turn.Message.Text;
        }

        var typed = data.GetValueOrDefault(ChatActions.TextKey) ?? data.GetValueOrDefault(ChatActions.CommentKey);
        if (!string.IsNullOrWhiteSpace(typed))
        {
            return typed.Trim();
        }

        var pressed = state.Choices.FirstOrDefault(c => c.Data.All(d => data.TryGetValue(d.Key, out var v) && v == d.Value));
        return pressed?.Label ?? ResolutionAnswer(data, language) ?? "[" + string.Join(' ', data.Values) + "]";
    }

    /// <summary>A button of a resolution notice (the outbox sent it, so it is not among the dialog's choices), in words.</summary>
    private static string? ResolutionAnswer(IReadOnlyDictionary<string, string> data, string language)
    {
        var ticket = data.GetValueOrDefault(ChatActions.TicketKey);
        return data.GetValueOrDefault(ChatActions.Key) switch
        {
            ChatActions.ConfirmResolution => $"{ticket}: {BotTexts.Format("Choice_Confirm", language)}",
            ChatActions.RejectResolution => $"{ticket}: {BotTexts.Format("Choice_Reject", language)}",
            ChatActions.Rate when data.GetValueOrDefault(ChatActions.RatingKey) is [>= '1' and <= '5'] rating =>
                $"{ticket}: {rating}/5 ({BotTexts.Format("Rating_" + rating, language)})",
            _ => null,
        };
    }

    private static string? NumberOf(IntakeResult result) => result.TicketId == 0 ? null : result.TicketNumber;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog state of conversation {ConversationId} discarded: {Problem}")]
    private partial void LogStateDiscarded(long conversationId, string problem);
}
