using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ServiceDesk.Channels.Teams;

/// <summary>The activity types the desk acts on; any other type is accepted and ignored, as the Activity spec asks.</summary>
public static class ActivityTypes
{
    public const string Message = "message";
    public const string ConversationUpdate = "conversationUpdate";
    public const string InstallationUpdate = "installationUpdate";
    public const string MessageUpdate = "messageUpdate";
    public const string MessageDelete = "messageDelete";
    public const string Invoke = "invoke";
    public const string Typing = "typing";
}

/// <summary>
/// A Bot Framework activity (the Activity schema, v3), both as received on <c>/api/messages</c> and as
/// sent to the Bot Connector. Only the fields the desk uses are modelled: unknown fields are ignored
/// on the way in and never invented on the way out.
/// </summary>
public sealed class Activity
{
    public string? Type { get; set; }

    public string? Id { get; set; }

    /// <summary>The invoke or event name (<c>adaptiveCard/action</c>).</summary>
    public string? Name { get; set; }

    /// <summary>ISO 8601 text; kept as sent and parsed on demand so an odd format never rejects an activity.</summary>
    public string? Timestamp { get; set; }

    public string? LocalTimestamp { get; set; }

    public string? ChannelId { get; set; }

    public string? ServiceUrl { get; set; }

    public ChannelAccount? From { get; set; }

    public ConversationAccount? Conversation { get; set; }

    public ChannelAccount? Recipient { get; set; }

    public string? TextFormat { get; set; }

    public string? Text { get; set; }

    /// <summary>What a channel that cannot render the attachments shows instead.</summary>
    public string? Summary { get; set; }

    public string? Locale { get; set; }

    public string? ReplyToId { get; set; }

    /// <summary><c>add</c> or <c>remove</c> on an installationUpdate.</summary>
    public string? Action { get; set; }

    public string? AttachmentLayout { get; set; }

    public List<Attachment>? Attachments { get; set; }

    public List<Entity>? Entities { get; set; }

    public TeamsChannelData? ChannelData { get; set; }

    /// <summary>Action.Submit data on a message; the invoke payload on an invoke.</summary>
    public JsonElement? Value { get; set; }

    public List<ChannelAccount>? MembersAdded { get; set; }

    public List<ChannelAccount>? MembersRemoved { get; set; }

    public DateTimeOffset? ParsedTimestamp =>
        DateTimeOffset.TryParse(Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    /// <summary>The user's locale: the activity's, else the one Teams puts in its clientInfo entity.</summary>
    [JsonIgnore]
    public string? EffectiveLocale =>
        !string.IsNullOrWhiteSpace(Locale)
            ? Locale
            : Entities?.FirstOrDefault(e => e.Type == "clientInfo" && !string.IsNullOrWhiteSpace(e.Locale))?.Locale;

    /// <summary>The tenant, wherever the channel put it (conversation or Teams channel data).</summary>
    [JsonIgnore]
    public string? TenantId => Conversation?.TenantId ?? ChannelData?.Tenant?.Id;
}

public sealed class ChannelAccount
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? AadObjectId { get; set; }

    public string? Role { get; set; }
}

public sealed class ConversationAccount
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    /// <summary><c>personal</c>, <c>groupChat</c> or <c>channel</c> in Teams; absent elsewhere.</summary>
    public string? ConversationType { get; set; }

    public bool? IsGroup { get; set; }

    public string? TenantId { get; set; }
}

public sealed class Attachment
{
    public string? ContentType { get; set; }

    public string? ContentUrl { get; set; }

    public JsonNode? Content { get; set; }

    public string? Name { get; set; }

    public string? ThumbnailUrl { get; set; }
}

/// <summary>A mention, Teams' clientInfo, or any other entity (kept whole for what the desk does not read).</summary>
public sealed class Entity
{
    public string? Type { get; set; }

    public ChannelAccount? Mentioned { get; set; }

    public string? Text { get; set; }

    public string? Locale { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; set; }
}

/// <summary>The parts of Teams' <c>channelData</c> the desk reads; other members pass through untouched.</summary>
public sealed class TeamsChannelData
{
    public TeamsInfo? Tenant { get; set; }

    /// <summary>e.g. <c>teamMemberAdded</c>, <c>editMessage</c>, <c>softDeleteMessage</c>.</summary>
    public string? EventType { get; set; }

    public TeamsInfo? Team { get; set; }

    public TeamsInfo? Channel { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; set; }
}

public sealed class TeamsInfo
{
    public string? Id { get; set; }

    public string? Name { get; set; }
}

/// <summary>The Connector's answer to a send (<c>ResourceResponse</c>).</summary>
public sealed class ResourceResponse
{
    public string? Id { get; set; }
}

/// <summary>The body of <c>POST /v3/conversations</c> (<c>ConversationParameters</c>).</summary>
public sealed class ConversationParameters
{
    public bool? IsGroup { get; set; }

    public ChannelAccount? Bot { get; set; }

    public List<ChannelAccount>? Members { get; set; }

    public string? TopicName { get; set; }

    public string? TenantId { get; set; }

    public Activity? Activity { get; set; }

    public TeamsChannelData? ChannelData { get; set; }
}

/// <summary>The Connector's answer to a create-conversation call (<c>ConversationResourceResponse</c>).</summary>
public sealed class ConversationResourceResponse
{
    public string? Id { get; set; }

    public string? ActivityId { get; set; }

    public string? ServiceUrl { get; set; }
}

/// <summary>JSON settings of the Bot Framework wire format, source-generated so the hot path reflects over nothing.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Activity))]
[JsonSerializable(typeof(ResourceResponse))]
[JsonSerializable(typeof(ConversationParameters))]
[JsonSerializable(typeof(ConversationResourceResponse))]
[JsonSerializable(typeof(ConversationReference))]
[JsonSerializable(typeof(InvokeResponse))]
[JsonSerializable(typeof(TokenResponse))]
public sealed partial class TeamsJson : JsonSerializerContext;
