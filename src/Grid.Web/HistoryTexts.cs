using System.Text.Json;
using Microsoft.Extensions.Localization;

namespace Grid.Web;

/// <summary>
/// Sentences the system itself writes into a case's history (a duplicate flag, a merge, the citizen page's "+1").
/// The row's <c>reason</c> keeps the sentence as it always was (API clients, Open311 and the hotline feed read it);
/// the row's <c>details</c> carry <see cref="KeyField"/> and <see cref="ArgsField"/> so that every page says the
/// sentence in its reader's language: Strings.resx "History.Reason.{key}" (Chinese), Strings.en.resx (English).
/// The arguments are values (case numbers, distances) and a person's own words, which are never translated.
/// Rows without a key (older rows, anything a person wrote) are shown as stored.
/// </summary>
public static class HistoryTexts
{
    public const string KeyField = "reasonKey";
    public const string ArgsField = "reasonArgs";
    /// <summary>The resource key prefix; the field app's page texts include it (FieldLayout).</summary>
    public const string Prefix = "History.Reason.";

    /// <summary>
    /// The prefix of a refusal's sentence: a ProblemDetails may carry <see cref="KeyField"/> and <see cref="ArgsField"/>
    /// beside its English detail, so that the desk and the phone app say it in their reader's language.
    /// </summary>
    public const string ProblemPrefix = "Problem.";

    /// <summary>{0}: the candidates, "case no (N m)" joined by ", ".</summary>
    public const string DuplicateFlagged = "duplicate_flagged";
    /// <summary>On the duplicate: {0} the case it went into, {1} the operator's reason or "".</summary>
    public const string MergedInto = "merged_into";
    /// <summary>On the case kept: {0} the duplicate, {1} the operator's reason or "".</summary>
    public const string MergedIn = "merged_in";
    /// <summary>{0} the candidate case, {1} the operator's reason.</summary>
    public const string KeptApart = "kept_apart";
    /// <summary>The photos of a citizen's report; no arguments.</summary>
    public const string CitizenPhotos = "citizen_photos";
    /// <summary>A "+1" from the citizen page without words of its own; no arguments.</summary>
    public const string CitizenSupport = "citizen_support";
    /// <summary>A reopen because the citizen said at follow-up that it is not solved, without a comment.</summary>
    public const string FollowUpNotSolved = "followup_not_solved";
    /// <summary>The same with the citizen's comment: {0}.</summary>
    public const string FollowUpNotSolvedComment = "followup_not_solved_comment";
    /// <summary>A cancel as spam: {0} the operator's reason.</summary>
    public const string Spam = "spam";

    /// <summary>A public note the system wrote for the citizen (12345 回复): its key in details, shown by the tracking page and the
    /// desk as "History.PublicNote.{key}" (no arguments); the stored public_note stays as it was.</summary>
    public const string PublicNoteKeyField = "publicNoteKey";
    public const string PublicNotePrefix = "History.PublicNote.";
    /// <summary>The case was reopened because the citizen said at follow-up that the problem is not solved.</summary>
    public const string FollowUpReopened = "followup_reopened";

    /// <summary>The two fields to put into a history row's details.</summary>
    public static Dictionary<string, object?> Fields(string key, params string[] args) =>
        new() { [KeyField] = key, [ArgsField] = args };

    /// <summary>Other details (a lifecycle step's) with the two fields added.</summary>
    public static Dictionary<string, object?> With(IReadOnlyDictionary<string, object?> details, string key, params string[] args)
    {
        var all = new Dictionary<string, object?>(details);
        foreach (var (k, v) in Fields(key, args)) all[k] = v;
        return all;
    }

    /// <summary>The key and arguments in a history row's details, or (null, []) when the row has none.</summary>
    public static (string? Key, IReadOnlyList<string> Args) Read(JsonElement details)
    {
        if (details.ValueKind != JsonValueKind.Object || !details.TryGetProperty(KeyField, out var k) || k.ValueKind != JsonValueKind.String)
            return (null, []);
        var args = details.TryGetProperty(ArgsField, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.ToString()).ToList()
            : [];
        return (k.GetString(), args);
    }

    /// <summary>The key of a public note the system wrote, or null.</summary>
    public static string? PublicNoteKey(JsonElement details) =>
        details.ValueKind == JsonValueKind.Object && details.TryGetProperty(PublicNoteKeyField, out var k) && k.ValueKind == JsonValueKind.String
            ? k.GetString() : null;

    /// <summary>The public note as this reader reads it: the keyed note in the page's language, else the stored text.</summary>
    public static string? PublicNote(IStringLocalizer<Strings> l, string? key, string? stored)
    {
        if (key is null) return stored;
        var text = l[PublicNotePrefix + key];
        return text.ResourceNotFound ? stored : text.Value;
    }

    /// <summary>
    /// The reason as this reader reads it: the keyed sentence in the page's language with its arguments, else the stored
    /// text (no key, or a key this build has no text for). Plain text: the page shows it as text, never as markup.
    /// </summary>
    public static string? Text(IStringLocalizer<Strings> l, string? key, IReadOnlyList<string>? args, string? stored)
    {
        if (key is null) return stored;
        var text = l[Prefix + key, (args ?? []).Cast<object>().ToArray()];
        // An optional argument left empty ("" for no operator's words) leaves a space at the end.
        return text.ResourceNotFound ? stored : text.Value.TrimEnd();
    }

    /// <summary>A refusal as this reader reads it: its keyed sentence in the page's language, else the server's detail.</summary>
    public static string? Problem(IStringLocalizer<Strings> l, string? key, IReadOnlyList<string>? args, string? detail)
    {
        if (key is null) return detail;
        var text = l[ProblemPrefix + key, (args ?? []).Cast<object>().ToArray()];
        return text.ResourceNotFound ? detail : text.Value;
    }
}
