namespace Grid.Server.Photos;

/// <summary>The "Grid:Photos" configuration section.</summary>
public sealed class PhotoOptions
{
    /// <summary>Folder for photo files, named by their SHA-256; relative paths are under the content root.</summary>
    public string Path { get; set; } = "data/photos";

    /// <summary>Largest accepted photo. Phones shrink photos to about 1600 px first, which is a few hundred KB.</summary>
    public int MaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest accepted thumbnail.</summary>
    public int MaxThumbBytes { get; set; } = 256 * 1024;

    /// <summary>Photos one report, "+1" or action may carry.</summary>
    public int MaxPerStep { get; set; } = 6;

    /// <summary>Uploads one person may make per day (a runaway client cannot fill the disk).</summary>
    public int MaxPerPersonPerDay { get; set; } = 500;
}
