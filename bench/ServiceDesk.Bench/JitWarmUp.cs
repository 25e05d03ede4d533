using System.Diagnostics;

namespace ServiceDesk.Bench;

/// <summary>
/// The warm-up of the in-process benchmarks: rounds of work until the JIT is done with the hot path. A desk runs for
/// days: a fixed short warm-up left tier-0 code and compilation inside the measured run.
/// </summary>
internal static class JitWarmUp
{
    public const int RoundSize = 500;
    private const int MaxRounds = 20;

    /// <summary>
    /// Runs rounds of <see cref="RoundSize"/> operations until one spends under 2% of its time compiling: tier-1 code
    /// arrives from a background compiler once a method has been called 30 times and calls have gone quiet on new
    /// methods for a moment. Returns how many operations that took.
    /// </summary>
    /// <param name="prepareRound">Prepares round n outside its clock (the load generator's own work) and returns it to run.</param>
    public static async Task<int> RunAsync(Func<int, Func<Task>> prepareRound)
    {
        var sent = 0;
        for (var round = 0; round < MaxRounds; round++)
        {
            var run = prepareRound(round);
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var clock = Stopwatch.StartNew();
            await run();
            sent += RoundSize;
            if ((System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds < clock.Elapsed.TotalMilliseconds * 0.02)
            {
                break;
            }
        }

        return sent;
    }
}
