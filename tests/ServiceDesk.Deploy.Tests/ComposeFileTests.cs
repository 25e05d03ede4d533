using System.Text.Json.Nodes;

namespace ServiceDesk.Deploy.Tests;

/// <summary>deploy/docker-compose.yml, checked against the Compose specification by dclint (no container engine runs here).</summary>
public sealed class ComposeFileTests : IDisposable
{
    private static readonly string ComposeFile = Repository.Path("deploy", "docker-compose.yml");
    private readonly string _folder = Directory.CreateTempSubdirectory("servicedesk-compose-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_compose_file_follows_the_compose_specification_with_no_lint_warning()
    {
        var lint = await LintAsync(ComposeFile);

        Assert.True(lint.ExitCode == 0, lint.ToString());
    }

    [Fact]
    public async Task The_linter_refuses_a_compose_file_outside_the_specification()
    {
        var broken = Path.Combine(_folder, "docker-compose.yml");
        File.WriteAllText(broken, File.ReadAllText(ComposeFile).Replace("condition: service_healthy", "condition: when_it_feels_like_it", StringComparison.Ordinal));

        var lint = await LintAsync(broken);

        Assert.NotEqual(0, lint.ExitCode);
        Assert.Contains("depends_on", lint.Output);
    }

    [Fact]
    public async Task The_desk_runs_on_sql_server_once_it_is_healthy_with_its_data_in_the_image_volume()
    {
        var services = (await ReadComposeAsync())["services"]!;
        var app = services["app"]!;
        var sql = services["sql"]!;

        Assert.Equal("SqlServer", (string?)app["environment"]!["Database__Provider"]);
        var connectionString = (string)app["environment"]!["ConnectionStrings__ServiceDesk"]!;
        Assert.StartsWith("Server=sql,1433;", connectionString);
        Assert.StartsWith("mcr.microsoft.com/mssql/server:", (string?)sql["image"]);
        Assert.Equal("service_healthy", (string?)app["depends_on"]!["sql"]!["condition"]);
        Assert.NotNull(sql["healthcheck"]);
        Assert.Equal("deploy/Dockerfile", (string?)app["build"]!["dockerfile"]);

        var dataFolder = DockerfileTests.RuntimeEnvironment()["SERVICEDESK_DATA"];
        Assert.Contains(app["volumes"]!.AsArray(), v => ((string)v!).EndsWith($":{dataFolder}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secrets_come_from_git_ignored_env_files_and_never_sit_in_the_compose_file()
    {
        var compose = await ReadComposeAsync();
        var app = compose["services"]!["app"]!;

        Assert.Contains("Password=${MSSQL_SA_PASSWORD", (string)app["environment"]!["ConnectionStrings__ServiceDesk"]!);
        Assert.StartsWith("${MSSQL_SA_PASSWORD", (string?)compose["services"]!["sql"]!["environment"]!["MSSQL_SA_PASSWORD"]);
        Assert.Equal("servicedesk.env", (string?)app["env_file"]![0]!["path"]);

        foreach (var file in new[] { "deploy/.env", "deploy/servicedesk.env" })
        {
            var ignored = await Command.RunAsync("git", ["check-ignore", "--quiet", file]);
            Assert.True(ignored.ExitCode == 0, $"{file} holds secrets and must be ignored by git");
        }

        // The example's keys are the contract's keys in environment-variable form, its secrets blank.
        var example = File.ReadAllLines(Repository.Path("deploy", "servicedesk.env.example"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToList();
        Assert.All(example, pair => Assert.Matches("^[A-Z][A-Za-z]+(__[A-Za-z0-9]+)+$", pair[0]));
        Assert.All(example.Where(p => p[0].EndsWith("Password", StringComparison.Ordinal) || p[0].EndsWith("AuthToken", StringComparison.Ordinal) || p[0].StartsWith("Api__Keys", StringComparison.Ordinal)), pair => Assert.Equal("", pair[1]));
    }

    private static Task<CommandResult> LintAsync(string file) =>
        Repository.RunNodeAsync(Path.Combine(Repository.NodeModules, "dclint", "bin", "dclint.cjs"), file, "--max-warnings", "0", "--color", "false");

    private static async Task<JsonNode> ReadComposeAsync()
    {
        var run = await Repository.RunNodeAsync(Repository.TestScript("yaml-to-json.cjs"), ComposeFile);
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Output)!;
    }
}
