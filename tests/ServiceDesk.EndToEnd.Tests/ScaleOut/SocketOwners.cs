using System.Globalization;

namespace ServiceDesk.EndToEnd.Tests.ScaleOut;

/// <summary>
/// Which processes hold open TCP connections to a local port, read from Linux's <c>/proc</c>: a process's
/// descriptors name socket inodes, and <c>/proc/net/tcp</c> gives each inode's remote port and state. It sees
/// what the operating system sees, whatever the processes believe about themselves.
/// </summary>
public static class SocketOwners
{
    private const string Established = "01";

    /// <summary>How many established connections to 127.0.0.1:<paramref name="remotePort"/> the process holds.</summary>
    public static int ConnectionsTo(int processId, int remotePort)
    {
        var inodes = SocketInodes(processId);
        if (inodes.Count == 0)
        {
            return 0;
        }

        var count = 0;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != Established)
            {
                continue;
            }

            var port = int.Parse(fields[2][(fields[2].IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (port == remotePort && inodes.Contains(fields[9]))
            {
                count++;
            }
        }

        return count;
    }

    private static HashSet<string> SocketInodes(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd"))
            {
                try
                {
                    if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        inodes.Add(target["socket:[".Length..^1]);
                    }
                }
                catch (IOException)
                {
                    // Closed meanwhile.
                }
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            // The process is gone: it holds nothing.
        }

        return inodes;
    }
}
