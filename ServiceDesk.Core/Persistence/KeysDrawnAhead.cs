using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Keys a PostgreSQL intake transaction drew before its rows existed, in the round trip of a query it made anyway (a first
/// contact's lookup by address), for <see cref="PostgresKeys"/> to give instead of drawing them in a round trip of its own.
/// Each is given at most once; one left over is a gap in its sequence, as a rolled-back insert leaves one.
/// </summary>
internal sealed class KeysDrawnAhead(long? contact, long? conversation, long? ticket, long[] messages)
{
    private long? _contact = contact;
    private long? _conversation = conversation;
    private long? _ticket = ticket;
    private int _messagesGiven;

    /// <summary>A key drawn for a new row of the type, once.</summary>
    public long? Take(Type type)
    {
        long? taken = null;
        if (type == typeof(Contact))
        {
            (taken, _contact) = (_contact, null);
        }
        else if (type == typeof(Conversation))
        {
            (taken, _conversation) = (_conversation, null);
        }
        else if (type == typeof(Ticket))
        {
            (taken, _ticket) = (_ticket, null);
        }

        return taken;
    }

    /// <summary>Up to <paramref name="count"/> message keys drawn ahead, in the order drawn, once.</summary>
    public long[] TakeMessages(int count)
    {
        var taken = messages.AsSpan(_messagesGiven, Math.Min(count, messages.Length - _messagesGiven)).ToArray();
        _messagesGiven += taken.Length;
        return taken;
    }
}
