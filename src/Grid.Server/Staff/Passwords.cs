using Microsoft.AspNetCore.Identity;

namespace Grid.Server.Staff;

/// <summary>PBKDF2 password hashes in ASP.NET Core Identity's versioned format.</summary>
public static class Passwords
{
    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object User = new();

    public static string Hash(string password) => Hasher.HashPassword(User, password);

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(User, hash, password) != PasswordVerificationResult.Failed;
}
