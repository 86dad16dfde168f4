using System.Buffers.Binary;
using System.Text;

namespace Grid.Server.Tests.Photos;

/// <summary>Small image files built byte by byte, with and without metadata (GPS in EXIF).</summary>
public static class TestImages
{
    public static readonly byte[] GpsMarker = Encoding.ASCII.GetBytes("GPSLatitude=31.5786N");

    private static byte[] Segment(byte marker, byte[] payload)
    {
        var s = new byte[4 + payload.Length];
        s[0] = 0xFF; s[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(s, 4);
        return s;
    }

    /// <summary>A JPEG: SOI, APP0 JFIF, [APP1 EXIF with a GPS tag], DQT, SOS with scan bytes, EOI.</summary>
    public static byte[] Jpeg(bool withExif = true, string salt = "")
    {
        var parts = new List<byte[]>
        {
            new byte[] { 0xFF, 0xD8 },
            Segment(0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
        };
        if (withExif) parts.Add(Segment(0xE1, [.. "Exif\0\0II*\0"u8, .. GpsMarker]));
        parts.Add(Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]));
        parts.Add(Segment(0xDA, [1, 1, 0, 0, 63, 0]));
        parts.Add([.. Encoding.ASCII.GetBytes("scan-data" + salt), 0xFF, 0x00, 0x12, 0xFF, 0xD9]);
        return parts.SelectMany(p => p).ToArray();
    }

    private static byte[] PngChunk(string type, byte[] data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
        data.CopyTo(c, 8);
        return c;   // CRC left zero: nothing here decodes pixels
    }

    public static byte[] Png(bool withExif = true) =>
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
        .. PngChunk("IHDR", new byte[13]),
        .. withExif ? PngChunk("eXIf", [.. "II*\0"u8, .. GpsMarker]) : [],
        .. PngChunk("IDAT", [1, 2, 3, 4]),
        .. PngChunk("IEND", []),
    ];

    private static byte[] RiffChunk(string fourCc, byte[] data)
    {
        var c = new byte[8 + data.Length + (data.Length & 1)];
        Encoding.ASCII.GetBytes(fourCc).CopyTo(c, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(4), (uint)data.Length);
        data.CopyTo(c, 8);
        return c;
    }

    public static byte[] WebP(bool withExif = true)
    {
        byte[] body =
        [
            .. "WEBP"u8,
            .. RiffChunk("VP8X", [withExif ? (byte)0x08 : (byte)0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            .. RiffChunk("VP8 ", [9, 8, 7]),
            .. withExif ? RiffChunk("EXIF", [.. "II*\0"u8, .. GpsMarker]) : [],
        ];
        var file = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)body.Length);
        body.CopyTo(file, 8);
        return file;
    }

    public static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
