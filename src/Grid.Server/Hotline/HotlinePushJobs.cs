using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grid.Server.Jobs;
using Hangfire;
using Hangfire.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Grid.Server.Hotline;

/// <summary>
/// Every couple of seconds: turns new changes of the tickets of each registered 12345 system into
/// deliveries (one row per key, event seq and ticket: the at-most-once guard) and hands each to
/// Hangfire as a send job. Running twice or on two nodes at once queues nothing twice. Not retried:
/// the next run is the retry.
/// </summary>
[AutomaticRetry(Attempts = 0)]
[ShortLivedJob]
public sealed class HotlineQueueJob(HotlinePushRepository repo, IBackgroundJobClient jobs, IOptions<HotlinePushOptions> options, TimeProvider clock,
    ILogger<HotlineQueueJob> log)
{
    public const string Id = "hotline-push";

    public async Task RunAsync(CancellationToken ct)
    {
        var batch = options.Value.BatchSize;
        var queued = await repo.QueueNewChangesAsync(clock.GetUtcNow(), batch, ct);
        int enqueued;
        do
        {
            enqueued = await repo.EnqueueUnsentAsync(
                d => jobs.Enqueue<HotlineSendJob>(j => j.SendAsync(d.ApiKeyId, d.Seq, d.TicketId, CancellationToken.None)), batch, ct);
        } while (enqueued == batch && !ct.IsCancellationRequested);
        if (queued > 0) log.LogInformation("Hotline push: {Queued} change(s) queued", queued);
    }
}

/// <summary>
/// POSTs one change of one ticket to its 12345 system's callback, signed with the system's key. A
/// failure throws, so Hangfire retries it after Grid:Hotline:Push:RetryDelaysSeconds (see
/// <see cref="HotlineSendRetry"/>) and leaves it failed in the dashboard after the last retry. Sent
/// once: the delivery row is locked during the POST and marked delivered in the same transaction.
/// </summary>
public sealed class HotlineSendJob(HotlinePushRepository repo, IHttpClientFactory http, IDataProtectionProvider protection,
    IOptions<HotlinePushOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "hotline-push";
    public const string SignatureHeader = "X-Grid-Signature", TimestampHeader = "X-Grid-Timestamp", SeqHeader = "X-Grid-Event-Seq",
        TicketHeader = "X-Grid-Ticket";

    /// <summary>The API key, kept encrypted with the app's data-protection keys (shared by every node).</summary>
    public static IDataProtector Protector(IDataProtectionProvider protection) => protection.CreateProtector("Grid.Hotline.CallbackSigningKey");

    /// <summary>"sha256=" + hex HMAC-SHA256 over "{timestamp}.{body}", keyed with the system's API key (UTF-8).</summary>
    public static string Sign(string apiKey, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiKey), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    [DisplayName("Hotline push: change {1} of ticket {2}")]
    public async Task SendAsync(long apiKeyId, long seq, string ticketId, CancellationToken ct)
    {
        var o = options.Value;
        var error = await repo.SendOnceAsync(new DeliveryKey(apiKeyId, seq, ticketId), d => PostAsync(d, ct), o.RetryDelays.Length + 1,
            clock.GetUtcNow(), ct);
        if (error is not null) throw new HotlinePushFailedException($"Change {seq} of ticket {ticketId} was not accepted by the hotline system: {error}");
    }

    private async Task<string?> PostAsync(DeliveryRow d, CancellationToken ct)
    {
        var key = Protector(protection).Unprotect(d.SigningKey!);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, d.Url) { Content = new StringContent(d.Body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SignatureHeader, Sign(key, timestamp, d.Body));
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SeqHeader, d.Seq.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(TicketHeader, Uri.EscapeDataString(d.TicketId));
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            if (response.IsSuccessStatusCode) return null;
            var text = await response.Content.ReadAsStringAsync(ct);
            return $"HTTP {(int)response.StatusCode} {(text.Length > 200 ? text[..200] : text)}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e is TaskCanceledException ? $"no answer within {options.Value.TimeoutSeconds} s" : e.Message;
        }
    }
}

public sealed class HotlinePushFailedException(string message) : Exception(message);

/// <summary>
/// Hangfire's retry with back-off for the send job, with the delays of this host's configuration
/// (an attribute could only carry constants). Given at method scope, it replaces the global default.
/// </summary>
public sealed class HotlineSendRetry(HotlinePushOptions options) : IJobFilterProvider
{
    private readonly JobFilter[] _filter =
    [
        new(new AutomaticRetryAttribute
        {
            Attempts = options.RetryDelays.Length,
            DelaysInSeconds = options.RetryDelays,
            OnAttemptsExceeded = AttemptsExceededAction.Fail,
        }, JobFilterScope.Method, null),
    ];

    public IEnumerable<JobFilter> GetFilters(Job job) => job?.Type == typeof(HotlineSendJob) ? _filter : [];
}
