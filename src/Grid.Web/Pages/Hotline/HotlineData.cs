namespace Grid.Web.Pages.Hotline;

/// <summary>One 12345 call as the call taker types it.</summary>
public sealed record HotlineCall(string? CallerName, string? CallerPhone, string? CategoryCode, string? Address, double? Lat, double? Lon,
    string? Description, bool Urgent);

/// <summary>A category (小类) with its group (大类), for the picker.</summary>
public sealed record CategoryOption(string Code, string Name, string Group)
{
    public override string ToString() => $"{Code} {Group} / {Name}";
}

/// <summary>An open case of the same category near the call's point.</summary>
public sealed record SimilarCase(long Id, string CaseNo, string State, string Address, string Description, double Lat, double Lon);

/// <summary>The call saved as a case, or what to correct (the form keeps what was typed).</summary>
public sealed record HotlineOutcome(long? CaseId, string? CaseNo, int LikelyDuplicates, string? Error);

/// <summary>An Open311 request that came with an address only, waiting to be placed on the map.</summary>
public sealed record PendingRequest(Guid Token, string ServiceCode, string? Address, string Description)
{
    /// <summary>The number the client was given when it sent the request; the case gets it when placed.</summary>
    public string? CaseNo { get; init; }
}

/// <summary>The hotline page's data and steps for the circuit's person (implemented by the server, through the one intake path).</summary>
public interface IHotlineSource
{
    Task<IReadOnlyList<CategoryOption>> CategoriesAsync();
    /// <summary>Open cases of the category near the point, nearest first (the duplicate check the server makes on saving).</summary>
    Task<IReadOnlyList<SimilarCase>> SimilarAsync(double lat, double lon, string categoryCode);
    /// <summary>Files the call. <paramref name="key"/> is one per call: saving again with it returns the case already saved.</summary>
    Task<HotlineOutcome> SaveAsync(HotlineCall call, string key);
    /// <summary>Address-only Open311 requests, or none when this person may not place them.</summary>
    Task<IReadOnlyList<PendingRequest>> PendingAsync();
    Task<(long? CaseId, string? Error)> PlaceAsync(Guid token, double lat, double lon);
}
