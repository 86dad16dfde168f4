namespace Grid.Web.Pages.Admin;

/// <summary>
/// The answer of an administrative change, the same for the console's pages and the /api/admin routes:
/// the saved value, or field errors (400), or a refusal (403/404), or a conflict (409) carrying what is
/// stored now so the page can show what someone else changed.
/// </summary>
public sealed record AdminResult<T>(int Status, T? Value, IReadOnlyDictionary<string, string[]>? Errors, string? Message, T? Current)
{
    public bool Ok => Status is >= 200 and < 300;

    public static AdminResult<T> Success(T value, int status = 200) => new(status, value, null, null, default);
    public static AdminResult<T> Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(400, default, errors, string.Join(" ", errors.Values.SelectMany(v => v)), default);
    public static AdminResult<T> Forbidden(string message) => new(403, default, null, message, default);
    public static AdminResult<T> NotFound(string message) => new(404, default, null, message, default);
    public static AdminResult<T> Conflict(string message, T? current) => new(409, default, null, message, current);
}

/// <summary>One 小类 of the catalogue as the console shows it.</summary>
public sealed record CategoryItem(string Code, string Kind, string MajorCode, string MinorCode, string MajorNameZh, string MajorNameEn,
    string NameZh, string NameEn, int LimitValue, string LimitUnit, int UrgentLimitValue, string UrgentLimitUnit,
    string DefaultUnitId, string HandlerRole, bool SelfHandleAllowed, string RegistrationCondition, string ClosingCondition,
    int Version, DateTimeOffset? UpdatedAt);

/// <summary>What an administrator sends to create or change a 小类 (also the JSON body of the API);
/// <see cref="Version"/> is the version the change was made on (required to change, ignored on create).</summary>
public sealed class CategoryInput
{
    public string? Code { get; set; }
    public string? MajorNameZh { get; set; }
    public string? MajorNameEn { get; set; }
    public string? NameZh { get; set; }
    public string? NameEn { get; set; }
    public int? LimitValue { get; set; }
    public string? LimitUnit { get; set; } = "working_days";
    public int? UrgentLimitValue { get; set; }
    public string? UrgentLimitUnit { get; set; } = "working_hours";
    public string? DefaultUnitId { get; set; }
    public string? HandlerRole { get; set; } = "grid_worker";
    public bool SelfHandleAllowed { get; set; }
    public string? RegistrationCondition { get; set; }
    public string? ClosingCondition { get; set; }
    public int? Version { get; set; }

    public static CategoryInput From(CategoryItem c) => new()
    {
        Code = c.Code, MajorNameZh = c.MajorNameZh, MajorNameEn = c.MajorNameEn, NameZh = c.NameZh, NameEn = c.NameEn,
        LimitValue = c.LimitValue, LimitUnit = c.LimitUnit, UrgentLimitValue = c.UrgentLimitValue, UrgentLimitUnit = c.UrgentLimitUnit,
        DefaultUnitId = c.DefaultUnitId, HandlerRole = c.HandlerRole, SelfHandleAllowed = c.SelfHandleAllowed,
        RegistrationCondition = c.RegistrationCondition, ClosingCondition = c.ClosingCondition, Version = c.Version,
    };
}

public sealed record UnitChoice(string Id, string NameZh, string NameEn);

/// <summary>The categories page's data and changes (implemented by the server for the circuit's person).</summary>
public interface ICategoryAdmin
{
    Task<IReadOnlyList<CategoryItem>> ListAsync();
    Task<IReadOnlyList<UnitChoice>> UnitsAsync();
    Task<AdminResult<CategoryItem>> CreateAsync(CategoryInput input);
    Task<AdminResult<CategoryItem>> UpdateAsync(string code, CategoryInput input);
}

/// <summary>A holiday (day off) or make-up working day (调休) of the calendar.</summary>
public sealed record CalendarDayItem(DateOnly Day, string Kind, string Note);

