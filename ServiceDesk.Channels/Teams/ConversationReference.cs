using System.Text.Json;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// Everything needed to write into a conversation later without the user writing first: stored as the
/// conversation's reply handle (JSON) and used for proactive status updates.
/// </summary>
public sealed class ConversationReference
{
    public string? ChannelId { get; set; }

    public required string ServiceUrl { get; set; }

    public required ConversationAccount Conversation { get; set; }

    public string? TenantId { get; set; }

    public ChannelAccount? Bot { get; set; }

    public ChannelAccount? User { get; set; }

    public string? Locale { get; set; }

    /// <summary>The reference of the conversation an activity arrived in; null when the activity lacks the essentials.</summary>
    public static ConversationReference? From(Activity activity)
    {
        if (string.IsNullOrWhiteSpace(activity.ServiceUrl) || string.IsNullOrWhiteSpace(activity.Conversation?.Id))
        {
            return null;
        }

        var tenant = activity.TenantId;
        return new ConversationReference
        {
            ChannelId = activity.ChannelId,
            ServiceUrl = activity.ServiceUrl,
            Conversation = new ConversationAccount
            {
                Id = activity.Conversation.Id,
                ConversationType = activity.Conversation.ConversationType,
                IsGroup = activity.Conversation.IsGroup,
                TenantId = tenant,
            },
            TenantId = tenant,
            Bot = activity.Recipient is { } bot ? new ChannelAccount { Id = bot.Id, Name = bot.Name } : null,
            User = activity.From is { } user ? new ChannelAccount { Id = user.Id, Name = user.Name, AadObjectId = user.AadObjectId } : null,
            Locale = activity.EffectiveLocale,
        };
    }

    /// <summary>True for a one-to-one chat with the user (Teams personal scope, Direct Line, the emulator).</summary>
    public bool IsPersonal => Conversation.ConversationType is null or "personal" && Conversation.IsGroup != true;

    public string ToJson() => JsonSerializer.Serialize(this, TeamsJson.Default.ConversationReference);

    /// <returns>The reference, or null when the text is not one (an empty or foreign reply handle).</returns>
    public static ConversationReference? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            var reference = JsonSerializer.Deserialize(json, TeamsJson.Default.ConversationReference);
            return reference is { ServiceUrl.Length: > 0, Conversation.Id.Length: > 0 } ? reference : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
