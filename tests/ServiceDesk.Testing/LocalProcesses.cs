using System.Diagnostics;

namespace ServiceDesk.Testing;

public static class LocalProcesses
{
    /// <summary>Whether a process with this id is alive: a left-over server whose owner is gone may be removed.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
