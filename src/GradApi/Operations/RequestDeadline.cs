using System.Globalization;
using GradApi.Errors;
using GradApi.Limits;
using Microsoft.AspNetCore.Mvc;

namespace GradApi.Operations;

/// <summary>
/// The one cancellation of a request's work: the client's disconnect linked with the published deadline
/// (<see cref="ServiceLimits.DeadlineSeconds"/>). The deadline starts when a handler first asks for the token, so
/// reading a slow body does not count against it (that has its own timeout, 408).
/// </summary>
public sealed class WorkCancellation(HttpContext context, TimeSpan deadline) : IDisposable
{
    readonly Lock _lock = new();
    // Let go of at the end of the request: the deadline clock keeps this object until its moment, seconds later.
    HttpContext? _context = context;
    CancellationTokenSource? _source;
    bool _disposed, _started, _cancelled;

    /// <summary>Cancelled when the client disconnects or the deadline passes; the deadline runs from the first read.</summary>
    public CancellationToken Token
    {
        get
        {
            if (_disposed) return new CancellationToken(canceled: true);
            if (_source is null)
            {
                // RequestAborted is read only here: a request that never asks for the token costs the server nothing.
                _source = CancellationTokenSource.CreateLinkedTokenSource(_context!.RequestAborted);
                _started = true;
                if (deadline != Timeout.InfiniteTimeSpan) DeadlineClock.Shared.Add(this, deadline);
            }
            return _source.Token;
        }
    }

    /// <summary>A handler has asked for the token: the deadline is running.</summary>
    public bool Started => _started;

    /// <summary>The work was told to stop, for either reason.</summary>
    public bool IsCancellationRequested => _cancelled || (_source?.IsCancellationRequested ?? false);

    /// <summary>It was the deadline, with the client still there to be answered.</summary>
    public bool DeadlinePassed => IsCancellationRequested && _context is { RequestAborted.IsCancellationRequested: false };

    /// <summary>The deadline's moment: cancels the work unless the request has already ended.</summary>
    internal void Expire()
    {
        lock (_lock)
            if (!_disposed) _source?.Cancel();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _cancelled = _source?.IsCancellationRequested ?? false;
            _source?.Dispose();
            _source = null;
            _context = null;
        }
        // Off the clock at once: held until its moment, seconds after the request, every request's object outlived two
        // young collections (50,000 of them at 10,000 requests/s and a 5 s deadline) and died in the oldest generation.
        if (_started) DeadlineClock.Shared.Remove(this);
    }

    // The deadline clock's list: when this request's deadline passes, and its neighbours, earlier and later.
    internal long Due;
    internal WorkCancellation? Earlier, Later;
    internal bool OnClock;
}

/// <summary>
/// Passes deadlines from one dedicated thread. A timer's callback runs on the thread pool, which the CPU-bound work
/// the deadline is there to stop can keep busy: measured here, a 2 ms deadline let a second of work finish.
/// <para>The requests still running are kept in the order their deadlines pass, in a list threaded through them: a
/// deadline is added at the end (they share one length, so it is nearly always the latest) and a request leaves the
/// list when it ends, so only the requests in flight are held.</para>
/// </summary>
sealed class DeadlineClock
{
    public static readonly DeadlineClock Shared = new();

    readonly object _gate = new();
    WorkCancellation? _earliest, _latest;

    DeadlineClock() => new Thread(Run) { IsBackground = true, Name = "deadlines" }.Start();

