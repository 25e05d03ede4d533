using System.Diagnostics;

namespace ServiceDesk.Testing;

/// <summary>
/// The npm packages the tests talk to (Twilio's Node library, Stoplight Prism), installed by test.sh
/// into <c>tests/peers/node_modules</c> from the committed lock file.
/// </summary>
public static class NodePeers
{
    public static string Folder { get; } = Path.Combine(SharedFiles.RepositoryRoot, "tests", "peers");

    /// <summary>The full path of a file inside the installed packages; fails with what to do when they are missing.</summary>
    public static string Require(string relativePath)
    {
        var path = Path.Combine(Folder, relativePath);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: run ./test.sh, or `npm ci --ignore-scripts` in tests/peers.");
    }

    /// <summary>Starts <c>node</c> with the peers folder as working directory and redirected streams.</summary>
    public static Process StartNode(params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
    }

    /// <summary>
    /// Stops a node process started here: closing its standard input ends it (the oracle's input, the
    /// launcher's watch), which lets it stop its own children; a kill only if it does not go in time.
    /// </summary>
    public static void Stop(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            process.StandardInput.Close();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
