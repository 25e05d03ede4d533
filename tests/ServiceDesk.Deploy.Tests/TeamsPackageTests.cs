using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServiceDesk.Deploy.Tests;

/// <summary>deploy/teams: the manifest, its Spanish localization, the icons and the packaging script.</summary>
public sealed partial class TeamsPackageTests : IDisposable
{
    private const string BotId = "1b8a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    private static readonly string[] PackageKeys =
        ["BOT_ID", "TEAMS_APP_ID", "APP_NAME", "APP_VERSION", "DEVELOPER_NAME", "WEBSITE_URL", "PRIVACY_URL", "TERMS_OF_USE_URL"];

    private readonly string _folder = Directory.CreateTempSubdirectory("servicedesk-teams-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_package_holds_manifest_localization_and_icons_at_its_root_with_the_values_filled_in()
    {
        var package = await PackageAsync();

        Assert.Equal(["color.png", "es.json", "manifest.json", "outline.png"], package.Entries.Keys.Order());
        var manifest = package.Json("manifest.json");
        Assert.Equal(BotId, (string?)manifest["bots"]![0]!["botId"]);
        Assert.Equal(BotId, (string?)manifest["id"]); // TEAMS_APP_ID defaults to the bot's id
        Assert.Equal("Contoso IT & Co", (string?)manifest["developer"]!["name"]);
        Assert.Equal("https://it.contoso.example/privacy?lang=es&v=2", (string?)manifest["developer"]!["privacyUrl"]);
        Assert.Equal("Service Desk", (string?)manifest["name"]!["short"]);
        Assert.DoesNotContain("${{", package.Text("manifest.json") + package.Text("es.json"));
        Assert.Equal(File.ReadAllBytes(Repository.Path("deploy", "teams", "outline.png")), package.Entries["outline.png"]);
    }

    [Fact]
    public async Task The_packaged_manifest_and_localization_are_valid_against_the_schemas_of_their_version()
    {
        var package = await PackageAsync();
        var manifest = package.Json("manifest.json");
        var version = (string)manifest["manifestVersion"]!;
        Assert.Equal($"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json", (string?)manifest["$schema"]);
        Assert.Equal($"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.Localization.schema.json", (string?)package.Json("es.json")["$schema"]);

        var manifestCheck = await ValidateAsync(version, "MicrosoftTeams.schema.json", package.Extract("manifest.json"));
        var localizationCheck = await ValidateAsync(version, "MicrosoftTeams.Localization.schema.json", package.Extract("es.json"));

        Assert.True(manifestCheck.ExitCode == 0, manifestCheck.ToString());
        Assert.True(localizationCheck.ExitCode == 0, localizationCheck.ToString());
    }

    [Fact]
    public async Task Schema_validation_catches_a_manifest_teams_would_refuse()
    {
        var package = await PackageAsync();
        var manifest = package.Json("manifest.json");
        manifest.AsObject().Remove("developer");
        manifest["bots"]![0]!["scopes"]!.AsArray().Add("everywhere");
        var broken = Path.Combine(_folder, "broken.json");
        File.WriteAllText(broken, manifest.ToJsonString());

        var check = await ValidateAsync((string)manifest["manifestVersion"]!, "MicrosoftTeams.schema.json", broken);

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("developer", check.Output);
        Assert.Contains("/bots/0/scopes/2", check.Output);
    }

    [Fact]
    public void The_bot_is_offered_in_personal_chat_and_in_teams_with_the_agreed_commands_in_both_languages()
    {
        var manifest = JsonNode.Parse(Repository.Read("deploy", "teams", "manifest.json"))!;
        var spanish = JsonNode.Parse(Repository.Read("deploy", "teams", "es.json"))!.AsObject();
        var bot = manifest["bots"]![0]!;
        Assert.Equal(["personal", "team"], bot["scopes"]!.AsArray().Select(s => (string)s!));

        var lists = bot["commandLists"]!.AsArray();
        Assert.Equal(["personal"], lists[0]!["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(["team"], lists[1]!["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(["help", "report", "my tickets", "agent", "language"], Titles(0));
        Assert.Equal(["ayuda", "reportar", "mis tickets", "agente", "idioma"], SpanishTitles(0));
        Assert.Equal(["help", "report"], Titles(1));
        Assert.Equal(["ayuda", "reportar"], SpanishTitles(1));

        // Every localized string replaces one that exists in the manifest; none is left untranslated.
        foreach (var (key, _) in spanish.Where(p => p.Key != "$schema"))
        {
            Assert.True(Resolve(manifest, key) is JsonValue, $"es.json key {key} names nothing in manifest.json");
        }

        var commandCount = lists.Sum(l => l!["commands"]!.AsArray().Count);
        Assert.Equal(commandCount * 2, spanish.Count(p => p.Key.StartsWith("bots[0].commandLists[", StringComparison.Ordinal)));

        IEnumerable<string> Titles(int list) => lists[list]!["commands"]!.AsArray().Select(c => (string)c!["title"]!);
        IEnumerable<string> SpanishTitles(int list) =>
            Enumerable.Range(0, lists[list]!["commands"]!.AsArray().Count).Select(i => (string)spanish[$"bots[0].commandLists[{list}].commands[{i}].title"]!);
    }

    [Fact]
    public async Task The_icons_have_the_sizes_and_colours_teams_requires()
    {
        var package = await PackageAsync();
        var color = Png.Read(package.Entries["color.png"]);
        var outline = Png.Read(package.Entries["outline.png"]);

        Assert.Equal((192, 192), (color.Width, color.Height));
        Assert.All(color.Pixels(), p => Assert.Equal(255, p.A));
        Assert.True(color.Pixels().Distinct().Count() > 2, "The colour icon is blank.");

        Assert.Equal((32, 32), (outline.Width, outline.Height));
        // White on transparent only: any pixel that shows at all is white.
        Assert.All(outline.Pixels(), p => Assert.True(p.A == 0 || (p.R, p.G, p.B) == (255, 255, 255), $"Outline pixel {p} is neither white nor transparent."));
        Assert.Contains(outline.Pixels(), p => p.A == 0);
        Assert.Contains(outline.Pixels(), p => p.A == 255);
        Assert.Equal(0, outline.Pixel(0, 0).A); // the corner is background
    }

    [Fact]
    public async Task The_committed_icons_are_what_the_icon_script_draws()
    {
        var drawn = Directory.CreateDirectory(Path.Combine(_folder, "drawn")).FullName;
        var run = await Command.RunAsync("python3", [Repository.Path("deploy", "teams", "icons.py"), drawn]);
        Assert.True(run.ExitCode == 0, run.ToString());

        foreach (var icon in new[] { "color.png", "outline.png" })
        {
            var committed = Png.Read(File.ReadAllBytes(Repository.Path("deploy", "teams", icon)));
            var fresh = Png.Read(File.ReadAllBytes(Path.Combine(drawn, icon)));
            Assert.Equal((fresh.Width, fresh.Height), (committed.Width, committed.Height));
            Assert.True(fresh.Pixels().SequenceEqual(committed.Pixels()), $"deploy/teams/{icon} differs from what icons.py draws: run python3 deploy/teams/icons.py");
        }
    }

    [Fact]
    public async Task Environment_variables_override_the_variables_file()
    {
        const string OtherApp = "0f0e0d0c-0b0a-4909-8807-060504030201";

        var package = await PackageAsync(environment: new() { ["TEAMS_APP_ID"] = OtherApp, ["APP_VERSION"] = "2.3.4" });

        var manifest = package.Json("manifest.json");
        Assert.Equal(OtherApp, (string?)manifest["id"]);
        Assert.Equal(BotId, (string?)manifest["bots"]![0]!["botId"]);
        Assert.Equal("2.3.4", (string?)manifest["version"]);
    }

    [Theory]
    [InlineData("BOT_ID", "", "BOT_ID is not set")]
    [InlineData("BOT_ID", "my-bot", "BOT_ID must be a GUID")]
    [InlineData("PRIVACY_URL", "http://it.contoso.example/privacy", "PRIVACY_URL must be an https:// URL")]
    [InlineData("DEVELOPER_NAME", "Contoso \"IT\"", "DEVELOPER_NAME must not contain quotes")]
    [InlineData("APP_NAME", "A service desk with a name far too long", "APP_NAME must be at most 30 characters")]
    public async Task Packaging_refuses_a_missing_or_malformed_value_and_writes_no_package(string key, string value, string message)
    {
        var output = Path.Combine(_folder, "refused.zip");

        var run = await RunPackageScriptAsync(Variables(new() { [key] = value }), output, new());

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.Error);
        Assert.False(File.Exists(output));
    }

    private static async Task<CommandResult> ValidateAsync(string manifestVersion, string schema, string document)
    {
        var schemaPath = Path.Combine(Repository.NodeModules, "@microsoft", "app-manifest", "build", "json-schemas", "teams", $"v{manifestVersion}", schema);
        Assert.True(File.Exists(schemaPath), $"The schema for manifest version {manifestVersion} is not in @microsoft/app-manifest: {schemaPath}");
        return await Repository.RunNodeAsync(Repository.TestScript("validate-json.cjs"), schemaPath, document);
    }

    private async Task<Package> PackageAsync(Dictionary<string, string?>? environment = null)
    {
        var output = Path.Combine(_folder, "package", "servicedesk-teams.zip");
        var run = await RunPackageScriptAsync(Variables(), output, environment ?? new());
        Assert.True(run.ExitCode == 0, run.ToString());
        return new Package(output, _folder);
    }

    private string Variables(Dictionary<string, string>? overrides = null)
    {
        var values = new Dictionary<string, string>
        {
            ["BOT_ID"] = BotId,
            ["DEVELOPER_NAME"] = "\"Contoso IT & Co\"", // quoted in the file, as .env files often are
            ["WEBSITE_URL"] = "https://it.contoso.example/",
            ["PRIVACY_URL"] = "https://it.contoso.example/privacy?lang=es&v=2",
            ["TERMS_OF_USE_URL"] = "https://it.contoso.example/terms",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            values[key] = value;
        }

        var file = Path.Combine(_folder, $"teams-{Guid.NewGuid():N}.env");
        File.WriteAllLines(file, ["# test values", .. values.Select(v => $"{v.Key}={v.Value}")]);
        return file;
    }

    private static Task<CommandResult> RunPackageScriptAsync(string variablesFile, string output, Dictionary<string, string?> environment)
    {
        // Only what the test sets: a variable of the same name in the test run's environment would win.
        foreach (var key in PackageKeys)
        {
            environment.TryAdd(key, null);
        }

        return Command.RunAsync("bash", [Repository.Path("deploy", "teams", "package.sh"), variablesFile, output], environment);
    }

    /// <summary>Walks a localization key such as <c>bots[0].commandLists[1].commands[0].title</c>.</summary>
    private static JsonNode? Resolve(JsonNode root, string key)
    {
        JsonNode? node = root;
        foreach (Match step in LocalizationKeyStep().Matches(key))
        {
            node = step.Groups["index"].Success ? node?.AsArray().ElementAtOrDefault(int.Parse(step.Groups["index"].Value)) : node?[step.Groups["name"].Value];
        }

        return node;
    }

    [GeneratedRegex(@"(?<name>[A-Za-z0-9]+)|\[(?<index>[0-9]+)\]")]
    private static partial Regex LocalizationKeyStep();

    private sealed class Package
    {
        private readonly string _folder;

        public Package(string zip, string folder)
        {
            _folder = folder;
            using var archive = ZipFile.OpenRead(zip);
            Entries = archive.Entries.ToDictionary(e => e.FullName, e =>
            {
                using var stream = e.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });
        }

        public Dictionary<string, byte[]> Entries { get; }

        public string Text(string entry) => System.Text.Encoding.UTF8.GetString(Entries[entry]);

        public JsonNode Json(string entry) => JsonNode.Parse(Text(entry))!;

        public string Extract(string entry)
        {
            var path = Path.Combine(_folder, "extracted", entry);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Entries[entry]);
            return path;
        }
    }
}
