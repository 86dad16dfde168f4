using System.Security.Cryptography;
using System.Text.Json;

namespace Grid.Server.Http;

/// <summary>A fingerprint of a request body: a resend under the same idempotency key (or ticket id)
/// must carry the same body, or it is a different request reusing the key.</summary>
public static class RequestHash
{
    public static string Of<T>(T body) => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body)));
}
