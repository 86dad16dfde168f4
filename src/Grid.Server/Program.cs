using Grid.Server;

var app = GridApp.Build(args);
await GridApp.PrepareAsync(app);
await app.RunAsync();

/// <summary>Exposed for WebApplicationFactory-style references in tests.</summary>
public partial class Program;
