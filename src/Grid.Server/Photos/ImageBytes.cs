using System.Buffers.Binary;

namespace Grid.Server.Photos;

/// <summary>
/// What kind of image some bytes are (by their content, never by a declared type or file name),
/// and the same image without its embedded metadata. No imaging package exists here, so this
/// walks the container formats itself: JPEG segments, PNG chunks, WebP RIFF chunks. Pixels are
/// never decoded or touched; only metadata blocks (EXIF with its GPS tags, XMP, text) are dropped.
/// </summary>
public static class ImageBytes
{
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string WebP = "image/webp";

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The content type told by the magic bytes, or null for anything else.</summary>
    public static string? Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return Jpeg;
        if (data.Length >= 8 && data[..8].SequenceEqual(PngSignature)) return Png;
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8)) return WebP;
        return null;
    }

    /// <summary>
    /// The image without metadata blocks, and whether anything was removed. Null when the bytes
    /// are not a well-formed container of the sniffed type (truncated, lengths that overrun...).
    /// </summary>
    public static (byte[] Bytes, bool Removed)? StripMetadata(byte[] data) => Sniff(data) switch
    {
        Jpeg => StripJpeg(data),
        Png => StripPng(data),
        WebP => StripWebP(data),
        _ => null,
    };

    // JPEG: SOI, then marker segments (FF xx, big-endian length that counts itself) up to SOS, after
    // which the entropy-coded scan runs to EOI. APP1 holds EXIF (with the GPS IFD) and XMP; APP13
    // holds Photoshop/IPTC blocks that may carry a location too.
    private static (byte[], bool)? StripJpeg(byte[] data)
    {
        using var output = new MemoryStream(data.Length);
        output.Write(data, 0, 2);
        var removed = false;
        var pos = 2;
        while (true)
        {
            if (pos >= data.Length || data[pos] != 0xFF) return null;
            while (pos + 1 < data.Length && data[pos + 1] == 0xFF) pos++;   // fill bytes
            if (pos + 1 >= data.Length) return null;
            var marker = data[pos + 1];
            if (marker is 0xD9)
            {
                output.Write(data, pos, 2);
                return (output.ToArray(), removed);
            }
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                output.Write(data, pos, 2);
                pos += 2;
                continue;
            }
            if (pos + 4 > data.Length) return null;
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(pos + 2));
            if (length < 2 || pos + 2 + length > data.Length) return null;
            if (marker == 0xDA)
            {
                output.Write(data, pos, data.Length - pos);
                return (output.ToArray(), removed);
            }
            if (marker is 0xE1 or 0xED) removed = true;
            else output.Write(data, pos, 2 + length);
            pos += 2 + length;
        }
    }

    // PNG: signature, then chunks (4-byte big-endian length, 4-byte type, data, CRC) up to IEND.
    // eXIf is EXIF; tEXt/zTXt/iTXt carry free text and XMP, where cameras and editors put places.
    private static (byte[], bool)? StripPng(byte[] data)
    {
        using var output = new MemoryStream(data.Length);
        output.Write(data, 0, 8);
        var removed = false;
        var pos = 8;
        while (pos + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            if (length > int.MaxValue || pos + 12 + (long)length > data.Length) return null;
            var type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            var size = 12 + (int)length;
            if (type is "eXIf" or "tEXt" or "zTXt" or "iTXt") removed = true;
            else output.Write(data, pos, size);
            pos += size;
            if (type == "IEND") return (output.ToArray(), removed);
        }
        return null;
    }

    // WebP: "RIFF" <little-endian size> "WEBP", then chunks (FourCC, little-endian size, data padded
    // to an even length). EXIF and "XMP " are metadata; VP8X flags announce them and must agree.
    private static (byte[], bool)? StripWebP(byte[] data)
    {
        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4));
        if (riffSize < 4 || 8 + (long)riffSize > data.Length) return null;
        var end = 8 + (int)riffSize;
        using var output = new MemoryStream(data.Length);
        output.Write(data, 0, 12);
        var removed = false;
        var vp8xAt = -1;
        var pos = 12;
        while (pos < end)
        {
            if (pos + 8 > end) return null;
            var fourCc = System.Text.Encoding.ASCII.GetString(data, pos, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 4));
            var padded = 8 + (long)size + (size & 1);
            if (pos + 8 + (long)size > end) return null;
            var take = (int)Math.Min(padded, end - pos);
            if (fourCc is "EXIF" or "XMP ") removed = true;
            else
            {
                if (fourCc == "VP8X" && size >= 1) vp8xAt = (int)output.Position + 8;
                output.Write(data, pos, take);
            }
            pos += take;
        }
        var bytes = output.ToArray();
        if (vp8xAt >= 0) bytes[vp8xAt] &= 0b1111_0011;   // clear the EXIF (0x08) and XMP (0x04) flags
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return (bytes, removed);
    }
}