public sealed record WorkingPeriodItem(TimeOnly Start, TimeOnly End);

/// <summary>The working calendar as it applies to one year: the city-wide working periods and weekly rest
/// days (with their version) and the year's own list of holidays and make-up days (with its version).</summary>
/// <param name="Periods">The default working periods (city-wide, of a year without its own; versioned by <paramref name="SettingsVersion"/>).</param>
/// <param name="YearPeriods">The year's own working periods; empty when the year works the default ones.</param>
/// <param name="PeriodsVersion">Version of the year's own periods (0: never set).</param>
public sealed record CalendarYearView(int Year, int Version, IReadOnlyList<CalendarDayItem> Days, string TimeZone,
    IReadOnlyList<WorkingPeriodItem> Periods, IReadOnlyList<int> RestWeekdays, int SettingsVersion,
    IReadOnlyList<WorkingPeriodItem> YearPeriods, int PeriodsVersion)
{
    /// <summary>The periods the days of this year are worked on.</summary>
    public IReadOnlyList<WorkingPeriodItem> Effective => YearPeriods.Count > 0 ? YearPeriods : Periods;
}

public sealed record CalendarDaysInput(int? Version, IReadOnlyList<CalendarDayItem>? Days);

public sealed record CalendarPasteInput(int? Version, string? Text);

public sealed record CalendarSettingsInput(int? Version, IReadOnlyList<WorkingPeriodItem>? Periods, IReadOnlyList<int>? RestWeekdays);

/// <summary>A year's own working periods: <paramref name="Version"/> is the year's <c>periodsVersion</c>; an empty list
/// makes the year work the default periods again.</summary>
public sealed record CalendarPeriodsInput(int? Version, IReadOnlyList<WorkingPeriodItem>? Periods);

/// <summary>The calendar page's data and changes (implemented by the server for the circuit's person).</summary>
public interface ICalendarAdmin
{
    Task<CalendarYearView> YearAsync(int year);
    /// <summary>Reads a pasted list without saving it: the days, or errors that name their line.</summary>
    Task<AdminResult<IReadOnlyList<CalendarDayItem>>> ParseAsync(int year, string? text);
    Task<AdminResult<CalendarYearView>> SaveDaysAsync(int year, CalendarDaysInput input);
    Task<AdminResult<CalendarYearView>> SaveSettingsAsync(int year, CalendarSettingsInput input);
    Task<AdminResult<CalendarYearView>> SavePeriodsAsync(int year, CalendarPeriodsInput input);
}

/// <summary>A ladder rule (督办阶梯) for a category code or prefix and/or a priority; neither = the default.
/// Delays are working seconds of the rungs assignee, grid head, street leader, district, each after the previous.</summary>
public sealed record LadderItem(long Id, string? CategoryPrefix, string? Priority, double WarningFraction, int[] DelaysSeconds,
    DateTimeOffset UpdatedAt, Guid? UpdatedBy, int Version);

public sealed record LadderInput(string? CategoryPrefix, string? Priority, double? WarningFraction, int[]? DelaysSeconds, int? Version = null);

/// <summary>One rung of a preview: its level code (warning, assignee, grid_head, street_leader, district) and when it would fire.</summary>
public sealed record RungPreview(string Level, DateTimeOffset DueAt, double WorkingHoursAfterDispatch);

/// <summary>When each rung would fire for a case of <paramref name="CategoryCode"/> dispatched at <paramref name="DispatchedAt"/>,
/// on the working calendar; <paramref name="RulePrefix"/>/<paramref name="RulePriority"/> say which rule applied.</summary>
public sealed record LadderPreview(string CategoryCode, string Priority, int LimitValue, string LimitUnit, DateTimeOffset DispatchedAt,
    DateTimeOffset Deadline, string? RulePrefix, string? RulePriority, bool Proposed, IReadOnlyList<RungPreview> Rungs);

