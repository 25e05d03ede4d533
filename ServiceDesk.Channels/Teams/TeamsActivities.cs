using System.Globalization;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Teams;

/// <summary>Builds the message activities the desk sends: bot replies, notifications, the resolution card.</summary>
public static class TeamsActivities
{
    /// <summary>A bot reply: a text message when it is only words, an Adaptive Card with a plain-text summary otherwise.</summary>
    public static Activity FromReply(BotReply reply, CardActionStyle style)
    {
        if (AdaptiveCards.IsPlain(reply))
        {
            return new Activity { Type = ActivityTypes.Message, Text = reply.Text };
        }

        return new Activity
        {
            Type = ActivityTypes.Message,
            Summary = reply.ToPlainText(),
            Attachments = [AdaptiveCards.Attachment(AdaptiveCards.Render(reply, style))],
        };
    }

    /// <summary>
    /// What the outbox sends: the resolution notice as a card that asks to confirm or reject and to rate the
    /// service 1–5; every other notice as the plain text the desk composed (an agent's words stay as written).
    /// </summary>
    public static Activity FromNotification(OutboundMessage message, CardActionStyle style)
    {
        if (message.Kind == MessageKind.ResolutionNotification)
        {
            return FromReply(ResolutionNotice(message), style);
        }

        return new Activity { Type = ActivityTypes.Message, Text = message.Body, TextFormat = "plain" };
    }

    public static BotReply ResolutionNotice(OutboundMessage message)
    {
        var language = message.Language;
        var ticket = (ChatActions.TicketKey, message.TicketNumber);
        var choices = new List<BotChoice>
        {
            BotChoice.For(TeamsTexts.Format("ConfirmResolution", language), ChatActions.ConfirmResolution, ticket),
            BotChoice.For(TeamsTexts.Format("RejectResolution", language), ChatActions.RejectResolution, ticket),
        };
        for (var rating = 1; rating <= 5; rating++)
        {
            var value = rating.ToString(CultureInfo.InvariantCulture);
            choices.Add(BotChoice.For(TeamsTexts.Format("RatingLabel", language, value), ChatActions.Rate, ticket, (ChatActions.RatingKey, value)));
        }

        return new BotReply
        {
            Title = TeamsTexts.Format("ResolutionTitle", language, message.TicketNumber),
            Text = message.Body,
            Choices = choices,
        };
    }

    /// <summary>Addresses an outgoing activity to a stored conversation, as the bot.</summary>
    public static Activity AddressTo(this Activity activity, ConversationReference reference)
    {
        activity.ChannelId = reference.ChannelId;
        activity.ServiceUrl = reference.ServiceUrl;
        activity.Conversation = reference.Conversation;
        activity.From = reference.Bot;
        activity.Recipient = reference.User is { } user ? new ChannelAccount { Id = user.Id, Name = user.Name } : null;
        activity.Locale ??= reference.Locale;
        return activity;
    }

    /// <summary>Addresses a reply to an activity that just arrived.</summary>
    public static Activity AddressAsReplyTo(this Activity reply, Activity incoming)
    {
        reply.ChannelId = incoming.ChannelId;
        reply.ServiceUrl = incoming.ServiceUrl;
        reply.Conversation = incoming.Conversation;
        reply.From = incoming.Recipient;
        reply.Recipient = incoming.From is { } user ? new ChannelAccount { Id = user.Id, Name = user.Name } : null;
        reply.Locale ??= incoming.Locale;
        reply.ReplyToId = incoming.Id;
        return reply;
    }

    /// <summary>
    /// The desk's id for an activity. Activity ids are unique only within their conversation (Teams uses
    /// millisecond timestamps), so the conversation — without a channel thread's <c>;messageid=</c> — scopes it.
    /// </summary>
    public static string ExternalId(string conversationId, string activityId)
    {
        var thread = conversationId.IndexOf(";messageid=", StringComparison.OrdinalIgnoreCase);
        var conversation = thread < 0 ? conversationId : conversationId[..thread];
        return conversation + "|" + activityId;
    }
}
