using Grid.Web.Live;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Grid.Server.Realtime;

/// <summary>
/// Tells a circuit's feed when its browser connection goes down and comes back (<see cref="CircuitFeed.PauseAsync"/>,
/// <see cref="CircuitFeed.ResumeAsync"/>). Scoped like the circuit, so it holds that circuit's feed.
/// </summary>
public sealed class CircuitFeedConnection(IDeskFeed feed) : CircuitHandler
{
    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken) =>
        feed is CircuitFeed f ? f.PauseAsync() : Task.CompletedTask;

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken) =>
        feed is CircuitFeed f ? f.ResumeAsync() : Task.CompletedTask;
}
