using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ServiceDesk.Testing;

namespace ServiceDesk.Deploy.Tests;

/// <summary>
/// deploy/Dockerfile: no container engine runs here, so the image's parts are checked one by one: what the
/// build stage copies, how the runtime stage runs, and the health check against the real desk.
/// </summary>
public sealed partial class DockerfileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("servicedesk-image-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_build_stage_restores_every_project_the_host_references_and_the_context_lets_them_in()
    {
        var copies = Instructions(BuildStage(), "COPY").Select(a => a.Split(' ')[0]).ToList();
        var allowed = File.ReadAllLines(Repository.Path("deploy", "Dockerfile.dockerignore"))
            .Where(l => l.StartsWith('!')).Select(l => l[1..].TrimEnd('/')).ToList();

        foreach (var project in ProjectClosure(Repository.Path("ServiceDesk.Bot", "ServiceDesk.Bot.csproj")))
        {
            var relative = Path.GetRelativePath(Repository.Path(), project).Replace('\\', '/');
            Assert.True(copies.Contains(relative), $"deploy/Dockerfile restores without {relative}: copy it before `dotnet restore`");
            Assert.True(copies.Contains(Path.GetDirectoryName(relative)!.Replace('\\', '/') + "/"), $"deploy/Dockerfile does not copy the sources of {relative}");
            Assert.Contains(allowed, a => relative.StartsWith(a + "/", StringComparison.Ordinal));
        }

        foreach (var source in copies.Concat(Instructions(RuntimeStage(), "COPY").Where(a => !a.StartsWith("--from", StringComparison.Ordinal)).Select(a => a.Split(' ')[^2])))
        {
            Assert.True(File.Exists(Repository.Path(source)) || Directory.Exists(Repository.Path(source)), $"deploy/Dockerfile copies {source}, which does not exist");
            Assert.Contains(allowed, a => source.TrimEnd('/') == a || source.StartsWith(a + "/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_runtime_stage_runs_the_host_as_a_non_root_user_with_the_data_volume_and_a_health_check()
    {
        var stage = RuntimeStage();
        var environment = RuntimeEnvironment();

        Assert.Equal("$APP_UID", Instructions(stage, "USER").Single());
        Assert.Equal(environment["SERVICEDESK_DATA"], Instructions(stage, "VOLUME").Single());
        Assert.Equal(environment["ASPNETCORE_HTTP_PORTS"], Instructions(stage, "EXPOSE").Single());
        Assert.EndsWith("CMD [\"servicedesk-healthcheck\"]", Instructions(stage, "HEALTHCHECK").Single());
        Assert.Contains("--chmod=755 deploy/healthcheck.sh /usr/local/bin/servicedesk-healthcheck", Instructions(stage, "COPY"));
        Assert.Contains($"chown \"$APP_UID:$APP_UID\" {environment["SERVICEDESK_DATA"]}", Instructions(stage, "RUN").Single());

        var assemblyName = XDocument.Load(Repository.Path("ServiceDesk.Bot", "ServiceDesk.Bot.csproj")).Descendants("AssemblyName").SingleOrDefault()?.Value ?? "ServiceDesk.Bot";
        Assert.Equal($"[\"dotnet\", \"{assemblyName}.dll\"]", Instructions(stage, "ENTRYPOINT").Single());
    }

    [Fact]
    public async Task The_health_check_passes_while_the_desk_runs_and_fails_once_it_stops()
    {
        var port = LoopbackPorts.Unused();
        var data = Directory.CreateDirectory(Path.Combine(_folder, "data")).FullName;
        using var desk = StartDesk(port, data);
        try
        {
            var deadline = Stopwatch.StartNew();
            CommandResult check;
            while ((check = await HealthCheckAsync(port)).ExitCode != 0)
            {
                Assert.False(desk.HasExited, $"The desk stopped: exit {(desk.HasExited ? desk.ExitCode : 0)}");
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"The desk did not become healthy: {check}");
                await Task.Delay(250);
            }

            // The desk keeps its embedded database in the folder the image declares as its volume.
            Assert.True(File.Exists(Path.Combine(data, "servicedesk.db")));
        }
        finally
        {
            desk.Kill(entireProcessTree: true);
            await desk.WaitForExitAsync();
        }

        Assert.Equal(1, (await HealthCheckAsync(port)).ExitCode);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK", 0)]
    [InlineData("HTTP/1.1 503 Service Unavailable", 1)]
    [InlineData("HTTP/1.1 404 Not Found", 1)]
    public async Task The_health_check_judges_by_the_status_of_the_answer_to_get_healthz(string statusLine, int expectedExit)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = ServeOnceAsync(listener, statusLine);

        var check = await HealthCheckAsync(port);

        Assert.StartsWith("GET /healthz HTTP/1.1", await served);
        Assert.True(check.ExitCode == expectedExit, check.ToString());
    }

    internal static Dictionary<string, string> RuntimeEnvironment() =>
        EnvironmentPair().Matches(string.Join(' ', Instructions(RuntimeStage(), "ENV")))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);

    private static Task<CommandResult> HealthCheckAsync(int port) =>
        Command.RunAsync("bash", [Repository.Path("deploy", "healthcheck.sh")], new Dictionary<string, string?> { ["ASPNETCORE_HTTP_PORTS"] = port.ToString() }, timeout: TimeSpan.FromSeconds(30));

    /// <summary>Starts the desk as the image does (`dotnet ServiceDesk.Bot.dll` in its folder), on loopback.</summary>
    private static Process StartDesk(int port, string dataFolder)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.HostFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("ServiceDesk.Bot.dll");
        start.Environment["SERVICEDESK_DATA"] = dataFolder;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the desk.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> ServeOnceAsync(TcpListener listener, string statusLine)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var stream = client.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[1024];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{statusLine}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        return request.ToString();
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(next).Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
            }
        }

        return seen;
    }


    private static string[] Stages() => FromLine().Split(LogicalLines()).Skip(1).ToArray();

    private static string BuildStage() => Stages().First();

    private static string RuntimeStage() => Stages().Last();

    /// <summary>The Dockerfile with continuation lines joined and comments dropped.</summary>
    private static string LogicalLines() =>
        string.Join('\n', Repository.Read("deploy", "Dockerfile").Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

    private static IEnumerable<string> Instructions(string stage, string instruction) =>
        stage.Split('\n').Where(l => l.StartsWith(instruction + " ", StringComparison.Ordinal)).Select(l => WhiteSpace().Replace(l[(instruction.Length + 1)..], " ").Trim());

    [GeneratedRegex(@"^FROM .*$", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"(?<name>[A-Z_]+)=(?<value>\S+)")]
    private static partial Regex EnvironmentPair();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
