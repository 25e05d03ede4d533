using Microsoft.Extensions.DependencyInjection;

namespace ServiceDesk.Core.Outbox;

/// <summary>
/// The channels the desk can send on: those with an <see cref="IChannelSender"/>. A channel left unconfigured
/// (no SMTP server, no Twilio account) is no way to reach anyone, so notifications are routed past it.
/// </summary>
/// <remarks>Read once: senders are registered at start-up, and some are scoped, so they are looked at in a scope of their own.</remarks>
public sealed class ConfiguredChannels(IServiceScopeFactory scopes)
{
    private readonly Lazy<HashSet<Channel>> _channels = new(() =>
    {
        using var scope = scopes.CreateScope();
        return [.. scope.ServiceProvider.GetServices<IChannelSender>().Select(s => s.Channel)];
    });

    public bool CanSend(Channel channel) => _channels.Value.Contains(channel);
}
