namespace ServiceDesk.Core;

/// <summary>How a contact reached the desk, and so how the desk answers them.</summary>
public enum Channel
{
    /// <summary>Tickets opened by agents or integrations through the REST API or the console.</summary>
    Web,
    Teams,
    Email,
    Sms,
}
