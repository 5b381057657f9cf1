using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace GradApi.Operations;

/// <summary>
/// The service's own metrics (meter "GradApi"), exported at /metrics beside ASP.NET Core's request counts and durations:
/// work units done per endpoint, rejections by reason and limit, and the CPU-heavy queue's length and slots in use.
/// Static so a handler can count its work without a dependency: <c>GradMetrics.AddWork("/v1/train", work)</c>.
/// </summary>
public static partial class GradMetrics
{
    public const string MeterName = "GradApi";

    static readonly Meter Meter = new(MeterName);
    // Work done per endpoint route, summed here and read only when metrics are collected: counted with a tag on every request,
    // the exporter's look-up of the tag's series was a measurable part of a seed-sized /v1/train.
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Runtime.CompilerServices.StrongBox<long>> WorkDone = new();
    static readonly Counter<long> Rejections = Meter.CreateCounter<long>("gradapi.rejections", "{request}",
        "Requests refused, by reason (the status's name) and the limit that refused them.");

    // The queue of the host that registered last: one per process outside tests.
    static HeavyWorkQueue? queue;

    static GradMetrics()
    {
        Meter.CreateObservableCounter("gradapi.work.units", ObserveWork, "{unit}",
            "Work done, in the units the endpoint's published work limit counts (maxWork, maxGradingWork, ...).");
        Meter.CreateObservableGauge("gradapi.queue.length", () => (long)(queue?.Queued ?? 0), "{request}",
            "/v1 requests waiting for a CPU-heavy slot.");
        Meter.CreateObservableGauge("gradapi.queue.active", () => (long)(queue?.Active ?? 0), "{request}",
            "/v1 requests holding a CPU-heavy slot.");
    }

    /// <summary>Counts work done by an endpoint, in its work limit's units.</summary>
    public static void AddWork(string endpoint, long units)
    {
        if (units > 0) Interlocked.Add(ref WorkDone.GetOrAdd(endpoint, static _ => new()).Value, units);
    }

    /// <summary>Forgets the work counted so far (the warm-up's, before the service answers).</summary>
    internal static void ForgetWork() => WorkDone.Clear();

    static IEnumerable<Measurement<long>> ObserveWork() =>
        WorkDone.Select(done => new Measurement<long>(Interlocked.Read(ref done.Value.Value), new KeyValuePair<string, object?>("endpoint", done.Key)));

    /// <summary>Counts a refused request. Called for every 400 naming a limit, 401, 403, 413, 429 and 503 by <see cref="UseGradRejectionMetrics"/>.</summary>
    public static void Rejected(string reason, string limit) =>
        Rejections.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("limit", limit));

    /// <summary>Names the limit that refuses this request, for the rejection count (else the status's usual limit is assumed).</summary>
    public static void NameLimit(HttpContext context, string limit) => context.Items[LimitItem] = limit;

    internal static void Observe(HeavyWorkQueue heavy) => queue = heavy;

    /// <summary>Counts each refused request once, by its final status, so every rejection is seen whichever part refused it.</summary>
    public static IApplicationBuilder UseGradRejectionMetrics(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next(context);
        var named = context.Items.TryGetValue(LimitItem, out var value) ? value as string : null;
        var (reason, limit) = context.Response.StatusCode switch
        {
            StatusCodes.Status400BadRequest when named is not null => ("bad_request", named),
            StatusCodes.Status401Unauthorized => ("unauthorized", named ?? "apiKey"),
            StatusCodes.Status403Forbidden => ("forbidden", named ?? "role"),
            StatusCodes.Status413PayloadTooLarge => ("payload_too_large", named ?? "maxBodyBytes"),
            StatusCodes.Status429TooManyRequests => ("too_many_requests", named ?? "rate"),
            StatusCodes.Status503ServiceUnavailable => ("service_unavailable", named ?? "deadline"),
            _ => (null, null),
        };
        if (reason is not null) Rejected(reason, limit!);
    });

    /// <summary>
    /// Names the limit of a validation 400 from its messages ("(limit maxAnswers)", "the limit maxWork"), so limits
    /// refused by the validators are counted without each validator counting them.
    /// </summary>
    internal static void NameLimitOf(HttpContext context, IEnumerable<string> messages)
    {
        foreach (var message in messages)
            if (LimitInMessage().Match(message) is { Success: true } match)
            {
                NameLimit(context, match.Groups[1].Value);
                return;
            }
    }

    const string LimitItem = "GradApi.RejectedBy";

    [GeneratedRegex(@"\blimit (max[A-Za-z]+)")]
    private static partial Regex LimitInMessage();
}
