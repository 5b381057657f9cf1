using System.Globalization;
using System.Threading.RateLimiting;
using GradApi.Access;
using GradApi.Errors;
using GradApi.Limits;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace GradApi.Operations;

/// <summary>
/// Load sharing in two places. The rates (a key's own, else a client address's, when configured) are checked by ASP.NET
/// Core's rate limiting middleware before a /v1 body is read. The CPU slots are taken by <see cref="Admission"/>
/// once the request is validated and so priced: a request priced above <see cref="OperationsOptions.LightWorkShare"/> of its limit
/// waits in one short queue for one of a few slots, so heavy work never holds more cores than its slots, while cheap
/// requests (seed-sized problems, a student's sheet) and /health, /metrics and /swagger pass untouched. A full queue,
/// or a rate used up, is 429 problem+json with Retry-After.
/// </summary>
public static class Throttling
{
    public static IServiceCollection AddGradThrottling(this IServiceCollection services, IConfiguration configuration)
    {
        var options = OperationsOptions.From(configuration);
        if (options.MinWorkerThreads > 0)
        {
            ThreadPool.GetMinThreads(out int workers, out int io);
            ThreadPool.SetMinThreads(Math.Max(workers, options.MinWorkerThreads), io);
        }
        var queue = new HeavyWorkQueue(options);
        GradMetrics.Observe(queue);
        services.AddSingleton(options);
        services.AddSingleton(queue);
        services.AddSingleton<Admission>();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = new GradLimiter(options);
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) => Refuse(rejected.HttpContext, rejected.Lease, options);
        });
        return services;
    }

    /// <summary>
    /// After the key check, so a key's own rate applies and a refused key spends no token. With no rate configured (the
    /// default) the rate limiting middleware is left out: it would cost every request a lease of nothing.
    /// </summary>
    public static IApplicationBuilder UseGradThrottling(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<OperationsOptions>();
        var queue = app.ApplicationServices.GetRequiredService<HeavyWorkQueue>();
        if (options.ClientRequestsPerMinute > 0 || app.ApplicationServices.GetRequiredService<KeyRing>().HasRates)
            app.UseRateLimiter();
        return app.Use((context, next) => RefuseLargeBodiesWhileTheQueueIsFull(context, next, options, queue));
    }

    /// <summary>
    /// Reading and validating a body of megabytes costs tens of milliseconds of CPU outside any slot, and such a body is
    /// a heavy request (a seed problem or a student's sheet is a few kilobytes). While the queue is full it is refused
    /// before it is read, so clients retrying at once cannot spend the cores on requests that would be refused anyway.
    /// </summary>
    static Task RefuseLargeBodiesWhileTheQueueIsFull(HttpContext context, RequestDelegate next, OperationsOptions options, HeavyWorkQueue queue)
    {
        bool large = context.Request.ContentLength > options.LargeBodyBytes
            || (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count > 0);
        if (large && queue.IsFull && IsApi(context))
            return ProblemSetup.WriteProblem(context, TooManyRequests(context, GradLimiter.QueueLimit, options.QueueRetryAfterSeconds, options));
        return next(context);
    }

    /// <summary>Requests the rates count: the /v1 API. Health, /metrics and /swagger are never counted or queued.</summary>
    public static bool IsApi(HttpContext context) => ApiKeys.IsKeyed(context.Request.Path);

    static async ValueTask Refuse(HttpContext context, RateLimitLease lease, OperationsOptions options)
    {
        string limit = lease.TryGetMetadata(MetadataName.ReasonPhrase, out var name) && name is not null ? name : GradLimiter.ClientRate;
        int seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds))
            : options.QueueRetryAfterSeconds;
        await ProblemSetup.WriteProblem(context, TooManyRequests(context, limit, seconds, options));
    }

    /// <summary>The 429 for a limit: Retry-After set, the connection closed, the limit named in the problem.</summary>
    internal static ProblemDetails TooManyRequests(HttpContext context, string limit, int seconds, OperationsOptions options)
    {
        GradMetrics.NameLimit(context, limit);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // Closing spares the server draining a body it will not use (megabytes a time under a retry storm) to reuse the connection.
        context.Response.Headers.Connection = "close";
        string detail = limit switch
        {
            GradLimiter.QueueLimit =>
                $"The queue of CPU-heavy work is full ({options.Concurrency} at once, {options.QueueLimit} waiting; limits heavyConcurrency and heavyQueueLimit; " +
                $"requests priced at most lightWorkShare {options.LightWorkShare.ToString(CultureInfo.InvariantCulture)} of their work limit do not queue). Retry after {seconds} s.",
            GradLimiter.QueueTimeout =>
                $"No CPU slot came free within queueTimeoutSeconds {options.QueueTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s " +
                $"({options.Concurrency} at once, {options.QueueLimit} waiting). Retry after {seconds} s.",
            GradLimiter.KeyRate =>
                $"This key's rate of {ApiKeys.KeyOf(context)?.RequestsPerMinute} requests per minute is used up (limit keyRequestsPerMinute). Retry after {seconds} s.",
            _ =>
                $"This client's rate of {options.ClientRequestsPerMinute} requests per minute is used up (limit clientRequestsPerMinute). Retry after {seconds} s.",
        };
        return new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail };
    }
}

