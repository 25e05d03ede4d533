using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Core;

/// <summary>The desk's identity and ticket rules (<c>Desk:*</c>).</summary>
public sealed class DeskOptions
{
    public const string SectionName = "Desk";

    [Required]
    public string Name { get; set; } = "Service Desk";

    [Required, RegularExpression("^(es|en)$", ErrorMessage = "Desk:DefaultLanguage must be 'es' or 'en'.")]
    public string DefaultLanguage { get; set; } = "es";

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{0,9}$", ErrorMessage = "Desk:TicketPrefix must be 1-10 letters or digits, starting with a letter.")]
    public string TicketPrefix { get; set; } = "SD";

    /// <summary>A requester's reply within this time after resolution reopens the ticket; later, it opens a new, linked one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ReopenWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Resolved tickets are closed automatically after this time without a reply.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan AutoCloseAfter { get; set; } = TimeSpan.FromDays(5);
}
