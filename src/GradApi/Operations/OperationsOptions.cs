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

    /// <summary>
    /// Heavy requests that may wait for a slot; past it, 429. Default 64: a waiting request costs no CPU, while a refused
    /// one that is sent again at once costs its reading and validation each time, and a class's mixed traffic at 64
    /// connections then never meets a 429.
    /// </summary>
    public int? HeavyQueueLimit { get; set; }

    /// <summary>How long (seconds) a heavy request may wait for a slot before it is answered 429; the deadline starts after.</summary>
    public double QueueTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Requests priced at most this share of their own work limit (maxWork, maxGradingWork, maxExpressionWork, ...) are
    /// computed at once, without a slot: the worst request within the limits takes about a second, so these take
    /// milliseconds. Seed-sized problems and a student's sheet cost a thousandth of their limit or less.
    /// </summary>
    public double LightWorkShare { get; set; } = 0.01;

    /// <summary>A /v1 body larger than this (bytes), or of undeclared length, is refused unread while the queue is full.</summary>
    public long LargeBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Thread-pool workers kept ready (0: the pool's default). Reading and validating requests is synchronous CPU work on
    /// pool threads; with a few ready beyond the cores, a burst of it does not leave /health waiting for the pool to grow.
    /// </summary>
    public int MinWorkerThreads { get; set; } = 64;

    /// <summary>The Retry-After (seconds) of a 429 for a full queue.</summary>
    public int QueueRetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// /v1 requests per minute from one client address (0, the default: no such limit, since behind a proxy every client
    /// shares its address). A key with its own rate is limited by that rate instead.
    /// </summary>
    public int ClientRequestsPerMinute { get; set; }

    public int Concurrency => HeavyConcurrency > 0 ? HeavyConcurrency : Math.Max(1, Environment.ProcessorCount - 1);

    public int QueueLimit => HeavyQueueLimit is >= 0 and var limit ? limit : 64;

    public static OperationsOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<OperationsOptions>() ?? new OperationsOptions();
        if (options.HeavyConcurrency < 0) throw new InvalidOperationException($"{Section}:HeavyConcurrency must be at least 0 (0: automatic).");
        if (options.QueueTimeoutSeconds is <= 0 or > 3600 || double.IsNaN(options.QueueTimeoutSeconds))
            throw new InvalidOperationException($"{Section}:QueueTimeoutSeconds must be above 0 and at most 3600.");
        if (options.HeavyQueueLimit < 0) throw new InvalidOperationException($"{Section}:HeavyQueueLimit must be at least 0.");
        if (options.LargeBodyBytes < 0) throw new InvalidOperationException($"{Section}:LargeBodyBytes must be at least 0.");
        if (options.MinWorkerThreads < 0) throw new InvalidOperationException($"{Section}:MinWorkerThreads must be at least 0 (0: the default).");
        if (options.QueueRetryAfterSeconds < 1) throw new InvalidOperationException($"{Section}:QueueRetryAfterSeconds must be at least 1.");
        if (options.LightWorkShare is < 0 or > 1 || double.IsNaN(options.LightWorkShare))
            throw new InvalidOperationException($"{Section}:LightWorkShare must be between 0 (every request takes a slot) and 1.");
        if (options.ClientRequestsPerMinute < 0) throw new InvalidOperationException($"{Section}:ClientRequestsPerMinute must be at least 0 (0: none).");
        return options;
    }
}