/// <summary>
/// Admission by price, after validation (the validation filter's last step): a request priced above lightWorkShare of its
/// work limit (or not priced) takes one of the heavy slots, waiting in the short queue if need be (429 when it is full),
/// holds it until its response is written, and runs on a scheduler of one thread per slot, so its awaits and Parallel
/// loops (the batch grader's) stay on its slots' cores.
/// </summary>
public sealed class Admission(HeavyWorkQueue queue, OperationsOptions options)
{
    /// <summary>A light request goes straight on, as the next step's own ValueTask; every served request's price is counted.</summary>
    public ValueTask<object?> Admit(EndpointFilterInvocationContext context, EndpointFilterDelegate next, Validation.RequestPrice? price)
    {
        var http = context.HttpContext;
        if (price is not null) GradMetrics.AddWork((http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path, price.WorkUnits);
        if (price is not null && price.Share <= options.LightWorkShare) return next(context);
        // The warm-up's requests run before the host has started: one priced heavy is refused rather than given a slot.
        if (http.Items.ContainsKey(WarmUp.Marker)) return ValueTask.FromResult<object?>(TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable));
        return Heavy(context, next);
    }

    async ValueTask<object?> Heavy(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var lease = queue.Limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            wait.CancelAfter(TimeSpan.FromSeconds(options.QueueTimeoutSeconds));
            try
            {
                lease = await queue.Limiter.AcquireAsync(1, wait.Token);
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                return TypedResults.Problem(Throttling.TooManyRequests(http, GradLimiter.QueueTimeout, options.QueueRetryAfterSeconds, options));
            }
        }
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return TypedResults.Problem(Throttling.TooManyRequests(http, GradLimiter.QueueLimit, options.QueueRetryAfterSeconds, options));
        }
        // Held until the response is written: a trace is computed while it streams.
        http.Response.RegisterForDispose(lease);
        return await Task.Factory.StartNew(() => next(context).AsTask(), CancellationToken.None, TaskCreationOptions.DenyChildAttach, queue.Cores).Unwrap();
    }
}

/// <summary>The slots for CPU-heavy work and their queue; also what the queue gauges read and what tests hold to fill it.</summary>
public sealed class HeavyWorkQueue(OperationsOptions options)
{
    public ConcurrencyLimiter Limiter { get; } = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Concurrency,
        QueueLimit = options.QueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>The threads heavy work runs on: one per slot.</summary>
    public TaskScheduler Cores { get; } = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, options.Concurrency).ConcurrentScheduler;


    public long Queued => Limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>Every slot taken and the queue full: a heavy request now would be refused.</summary>
    public bool IsFull => Limiter.GetStatistics() is { CurrentAvailablePermits: 0 } now && now.CurrentQueuedCount >= options.QueueLimit;

    public long Active => options.Concurrency - (Limiter.GetStatistics()?.CurrentAvailablePermits ?? options.Concurrency);
}

