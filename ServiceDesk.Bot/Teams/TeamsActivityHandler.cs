using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.Dialog;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Teams;

/// <summary>
/// Routes one authenticated activity: user messages and card actions to the chat bot (answered through the
/// Connector as replies), installs to the welcome, edits and deletions to the ticket timeline, and the
/// Universal Actions invoke to an invoke response. Unknown activity types are accepted and ignored.
/// </summary>
public sealed partial class TeamsActivityHandler(
    IChatBot bot,
    BotConnectorClient connector,
    MessageRevisions revisions,
    ContactReachability reachability,
    IServiceProvider services,
    IOptions<DeskOptions> desk,
    ServiceDeskDbContext db,
    TimeProvider time,
    ILogger<TeamsActivityHandler> logger)
{
    private const string CardActionInvoke = "adaptiveCard/action";

    /// <summary>
    /// True for the activity types the handler acts on. The others (typing, event, endOfConversation and types this
    /// desk does not know) are accepted and ignored by <see cref="Ignore"/>, without building the handler and the
    /// chat bot's services for them.
    /// </summary>
    public static bool Routes(Activity activity) => activity.Type is ActivityTypes.Message or ActivityTypes.Invoke
        or ActivityTypes.ConversationUpdate or ActivityTypes.InstallationUpdate or ActivityTypes.MessageUpdate or ActivityTypes.MessageDelete;

    /// <summary>The answer to an activity the desk has nothing to do for: 200, as the protocol asks for unknown types.</summary>
    public static IResult Ignore(Activity activity, ILogger<TeamsActivityHandler> logger)
    {
        LogIgnored(logger, activity.Type, activity.Name);
        return Results.Ok();
    }

    public async Task<IResult> HandleAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (OverLongId(activity) is { } field)
        {
            LogOverLongId(activity.Type, field);
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"The activity's {field} is longer than the desk can store.");
        }

        switch (activity.Type)
        {
            case ActivityTypes.Message:
                return await OnMessageAsync(activity, cancellationToken);
            case ActivityTypes.Invoke when activity.Name == CardActionInvoke:
                return await OnCardActionAsync(activity, cancellationToken);
            case ActivityTypes.Invoke:
                // The Bot Framework convention for an invoke the bot does not implement.
                LogIgnored(logger, activity.Type, activity.Name);
                return Results.StatusCode(StatusCodes.Status501NotImplemented);
            case ActivityTypes.ConversationUpdate:
                return await OnConversationUpdateAsync(activity, cancellationToken);
            case ActivityTypes.InstallationUpdate:
                return await OnInstallationUpdateAsync(activity, cancellationToken);
            case ActivityTypes.MessageUpdate or ActivityTypes.MessageDelete:
                return await OnRevisionAsync(activity, cancellationToken);
            default:
                return Ignore(activity, logger);
        }
    }

    private async Task<IResult> OnMessageAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (activity.From?.Id is { } from && string.Equals(from, activity.Recipient?.Id, StringComparison.OrdinalIgnoreCase))
        {
            // Our own message echoed back by a channel: nothing to answer.
            return Results.Ok();
        }

        if (!IsFromUser(activity, out var sender))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "A message needs from, conversation and serviceUrl.");
        }

        var text = Mentions.StripBotMention(activity);
        var action = ActionData(activity.Value);
        var attachments = Attachments(activity);
        if (text.Length == 0 && action is null && attachments.Count == 0)
        {
            // An empty message (a reaction-only ping, a card the user merely opened): nothing to answer.
            return Results.Ok();
        }

        // Writing proves the user can be reached again (they unblocked the bot): restored within the turn's save.
        var turn = new ChatTurn { Message = Inbound(activity, sender, text, attachments), Action = action, RichReplies = true, ProvesReachable = true };
        var result = await bot.HandleAsync(turn, cancellationToken);
        await ReplyAsync(activity, result.Replies, result.ReplyMessageIds, cancellationToken);
        return Results.Ok();
    }

    private async Task<IResult> OnCardActionAsync(Activity activity, CancellationToken cancellationToken)
    {
        var language = Languages.FromLocale(activity.EffectiveLocale) ?? desk.Value.DefaultLanguage;
        if (!IsFromUser(activity, out var sender) || CardAction(activity.Value) is not { } action)
        {
            return Invoke(InvokeResponse.Error(StatusCodes.Status400BadRequest, "BadRequest", TeamsTexts.Format("ActionNotUnderstood", language)));
        }

        var turn = new ChatTurn { Message = Inbound(activity, sender, string.Empty, []), Action = action, RichReplies = true };
        var result = await bot.HandleAsync(turn, cancellationToken);

        // The contact's remembered language wins over the client's locale, as in the bot's own replies.
        language = result.Language ?? language;
        if (result.Duplicate)
        {
            return Invoke(InvokeResponse.Message(TeamsTexts.Format("ActionAlreadyHandled", language)));
        }

        if (result.Replies.Count == 0)
        {
            return Invoke(InvokeResponse.Message(TeamsTexts.Format("ActionReceived", language)));
        }

        // The first reply replaces the card the user pressed (its buttons cannot be pressed twice);
        // anything more follows as ordinary messages.
        var first = result.Replies[0];
        await ReplyAsync(activity, result.Replies.Skip(1).ToList(), result.ReplyMessageIds.Skip(1).ToList(), cancellationToken);
        return Invoke(AdaptiveCards.IsPlain(first)
            ? InvokeResponse.Message(first.Text)
            : InvokeResponse.Card(AdaptiveCards.Render(first, CardActionStyle.Execute)));
    }

    private async Task<IResult> OnConversationUpdateAsync(Activity activity, CancellationToken cancellationToken)
    {
        var botId = activity.Recipient?.Id;
        var personal = activity.Conversation?.ConversationType is null or "personal";

        // In a personal chat the only bot that can join is this one (Teams gives bots "28:" ids), even when
        // the member's id is spelled differently from the recipient's.
        var botAdded = activity.MembersAdded?.Any(m => m.Id is { } id
            && (string.Equals(id, botId, StringComparison.OrdinalIgnoreCase) || (personal && id.StartsWith("28:", StringComparison.Ordinal)))) == true;
        if (!botAdded)
        {
            // People joining a team or chat the bot is in: the desk greets a person when they write.
            LogMembersAdded(activity.MembersAdded?.Count ?? 0, activity.Conversation?.ConversationType);
            return Results.Ok();
        }

        if (activity.Conversation?.Id is null || string.IsNullOrWhiteSpace(activity.ServiceUrl))
        {
            return Results.Ok();
        }

        if (personal && Address(activity.From) is { } installer)
        {
            await reachability.RestoreAsync(Channel.Teams, installer, cancellationToken);
        }

        var welcome = bot.Welcome(activity.EffectiveLocale);
        if (await RecordWelcomeAsync(activity, welcome, cancellationToken) is not { } record)
        {
            // Welcomed before (a redelivery, a repeated update, another instance): once per conversation.
            return Results.Ok();
        }

        var style = AdaptiveCards.StyleFor(activity.ChannelId);
        var messages = welcome.Select(reply =>
        {
            var message = TeamsActivities.FromReply(reply, style);
            message.ChannelId = activity.ChannelId;
            message.ServiceUrl = activity.ServiceUrl;
            message.Conversation = activity.Conversation;
            message.From = activity.Recipient;
            message.Locale = activity.EffectiveLocale;
            return message;
        }).ToList();

        // One record stands for the whole welcome (a single card today): what is left of it after a failure goes on as one.
        var unsent = await SendInOrderAsync(messages, m => connector.SendToConversationAsync(activity.ServiceUrl!, activity.Conversation.Id, m, cancellationToken));
        if (unsent is { } failed)
        {
            await Outbox.TakeOverFailedSendsAsync([new UnsentMessage(record.Id, Payload(messages[failed.Index]))], failed.Outcome, CancellationToken.None);
        }
        else
        {
            record.DeliveryState = DeliveryState.Sent;
            await db.SaveChangesAsync(cancellationToken);
        }

        return Results.Ok();
    }

    private async Task<IResult> OnInstallationUpdateAsync(Activity activity, CancellationToken cancellationToken)
    {
        // Only a personal install says something about one person: removing the app from a team does not.
        if (activity.Conversation?.ConversationType is not (null or "personal") || Address(activity.From) is not { } user)
        {
            return Results.Ok();
        }

        if (activity.Action?.StartsWith("remove", StringComparison.OrdinalIgnoreCase) == true)
        {
            if (await reachability.MarkUnreachableAsync(Channel.Teams, user, "removed the Teams app", cancellationToken))
            {
                LogUninstalled(user);
            }
        }
        else if (activity.Action?.StartsWith("add", StringComparison.OrdinalIgnoreCase) == true)
        {
            await reachability.RestoreAsync(Channel.Teams, user, cancellationToken);
        }

        return Results.Ok();
    }

    private async Task<IResult> OnRevisionAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (activity.Id is null || activity.Conversation?.Id is null)
        {
            return Results.Ok();
        }

        var externalId = TeamsActivities.ExternalId(activity.Conversation.Id, activity.Id);
        RevisionOutcome outcome;
        if (activity.Type == ActivityTypes.MessageDelete)
        {
            outcome = await revisions.RecordDeletionAsync(Channel.Teams, externalId, cancellationToken);
        }
        else if (activity.ChannelData?.EventType is null or "editMessage")
        {
            outcome = await revisions.RecordEditAsync(Channel.Teams, externalId, Mentions.StripBotMention(activity), activity.ParsedTimestamp, cancellationToken);
        }
        else
        {
            // undeleteMessage and other update kinds: the original text is still on file.
            return Results.Ok();
        }

        LogRevision(activity.Type!, externalId, outcome);
        return Results.Ok();
    }

    /// <summary>
    /// Sends the bot's replies inline, as replies to the user's activity: the fast path, with no further database
    /// work. When the Connector fails, the reply it failed on and those after it go to the outbox in one
    /// transaction, as prepared, so a delivery job sends them later (or records why it cannot).
    /// </summary>
    private async Task ReplyAsync(Activity incoming, IReadOnlyList<BotReply> replies, IReadOnlyList<long> messageIds, CancellationToken cancellationToken)
    {
        var style = AdaptiveCards.StyleFor(incoming.ChannelId);
        var conversationId = incoming.Conversation!.Id!;

        // Card actions reply under the card's message; messages under themselves.
        var replyTo = incoming.Type == ActivityTypes.Invoke ? incoming.ReplyToId : incoming.Id;
        var messages = replies.Select(reply => TeamsActivities.FromReply(reply, style).AddressAsReplyTo(incoming)).ToList();
        var unsent = await SendInOrderAsync(messages, message => replyTo is null
            ? connector.SendToConversationAsync(incoming.ServiceUrl!, conversationId, message, cancellationToken)
            : connector.ReplyToActivityAsync(incoming.ServiceUrl!, conversationId, replyTo, message, cancellationToken));
        if (unsent is { } failed)
        {
            // The turn is committed, and the request may be ending: the hand-over is written whatever happens to it.
            var handedOver = messageIds.Zip(messages).Skip(failed.Index).Select(m => new UnsentMessage(m.First, Payload(m.Second))).ToList();
            await Outbox.TakeOverFailedSendsAsync(handedOver, failed.Outcome, CancellationToken.None);
        }
    }

    /// <summary>
    /// Sends the activities one after the other and stops at the first failure: the user's turn is already stored,
    /// so a Connector failure must not fail the request (the channel would redeliver a turn the desk would then
    /// ignore as a duplicate). Returns the index of the activity that failed and what the failure means, or null.
    /// </summary>
    private async Task<(int Index, DeliveryResult Outcome)?> SendInOrderAsync(IReadOnlyList<Activity> messages, Func<Activity, Task> send)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            try
            {
                await send(messages[i]);
            }
            catch (Exception e) when (TeamsChannelSender.Failure(e, CancellationToken.None) is { } outcome)
            {
                // Judged without the request's token: a request aborted mid-send may still have reached the Connector.
                LogReplyFailed(outcome.Outcome, e);
                return (i, outcome);
            }
        }

        return null;
    }

    /// <summary>
    /// The outbox, for the rare turn whose answer the Connector failed: resolved then (from the request's scope, so on
    /// its database context) rather than built for every activity with all the channel senders it brings.
    /// </summary>
    private OutboxDispatcher Outbox => services.GetRequiredService<OutboxDispatcher>();

    /// <summary>An activity as the outbox keeps it, addressed, to send later exactly as it would have been sent now.</summary>
    private static string Payload(Activity activity) => JsonSerializer.Serialize(activity, TeamsJson.Default.Activity);

    /// <summary>
    /// Records the welcome of a conversation as an outbound message, or returns null when one is on file. The
    /// unique (channel, external id) index decides between two deliveries racing, on any instance, across restarts.
    /// </summary>
    private async Task<Message?> RecordWelcomeAsync(Activity activity, IReadOnlyList<BotReply> welcome, CancellationToken cancellationToken)
    {
        var key = WelcomeKey(activity);
        if (await db.Messages.AnyAsync(m => m.Channel == Channel.Teams && m.ExternalId == key, cancellationToken))
        {
            return null;
        }

        var record = new Message
        {
            Channel = Channel.Teams,
            Direction = MessageDirection.Outbound,
            Visibility = MessageVisibility.Public,
            Kind = MessageKind.BotReply,
            ExternalId = key,
            Body = string.Join("\n\n", welcome.Select(r => r.ToPlainText())),
            Author = desk.Value.Name,
            Recipient = Address(activity.From),
            DeliveryState = DeliveryState.Queued,
            CreatedAt = time.GetUtcNow(),
        };
        db.Messages.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return record;
        }
        catch (DbUpdateException)
        {
            db.Entry(record).State = EntityState.Detached;
            if (await db.Messages.AnyAsync(m => m.Channel == Channel.Teams && m.ExternalId == key, cancellationToken))
            {
                return null;
            }

            throw;
        }
    }

    /// <summary>
    /// The first id of the activity that would not fit its column, or null. Such an activity is refused whole:
    /// clipped, two different ids could become one and a message would be taken for another's redelivery.
    /// </summary>
    private string? OverLongId(Activity activity)
    {
        if (activity.Conversation?.Id is not { } conversation)
        {
            return null;
        }

        var sender = Address(activity.From);
        if (sender is not null && sender.Length > MaxLength<ContactIdentity>(nameof(ContactIdentity.Address)))
        {
            return "from.id";
        }

        if (ConversationKey(activity, sender ?? string.Empty).Length > MaxLength<Conversation>(nameof(Conversation.ExternalKey)))
        {
            return "conversation.id";
        }

        // The longest external id the desk derives from the activity: its own, or the one that remembers a welcome.
        var externalId = TeamsActivities.ExternalId(conversation, activity.Id ?? ContentKey(activity));
        return Math.Max(externalId.Length, WelcomeKey(activity).Length) > MaxLength<Message>(nameof(Message.ExternalId)) ? "id" : null;
    }

    private int MaxLength<TEntity>(string property) =>
        db.Model.FindEntityType(typeof(TEntity))?.FindProperty(property)?.GetMaxLength() ?? int.MaxValue;

    /// <summary>
    /// The conversation the desk keeps for the activity's sender. A personal chat is one person's; in a group chat
    /// or a team channel each sender has their own dialog, tickets and agent (two people reporting in one channel
    /// are not one conversation), across the channel's threads. Replies still go where the person last wrote:
    /// the reply handle keeps the full conversation id.
    /// </summary>
    private static string ConversationKey(Activity activity, string sender)
    {
        var conversation = activity.Conversation!;
        var personal = conversation.ConversationType is "personal" || (conversation.ConversationType is null && conversation.IsGroup != true);
        if (personal)
        {
            return conversation.Id!;
        }

        var thread = conversation.Id!.IndexOf(";messageid=", StringComparison.OrdinalIgnoreCase);
        return (thread < 0 ? conversation.Id : conversation.Id[..thread]) + "|" + ContactIdentity.Normalize(Channel.Teams, sender);
    }

    /// <summary>The external id of the welcome in a conversation: stored once, so it is sent once.</summary>
    private static string WelcomeKey(Activity activity) => "welcome|" + activity.Conversation!.Id!;

    private InboundMessage Inbound(Activity activity, string sender, string text, IReadOnlyList<AttachmentInfo> attachments)
    {
        var conversationId = activity.Conversation!.Id!;
        return new InboundMessage
        {
            Channel = Channel.Teams,
            ExternalId = TeamsActivities.ExternalId(conversationId, activity.Id ?? ContentKey(activity)),
            SenderAddress = sender,
            // A name is not an id: one longer than the desk keeps is shortened, not refused.
            SenderName = activity.From?.Name is { } name && name.Length > MaxLength<Contact>(nameof(Contact.DisplayName))
                ? name[..MaxLength<Contact>(nameof(Contact.DisplayName))]
                : activity.From?.Name,
            ConversationKey = ConversationKey(activity, sender),
            ReplyHandle = ConversationReference.From(activity)?.ToJson(),
            Text = text,
            Attachments = attachments,
            ReceivedAt = activity.ParsedTimestamp,
            Locale = activity.EffectiveLocale,
        };
    }

    /// <summary>
    /// A stand-in id for an activity that came without one (channels SHOULD send it, not MUST): the same
    /// content redelivered maps to the same key, so it is still recognised.
    /// </summary>
    private static string ContentKey(Activity activity)
    {
        var content = string.Join(
            '\u001f',
            activity.Type,
            activity.From?.Id,
            activity.Timestamp,
            activity.ReplyToId,
            activity.Text,
            activity.Value?.GetRawText());
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..32];
    }

    private static bool IsFromUser(Activity activity, out string sender)
    {
        sender = Address(activity.From) ?? string.Empty;
        return sender.Length > 0
            && activity.Conversation?.Id is { Length: > 0 }
            && !string.IsNullOrWhiteSpace(activity.ServiceUrl)
            && !string.Equals(activity.From!.Id, activity.Recipient?.Id, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A Teams user is known by their Entra object id; other Bot Framework channels only give a channel id.</summary>
    private static string? Address(ChannelAccount? account) =>
        !string.IsNullOrWhiteSpace(account?.AadObjectId) ? account.AadObjectId : string.IsNullOrWhiteSpace(account?.Id) ? null : account.Id;

    /// <summary>Action.Submit data: the <c>value</c> object of a message, flattened to text values.</summary>
    private static Dictionary<string, string>? ActionData(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.Object } data)
        {
            return null;
        }

        var action = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in data.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    action[property.Name] = property.Value.GetString()!;
                    break;
                case JsonValueKind.Null or JsonValueKind.Undefined:
                    break;
                default:
                    action[property.Name] = property.Value.GetRawText();
                    break;
            }
        }

        return action.Count == 0 ? null : action;
    }

    /// <summary>An <c>Action.Execute</c>: its data, with the verb as the action when the data names none.</summary>
    private static Dictionary<string, string>? CardAction(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.Object } invoke
            || !invoke.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var data = ActionData(action.TryGetProperty("data", out var payload) ? payload : null) ?? new Dictionary<string, string>(StringComparer.Ordinal);
        if (!data.ContainsKey(ChatActions.Key) && action.TryGetProperty("verb", out var verb) && verb.ValueKind == JsonValueKind.String
            && verb.GetString() is { Length: > 0 } name)
        {
            data[ChatActions.Key] = name;
        }

        return data.ContainsKey(ChatActions.Key) ? data : null;
    }

    /// <summary>Files and images the user sent; Teams' HTML copy of the text and cards are not attachments to keep.</summary>
    private static List<AttachmentInfo> Attachments(Activity activity)
    {
        var found = new List<AttachmentInfo>();
        foreach (var attachment in activity.Attachments ?? [])
        {
            var type = attachment.ContentType ?? string.Empty;
            if (type == "text/html" || type.StartsWith("application/vnd.microsoft.card.", StringComparison.Ordinal))
            {
                continue;
            }

            var url = attachment.ContentUrl;
            if (type == "application/vnd.microsoft.teams.file.download.info" && attachment.Content is System.Text.Json.Nodes.JsonObject info)
            {
                url = info["downloadUrl"]?.GetValue<string>() ?? url;
                type = info["fileType"]?.GetValue<string>() is { } extension ? "application/" + extension : type;
            }

            found.Add(new AttachmentInfo(attachment.Name ?? Path.GetFileName(url ?? "attachment"), type, 0, url));
        }

        return found;
    }

    private static IResult Invoke(InvokeResponse response) =>
        Results.Json(response, TeamsJson.Default.InvokeResponse, statusCode: response.StatusCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Type} activity (name {Name})")]
    private static partial void LogIgnored(ILogger logger, string? type, string? name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {Type} activity: its {Field} is longer than the desk stores")]
    private partial void LogOverLongId(string? type, string field);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} members added to a {ConversationType} conversation")]
    private partial void LogMembersAdded(int count, string? conversationType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Teams user {User} removed the app: marked unreachable on Teams")]
    private partial void LogUninstalled(string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Type} of {ExternalId}: {Outcome}")]
    private partial void LogRevision(string type, string externalId, RevisionOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver the bot's answer through the Bot Connector ({Outcome}): handed to the outbox")]
    private partial void LogReplyFailed(DeliveryOutcome outcome, Exception exception);
}
