using System.Reflection;
using ServiceDesk.Testing;

namespace ServiceDesk.Deploy.Tests;

/// <summary>Paths of the deployment files under test and of the tools the tests run on them.</summary>
internal static class Repository
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([SharedFiles.RepositoryRoot, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>The npm packages of <c>tests/peers</c>, installed by test.sh.</summary>
    public static string NodeModules
    {
        get
        {
            var folder = Path("tests", "peers", "node_modules");
            return Directory.Exists(folder)
                ? folder
                : throw new DirectoryNotFoundException($"{folder} is missing: run ./test.sh, or `npm ci` in tests/peers.");
        }
    }

    /// <summary>Runs a Node.js script with the peers' packages resolvable.</summary>
    public static Task<CommandResult> RunNodeAsync(string script, params string[] arguments) =>
        Command.RunAsync("node", [script, .. arguments], new Dictionary<string, string?> { ["NODE_PATH"] = NodeModules });

    /// <summary>A script of this test project, copied beside the test binaries.</summary>
    public static string TestScript(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, name);

    /// <summary>The Bicep CLI from the Azure.Bicep.CommandLine package restored for this project.</summary>
    public static string Bicep => System.IO.Path.Combine(Metadata("BicepFolder"), "tools", "bicep");

    /// <summary>The host as built for this test run, run as its own process the way the container image runs it.</summary>
    public static string HostFolder => Path("ServiceDesk.Bot", "bin", Metadata("Configuration"), "net10.0");

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
