using Grid.Web.Live;
using Grid.Web.Pages;

namespace Grid.Web.Layout;

/// <summary>
/// The signed-in person's unread inbox count for one circuit: the app bar shows it, the inbox page tells it when
/// items were read, and a case_escalated event (which is when inbox items are written) makes it read again.
/// </summary>
public sealed class InboxCount(IInboxSource inbox, IDeskFeed feed) : IAsyncDisposable
{
    private IAsyncDisposable? _follow;

    public long Unread { get; private set; }
    public event Func<Task>? Changed;

    /// <summary>Reads the count; with <paramref name="live"/> (interactive pages only) keeps following escalations.</summary>
    public async Task StartAsync(bool live)
    {
        await RefreshAsync();
        if (live && _follow is null)
        {
            _follow = await feed.FollowAsync(async e =>
            {
                if (e.Kind == "case_escalated") await RefreshAsync();
            });
        }
    }

    private int _reads;

    public async Task RefreshAsync()
    {
        // A live event and the inbox page may both ask at once; the read started last has seen the
        // most, so an older one that answers later must not overwrite it (a stale "1" after mark-read).
        var read = Interlocked.Increment(ref _reads);
        var unread = await inbox.UnreadCountAsync();
        if (read != Volatile.Read(ref _reads)) return;
        Unread = unread;
        if (Changed is { } changed) await changed();
    }

    public async ValueTask DisposeAsync()
    {
        if (_follow is not null) await _follow.DisposeAsync();
    }
}
