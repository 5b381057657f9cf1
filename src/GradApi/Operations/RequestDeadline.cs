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
    // Let go of at the end of the request, so nothing that still holds this object holds the request.
    HttpContext? _context = context;
    CancellationTokenSource? _source;
    DeadlineClock.Entry? _onClock;
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
                if (deadline != Timeout.InfiniteTimeSpan) _onClock = DeadlineClock.Shared.Add(this, deadline);
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
        // The clock now holds only the entry, until its next pass.
        _onClock?.Leave();
    }
}

/// <summary>
/// Passes deadlines from one dedicated thread. A timer's callback runs on the thread pool, which the CPU-bound work
/// the deadline is there to stop can keep busy: measured here, a 2 ms deadline let a second of work finish.
/// <para>A request takes no lock to go on the clock or leave it: it pushes a small entry onto a lock-free stack, and
/// leaving clears the entry's reference to it, so the request is let go of at once. The clock thread alone keeps the
/// entries it has taken, passing those that are due and dropping those whose request has ended, every <see cref="Tick"/>
/// while any is there. A lock around one shared list, taken twice by every /v1 request, was contended about 1,400
/// times a second by seed 001's /v1/train under load on two cores, and idle otherwise.</para>
/// </summary>
sealed class DeadlineClock
{
    public static readonly DeadlineClock Shared = new();

    // Deadlines are whole seconds: passed at most a Tick late, and the clock wakes no more often than that under load
    // (waking for each one cost a context switch per request).
    static readonly long Tick = System.Diagnostics.Stopwatch.Frequency / 100;

    /// <summary>One request on the clock: its moment, and the request until it leaves.</summary>
    public sealed class Entry(WorkCancellation work, long due)
    {
        internal readonly long Due = due;
        internal WorkCancellation? Work = work;
        internal Entry? Next;

        /// <summary>The request has ended: the clock holds only this entry, until its next pass.</summary>
        public void Leave() => Volatile.Write(ref Work, null);
    }

    // Pushed by requests, taken whole by the clock.
    Entry? _arrived;
    // 1 while the clock waits with nothing on it; an arrival then wakes it.
    int _asleep;
    readonly AutoResetEvent _wake = new(false);

    DeadlineClock() => new Thread(Run) { IsBackground = true, Name = "deadlines" }.Start();

    public Entry Add(WorkCancellation work, TimeSpan after)
    {
        var entry = new Entry(work, System.Diagnostics.Stopwatch.GetTimestamp() + (long)(after.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));
        Entry? head;
        do entry.Next = head = Volatile.Read(ref _arrived);
        while (Interlocked.CompareExchange(ref _arrived, entry, head) != head);
        if (Volatile.Read(ref _asleep) == 1 && Interlocked.Exchange(ref _asleep, 0) == 1) _wake.Set();
        return entry;
    }

    void Run()
    {
        // The clock thread's own entries, in no order: requests in flight for longer than a Tick, a few at a time.
        var kept = new List<Entry>();
        while (true)
        {
            var arrived = Interlocked.Exchange(ref _arrived, null);
            for (var entry = arrived; entry is not null; entry = entry.Next)
                if (Volatile.Read(ref entry.Work) is not null) kept.Add(entry);

            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            long earliest = long.MaxValue;
            for (int i = kept.Count - 1; i >= 0; i--)
            {
                var entry = kept[i];
                var work = Volatile.Read(ref entry.Work);
                if (work is not null && entry.Due > now)
                {
                    earliest = Math.Min(earliest, entry.Due);
                    continue;
                }
                kept[i] = kept[^1];
                kept.RemoveAt(kept.Count - 1);
                // A failing cancellation callback belongs to its request; it must not stop the clock for every other.
                if (work is not null)
                {
                    try { work.Expire(); }
                    catch (AggregateException) { }
                }
            }

            // Under load requests arrive all the time: they are taken a Tick's worth at a time, not as each comes.
            if (kept.Count > 0 || arrived is not null)
            {
                _wake.WaitOne(TimeSpan.FromTicks(Math.Clamp(earliest - now, 1, Tick) * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency));
                continue;
            }
            // Nothing on the clock and nothing came for a Tick: sleep until a request arrives.
            Interlocked.Exchange(ref _asleep, 1);
            if (Volatile.Read(ref _arrived) is not null)
            {
                Volatile.Write(ref _asleep, 0);
                continue;
            }
            _wake.WaitOne();
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
