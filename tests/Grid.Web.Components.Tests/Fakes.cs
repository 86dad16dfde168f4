using System.Text.Json;
using Grid.Web.Live;
using Grid.Web.Pages;

namespace Grid.Web.Components.Tests;

/// <summary>The circuit feed as a list of followers the test pushes events to.</summary>
public sealed class FakeFeed : IDeskFeed
{
    private readonly List<Func<DeskEvent, Task>> _followers = [];
    public long LastSeq { get; private set; }
    public int Followers => _followers.Count;

    public Task<IAsyncDisposable> FollowAsync(Func<DeskEvent, Task> onEvent, Func<Task>? onResync = null)
    {
        _followers.Add(onEvent);
        return Task.FromResult<IAsyncDisposable>(new Unfollow(() => _followers.Remove(onEvent)));
    }

    public async Task PushAsync(string kind, long? caseId = null, string payload = "{}")
    {
        var e = new DeskEvent(++LastSeq, DateTimeOffset.UtcNow, kind, caseId, null, null, JsonDocument.Parse(payload).RootElement.Clone());
        foreach (var f in _followers.ToList()) await f(e);
    }

    private sealed class Unfollow(Action stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() { stop(); return ValueTask.CompletedTask; }
    }
}

public sealed class FakeInbox : IInboxSource
{
    public List<InboxEntry> Items { get; } = [];
    public List<long> MarkedRead { get; } = [];

    public Task<long> UnreadCountAsync() => Task.FromResult((long)Items.Count(i => i.ReadAt is null));
    public Task<IReadOnlyList<InboxEntry>> ListAsync(int page, int pageSize) => Task.FromResult<IReadOnlyList<InboxEntry>>(Items.ToList());

    public Task<bool> MarkReadAsync(long id)
    {
        var i = Items.FindIndex(x => x.Id == id);
        if (i < 0) return Task.FromResult(false);
        MarkedRead.Add(id);
        var e = Items[i];
        Items[i] = new InboxEntry { Id = e.Id, CaseId = e.CaseId, CaseNo = e.CaseNo, CaseState = e.CaseState, Description = e.Description,
            Level = e.Level, Note = e.Note, OrderedByName = e.OrderedByName, CreatedAt = e.CreatedAt, ReadAt = DateTimeOffset.UtcNow };
        return Task.FromResult(true);
    }
}
