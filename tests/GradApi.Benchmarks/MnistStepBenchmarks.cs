using BenchmarkDotNet.Attributes;
using GradApi.Contracts;
using GradApi.Domain.Training;
using GradApi.Endpoints;
using Microsoft.AspNetCore.Http;

namespace GradApi.Benchmarks;

/// <summary>
/// The MNIST-sized step of issue 13: a 784-128-10 network (sigmoid, softmax with ce), batch 32, Adam, 101,770
/// parameters. Per step, divide the 100-iteration figures by 100.
/// <list type="bullet">
/// <item>Run_*: the domain run alone, every iteration enumerated (every tensor of the trace computed); Run_100_Reused with
/// the buffers reused from one iteration to the next, as the service's /v1/train runs it.</item>
/// <item>Respond_Loss_*: run plus the host writing the response with <c>include: ["loss"]</c> to a discarding stream.</item>
/// <item>Respond_Full_1: run plus the whole one-iteration trace (about 17 MB of JSON).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class MnistStepBenchmarks
{
    TrainRequest _oneRequest = null!, _hundredRequest = null!, _oneLossRequest = null!, _hundredLossRequest = null!;
    TrainingProblem _one = null!, _hundred = null!;

    [GlobalSetup]
    public void Setup()
    {
        MathNet.Numerics.Control.UseSingleThread();
        _oneRequest = Problems.Mnist784x128x10(iterations: 1);
        _hundredRequest = Problems.Mnist784x128x10(iterations: 100);
        _oneLossRequest = _oneRequest with { Include = ["loss"] };
        _hundredLossRequest = _hundredRequest with { Include = ["loss"] };
        _one = _oneRequest.ToProblem();
        _hundred = _hundredRequest.ToProblem();
    }

    [Benchmark(Baseline = true, Description = "Run 784-128-10 adam, batch 32, 1 it")]
    public int Run_1() => Run(_one);

    [Benchmark(Description = "Run 784-128-10 adam, batch 32, 100 it")]
    public int Run_100() => Run(_hundred);

    [Benchmark(Description = "Run 784-128-10 adam, batch 32, 100 it, reused buffers (as the service runs it)")]
    public int Run_100_Reused() => Run(_hundred, reuseBuffers: true);

    [Benchmark(Description = "Respond include loss, 1 it")]
    public Task<long> Respond_Loss_1() => TraceWriterBenchmarks.Respond(_one, _oneLossRequest);

    [Benchmark(Description = "Respond include loss, 100 it")]
    public Task<long> Respond_Loss_100() => TraceWriterBenchmarks.Respond(_hundred, _hundredLossRequest);

    [Benchmark(Description = "Respond full trace, 1 it")]
    public Task<long> Respond_Full_1() => TraceWriterBenchmarks.Respond(_one, _oneRequest);

    /// <summary>
    /// A few seconds' reproduction without BenchmarkDotNet (<c>-- --mnist</c>): ms per operation and bytes allocated
    /// per operation, the best of several rounds, for comparing two builds back to back on a shared machine.
    /// </summary>
    public IEnumerable<(string Name, double Milliseconds, long Bytes)> Quick(int rounds = 5, string? only = null)
    {
        Setup();
        (string, Func<long>, int)[] cases =
        [
            ("Run 1 it", () => Run_1(), 20),
            ("Run 100 it", () => Run_100(), 1),
            ("Run 100 it reused buffers", () => Run_100_Reused(), 1),
            ("Respond loss 100 it", () => Respond_Loss_100().GetAwaiter().GetResult(), 1),
            ("Respond full 1 it", () => Respond_Full_1().GetAwaiter().GetResult(), 2),
        ];
        foreach (var (name, action, repeat) in cases)
        {
            if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
            action();
            double best = double.MaxValue;
            long bytes = 0;
            for (int r = 0; r < rounds; r++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i < repeat; i++) action();
                best = Math.Min(best, watch.Elapsed.TotalMilliseconds / repeat);
                bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / repeat;
            }
            yield return (name, best, bytes);
        }
    }

    static int Run(TrainingProblem problem, bool reuseBuffers = false)
    {
        var run = new TrainingRun(problem, reuseBuffers: reuseBuffers);
        int count = 0;
        foreach (var _ in run.Iterations()) count++;
        return count + run.Final.Count;
    }
}
