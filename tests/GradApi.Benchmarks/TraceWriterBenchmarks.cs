using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using GradApi.Contracts;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Endpoints;
using GradApi.Json;
using Microsoft.AspNetCore.Http;

namespace GradApi.Benchmarks;

/// <summary>
/// Issue 13's trace writing, without Kestrel or the network: the 784-128-10 network's traces
/// (<see cref="Problems.MnistTrace784x128x10"/>). MB/s = the bytes printed by <c>-- --sizes</c> over the mean.
/// <list type="bullet">
/// <item>Tensors_*: every tensor of the precomputed 1-iteration trace into a reused buffer, so the figure is the JSON's cost
/// alone: number by number through Utf8JsonWriter (the writer before), and in chunks through <see cref="TensorText"/>.</item>
/// <item>Respond_*: <see cref="TrainTraceResult"/> writing the whole response to a discarding stream (the run included).</item>
/// </list>
/// Run briefly on a shared machine: <c>dotnet run -c Release --project tests/GradApi.Benchmarks -- --filter '*TraceWriter*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class TraceWriterBenchmarks
{
    static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    TrainRequest _full1Request = null!, _update20Request = null!;
    TrainingProblem _full1 = null!, _update20 = null!;
    Tensor[] _tensors = null!;
    readonly ArrayBufferWriter<byte> _buffer = new(24 * 1024 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        MathNet.Numerics.Control.UseSingleThread();
        _full1Request = Problems.MnistTrace784x128x10();
        _full1 = _full1Request.ToProblem();
        _update20Request = Problems.MnistTrace784x128x10(iterations: 20, include: ["update"]);
        _update20 = _update20Request.ToProblem();
        var run = new TrainingRun(_full1);
        var trace = run.Iterations().ToArray();
        _tensors = [.. Parameters(run.Initial), .. trace.SelectMany(Tensors), .. Parameters(run.Final)];
    }

    [Benchmark(Baseline = true, Description = "Tensors of the full 1-it trace, number by number (Utf8JsonWriter)")]
    public long Tensors_ElementWise() => WriteTensors(static (writer, tensor) => ElementWise(writer, tensor));

    [Benchmark(Description = "Tensors of the full 1-it trace, in chunks (TensorText)")]
    public long Tensors_Chunked() => WriteTensors(TensorText.Write);

    [Benchmark(Description = "Respond full 1-it trace (run + TrainTraceResult)")]
    public Task<long> Respond_Full1() => Respond(_full1, _full1Request);

    [Benchmark(Description = "Respond 20 it, update only (run + TrainTraceResult)")]
    public Task<long> Respond_Update20() => Respond(_update20, _update20Request);

    /// <summary>Bytes each benchmark writes (<c>-- --sizes</c>).</summary>
    public IEnumerable<(string Name, long Bytes)> Sizes()
    {
        Setup();
        yield return ("Tensors of the full 1-it trace", Tensors_Chunked());
        yield return ("Respond full 1-it trace", Respond_Full1().GetAwaiter().GetResult());
        yield return ("Respond 20 it, update only", Respond_Update20().GetAwaiter().GetResult());
    }

    long WriteTensors(Action<Utf8JsonWriter, Tensor> write)
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, WriterOptions);
        writer.WriteStartArray();
        foreach (var tensor in _tensors) write(writer, tensor);
        writer.WriteEndArray();
        writer.Flush();
        return _buffer.WrittenCount;
    }

    static void ElementWise(Utf8JsonWriter writer, Tensor tensor)
    {
        int offset = 0;
        Dimension(0);

        void Dimension(int dimension)
        {
            if (dimension == tensor.Rank)
            {
                double value = tensor.Data[offset++];
                if (value == 0) writer.WriteNumberValue(0.0);
                else if (double.IsFinite(value)) writer.WriteNumberValue(value);
                else writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
                return;
            }
            writer.WriteStartArray();
            for (int i = 0; i < tensor.Shape[dimension]; i++) Dimension(dimension + 1);
            writer.WriteEndArray();
        }
    }

    /// <summary>Every parameter tensor of the layers, weights then biases (shared by the trace benchmarks).</summary>
    internal static IEnumerable<Tensor> Parameters(IEnumerable<LayerParameters> layers) =>
        layers.SelectMany(l => l.Biases is null ? new[] { l.Weights } : [l.Weights, l.Biases]);

    /// <summary>Every tensor of an iteration's trace, in the order the trace writes them.</summary>
    internal static IEnumerable<Tensor> Tensors(IterationTrace iteration)
    {
        foreach (var layer in iteration.Forward) { yield return layer.Input; yield return layer.Z; yield return layer.A; yield return layer.ActivationDerivative; }
        yield return iteration.Loss.PerExample;
        yield return iteration.OutputGradient;
        foreach (var layer in iteration.Backward)
        {
            yield return layer.Delta;
            yield return layer.WeightGradient;
            if (layer.BiasGradient is not null) yield return layer.BiasGradient;
        }
        foreach (var layer in iteration.Update)
        {
            yield return layer.Weights;
            if (layer.Biases is not null) yield return layer.Biases;
            foreach (var slot in layer.State)
            {
                yield return slot.Weights;
                if (slot.Biases is not null) yield return slot.Biases;
            }
        }
    }

    /// <summary>The whole /v1/train response written to a body that only counts its bytes.</summary>
    internal static async Task<long> Respond(TrainingProblem problem, TrainRequest request)
    {
        var body = new TrainingRunBenchmarks.CountingStream();
        var context = new DefaultHttpContext();
        context.Response.Body = body;
        await new TrainTraceResult(problem, request).ExecuteAsync(context);
        return body.Length;
    }
}
