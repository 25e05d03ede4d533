using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ServiceDesk.Channels.Email.Sending;

/// <summary>
/// Outlook's conversation index (the Thread-Index header, [MS-OXOMSG] PidTagConversationIndex): a 22-byte
/// header block (time and GUID) followed by one 5-byte block per reply. Outlook threads by it, so an answer
/// carries its parent's index with a child block appended.
/// </summary>
public static class ThreadIndex
{
    private const int HeaderLength = 22;

    /// <summary>A new conversation, for a first message the desk starts.</summary>
    public static string NewRoot(DateTimeOffset now)
    {
        var bytes = new byte[HeaderLength];
        var fileTime = now.UtcDateTime.ToFileTimeUtc();

        // The 6 high-order bytes of the FILETIME, big-endian; then a GUID.
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, fileTime);
        time[..6].CopyTo(bytes);
        Guid.NewGuid().TryWriteBytes(bytes.AsSpan(6));
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The index of an answer to <paramref name="parent"/>; null when the parent is not a valid index.</summary>
    public static string? Child(string? parent, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(parent))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(parent.Trim());
        }
        catch (FormatException)
        {
            return null;
        }

        // Outlook writes 22 + 5n bytes; other clients shorter ones. Anything with a time in front can have a child.
        if (bytes.Length < 6)
        {
            return null;
        }

        Span<byte> time = stackalloc byte[8];
        bytes.AsSpan(0, 6).CopyTo(time);
        var headerTime = BinaryPrimitives.ReadInt64BigEndian(time);
        var delta = Math.Max(0, now.UtcDateTime.ToFileTimeUtc() - headerTime);

        // Bits 18–48 of the delta when its high 15 bits are clear, else bits 23–53 with the delta code set.
        var block = (delta & unchecked((long)0xFFFE000000000000)) == 0
            ? (uint)(delta >> 18) & 0x7FFFFFFF
            : 0x80000000 | ((uint)(delta >> 23) & 0x7FFFFFFF);
        var child = new byte[bytes.Length + 5];
        bytes.CopyTo(child, 0);
        BinaryPrimitives.WriteUInt32BigEndian(child.AsSpan(bytes.Length), block);
        child[^1] = (byte)RandomNumberGenerator.GetInt32(256);
        return Convert.ToBase64String(child);
    }
}
