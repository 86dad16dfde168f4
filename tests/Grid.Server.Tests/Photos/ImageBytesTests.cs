using System.Buffers.Binary;
using Grid.Server.Photos;

namespace Grid.Server.Tests.Photos;

public sealed class ImageBytesTests
{
    [Fact]
    public void Types_are_told_by_content_not_by_name()
    {
        Assert.Equal("image/jpeg", ImageBytes.Sniff(TestImages.Jpeg()));
        Assert.Equal("image/png", ImageBytes.Sniff(TestImages.Png()));
        Assert.Equal("image/webp", ImageBytes.Sniff(TestImages.WebP()));
        Assert.Null(ImageBytes.Sniff("<svg xmlns='http://www.w3.org/2000/svg'/>"u8.ToArray()));
        Assert.Null(ImageBytes.Sniff("GIF89a......"u8.ToArray()));
        Assert.Null(ImageBytes.Sniff([0xFF, 0xD8]));
    }

    [Fact]
    public void Jpeg_loses_its_exif_segment_and_keeps_everything_else()
    {
        var original = TestImages.Jpeg();
        var (bytes, removed) = ImageBytes.StripMetadata(original)!.Value;
        Assert.True(removed);
        Assert.True(TestImages.Contains(original, TestImages.GpsMarker));
        Assert.False(TestImages.Contains(bytes, TestImages.GpsMarker));
        Assert.False(TestImages.Contains(bytes, "Exif"u8.ToArray()));
        Assert.Equal(TestImages.Jpeg(withExif: false), bytes);
    }

    [Fact]
    public void Jpeg_without_metadata_is_left_byte_for_byte()
    {
        var clean = TestImages.Jpeg(withExif: false);
        var (bytes, removed) = ImageBytes.StripMetadata(clean)!.Value;
        Assert.False(removed);
        Assert.Equal(clean, bytes);
    }

    [Fact]
    public void Png_loses_its_exif_chunk()
    {
        var (bytes, removed) = ImageBytes.StripMetadata(TestImages.Png())!.Value;
        Assert.True(removed);
        Assert.Equal(TestImages.Png(withExif: false), bytes);
    }

    [Fact]
    public void WebP_loses_its_exif_chunk_and_flag_and_keeps_a_correct_riff_size()
    {
        var (bytes, removed) = ImageBytes.StripMetadata(TestImages.WebP())!.Value;
        Assert.True(removed);
        Assert.False(TestImages.Contains(bytes, TestImages.GpsMarker));
        Assert.Equal((uint)(bytes.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(TestImages.WebP(withExif: false), bytes);
    }

    [Fact]
    public void Damaged_files_are_refused_instead_of_half_cleaned()
    {
        var jpeg = TestImages.Jpeg();
        Assert.Null(ImageBytes.StripMetadata(jpeg[..20]));
        var png = TestImages.Png();
        Assert.Null(ImageBytes.StripMetadata(png[..30]));
        var webp = TestImages.WebP();
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(4), 10_000);
        Assert.Null(ImageBytes.StripMetadata(webp));
    }
}
