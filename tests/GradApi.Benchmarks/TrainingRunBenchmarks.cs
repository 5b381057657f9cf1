using System.IO.Pipelines;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using GradApi.Contracts;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Endpoints;
using Microsoft.AspNetCore.Http;

namespace GradApi.Benchmarks;

/// <summary>
/// One <see cref="TrainingRun"/> per operation, on a homework-sized problem and on a larger one, and the
/// cost of turning its trace into JSON:
/// <list type="bullet">
/// <item>Run_*: the domain run alone, every iteration enumerated (what the service computes).</item>
/// <item>Respond_*: the host's <see cref="TrainTraceResult"/> writing the whole response to a discarding
/// stream (run plus serialization, without Kestrel or the network).</item>
/// <item>Serialize_Mlp: serialization only: every tensor of a precomputed trace through Utf8JsonWriter.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class TrainingRunBenchmarks
{
    TrainRequest _seed001Request = null!;
    TrainingProblem _seed001 = null!;
    TrainRequest _mlpRequest = null!;
    TrainingProblem _mlp = null!;
    IterationTrace[] _mlpTrace = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The service runs MathNet single-threaded (Program.cs); measure the same configuration.
        MathNet.Numerics.Control.UseSingleThread();
        _seed001Request = Problems.Seed001();
        _seed001 = _seed001Request.ToProblem();
        _mlpRequest = Problems.Mlp64x32x10();
        _mlp = _mlpRequest.ToProblem();
        _mlpTrace = new TrainingRun(_mlp).Iterations().ToArray();
    }

    [Benchmark(Baseline = true, Description = "Run seed001 3-2-1 momentum, 2 it")]
    public int Run_Seed001() => Run(_seed001);

    [Benchmark(Description = "Run 64-32-10 adam softmax+ce, batch 32, 20 it")]
    public int Run_Mlp() => Run(_mlp);

    [Benchmark(Description = "Respond seed001 (run + TrainTraceResult JSON)")]
    public Task<long> Respond_Seed001() => Respond(_seed001, _seed001Request);

    [Benchmark(Description = "Respond 64-32-10 (run + TrainTraceResult JSON)")]
    public Task<long> Respond_Mlp() => Respond(_mlp, _mlpRequest);

    [Benchmark(Description = "Serialize 64-32-10 trace tensors only (Utf8JsonWriter)")]
    public async Task<long> Serialize_Mlp()
    {
        // Like the host: a writer over the response's PipeWriter, flushed after each iteration.
        var body = new CountingStream();
        var pipe = PipeWriter.Create(body);
        await using var writer = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        writer.WriteStartArray();
        foreach (var iteration in _mlpTrace)
        {
            foreach (var layer in iteration.Forward)
            {
                Write(writer, layer.Input);
                Write(writer, layer.Z);
                Write(writer, layer.A);
                Write(writer, layer.ActivationDerivative);
            }
            Write(writer, iteration.Loss.PerExample);
            Write(writer, iteration.OutputGradient);
            foreach (var layer in iteration.Backward)
            {
                Write(writer, layer.Delta);
                Write(writer, layer.WeightGradient);
                if (layer.BiasGradient is not null) Write(writer, layer.BiasGradient);
            }
            foreach (var layer in iteration.Update)
            {
                Write(writer, layer.Weights);
                if (layer.Biases is not null) Write(writer, layer.Biases);
                foreach (var slot in layer.State)
                {
                    Write(writer, slot.Weights);
                    if (slot.Biases is not null) Write(writer, slot.Biases);
                }
            }
            writer.Flush();
            await pipe.FlushAsync();
        }
        writer.WriteEndArray();
        writer.Flush();
        await pipe.CompleteAsync();
        return body.Length;
    }

    /// <summary>Bytes each benchmark writes, printed by <c>-- --sizes</c> to put the timings in proportion.</summary>
    public IEnumerable<(string Name, long Bytes)> Sizes()
    {
        Setup();
        yield return ("Respond seed001", Respond_Seed001().GetAwaiter().GetResult());
        yield return ("Respond 64-32-10", Respond_Mlp().GetAwaiter().GetResult());
        yield return ("Serialize 64-32-10 tensors", Serialize_Mlp().GetAwaiter().GetResult());
    }

    static void Write(Utf8JsonWriter writer, Tensor tensor) => TrainTraceResult.WriteTensor(writer, tensor);

    static int Run(TrainingProblem problem)
    {
        var run = new TrainingRun(problem);
        int count = 0;
        foreach (var _ in run.Iterations()) count++;
        return count + run.Final.Count;
    }

    static async Task<long> Respond(TrainingProblem problem, TrainRequest request)
    {
        var body = new CountingStream();
        var context = new DefaultHttpContext();
        context.Response.Body = body;
        await new TrainTraceResult(problem, request).ExecuteAsync(context);
        return body.Length;
    }

    /// <summary>A response body that keeps nothing and counts the bytes written.</summary>
    internal sealed class CountingStream : Stream
    {
        long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