/// <summary>The ladders page's data and changes (implemented by the server for the circuit's person).</summary>
public interface ILadderAdmin
{
    Task<IReadOnlyList<LadderItem>> ListAsync();
    Task<IReadOnlyList<CategoryItem>> CategoriesAsync();
    Task<AdminResult<LadderItem>> SaveAsync(LadderInput input);
    Task<AdminResult<LadderItem>> DeleteAsync(long id, int? version);
    /// <summary>The rungs for a case dispatched now; with <paramref name="proposed"/>, as that unsaved ladder would place them.</summary>
    Task<AdminResult<LadderPreview>> PreviewAsync(string? categoryCode, string? priority, LadderInput? proposed = null);
}

/// <summary>One row of the audit log as the console shows it; <paramref name="Details"/> is the JSON as text.</summary>
public sealed record AuditItem(long Id, DateTimeOffset At, Guid? ActorId, string? ActorUsername, string? ActorName, string Action, string Subject, string Details);

/// <summary>Filters of the audit log: <paramref name="Person"/> matches a username or name (contains), <paramref name="Action"/>
/// is one kind, <paramref name="From"/> inclusive, <paramref name="To"/> exclusive.</summary>
public sealed record AuditFilter(string? Person, string? Action, DateTimeOffset? From, DateTimeOffset? To);

public sealed record AuditPage(IReadOnlyList<AuditItem> Items, int Total, int Page, int PageSize);

/// <summary>The audit page's data (implemented by the server for the circuit's person).</summary>
public interface IAuditLog
{
    Task<AdminResult<AuditPage>> PageAsync(AuditFilter filter, int page, int pageSize);
    Task<IReadOnlyList<string>> ActionsAsync();
}

/// <summary>A monitoring system (public security, traffic, water, street lighting...) with how many device kinds and devices it has.</summary>
public sealed record MonitoringSystemItem(string Id, string Name, DateTimeOffset CreatedAt, int Kinds, int Devices);

/// <summary>A device kind: which system sends its alarms, which category and priority the cases get.</summary>
/// <param name="Version">The stored version (0: a kind not saved yet).</param>
public sealed record DeviceKindItem(string Kind, string SystemId, string CategoryCode, string Priority, int Version = 0);

/// <param name="Version">The stored version (0: a device not saved yet).</param>
public sealed record DeviceItem(string Id, string Kind, string SystemId, string Name, double Lat, double Lon, string CellCode, string Address, int Version = 0);

/// <summary>A system's new alarm secret: shown once, only its hash is kept.</summary>
public sealed record NewSecret(string SystemId, string Secret);

/// <summary>The devices page's data and changes (implemented by the server for the circuit's person).</summary>
public interface IDeviceAdmin
{
    Task<IReadOnlyList<MonitoringSystemItem>> SystemsAsync();
    Task<IReadOnlyList<DeviceKindItem>> KindsAsync();
    Task<IReadOnlyList<DeviceItem>> DevicesAsync();
    Task<IReadOnlyList<CategoryItem>> CategoriesAsync();
    /// <summary>Registers a new system; its first secret is in the answer.</summary>
    Task<AdminResult<NewSecret>> CreateSystemAsync(string? id, string? name);
    /// <summary>A new secret for the system; the old one stops working at once.</summary>
    Task<AdminResult<NewSecret>> RotateSecretAsync(string id);
    /// <summary>Saves a kind made on its <see cref="DeviceKindItem.Version"/>; a 409 carries the kind as stored in <c>Current</c>.</summary>
    Task<AdminResult<DeviceKindItem>> SaveKindAsync(DeviceKindItem kind);
    /// <summary>Saves a device made on its <see cref="DeviceItem.Version"/>; a 409 carries the device as stored in <c>Current</c>.</summary>
    Task<AdminResult<DeviceItem>> SaveDeviceAsync(DeviceItem device);
}
