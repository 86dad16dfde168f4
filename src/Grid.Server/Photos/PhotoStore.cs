using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Grid.Server.Photos;

/// <summary>Photo files on disk, content-addressed: the file name is the SHA-256 of the bytes, so
/// storing the same photo twice (a retried upload) writes nothing new.</summary>
public sealed class PhotoStore(IOptions<PhotoOptions> options, IWebHostEnvironment env)
{
    private string Root => System.IO.Path.GetFullPath(options.Value.Path, env.ContentRootPath);

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string PathOf(string sha256) => System.IO.Path.Combine(Root, sha256[..2], sha256);

    public async Task<string> SaveAsync(byte[] bytes, CancellationToken ct)
    {
        var sha = Hash(bytes);
        var path = PathOf(sha);
        if (File.Exists(path)) return sha;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // Write aside, then move: a reader never sees half a file, and two writers of the same bytes agree.
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temp, bytes, ct);
        File.Move(temp, path, overwrite: true);
        return sha;
    }

    public async Task<byte[]?> ReadAsync(string sha256, CancellationToken ct)
    {
        var path = PathOf(sha256);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
    }
}
