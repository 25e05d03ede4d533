using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Core.Tickets;

/// <summary>
/// How the desk chases a requester who leaves a Pending ticket unanswered (<c>Desk:PendingReminderAfter</c>,
/// <c>Desk:PendingReminders</c>, <c>Desk:ResolveUnansweredPending</c>): keys of the <c>Desk</c> section,
/// bound on their own so the follow-up stays one concern.
/// </summary>
public sealed class PendingFollowUpOptions
{
    /// <summary>
    /// Silence after the ticket went Pending (and after each reminder) before the next step. Clock time, like the
    /// reopen window: the requester's days are not the desk's working hours. A step that falls outside the SLA
    /// calendar's business hours waits for the next working moment, so nobody is texted at night or at the weekend.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Desk:PendingReminderAfter must be between 1 minute and 365 days.")]
    public TimeSpan PendingReminderAfter { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How many reminders a Pending ticket gets at most (0: none).</summary>
    [Range(0, 10, ErrorMessage = "Desk:PendingReminders must be between 0 and 10.")]
    public int PendingReminders { get; set; } = 2;

    /// <summary>After the last reminder and another <see cref="PendingReminderAfter"/> of silence, resolve the ticket.</summary>
    public bool ResolveUnansweredPending { get; set; } = true;
}
