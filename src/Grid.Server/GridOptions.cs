namespace Grid.Server;

/// <summary>The "Grid" configuration section.</summary>
public sealed class GridOptions
{
    /// <summary>Seed the demo city into an empty database at start.</summary>
    public bool SeedDemo { get; set; }

    /// <summary>Folder of NNNN_*.sql migrations; defaults to the copy beside the binaries.</summary>
    public string? MigrationsPath { get; set; }

    /// <summary>The city's bounding box; reports outside it are refused.</summary>
    public double MinLon { get; set; } = 119.9;
    public double MinLat { get; set; } = 31.3;
    public double MaxLon { get; set; } = 120.7;
    public double MaxLat { get; set; } = 32.1;

    /// <summary>A point outside every cell goes to the nearest cell within this distance (属地兜底).</summary>
    public double NearestCellMaxMeters { get; set; } = 300;

    /// <summary>Open cases of the same category this close and this recent count as likely duplicates.</summary>
    public double DuplicateRadiusMeters { get; set; } = 50;
    public int DuplicateWindowDays { get; set; } = 30;

    /// <summary>Failed sign-ins before an account locks, and for how long.</summary>
    public int LockoutFailures { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>How long a node trusts a person's security stamp before reading it again: the most a
    /// session ended on another node (sign-out, password reset, deactivation) can outlive it there.</summary>
    public int SessionCheckSeconds { get; set; } = 5;

    /// <summary>The case list counts matching cases up to this many and then says "at least" (totalCapped):
    /// an exact count of a city-wide filter reads every case it matches.</summary>
    public int CaseCountCap { get; set; } = 1_000;

    /// <summary>How often a node moves the kept overdue counts per cell forward to its clock (migration 0102):
    /// the cells list counts only the running cases whose deadline passed since then.</summary>
    public int OverdueCatchUpSeconds { get; set; } = 10;
}
