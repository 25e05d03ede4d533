namespace ServiceDesk.Core;

/// <summary>
/// A request that breaks a rule of the domain (an invalid status transition, a closed ticket).
/// The host turns it into a 409 problem response; it is never an unhandled error.
/// </summary>
public sealed class DomainRuleException(string code, string message) : Exception(message)
{
    /// <summary>A stable, machine-readable code such as <c>invalid_transition</c>.</summary>
    public string Code { get; } = code;
}
