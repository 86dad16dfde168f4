namespace Grid.Server.Citizens;

/// <summary>The "Grid:Citizens" configuration section: the citizen page's limits and follow-up (回访).</summary>
public sealed class CitizenOptions
{
    /// <summary>Reports and "+1"s one device may send per hour.</summary>
    public int ReportsPerDevicePerHour { get; set; } = 10;
    /// <summary>Reports and "+1"s one network address may send per hour (a whole office or campus shares one).</summary>
    public int ReportsPerAddressPerHour { get; set; } = 60;
    /// <summary>Photos one network address may upload per hour.</summary>
    public int PhotosPerAddressPerHour { get; set; } = 60;
    /// <summary>Photos per citizen report.</summary>
    public int MaxPhotos { get; set; } = 3;
    /// <summary>A closed case's follow-up not answered within this many days counts as "no answer".</summary>
    public int FollowUpDays { get; set; } = 7;
    /// <summary>The category codes offered on the citizen page (a short list citizens understand); empty: all.</summary>
    public string[] Categories { get; set; } = [];
    /// <summary>Where the page's map opens when the phone gives no position; the middle of the city box by default.</summary>
    public double? CenterLat { get; set; }
    public double? CenterLon { get; set; }
    /// <summary>What counts as "nearby" when the page shows open cases of the same kind before sending.</summary>
    public double NearbyMeters { get; set; } = 100;
}
