using System.Globalization;
using System.Threading.RateLimiting;
using GradApi.Access;
using GradApi.Limits;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace GradApi.Operations;

/// <summary>
/// Every /v1 request is CPU-heavy work: it waits in one short queue for one of a few slots (ASP.NET Core's rate limiting
/// middleware with a concurrency limiter), so whatever the load a core stays free for /health, /metrics and /swagger,
/// which pass untouched. A full queue, or a key's or a client's rate used up, is 429 problem+json with Retry-After.
/// </summary>
public static class Throttling
{
    public static IServiceCollection AddGradThrottling(this IServiceCollection services, IConfiguration configuration)
    {
        var options = OperationsOptions.From(configuration);
        var queue = new HeavyWorkQueue(options);
        GradMetrics.Observe(queue);
        services.AddSingleton(options);
        services.AddSingleton(queue);
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = new GradLimiter(queue, options);
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) => Refuse(rejected.HttpContext, rejected.Lease, options);
        });
        return services;
    }

    /// <summary>
    /// After the key check, so a key's own rate applies and refused keys never take a place in the queue. Past the queue, a
    /// request runs on a scheduler of as many threads as there are slots: awaits resume there and Parallel loops (the batch
    /// grader's) take their workers from it, so CPU-heavy work never holds more cores than its slots, whatever it does inside.
    /// </summary>
    public static IApplicationBuilder UseGradThrottling(this IApplicationBuilder app)
    {
        app.Use(ReadBodyBeforeQueueing);
        app.UseRateLimiter();
        var cores = app.ApplicationServices.GetRequiredService<HeavyWorkQueue>().Cores;
        return app.Use((context, next) => IsHeavy(context)
            ? Task.Factory.StartNew(() => next(context), CancellationToken.None, TaskCreationOptions.DenyChildAttach, cores).Unwrap()
            : next(context));
    }

    /// <summary>
    /// Reads a /v1 body whole (within maxBodyBytes, in memory) before the request queues, so a client that sends its body
    /// slowly holds no slot while it does: only the computation waits for one. A body past the limit fails here, as 413.
    /// When the queue is already full the body is left unread: the 429 that follows costs nothing to send.
    /// </summary>
    static async Task ReadBodyBeforeQueueing(HttpContext context, RequestDelegate next)
    {
        if (IsHeavy(context) && !context.RequestServices.GetRequiredService<HeavyWorkQueue>().IsFull && context.Request.ContentLength is not 0 && (context.Request.ContentLength is not null || context.Request.Headers.TransferEncoding.Count > 0))
        {
            long limit = context.RequestServices.GetRequiredService<ServiceLimits>().MaxBodyBytes;
            context.Request.EnableBuffering((int)Math.Min(limit, int.MaxValue), limit);
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            context.Request.Body.Position = 0;
        }
        await next(context);
    }

    /// <summary>Requests that wait for a slot: the /v1 API. Health, /metrics and /swagger never wait.</summary>
    public static bool IsHeavy(HttpContext context) => ApiKeys.IsKeyed(context.Request.Path);

    static async ValueTask Refuse(HttpContext context, RateLimitLease lease, OperationsOptions options)
    {
        string limit = lease.TryGetMetadata(MetadataName.ReasonPhrase, out var name) && name is not null ? name : GradLimiter.QueueLimit;
        int seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds))
            : options.QueueRetryAfterSeconds;
        GradMetrics.NameLimit(context, limit);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // The body is not read: closing spares the server draining it (megabytes a time under a retry storm) to reuse the connection.
        context.Response.Headers.Connection = "close";
        string detail = limit switch
        {
            GradLimiter.QueueLimit =>
                $"The queue of CPU-heavy work is full ({options.Concurrency} at once, {options.QueueLimit} waiting; limits heavyConcurrency and heavyQueueLimit). Retry after {seconds} s.",
            GradLimiter.KeyRate =>
                $"This key's rate of {ApiKeys.KeyOf(context)?.RequestsPerMinute} requests per minute is used up (limit keyRequestsPerMinute). Retry after {seconds} s.",
            _ =>
                $"This client's rate of {options.ClientRequestsPerMinute} requests per minute is used up (limit clientRequestsPerMinute). Retry after {seconds} s.",
        };
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail },
        });
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

    /// <summary>Every slot taken and the queue full: a request arriving now is refused.</summary>
    public bool IsFull => Limiter.GetStatistics() is { } now && now.CurrentAvailablePermits == 0 && now.CurrentQueuedCount >= options.QueueLimit;

    public long Queued => Limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    public long Active => options.Concurrency - (Limiter.GetStatistics()?.CurrentAvailablePermits ?? options.Concurrency);
}

/// <summary>
/// The global limiter: for /v1 requests, the caller's rate (a key's own, else the client address's, when configured),
/// then a slot in the heavy-work queue; everything else passes. A refusal carries the limit's name and when to retry.
/// </summary>
sealed class GradLimiter(HeavyWorkQueue queue, OperationsOptions options) : PartitionedRateLimiter<HttpContext>
{
    public const string QueueLimit = "heavyQueueLimit";
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
        Throttling.IsHeavy(resource) ? queue.Limiter.GetStatistics() : null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (!Throttling.IsHeavy(resource)) return Lease.Granted;
        // The slot first: when none is free the middleware waits with AcquireAsync, which takes the rate's token then,
        // so a request spends one token whichever way it is let in.
        var slot = queue.Limiter.AttemptAcquire(permitCount);
        if (!slot.IsAcquired) return Lease.Refused(QueueLimit, slot);
        var rate = rates.AttemptAcquire(resource, permitCount);
        if (rate.IsAcquired) return new Lease(rate, slot);
        slot.Dispose();
        return Lease.Refused(RateName(resource), rate);
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        if (!Throttling.IsHeavy(resource)) return Lease.Granted;
        var rate = rates.AttemptAcquire(resource, permitCount);
        if (!rate.IsAcquired) return Lease.Refused(RateName(resource), rate);
        var slot = await queue.Limiter.AcquireAsync(permitCount, cancellationToken);
        if (slot.IsAcquired) return new Lease(rate, slot);
        rate.Dispose();
        return Lease.Refused(QueueLimit, slot);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) rates.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>A granted lease holding a rate token and a slot, or a refusal naming its limit.</summary>
    sealed class Lease : RateLimitLease
    {
        public static readonly Lease Granted = new((RateLimitLease?)null, null);

        readonly RateLimitLease? rate;
        readonly RateLimitLease? slot;
        readonly bool acquired = true;
        readonly string? limit;
        readonly TimeSpan? retryAfter;

        public Lease(RateLimitLease? rate, RateLimitLease? slot) => (this.rate, this.slot) = (rate, slot);

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
            if (disposing)
            {
                slot?.Dispose();
                rate?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
