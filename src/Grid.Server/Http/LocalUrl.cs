namespace Grid.Server.Http;

/// <summary>
/// A return address after sign-in or a language switch: only a path on this site. "//host" and
/// "/\host" are read by browsers as another site, and LocalRedirect threw on them (a 500).
/// </summary>
public static class LocalUrl
{
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/'
        && (url.Length == 1 || url[1] is not ('/' or '\\'))
        && url.All(c => !char.IsControl(c));

    public static string OrHome(string? url) => IsLocal(url) ? url! : "/";
}

/// <summary>Page numbers: large enough for any real list, small enough that page × size never overflows.</summary>
public static class Paging
{
    public const int MaxPage = 100_000;

    public static void Check(int? page, int? pageSize, int maxPageSize, Errors errors)
    {
        if (page is < 1 or > MaxPage) errors.Add("page", $"'page' starts at 1 and goes up to {MaxPage}; narrow the filters to reach older rows.");
        if (pageSize is < 1 || pageSize > maxPageSize) errors.Add("pageSize", $"'pageSize' must be between 1 and {maxPageSize}.");
    }
}
