namespace GradApi.Operations;

/// <summary>
/// How load is shared out (section "Operations"): the queue every /v1 request waits in for one of a few CPU-heavy slots,
/// and the per-client rate. Published in the OpenAPI description; the values in force are read from here.
/// </summary>
public sealed class OperationsOptions
{
    public const string Section = "Operations";

    /// <summary>/v1 requests computed at once; 0 (the default) means one fewer than the processors, at least 1, so a core is left for the rest.</summary>
    public int HeavyConcurrency { get; set; }

    /// <summary>/v1 requests that may wait for a slot; past it, 429. Default: 4 per slot.</summary>
    public int? HeavyQueueLimit { get; set; }

    /// <summary>
    /// Requests priced at most this share of their own work limit (maxWork, maxGradingWork, maxExpressionWork, ...) are
    /// computed at once, without a slot: the worst request within the limits takes about a second, so these take
    /// milliseconds. Seed-sized problems and a student's sheet cost a thousandth of their limit or less.
    /// </summary>
    public double LightWorkShare { get; set; } = 0.01;

    /// <summary>The Retry-After (seconds) of a 429 for a full queue.</summary>
    public int QueueRetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// /v1 requests per minute from one client address (0, the default: no such limit, since behind a proxy every client
    /// shares its address). A key with its own rate is limited by that rate instead.
    /// </summary>
    public int ClientRequestsPerMinute { get; set; }

    public int Concurrency => HeavyConcurrency > 0 ? HeavyConcurrency : Math.Max(1, Environment.ProcessorCount - 1);

    public int QueueLimit => HeavyQueueLimit is >= 0 and var limit ? limit : 4 * Concurrency;

    public static OperationsOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<OperationsOptions>() ?? new OperationsOptions();
        if (options.HeavyConcurrency < 0) throw new InvalidOperationException($"{Section}:HeavyConcurrency must be at least 0 (0: automatic).");
        if (options.HeavyQueueLimit < 0) throw new InvalidOperationException($"{Section}:HeavyQueueLimit must be at least 0.");
        if (options.QueueRetryAfterSeconds < 1) throw new InvalidOperationException($"{Section}:QueueRetryAfterSeconds must be at least 1.");
        if (options.LightWorkShare is < 0 or > 1 || double.IsNaN(options.LightWorkShare))
            throw new InvalidOperationException($"{Section}:LightWorkShare must be between 0 (every request takes a slot) and 1.");
        if (options.ClientRequestsPerMinute < 0) throw new InvalidOperationException($"{Section}:ClientRequestsPerMinute must be at least 0 (0: none).");
        return options;
    }
}