    public void Add(WorkCancellation work, TimeSpan after)
    {
        long due = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(after.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        lock (_gate)
        {
            work.Due = due;
            // From the latest back to the first that passes no later (a host with another deadline length may share the clock).
            var before = _latest;
            while (before is not null && before.Due > due) before = before.Earlier;
            work.Earlier = before;
            work.Later = before is null ? _earliest : before.Later;
            if (work.Later is null) _latest = work;
            else work.Later.Earlier = work;
            if (before is null) _earliest = work;
            else before.Later = work;
            work.OnClock = true;
            // The clock is woken only when this deadline is now the earliest.
            if (before is null) Monitor.Pulse(_gate);
        }
    }

    /// <summary>Takes a request that has ended off the list (nothing when its deadline has already been passed).</summary>
    public void Remove(WorkCancellation work)
    {
        lock (_gate)
            if (work.OnClock) Unlink(work);
    }

    void Unlink(WorkCancellation work)
    {
        if (work.Earlier is null) _earliest = work.Later;
        else work.Earlier.Later = work.Later;
        if (work.Later is null) _latest = work.Earlier;
        else work.Later.Earlier = work.Earlier;
        work.Earlier = work.Later = null;
        work.OnClock = false;
    }

    // Deadlines are whole seconds; waking for each one cost a context switch per request under load (one wake per
    // request at 10k requests/s), so the clock passes all that are due at most every Tick.
    static readonly long Tick = System.Diagnostics.Stopwatch.Frequency / 100;

    void Run()
    {
        var expired = new List<WorkCancellation>();
        while (true)
        {
            lock (_gate)
            {
                if (_earliest is null)
                {
                    Monitor.Wait(_gate);
                    continue;
                }
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (_earliest.Due > now)
                {
                    long wake = Math.Max(_earliest.Due - now, Tick);
                    Monitor.Wait(_gate, (int)Math.Ceiling(wake * 1000.0 / System.Diagnostics.Stopwatch.Frequency));
                    continue;
                }
                while (_earliest is { } due && due.Due <= now)
                {
                    Unlink(due);
                    expired.Add(due);
                }
            }
            // A failing cancellation callback belongs to its request; it must not stop the clock for every other.
            foreach (var work in expired)
            {
                try { work.Expire(); }
                catch (AggregateException) { }
            }
            expired.Clear();
        }
    }
}

/// <summary>
/// Gives every request a <see cref="WorkCancellation"/> and turns the work it stopped into an answer: past the
/// deadline a 503 problem naming it, or, when a 200 had already started, an aborted connection (a started body is
/// never ended as if complete); a client that left gets nothing and is logged at debug level.
/// </summary>
public static class RequestDeadline
{
    public const string LimitName = "deadlineSeconds";

    /// <summary>The request's work token (the client's disconnect alone when the middleware is not in the pipeline).</summary>
    public static CancellationToken WorkCancellation(this HttpContext context) =>
        context.Features.Get<WorkCancellation>()?.Token ?? context.RequestAborted;

    public static IApplicationBuilder UseRequestDeadline(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<ServiceLimits>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestDeadline).FullName!);
        // A non-positive or enormous setting leaves the disconnect as the only stop (CancelAfter takes under 2^32 ms).
        var deadline = limits.DeadlineSeconds is > 0 and < 4_000_000 ? TimeSpan.FromSeconds(limits.DeadlineSeconds) : Timeout.InfiniteTimeSpan;

        return app.Use(async (context, next) =>
        {
            // The computing routes only; health and the OpenAPI pages go straight through.
            if (!context.Request.Path.StartsWithSegments("/v1"))
            {
                await next(context);
                return;
            }
            using var work = new WorkCancellation(context, deadline);
            context.Features.Set(work);
            try
            {
                await next(context);
            }
            catch (Exception exception) when (IsCancellation(exception) && work.IsCancellationRequested)
            {
                if (!work.DeadlinePassed)
                {
                    logger.LogDebug("{Method} {Path}: the client disconnected; its work was stopped", context.Request.Method, context.Request.Path);
                    if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
                    return;
                }
                if (context.Response.HasStarted)
                {
                    logger.LogWarning("{Method} {Path}: the deadline {Deadline} s passed after the response had started; the connection was closed",
                        context.Request.Method, context.Request.Path, limits.DeadlineSeconds);
                    context.Abort();
                    return;
                }
                logger.LogInformation("{Method} {Path}: the deadline {Deadline} s passed; answered 503", context.Request.Method, context.Request.Path, limits.DeadlineSeconds);
                await WriteDeadlineProblem(context, limits.DeadlineSeconds);
            }
        });
    }

    /// <summary>The text a 503 carries: it names the limit and its value, as every limit's error does.</summary>
    public static string Detail(double deadlineSeconds) =>
        $"The work was stopped after the deadline {LimitName} = {deadlineSeconds.ToString(CultureInfo.InvariantCulture)} s; " +
        "send a smaller problem (fewer iterations, examples, answers, submissions, steps or trials).";

    static Task WriteDeadlineProblem(HttpContext context, double deadlineSeconds)
    {
        context.Response.Clear();
        return ProblemSetup.WriteProblem(context, new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Deadline exceeded",
            Detail = Detail(deadlineSeconds),
        });
    }

    // Parallel loops (the batch's grading) report a stopped body as an AggregateException of cancellations.
    static bool IsCancellation(Exception exception) => exception switch
    {
        OperationCanceledException => true,
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.All(e => e is OperationCanceledException),
        _ => false,
    };

    /// <summary>Documents the 503 on every route of a group.</summary>
    public static RouteGroupBuilder WithDeadline(this RouteGroupBuilder group) =>
        group.ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
