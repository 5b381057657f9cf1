using System.Runtime.CompilerServices;
using GradApi.Operations;
using Microsoft.AspNetCore.Http;

namespace GradApi.Tests.Operations;

/// <summary>
/// The deadline clock that every /v1 request's <see cref="WorkCancellation"/> is put on: deadlines pass in their own
/// order whatever order they were added in, and a request that has ended is let go of at once, not at its deadline.
/// </summary>
public sealed class DeadlineClockTests
{
    [Fact]
    public async Task AShorterDeadlineAddedAfterALongerOnePassesFirst()
    {
        using var longer = new WorkCancellation(new DefaultHttpContext(), TimeSpan.FromSeconds(30));
        using var shorter = new WorkCancellation(new DefaultHttpContext(), TimeSpan.FromMilliseconds(20));
        var longToken = longer.Token;
        var shortToken = shorter.Token;

        await WaitFor(() => shortToken.IsCancellationRequested, TimeSpan.FromSeconds(5));

        Assert.True(shorter.DeadlinePassed);
        Assert.False(longToken.IsCancellationRequested);
    }

    [Fact]
    public async Task DeadlinesAddedInTheirOwnOrderAllPass()
    {
        var works = Enumerable.Range(1, 5).Select(i => new WorkCancellation(new DefaultHttpContext(), TimeSpan.FromMilliseconds(10 * i))).ToList();
        var tokens = works.Select(w => w.Token).ToList();

        await WaitFor(() => tokens.All(t => t.IsCancellationRequested), TimeSpan.FromSeconds(5));

        foreach (var work in works) work.Dispose();
    }

    [Fact]
    public async Task ARequestThatHasEndedIsNotHeldUntilItsDeadline()
    {
        var ended = StartAndEnd(TimeSpan.FromMinutes(10));

        // Let go of within a second, not at the deadline ten minutes on; not always by the first collection: beside the
        // whole debug suite one first collection in three or four still found the request (what held it for that moment
        // was not pinned down; a dump taken just after showed it rooted nowhere). So collections are tried for a second.
        bool released = false;
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(1); !released && DateTime.UtcNow < until; await Task.Delay(20))
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            released = !IsAlive(ended);
        }

        Assert.True(released, "the deadline clock still holds a request that has ended");
    }

    [Fact]
    public async Task ARequestThatEndsBeforeItsDeadlineIsNotCancelledByIt()
    {
        var work = new WorkCancellation(new DefaultHttpContext(), TimeSpan.FromMilliseconds(20));
        _ = work.Token;
        work.Dispose();
        await Task.Delay(200);

        Assert.False(work.IsCancellationRequested);
        Assert.False(work.DeadlinePassed);
    }

    [Fact]
    public async Task RequestsComingAndGoingOnSeveralThreadsAtOnceLoseNoDeadline()
    {
        // Requests that end at once, from four threads, pushed onto the clock while it takes what has arrived.
        var ended = new System.Collections.Concurrent.ConcurrentBag<WorkCancellation>();
        var running = new System.Collections.Concurrent.ConcurrentBag<(WorkCancellation Work, CancellationToken Token)>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                var work = new WorkCancellation(new DefaultHttpContext(), TimeSpan.FromMilliseconds(i % 1000 == 0 ? 30 : 50));
                var token = work.Token;
                if (i % 1000 == 0) running.Add((work, token));
                else
                {
                    work.Dispose();
                    if (i % 97 == 0) ended.Add(work);
                }
            }
        })));

        await WaitFor(() => running.All(r => r.Token.IsCancellationRequested), TimeSpan.FromSeconds(5));
        await Task.Delay(100);

        Assert.All(running, r => Assert.True(r.Work.DeadlinePassed));
        Assert.All(ended, work => Assert.False(work.IsCancellationRequested));
        foreach (var (work, _) in running) work.Dispose();
    }

    // Not inlined, so no local of the test's own keeps the request alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference<WorkCancellation> StartAndEnd(TimeSpan deadline)
    {
        var work = new WorkCancellation(new DefaultHttpContext(), deadline);
        _ = work.Token;
        work.Dispose();
        return new WeakReference<WorkCancellation>(work);
    }

    // Not inlined, so the target it finds is held by no local of the test's between collections.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool IsAlive(WeakReference<WorkCancellation> reference) => reference.TryGetTarget(out _);

    static async Task WaitFor(Func<bool> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not within {within.TotalSeconds} s");
            await Task.Delay(5);
        }
    }
}
