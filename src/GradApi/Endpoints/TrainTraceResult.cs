using System.Reflection;
using System.Runtime.CompilerServices;
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
        writer.WriteNumber(Names.ParameterCount, problem.Network.ParameterCount);
        WriteOptimizer(writer, problem);
        WriteLossEcho(writer, problem);
        writer.WritePropertyName(Names.Initial);
        await WriteParameters(output, run.Initial);

        writer.WriteStartArray(Names.Iterations);
        for (; more; more = iterations.MoveNext())
        {
            await WriteIteration(output, iterations.Current, sections, keepParameters: iterations.Current.Iteration == problem.Iterations);
            await output.SendIfFull();
            cancel.ThrowIfCancellationRequested();
        }
        writer.WriteEndArray();

        writer.WritePropertyName(Names.Final);
        await WriteParameters(output, run.Final, again: true);
        writer.WriteString(Names.Status, WireNames.RunStatuses.Name(run.Status));
        if (run.DivergedAtIteration is { } at) writer.WriteNumber(Names.DivergedAtIteration, at);
        else writer.WriteNull(Names.DivergedAtIteration);
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
        // Below this many elements a tensor is formatted again rather than kept: copying its values and text, and
        // comparing them, cost more than formatting a few numbers (seed 001's four parameter tensors, 1 to 6 each).
        const int KeptFrom = 32;

        readonly TensorText _text = TensorText.ForOneResponse();
        // The last iteration's parameters as written, for the final parameters that most often repeat them.
        readonly List<KeptText> _kept = [];

        public Utf8JsonWriter Writer => writer;

        // Not async: a tensor whose text is one chunk (every tensor of a seed-sized trace) is written without a state machine.
        // Not inlined either: inlined into WriteIteration's state machine, seed 001's run + write took 22-23 us, not 19.
        [MethodImpl(MethodImplOptions.NoInlining)]
        public ValueTask WriteTensor(JsonEncodedText name, Tensor tensor, bool keep = false)
        {
            writer.WritePropertyName(name);
            KeptText? kept = keep && tensor.Length >= KeptFrom ? new KeptText(tensor) : null;
            if (kept is not null) _kept.Add(kept);
            _text.Start(tensor, kept);
            return _text.WriteChunk(writer) ? default : WriteRest();
        }

        async ValueTask WriteRest()
        {
            do await SendIfFull();
            while (!_text.WriteChunk(writer));
        }

        /// <summary>Writes <paramref name="tensor"/> as the kept text of one with the same values when there is one (the same bytes, not formatted again).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public ValueTask WriteTensorAgain(JsonEncodedText name, Tensor tensor)
        {
            if (Kept(tensor) is not { } same) return WriteTensor(name, tensor);
            writer.WritePropertyName(name);
            return WriteKeptChunks(same);
        }

        KeptText? Kept(Tensor tensor)
        {
            foreach (var kept in _kept)
                if (kept.Matches(tensor)) return kept;
            return null;
        }

        async ValueTask WriteKeptChunks(KeptText same)
        {
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
        writer.WriteStartObject(Names.Optimizer);
        var settings = problem.Optimizer.Settings;
        for (int i = 0; i < settings.Count; i++)
        {
            var (name, value) = settings[i];
            var encoded = Names.Of(name);
            switch (value)
            {
                case string s: writer.WriteString(encoded, s); break;
                case bool b: writer.WriteBoolean(encoded, b); break;
                case double d: FiniteDoubleConverter.WriteProperty(writer, encoded, d); break;
            }
        }
        writer.WriteEndObject();
    }

    static void WriteLossEcho(Utf8JsonWriter writer, TrainingProblem problem)
    {
        writer.WriteStartObject(Names.Loss);
        writer.WriteString(Names.Type, problem.Loss.Loss.Name);
        writer.WriteString(Names.Reduction, WireNames.Reductions.Name(problem.Loss.Reduction));
        writer.WriteStartArray(Names.AlsoReport);
        var alsoReport = problem.Loss.AlsoReport;
        for (int i = 0; i < alsoReport.Count; i++) writer.WriteStringValue(alsoReport[i].Name);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The initial parameters, or with <paramref name="again"/> the final ones (most often the last update's, whose text is kept).</summary>
    static async ValueTask WriteParameters(TraceOutput output, IReadOnlyList<LayerParameters> layers, bool again = false)
    {
        var writer = output.Writer;
        writer.WriteStartObject();
        writer.WriteStartArray(Names.Layers);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            writer.WriteStartObject();
            writer.WriteString(Names.Name, layer.Name);
            await Write(Names.Weights, layer.Weights);
            if (layer.Biases is not null) await Write(Names.Biases, layer.Biases);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();

        ValueTask Write(JsonEncodedText name, Tensor tensor) => again ? output.WriteTensorAgain(name, tensor) : output.WriteTensor(name, tensor);
    }

    /// <summary>One iteration; with <paramref name="keepParameters"/> (the last planned one) its updated parameters' text is kept for <c>final</c>.</summary>
    static async ValueTask WriteIteration(TraceOutput output, IterationTrace iteration, Sections sections, bool keepParameters)
    {
        var writer = output.Writer;
        // The lists by index, not foreach: through IReadOnlyList each foreach allocated an enumerator, a few per iteration.
        writer.WriteStartObject();
        writer.WriteNumber(Names.Iteration, iteration.Iteration);
        writer.WriteStartArray(Names.ExampleIndices);
        foreach (var i in iteration.ExampleIndices) writer.WriteNumberValue(i);
        writer.WriteEndArray();

        if (sections.Forward)
        {
            writer.WriteStartObject(Names.Forward);
            writer.WriteStartArray(Names.Layers);
            var forward = iteration.Forward;
            for (int i = 0; i < forward.Count; i++)
            {
                var layer = forward[i];
                writer.WriteStartObject();
                writer.WriteString(Names.Name, layer.Name);
                await output.WriteTensor(Names.Input, layer.Input);
                await output.WriteTensor(Names.Z, layer.Z);
                await output.WriteTensor(Names.A, layer.A);
                await output.WriteTensor(Names.ActivationDerivative, layer.ActivationDerivative);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (sections.Loss)
        {
            var loss = iteration.Loss;
            writer.WriteStartObject(Names.Loss);
            writer.WriteString(Names.Type, loss.Type);
            FiniteDoubleConverter.WriteProperty(writer, Names.Value, loss.Value);
            await output.WriteTensor(Names.PerExample, loss.PerExample);
            if (loss.Also.Count > 0)
            {
                writer.WriteStartObject(Names.Also);
                for (int i = 0; i < loss.Also.Count; i++) FiniteDoubleConverter.WriteProperty(writer, Names.Of(loss.Also[i].Key), loss.Also[i].Value);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        if (sections.Backward)
        {
            writer.WriteStartObject(Names.Backward);
            await output.WriteTensor(Names.OutputGradient, iteration.OutputGradient);
            writer.WriteStartArray(Names.Layers);
            var backward = iteration.Backward;
            for (int i = 0; i < backward.Count; i++)
            {
                var layer = backward[i];
                writer.WriteStartObject();
                writer.WriteString(Names.Name, layer.Name);
                await output.WriteTensor(Names.Delta, layer.Delta);
                await output.WriteTensor(Names.WeightGradient, layer.WeightGradient);
                if (layer.BiasGradient is not null) await output.WriteTensor(Names.BiasGradient, layer.BiasGradient);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (sections.Update || sections.State)
        {
            writer.WriteStartObject(Names.Update);
            writer.WriteStartArray(Names.Layers);
            var update = iteration.Update;
            for (int i = 0; i < update.Count; i++)
            {
                var layer = update[i];
                writer.WriteStartObject();
                writer.WriteString(Names.Name, layer.Name);
                if (sections.Update)
                {
                    await output.WriteTensor(Names.Weights, layer.Weights, keepParameters);
                    if (layer.Biases is not null) await output.WriteTensor(Names.Biases, layer.Biases, keepParameters);
                }
                if (sections.State)
                {
                    writer.WriteStartObject(Names.State);
                    for (int j = 0; j < layer.State.Count; j++)
                    {
                        var slot = layer.State[j];
                        writer.WriteStartObject(slot.Name);
                        await output.WriteTensor(Names.Weights, slot.Weights);
                        if (slot.Biases is not null) await output.WriteTensor(Names.Biases, slot.Biases);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndObject();
                }
                if (sections.Update && layer.LookAhead is not null)
                {
                    writer.WriteStartObject(Names.LookAhead);
                    await output.WriteTensor(Names.Weights, layer.LookAhead.Weights);
                    if (layer.LookAhead.Biases is not null) await output.WriteTensor(Names.Biases, layer.LookAhead.Biases);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// The trace's own field names, encoded once: written as text, each of a trace's names was checked for characters
    /// to escape and converted to UTF-8 again.
    /// </summary>
    static class Names
    {
        // The optimizers' setting names and the losses' names (a fixed vocabulary, so a bounded cache), encoded at first use.
        static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonEncodedText> Vocabulary = new();

        public static JsonEncodedText Of(string name) => Vocabulary.GetOrAdd(name, static n => JsonEncodedText.Encode(n));

        public static readonly JsonEncodedText A = JsonEncodedText.Encode("a");
        public static readonly JsonEncodedText ActivationDerivative = JsonEncodedText.Encode("activationDerivative");
        public static readonly JsonEncodedText Also = JsonEncodedText.Encode("also");
        public static readonly JsonEncodedText AlsoReport = JsonEncodedText.Encode("alsoReport");
        public static readonly JsonEncodedText Backward = JsonEncodedText.Encode("backward");
        public static readonly JsonEncodedText BiasGradient = JsonEncodedText.Encode("biasGradient");
        public static readonly JsonEncodedText Biases = JsonEncodedText.Encode("biases");
        public static readonly JsonEncodedText Delta = JsonEncodedText.Encode("delta");
        public static readonly JsonEncodedText DivergedAtIteration = JsonEncodedText.Encode("divergedAtIteration");
        public static readonly JsonEncodedText ExampleIndices = JsonEncodedText.Encode("exampleIndices");
        public static readonly JsonEncodedText Final = JsonEncodedText.Encode("final");
        public static readonly JsonEncodedText Forward = JsonEncodedText.Encode("forward");
        public static readonly JsonEncodedText Initial = JsonEncodedText.Encode("initial");
        public static readonly JsonEncodedText Input = JsonEncodedText.Encode("input");
        public static readonly JsonEncodedText Iteration = JsonEncodedText.Encode("iteration");
        public static readonly JsonEncodedText Iterations = JsonEncodedText.Encode("iterations");
        public static readonly JsonEncodedText Layers = JsonEncodedText.Encode("layers");
        public static readonly JsonEncodedText LookAhead = JsonEncodedText.Encode("lookAhead");
        public static readonly JsonEncodedText Loss = JsonEncodedText.Encode("loss");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Optimizer = JsonEncodedText.Encode("optimizer");
        public static readonly JsonEncodedText OutputGradient = JsonEncodedText.Encode("outputGradient");
        public static readonly JsonEncodedText ParameterCount = JsonEncodedText.Encode("parameterCount");
        public static readonly JsonEncodedText PerExample = JsonEncodedText.Encode("perExample");
        public static readonly JsonEncodedText Reduction = JsonEncodedText.Encode("reduction");
        public static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText Update = JsonEncodedText.Encode("update");
        public static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
        public static readonly JsonEncodedText WeightGradient = JsonEncodedText.Encode("weightGradient");
        public static readonly JsonEncodedText Weights = JsonEncodedText.Encode("weights");
        public static readonly JsonEncodedText Z = JsonEncodedText.Encode("z");
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
