namespace Grid.Domain.Time;

/// <summary>The unit a handling time limit (处置时限) is counted in. Stored as the snake_case name.</summary>
public enum LimitUnit
{
    /// <summary>工作时: hours inside the working periods of the calendar.</summary>
    WorkingHours,
    /// <summary>工作日: whole working days, each worth the calendar's working hours per day.</summary>
    WorkingDays,
}

public static class LimitUnits
{
    public static string ToCode(this LimitUnit unit) => unit switch
    {
        LimitUnit.WorkingHours => "working_hours",
        LimitUnit.WorkingDays => "working_days",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    public static bool TryParse(string? code, out LimitUnit unit)
    {
        foreach (var u in Enum.GetValues<LimitUnit>())
        {
            if (u.ToCode() == code) { unit = u; return true; }
        }
        unit = default;
        return false;
    }

    public static LimitUnit Parse(string code) =>
        TryParse(code, out var u) ? u : throw new ArgumentException($"Unknown time limit unit '{code}'; use working_hours or working_days.", nameof(code));
}

/// <summary>A handling time limit such as 5 working hours or 4 working days.</summary>
public sealed record TimeLimit(int Value, LimitUnit Unit)
{
    public int Value { get; } = Value > 0
        ? Value
        : throw new ArgumentOutOfRangeException(nameof(Value), Value, "A time limit must be at least 1.");

    public override string ToString() => $"{Value} {Unit.ToCode().Replace('_', ' ')}";
}
