using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ServiceDesk.Deploy.Tests;

/// <summary>
/// A minimal PNG decoder for checking the Teams icons: 8-bit RGB or RGBA, not interlaced (what the icon
/// script writes). Chunk CRCs are verified, so a damaged file fails here as it would in Teams.
/// </summary>
internal sealed class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    private readonly byte[] _rgba;

    private Png(int width, int height, byte[] rgba) => (Width, Height, _rgba) = (width, height, rgba);

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B, byte A) Pixel(int x, int y)
    {
        var i = (y * Width + x) * 4;
        return (_rgba[i], _rgba[i + 1], _rgba[i + 2], _rgba[i + 3]);
    }

    public IEnumerable<(byte R, byte G, byte B, byte A)> Pixels() =>
        Enumerable.Range(0, Width * Height).Select(i => Pixel(i % Width, i / Width));

    public static Png Read(byte[] file)
    {
        if (!file.AsSpan().StartsWith(Signature))
        {
            throw new InvalidDataException("Not a PNG file.");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var offset = Signature.Length; ;)
        {
            var length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset)));
            var typeAndData = file.AsSpan(offset + 4, 4 + length);
            var type = Encoding.ASCII.GetString(typeAndData[..4]);
            var data = typeAndData[4..];
            if (BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset + 8 + length)) != Crc(typeAndData))
            {
                throw new InvalidDataException($"Bad CRC in the {type} chunk.");
            }

            offset += 12 + length;
            switch (type)
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    var (bitDepth, colourType, interlace) = (data[8], data[9], data[12]);
                    channels = (bitDepth, colourType, interlace) switch
                    {
                        (8, 2, 0) => 3,
                        (8, 6, 0) => 4,
                        _ => throw new NotSupportedException($"PNG with bit depth {bitDepth}, colour type {colourType}, interlace {interlace}."),
                    };
                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
                case "IEND":
                    return new Png(width, height, Decode(compressed.ToArray(), width, height, channels));
            }
        }
    }

    private static byte[] Decode(byte[] compressed, int width, int height, int channels)
    {
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        if (raw.Length != height * (stride + 1))
        {
            throw new InvalidDataException($"Image data is {raw.Length} bytes, expected {height * (stride + 1)}.");
        }

        var previous = new byte[stride];
        var rgba = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var row = raw.AsSpan(y * (stride + 1) + 1, stride);
            for (var i = 0; i < stride; i++)
            {
                int left = i >= channels ? row[i - channels] : 0, up = previous[i], upLeft = i >= channels ? previous[i - channels] : 0;
                row[i] += filter switch
                {
                    0 => 0,
                    1 => (byte)left,
                    2 => (byte)up,
                    3 => (byte)((left + up) / 2),
                    4 => (byte)Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"Unknown filter {filter} on row {y}."),
                };
            }

            for (var x = 0; x < width; x++)
            {
                row.Slice(x * channels, 3).CopyTo(rgba.AsSpan((y * width + x) * 4));
                rgba[(y * width + x) * 4 + 3] = channels == 4 ? row[x * channels + 3] : (byte)255;
            }

            row.CopyTo(previous);
        }

        return rgba;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable() =>
        Enumerable.Range(0, 256).Select(n =>
        {
            var c = (uint)n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            return c;
        }).ToArray();
}
