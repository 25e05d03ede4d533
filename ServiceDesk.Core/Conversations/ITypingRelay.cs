namespace ServiceDesk.Core.Conversations;

/// <summary>
/// Shows the user that an agent is typing, on channels that have such an indicator (a Teams
/// <c>typing</c> activity). The console calls it at most once every few seconds per conversation;
/// a channel without an indicator ignores it.
/// </summary>
public interface ITypingRelay
{
    /// <param name="channel">The conversation's channel.</param>
    /// <param name="replyHandle">The conversation's <see cref="Conversation.ReplyHandle"/> (e.g. a Teams conversation reference).</param>
    Task SendTypingAsync(Channel channel, string replyHandle, CancellationToken cancellationToken);
}

/// <summary>The default while no channel relays typing: nothing is sent.</summary>
public sealed class NoTypingRelay : ITypingRelay
{
    public Task SendTypingAsync(Channel channel, string replyHandle, CancellationToken cancellationToken) => Task.CompletedTask;
}
