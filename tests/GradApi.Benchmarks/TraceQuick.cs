using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Endpoints;
using GradApi.Json;
using Microsoft.AspNetCore.Http;

namespace GradApi.Benchmarks;

/// <summary>
/// Issue 13's trace writing in seconds, for comparing two builds back to back (<c>-- --trace</c>): the 784-128-10 traces of
/// <see cref="TraceWriterBenchmarks"/>, best of several rounds, in ms of this thread's CPU time (on a shared machine the wall clock counts the time others ran;
/// every case runs on the calling thread, the discarding body completing each flush at once), MB/s of the response's bytes, and the bytes
/// allocated per response byte (what writing the trace costs the heap beyond the run's own tensors).
/// <list type="bullet">
/// <item>Format: every number of the 1-iteration trace through <see cref="TensorText.WriteNumber"/> alone.</item>
/// <item>Tensors: the same tensors as JSON through <see cref="TensorText"/> into a reused buffer.</item>
/// <item>Run: the training run alone, its iterations enumerated and not written.</item>
/// <item>Respond: <see cref="TrainTraceResult"/> to a discarding body, the run included.</item>
/// </list>
/// </summary>
public static class TraceQuick
{
    public static IEnumerable<(string Name, double Milliseconds, long Bytes, long Allocated)> Run(int rounds = 9)
    {
        MathNet.Numerics.Control.UseSingleThread();
        var full1Request = Problems.MnistTrace784x128x10();
        var full1 = full1Request.ToProblem();
        var update20Request = Problems.MnistTrace784x128x10(iterations: 20, include: ["update"]);
        var update20 = update20Request.ToProblem();
        var run = new TrainingRun(full1);
        var trace = run.Iterations().ToArray();
        Tensor[] tensors = [.. TraceWriterBenchmarks.Parameters(run.Initial), .. trace.SelectMany(TraceWriterBenchmarks.Tensors), .. TraceWriterBenchmarks.Parameters(run.Final)];
        var buffer = new ArrayBufferWriter<byte>(24 * 1024 * 1024);
        var scratch = new byte[64];

        long Format()
        {
            long bytes = 0;
            foreach (var tensor in tensors)
                foreach (var value in tensor.Data) bytes += TensorText.WriteNumber(value, scratch) + 1;
            return bytes;
        }
        long WriteTensors()
        {
            buffer.ResetWrittenCount();
            using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
            writer.WriteStartArray();
            foreach (var tensor in tensors) TensorText.Write(writer, tensor);
            writer.WriteEndArray();
            writer.Flush();
            return buffer.WrittenCount;
        }
        static long RunOnly(TrainingProblem problem)
        {
            var run = new TrainingRun(problem, reuseBuffers: true);
            long count = 0;
            foreach (var _ in run.Iterations()) count++;
            return count;
        }

        (string, Func<long>)[] cases =
        [
            ("Format, 1-it trace's numbers", Format),
            ("Tensors, 1-it trace (TensorText)", WriteTensors),
            ("Run only, full 1-it", () => RunOnly(full1)),
            ("Respond full 1-it trace", () => TraceWriterBenchmarks.Respond(full1, full1Request).GetAwaiter().GetResult()),
            ("Run only, 20 it", () => RunOnly(update20)),
            ("Respond 20 it, update only", () => TraceWriterBenchmarks.Respond(update20, update20Request).GetAwaiter().GetResult()),
        ];
        foreach (var (name, action) in cases)
        {
            long bytes = action();
            double best = double.MaxValue;
            long allocated = long.MaxValue;
            for (int r = 0; r < rounds; r++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                double cpu = ThreadCpuMilliseconds();
                action();
                best = Math.Min(best, ThreadCpuMilliseconds() - cpu);
                allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
            yield return (name, best, bytes, allocated);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out TimeSpec time);

    static double ThreadCpuMilliseconds()
    {
        const int threadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID (Linux)
        if (ClockGetTime(threadCpuTime, out var time) != 0) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        return time.Seconds * 1000.0 + time.Nanoseconds / 1e6;
    }
}
