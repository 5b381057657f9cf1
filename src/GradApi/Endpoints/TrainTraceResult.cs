using System.Reflection;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Domain.Vocabulary;
using GradApi.Json;
using GradApi.Operations;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Endpoints;

/// <summary>
/// Writes a run as the /v1/train response while it runs: each iteration is written as soon as it is
/// computed, and sent a socket's worth at a time, so memory stays flat however long the trace or large its tensors. Every check that can fail
/// has run before the first byte, and non-finite values are written as strings, so a started 200
/// always completes as valid JSON. status and divergedAtIteration close the object.
/// <para>The request's work cancellation runs through the run. A trace is held in memory until it passes
/// <see cref="HeldBody.PieceBytes"/> (seed 001's is 4 KB, sent whole), so a run stopped before then is a 503 problem; a deadline that passes once the trace is
/// being sent closes the connection (the body is cut off, never ended as if complete).</para>
/// </summary>
public sealed class TrainTraceResult(TrainingProblem problem, TrainRequest request) : IResult, IEndpointMetadataProvider
{
    static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Indented = false };

    public async Task ExecuteAsync(HttpContext context)
    {
        var cancel = context.WorkCancellation();
        var run = new TrainingRun(problem, cancellation: cancel, reuseBuffers: true);
        using var iterations = run.Iterations().GetEnumerator();
        bool more = iterations.MoveNext();

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        var sections = new Sections(request.Include);
        using var held = new HeldBody(context.Response);

        await using var writer = new Utf8JsonWriter(held, WriterOptions);
        using var output = new TraceOutput(writer, held, cancel);
        writer.WriteStartObject();
        writer.WriteNumber("parameterCount", problem.Network.ParameterCount);
        WriteOptimizer(writer, problem);
        WriteLossEcho(writer, problem);
        writer.WritePropertyName("initial");
        await WriteParameters(output, run.Initial);

        writer.WriteStartArray("iterations");
        for (; more; more = iterations.MoveNext())
        {
            await WriteIteration(output, iterations.Current, sections, keepParameters: iterations.Current.Iteration == problem.Iterations);
            await output.SendIfFull();
            cancel.ThrowIfCancellationRequested();
        }
        writer.WriteEndArray();

        writer.WritePropertyName("final");
        await WriteParameters(output, run.Final, again: true);
        writer.WriteString("status", WireNames.RunStatuses.Name(run.Status));
        if (run.DivergedAtIteration is { } at) writer.WriteNumber("divergedAtIteration", at);
        else writer.WriteNull("divergedAtIteration");
        writer.WriteEndObject();
        await held.Complete(writer, cancel);
    }

    /// <summary>
    /// The trace's writer and where its bytes go. Tensors are written a chunk at a time, and the body is sent whenever a
    /// chunk leaves <see cref="HeldBody.PieceBytes"/> unsent, so the response never holds much more than that however large the trace
    /// (a 784-128-10 layer's weights are 2 MB of text); a trace that ends below it is never sent before it is complete.
    /// </summary>
    sealed class TraceOutput(Utf8JsonWriter writer, HeldBody held, CancellationToken cancel) : IDisposable
    {
        readonly TensorText _text = new();
        // The last iteration's parameters as written, for the final parameters that most often repeat them.
        readonly List<KeptText> _kept = [];

        public Utf8JsonWriter Writer => writer;

        public async ValueTask WriteTensor(string name, Tensor tensor, bool keep = false)
        {
            writer.WritePropertyName(name);
            KeptText? kept = keep ? new KeptText(tensor) : null;
            if (kept is not null) _kept.Add(kept);
            _text.Start(tensor, kept);
            while (!_text.WriteChunk(writer)) await SendIfFull();
        }

        /// <summary>Writes <paramref name="tensor"/> as the kept text of one with the same values when there is one (the same bytes, not formatted again).</summary>
        public async ValueTask WriteTensorAgain(string name, Tensor tensor)
        {
            if (_kept.Find(kept => kept.Matches(tensor)) is not { } same)
            {
                await WriteTensor(name, tensor);
                return;
            }
            writer.WritePropertyName(name);
            for (int chunk = 0; chunk < same.Chunks; chunk++)
            {
                same.WriteChunk(writer, chunk);
                await SendIfFull();
            }
        }

        /// <summary>Sends what is written once it is a piece worth sending (before the first send, once it is past what is held whole).</summary>
        public ValueTask<bool> SendIfFull() => held.SendIfFull(writer, cancel);

        public void Dispose()
        {
            _text.Dispose();
            foreach (var kept in _kept) kept.Dispose();
        }
    }

    static void WriteOptimizer(Utf8JsonWriter writer, TrainingProblem problem)
    {
        writer.WriteStartObject("optimizer");
        foreach (var (name, value) in problem.Optimizer.Settings)
        {
            switch (value)
            {
                case string s: writer.WriteString(name, s); break;
                case bool b: writer.WriteBoolean(name, b); break;
                case double d: writer.WritePropertyName(name); FiniteDoubleConverter.WriteValue(writer, d); break;
            }
        }
        writer.WriteEndObject();
    }

    static void WriteLossEcho(Utf8JsonWriter writer, TrainingProblem problem)
    {
        writer.WriteStartObject("loss");
        writer.WriteString("type", problem.Loss.Loss.Name);
        writer.WriteString("reduction", WireNames.Reductions.Name(problem.Loss.Reduction));
        writer.WriteStartArray("alsoReport");
        foreach (var also in problem.Loss.AlsoReport) writer.WriteStringValue(also.Name);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The initial parameters, or with <paramref name="again"/> the final ones (most often the last update's, whose text is kept).</summary>
    static async ValueTask WriteParameters(TraceOutput output, IReadOnlyList<LayerParameters> layers, bool again = false)
    {
        var writer = output.Writer;
        writer.WriteStartObject();
        writer.WriteStartArray("layers");
        foreach (var layer in layers)
        {
            writer.WriteStartObject();
            writer.WriteString("name", layer.Name);
            await Write("weights", layer.Weights);
            if (layer.Biases is not null) await Write("biases", layer.Biases);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();

        ValueTask Write(string name, Tensor tensor) => again ? output.WriteTensorAgain(name, tensor) : output.WriteTensor(name, tensor);
    }

    /// <summary>One iteration; with <paramref name="keepParameters"/> (the last planned one) its updated parameters' text is kept for <c>final</c>.</summary>
    static async ValueTask WriteIteration(TraceOutput output, IterationTrace iteration, Sections sections, bool keepParameters)
    {
        var writer = output.Writer;
        writer.WriteStartObject();
        writer.WriteNumber("iteration", iteration.Iteration);
        writer.WriteStartArray("exampleIndices");
        foreach (var i in iteration.ExampleIndices) writer.WriteNumberValue(i);
        writer.WriteEndArray();

        if (sections.Forward)
        {
            writer.WriteStartObject("forward");
            writer.WriteStartArray("layers");
            foreach (var layer in iteration.Forward)
            {
                writer.WriteStartObject();
                writer.WriteString("name", layer.Name);
                await output.WriteTensor("input", layer.Input);
                await output.WriteTensor("z", layer.Z);
                await output.WriteTensor("a", layer.A);
                await output.WriteTensor("activationDerivative", layer.ActivationDerivative);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (sections.Loss)
        {
            var loss = iteration.Loss;
            writer.WriteStartObject("loss");
            writer.WriteString("type", loss.Type);
            WriteNumber(writer, "value", loss.Value);
            await output.WriteTensor("perExample", loss.PerExample);
            if (loss.Also.Count > 0)
            {
                writer.WriteStartObject("also");
                foreach (var (name, value) in loss.Also) WriteNumber(writer, name, value);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        if (sections.Backward)
        {
            writer.WriteStartObject("backward");
            await output.WriteTensor("outputGradient", iteration.OutputGradient);
            writer.WriteStartArray("layers");
            foreach (var layer in iteration.Backward)
            {
                writer.WriteStartObject();
                writer.WriteString("name", layer.Name);
                await output.WriteTensor("delta", layer.Delta);
                await output.WriteTensor("weightGradient", layer.WeightGradient);
                if (layer.BiasGradient is not null) await output.WriteTensor("biasGradient", layer.BiasGradient);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (sections.Update || sections.State)
        {
            writer.WriteStartObject("update");
            writer.WriteStartArray("layers");
            foreach (var layer in iteration.Update)
            {
                writer.WriteStartObject();
                writer.WriteString("name", layer.Name);
                if (sections.Update)
                {
                    await output.WriteTensor("weights", layer.Weights, keepParameters);
                    if (layer.Biases is not null) await output.WriteTensor("biases", layer.Biases, keepParameters);
                }
                if (sections.State)
                {
                    writer.WriteStartObject("state");
                    foreach (var slot in layer.State)
                    {
                        writer.WriteStartObject(slot.Name);
                        await output.WriteTensor("weights", slot.Weights);
                        if (slot.Biases is not null) await output.WriteTensor("biases", slot.Biases);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndObject();
                }
                if (sections.Update && layer.LookAhead is not null)
                {
                    writer.WriteStartObject("lookAhead");
                    await output.WriteTensor("weights", layer.LookAhead.Weights);
                    if (layer.LookAhead.Biases is not null) await output.WriteTensor("biases", layer.LookAhead.Biases);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        FiniteDoubleConverter.WriteValue(writer, value);
    }

    /// <summary>Nested arrays by shape: [n], [r][c], [b][n][n]; a scalar as a number.</summary>
    public static void WriteTensor(Utf8JsonWriter writer, Tensor tensor) => TensorText.Write(writer, tensor);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TrainResponse), ["application/json"]));

    /// <summary>Which sections the request's include asks for (all by default).</summary>
    sealed class Sections(string[]? include)
    {
        public bool Forward { get; } = include is null || include.Contains(Vocabulary.Section.Forward);
        public bool Loss { get; } = include is null || include.Contains(Vocabulary.Section.Loss);
        public bool Backward { get; } = include is null || include.Contains(Vocabulary.Section.Backward);
        public bool Update { get; } = include is null || include.Contains(Vocabulary.Section.Update);
        public bool State { get; } = include is null || include.Contains(Vocabulary.Section.State);
    }
}
