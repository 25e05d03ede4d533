namespace ServiceDesk.Core.Catalogue;

/// <summary>First line takes everything first; second line holds the specialist skills.</summary>
public enum SupportTier
{
    L1 = 1,
    L2 = 2,
}

/// <summary>A team that works tickets (e.g. "Service Desk", "Network").</summary>
public sealed class AssignmentGroup
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public SupportTier Tier { get; set; }

    /// <summary>The team's shared mailbox, told of SLA warnings and breaches on its tickets; null: none.</summary>
    public string? Email { get; set; }
}

/// <summary>A third party that provides part of a service, under an underpinning contract.</summary>
public sealed class Supplier
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public string? ContactEmail { get; set; }
}

/// <summary>A service the desk supports (Email, VPN, Laptop…); routing of its tickets follows it.</summary>
public sealed class Service
{
    public int Id { get; set; }

    /// <summary>Stable code used by the API and the bot, e.g. <c>vpn</c>.</summary>
    public required string Code { get; set; }

    public required string NameEn { get; set; }

    public required string NameEs { get; set; }

    public int AssignmentGroupId { get; set; }

    public AssignmentGroup AssignmentGroup { get; set; } = null!;

    public int? SupplierId { get; set; }

    public Supplier? Supplier { get; set; }

    /// <summary>The supplier's resolution target under the underpinning contract, if any.</summary>
    public TimeSpan? UnderpinningResolutionTarget { get; set; }

    public string NameIn(string language) => language == Languages.Spanish ? NameEs : NameEn;
}
