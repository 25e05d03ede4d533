using Microsoft.AspNetCore.Identity;

namespace ServiceDesk.Bot.Agents;

/// <summary>A person who works the desk: signs in to the console, takes conversations, works tickets.</summary>
public sealed class AgentUser : IdentityUser
{
    /// <summary>The name users and the audit trail see (e.g. "Eva Martín").</summary>
    public string DisplayName { get; set; } = "";
}

/// <summary>Agent roles: every agent works the console; admins also manage agents and see the job dashboard.</summary>
public static class AgentRoles
{
    public const string Agent = "Agent";
    public const string Admin = "Admin";

    public static readonly string[] All = [Agent, Admin];
}

/// <summary>Authorization policies of the console.</summary>
public static class AgentPolicies
{
    /// <summary>Any signed-in agent (role Agent or Admin).</summary>
    public const string Console = "AgentConsole";

    public const string Admin = "AgentAdmin";
}
