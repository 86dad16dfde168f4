namespace Grid.Domain.Grid;

/// <summary>
/// The 15-digit code of a unit grid cell (GB/T 30428.1): 6-digit administrative division (GB/T 2260),
/// 3-digit street (GB/T 10114), 3-digit community and 3-digit cell sequence.
/// </summary>
public readonly record struct GridCode(string Value)
{
    public const int Length = 15;

    public string Value { get; } = TryValidate(Value, out var error) ? Value : throw new ArgumentException(error, nameof(Value));

    public string DistrictCode => Value[..6];
    public string StreetCode => Value[..9];
    public string CommunityCode => Value[..12];
    public int Sequence => int.Parse(Value.AsSpan(12, 3));

    /// <summary>Surrounding spaces are forgiven: codes are often pasted from spreadsheets.</summary>
    public static bool TryParse(string? text, out GridCode code, out string error)
    {
        var trimmed = text?.Trim();
        if (!TryValidate(trimmed, out error)) { code = default; return false; }
        code = new GridCode(trimmed!);
        return true;
    }

    public static GridCode Parse(string? text) =>
        TryParse(text, out var code, out var error) ? code : throw new FormatException(error);

    public override string ToString() => Value ?? "";

    private static bool TryValidate(string? text, out string error)
    {
        error = "";
        if (string.IsNullOrWhiteSpace(text))
            error = "The grid code is empty; enter the 15-digit cell code.";
        else if (text.AsSpan().IndexOfAnyExceptInRange('0', '9') is var bad and >= 0)
            error = $"'{text}' contains '{text[bad]}'; a grid code has digits 0-9 only.";
        else if (text.Length == 14)
            error = $"'{text}' is an older 14-digit code; pad the cell sequence to 3 digits.";
        else if (text.Length != Length)
            error = $"'{text}' has {text.Length} digits; a grid code has 15 (district 6, street 3, community 3, cell 3).";
        else if (text.EndsWith("000", StringComparison.Ordinal))
            error = $"'{text}' ends in cell sequence 000; cell numbers start at 001.";
        return error == "";
    }
}
