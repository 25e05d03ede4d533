namespace ServiceDesk.Testing;

/// <summary>Waiting for a condition with a deadline: the tests' one way to wait for work done elsewhere, never a sleep.</summary>
public static class Poll
{
    /// <summary>Checks the condition until it holds; after the timeout, fails with the message.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure());
            }

            await Task.Delay(50);
        }
    }
}
