using System.Collections.Concurrent;
using System.Data.Common;

namespace ServiceDesk.Testing;

/// <summary>Records the text of every command the desk's contexts run, in the order they ran.</summary>
public sealed class CommandRecorder : CommandWatcher
{
    private readonly ConcurrentQueue<string> _commands = new();

    public void Clear() => _commands.Clear();

    /// <summary>The commands' texts, whole: a save on PostgreSQL sends its statements as one command.</summary>
    public List<string> Commands() => [.. _commands];

    /// <summary>The INSERT and UPDATE statements of the commands, one by one.</summary>
    public List<string> Writes() =>
    [
        .. _commands
            .SelectMany(c => c.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(s => s.StartsWith("INSERT", StringComparison.Ordinal) || s.StartsWith("UPDATE", StringComparison.Ordinal)),
    ];

    protected override ValueTask SeeAsync(DbCommand command, CancellationToken cancellationToken)
    {
        _commands.Enqueue(command.CommandText);
        return ValueTask.CompletedTask;
    }
}
