using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Channels.Teams;

public enum BotAppType
{
    MultiTenant,
    SingleTenant,
    UserAssignedMSI,
}

/// <summary>The Azure Bot registration and protocol endpoints (<c>Channels:Teams:*</c>).</summary>
public sealed class TeamsOptions : IValidatableObject
{
    public const string SectionName = "Channels:Teams";

    public const string PublicOpenIdMetadataUrl = "https://login.botframework.com/v1/.well-known/openidconfiguration";

    public const string PublicBotFrameworkIssuer = "https://api.botframework.com";

    public const string PublicConnectorScope = "https://api.botframework.com/.default";

    /// <summary>The Entra app id of the bot; empty turns authentication off (loopback callers only).</summary>
    public string? MicrosoftAppId { get; set; }

    public string? MicrosoftAppPassword { get; set; }

    /// <summary>The bot's Entra tenant, required for <see cref="BotAppType.SingleTenant"/>.</summary>
    public string? MicrosoftAppTenantId { get; set; }

    public BotAppType MicrosoftAppType { get; set; } = BotAppType.MultiTenant;

    [Url]
    public string OpenIdMetadataUrl { get; set; } = PublicOpenIdMetadataUrl;

    /// <summary>The issuer of the tokens Azure Bot Service sends to bots (a sovereign cloud has its own, e.g. <c>https://api.botframework.us</c>).</summary>
    [Required]
    public string BotFrameworkIssuer { get; set; } = PublicBotFrameworkIssuer;

    /// <summary>What the desk asks for when it calls the Bot Connector (sovereign clouds: e.g. <c>https://api.botframework.us/.default</c>).</summary>
    [Required]
    public string ConnectorScope { get; set; } = PublicConnectorScope;

    /// <summary>Where the desk gets its Connector token; empty picks the cloud default for the app type.</summary>
    public string? TokenEndpoint { get; set; }

    /// <summary>
    /// OpenID metadata of the tenant's Entra issuers (single-tenant bots); empty picks
    /// <c>https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration</c>.
    /// </summary>
    public string? EntraOpenIdMetadataUrl { get; set; }

    /// <summary>
    /// Hosts the desk may send its Connector token to without having seen an authenticated activity from
    /// them first (<c>smba.trafficmanager.net</c>, or <c>*.example.net</c> for every sub-domain).
    /// </summary>
    public List<string> AllowedServiceUrlHosts { get; set; } = [];

    /// <summary>How long a call to the Connector may wait for retries before it hands the rest to the outbox.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxRetryWait { get; set; } = TimeSpan.FromSeconds(10);

    public bool AuthenticationEnabled => !string.IsNullOrWhiteSpace(MicrosoftAppId);

    public string ResolvedTokenEndpoint => !string.IsNullOrWhiteSpace(TokenEndpoint)
        ? TokenEndpoint
        : MicrosoftAppType switch
        {
            BotAppType.SingleTenant => $"https://login.microsoftonline.com/{MicrosoftAppTenantId}/oauth2/v2.0/token",
            BotAppType.UserAssignedMSI => "http://169.254.169.254/metadata/identity/oauth2/token",
            _ => "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token",
        };

    public string ResolvedEntraOpenIdMetadataUrl => !string.IsNullOrWhiteSpace(EntraOpenIdMetadataUrl)
        ? EntraOpenIdMetadataUrl
        : $"https://login.microsoftonline.com/{MicrosoftAppTenantId}/v2.0/.well-known/openid-configuration";

    /// <summary>The Entra issuers (v1 and v2 tokens) of the bot's tenant, accepted besides Bot Framework's for single-tenant bots.</summary>
    public IReadOnlyList<string> TenantIssuers => MicrosoftAppType == BotAppType.SingleTenant && !string.IsNullOrWhiteSpace(MicrosoftAppTenantId)
        ? [$"https://sts.windows.net/{MicrosoftAppTenantId}/", $"https://login.microsoftonline.com/{MicrosoftAppTenantId}/v2.0"]
        : [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AuthenticationEnabled)
        {
            yield break;
        }

        if (MicrosoftAppType == BotAppType.SingleTenant && string.IsNullOrWhiteSpace(MicrosoftAppTenantId))
        {
            yield return new ValidationResult(
                "Channels:Teams:MicrosoftAppTenantId is required when Channels:Teams:MicrosoftAppType is SingleTenant.", [nameof(MicrosoftAppTenantId)]);
        }

        if (MicrosoftAppType != BotAppType.UserAssignedMSI && string.IsNullOrWhiteSpace(MicrosoftAppPassword))
        {
            yield return new ValidationResult(
                $"Channels:Teams:MicrosoftAppPassword is required when Channels:Teams:MicrosoftAppId is set ({MicrosoftAppType}).", [nameof(MicrosoftAppPassword)]);
        }

        foreach (var (key, value) in new[] { ("TokenEndpoint", TokenEndpoint), ("EntraOpenIdMetadataUrl", EntraOpenIdMetadataUrl) })
        {
            if (!string.IsNullOrWhiteSpace(value) && !Uri.TryCreate(value, UriKind.Absolute, out _))
            {
                yield return new ValidationResult($"Channels:Teams:{key} must be an absolute URL.", [key]);
            }
        }

        if (!ConnectorScope.EndsWith("/.default", StringComparison.Ordinal) || !Uri.TryCreate(ConnectorScope, UriKind.Absolute, out _))
        {
            yield return new ValidationResult(
                $"Channels:Teams:ConnectorScope is a resource URL ending in '/.default', such as '{PublicConnectorScope}'.", [nameof(ConnectorScope)]);
        }

        foreach (var host in AllowedServiceUrlHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/') || host.Contains(':'))
            {
                yield return new ValidationResult(
                    $"Channels:Teams:AllowedServiceUrlHosts entries are host names such as 'smba.trafficmanager.net' or '*.example.net', not '{host}'.",
                    [nameof(AllowedServiceUrlHosts)]);
            }
        }
    }
}