/// <summary>
/// The global limiter: for /v1 requests, the caller's rate (a key's own, else the client address's, when configured);
/// everything else passes. A refusal carries the limit's name and when to retry. The CPU slots are the admission filter's.
/// </summary>
sealed class GradLimiter(OperationsOptions options) : PartitionedRateLimiter<HttpContext>
{
    public const string QueueLimit = "heavyQueueLimit";
    public const string QueueTimeout = "queueTimeoutSeconds";
    public const string KeyRate = "keyRequestsPerMinute";
    public const string ClientRate = "clientRequestsPerMinute";

    readonly PartitionedRateLimiter<HttpContext> rates = PartitionedRateLimiter.Create<HttpContext, string>(context =>
    {
        if (ApiKeys.KeyOf(context) is { RequestsPerMinute: { } perKey } key)
            return RateLimitPartition.GetTokenBucketLimiter($"key:{key.Name}", _ => PerMinute(perKey));
        if (options.ClientRequestsPerMinute > 0)
            return RateLimitPartition.GetTokenBucketLimiter($"client:{context.Connection.RemoteIpAddress}", _ => PerMinute(options.ClientRequestsPerMinute));
        return RateLimitPartition.GetNoLimiter("unlimited");
    });

    /// <summary>
    /// n a minute, exactly, as a bucket of n refilled in whole seconds (every 60/gcd(n, 60) s with n/gcd(n, 60) tokens),
    /// so Retry-After is the time to the next refill rather than a whole minute.
    /// </summary>
    static TokenBucketRateLimiterOptions PerMinute(int n)
    {
        int period = 60 / (int)System.Numerics.BigInteger.GreatestCommonDivisor(n, 60);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = n,
            TokensPerPeriod = n * period / 60,
            ReplenishmentPeriod = TimeSpan.FromSeconds(period),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    string RateName(HttpContext context) => ApiKeys.KeyOf(context) is { RequestsPerMinute: not null } ? KeyRate : ClientRate;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) =>
        Throttling.IsApi(resource) ? rates.GetStatistics(resource) : null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (!Throttling.IsApi(resource)) return Lease.Granted;
        var rate = rates.AttemptAcquire(resource, permitCount);
        return rate.IsAcquired ? new Lease(rate) : Lease.Refused(RateName(resource), rate);
    }

    // The buckets never queue (QueueLimit 0), so waiting is the same as trying.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    protected override void Dispose(bool disposing)
    {
        if (disposing) rates.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>A granted lease holding a rate token, or a refusal naming its limit.</summary>
    sealed class Lease : RateLimitLease
    {
        public static readonly Lease Granted = new((RateLimitLease?)null);

        readonly RateLimitLease? rate;
        readonly bool acquired = true;
        readonly string? limit;
        readonly TimeSpan? retryAfter;

        public Lease(RateLimitLease? rate) => this.rate = rate;

        Lease(string limit, TimeSpan? retryAfter) => (acquired, this.limit, this.retryAfter) = (false, limit, retryAfter);

        public static Lease Refused(string limit, RateLimitLease refused)
        {
            TimeSpan? after = refused.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : null;
            refused.Dispose();
            return new Lease(limit, after);
        }

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames =>
            acquired ? [] : retryAfter is null ? [MetadataName.ReasonPhrase.Name] : [MetadataName.ReasonPhrase.Name, MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.ReasonPhrase.Name ? limit
                : metadataName == MetadataName.RetryAfter.Name ? retryAfter
                : null;
            return metadata is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) rate?.Dispose();
            base.Dispose(disposing);
        }
    }
}
