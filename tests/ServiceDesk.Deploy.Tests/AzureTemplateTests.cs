using System.Text.Json.Nodes;

namespace ServiceDesk.Deploy.Tests;

/// <summary>deploy/azure: the Bicep template, compiled and linted offline by the Bicep CLI.</summary>
public class AzureTemplateTests
{
    private static readonly string Template = Repository.Path("deploy", "azure", "main.bicep");
    private static readonly string Parameters = Repository.Path("deploy", "azure", "main.bicepparam");

    [Fact]
    public async Task The_template_compiles_and_passes_the_linter_without_a_warning()
    {
        var lint = await Command.RunAsync(Repository.Bicep, ["lint", Template]);
        var format = await Command.RunAsync(Repository.Bicep, ["format", Template, "--stdout"]);

        Assert.True(lint.ExitCode == 0 && lint.Error.Trim().Length == 0 && lint.Output.Trim().Length == 0, lint.ToString());
        Assert.True(format.Output == File.ReadAllText(Template), "deploy/azure/main.bicep is not formatted: run bicep format deploy/azure/main.bicep");
    }

    [Fact]
    public async Task The_bot_is_single_tenant_with_the_teams_channel_and_points_at_the_app_service()
    {
        var resources = await CompiledResourcesAsync();

        var bot = resources.Single(r => Type(r) == "Microsoft.BotService/botServices");
        Assert.Equal("SingleTenant", (string?)bot["properties"]!["msaAppType"]);
        Assert.Equal("[parameters('botAppId')]", (string?)bot["properties"]!["msaAppId"]);
        Assert.Equal("[parameters('botTenantId')]", (string?)bot["properties"]!["msaAppTenantId"]);
        Assert.Contains("/api/messages", (string?)bot["properties"]!["endpoint"]);

        var channel = resources.Single(r => Type(r) == "Microsoft.BotService/botServices/channels");
        Assert.Equal("MsTeamsChannel", (string?)channel["properties"]!["channelName"]);

        var site = resources.Single(r => Type(r) == "Microsoft.Web/sites");
        Assert.Contains("DOTNETCORE|10.0", (string?)site["properties"]!["siteConfig"]!["linuxFxVersion"]);
        Assert.Equal("/healthz", (string?)site["properties"]!["siteConfig"]!["healthCheckPath"]);
        Assert.True((bool?)site["properties"]!["siteConfig"]!["alwaysOn"]);
        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        Assert.NotNull(site["properties"]!["keyVaultReferenceIdentity"]);

        Assert.Contains(resources, r => Type(r) == "Microsoft.Sql/servers");
        Assert.Contains(resources, r => Type(r) == "Microsoft.Sql/servers/databases");
    }

    [Fact]
    public async Task Secrets_are_secure_parameters_kept_in_key_vault_and_read_through_key_vault_references()
    {
        var template = await CompileAsync();
        var resources = template["resources"]!.AsArray().Select(r => r!).ToList();

        foreach (var secret in new[] { "botAppPassword", "sqlAdministratorPassword", "apiKey", "bootstrapAgentPassword", "emailImapPassword", "emailSmtpPassword", "twilioAuthToken" })
        {
            Assert.Equal("securestring", (string?)template["parameters"]![secret]!["type"]);
        }

        var vault = resources.Single(r => Type(r) == "Microsoft.KeyVault/vaults");
        Assert.True((bool?)vault["properties"]!["enableRbacAuthorization"]);
        Assert.Contains(resources, r => Type(r) == "Microsoft.KeyVault/vaults/secrets");

        // The app's identity may read secret values, and nothing more ("Key Vault Secrets User").
        var grant = resources.Single(r => Type(r) == "Microsoft.Authorization/roleAssignments");
        Assert.Contains("4633458b-17de-408a-b874-0445c86b69e6", template.ToJsonString());
        Assert.Equal("ServicePrincipal", (string?)grant["properties"]!["principalType"]);

        var settings = resources.Single(r => Type(r) == "Microsoft.Web/sites/config");
        var settingsExpression = settings["properties"]!.ToJsonString();
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settingsExpression);
        Assert.DoesNotContain("sqlAdministratorPassword", settingsExpression); // the password reaches the app only through the vault

        // Contract keys the desk reads, as app settings.
        var variables = string.Join('\n', template["variables"]!.AsObject().Select(v => v.Value!.ToString()));
        foreach (var key in new[] { "Database__Provider", "ConnectionStrings__ServiceDesk", "Channels__Teams__MicrosoftAppId", "Channels__Teams__MicrosoftAppPassword", "Channels__Teams__MicrosoftAppTenantId", "Channels__Teams__MicrosoftAppType", "Desk__DefaultLanguage", "SERVICEDESK_DATA" })
        {
            Assert.Contains($"'{key}'", variables);
        }
    }

    [Fact]
    public async Task The_parameters_file_fits_the_template_and_takes_its_secrets_from_the_environment()
    {
        const string AppId = "1b8a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        var withSecrets = await Command.RunAsync(Repository.Bicep, ["build-params", Parameters, "--stdout"], new Dictionary<string, string?>
        {
            ["SERVICEDESK_BOT_APP_ID"] = AppId,
            ["SERVICEDESK_BOT_APP_PASSWORD"] = "bot-secret",
            ["SERVICEDESK_SQL_PASSWORD"] = "sql-Secret-1",
            ["SERVICEDESK_API_KEY"] = null,
        });
        var withoutSecrets = await Command.RunAsync(Repository.Bicep, ["build-params", Parameters, "--stdout"], new Dictionary<string, string?>
        {
            ["SERVICEDESK_BOT_APP_ID"] = null,
            ["SERVICEDESK_BOT_APP_PASSWORD"] = null,
            ["SERVICEDESK_SQL_PASSWORD"] = null,
        });

        Assert.True(withSecrets.ExitCode == 0 && withSecrets.Error.Trim().Length == 0, withSecrets.ToString());
        var parameters = JsonNode.Parse((string)JsonNode.Parse(withSecrets.Output)!["parametersJson"]!)!["parameters"]!;
        Assert.Equal(AppId, (string?)parameters["botAppId"]!["value"]);
        Assert.Equal("bot-secret", (string?)parameters["botAppPassword"]!["value"]);

        Assert.NotEqual(0, withoutSecrets.ExitCode);
        Assert.Contains("SERVICEDESK_SQL_PASSWORD", withoutSecrets.Error);
    }

    private static string? Type(JsonNode resource) => (string?)resource["type"];

    private static async Task<List<JsonNode>> CompiledResourcesAsync() =>
        (await CompileAsync())["resources"]!.AsArray().Select(r => r!).ToList();

    // One compilation for the whole class: the compiler takes seconds to start.
    private static readonly Lazy<Task<CommandResult>> Compiled = new(() => Command.RunAsync(Repository.Bicep, ["build", Template, "--stdout"]));

    private static async Task<JsonNode> CompileAsync()
    {
        var build = await Compiled.Value;
        Assert.True(build.ExitCode == 0, build.ToString());
        return JsonNode.Parse(build.Output)!;
    }
}
