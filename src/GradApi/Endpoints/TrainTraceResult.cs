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
/// computed, and sent once the trace has passed a socket's worth, so memory stays flat however long the trace. Every check that can fail
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
        // Each iteration is written before the next is asked for, so the run may reuse its tensors' memory.
        var run = new TrainingRun(problem, cancellation: cancel, reuseBuffers: true);
        using var iterations = run.Iterations().GetEnumerator();
        bool more = iterations.MoveNext();

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        var sections = new Sections(request.Include);
        var body = context.Response.BodyWriter;
        using var held = new HeldBody(body);

        await using var writer = new Utf8JsonWriter(held, WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("parameterCount", problem.Network.ParameterCount);
        WriteOptimizer(writer, problem);
        WriteLossEcho(writer, problem);
        writer.WritePropertyName("initial");
        WriteParameters(writer, run.Initial);

        writer.WriteStartArray("iterations");
        for (; more; more = iterations.MoveNext())
        {
            WriteIteration(writer, iterations.Current, sections);
            writer.Flush();
            // A small trace is held and sent whole; a large one is sent a piece (or an iteration) at a time, so memory holds one.
            if (held.Full)
            {
                held.Release();
                await body.FlushAsync(cancel);
            }
            cancel.ThrowIfCancellationRequested();
        }
        writer.WriteEndArray();

        writer.WritePropertyName("final");
        WriteParameters(writer, run.Final);
        writer.WriteString("status", WireNames.RunStatuses.Name(run.Status));
        if (run.DivergedAtIteration is { } at) writer.WriteNumber("divergedAtIteration", at);
        else writer.WriteNull("divergedAtIteration");
        writer.WriteEndObject();
        writer.Flush();
        if (!held.Started) context.Response.ContentLength = held.Length;
        held.Release();
        await body.FlushAsync(cancel);
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

    static void WriteParameters(Utf8JsonWriter writer, IReadOnlyList<LayerParameters> layers)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("layers");
        foreach (var layer in layers)
        {
            writer.WriteStartObject();
            WriteLayerParameters(writer, layer);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    static void WriteLayerParameters(Utf8JsonWriter writer, LayerParameters layer)
    {
        writer.WriteString("name", layer.Name);
        WriteTensor(writer, "weights", layer.Weights);
        if (layer.Biases is not null) WriteTensor(writer, "biases", layer.Biases);
    }

    static void WriteIteration(Utf8JsonWriter writer, IterationTrace iteration, Sections sections)
    {
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
                WriteTensor(writer, "input", layer.Input);
                WriteTensor(writer, "z", layer.Z);
                WriteTensor(writer, "a", layer.A);
                WriteTensor(writer, "activationDerivative", layer.ActivationDerivative);
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
            WriteTensor(writer, "perExample", loss.PerExample);
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
            WriteTensor(writer, "outputGradient", iteration.OutputGradient);
            writer.WriteStartArray("layers");
            foreach (var layer in iteration.Backward)
            {
                writer.WriteStartObject();
                writer.WriteString("name", layer.Name);
                WriteTensor(writer, "delta", layer.Delta);
                WriteTensor(writer, "weightGradient", layer.WeightGradient);
                if (layer.BiasGradient is not null) WriteTensor(writer, "biasGradient", layer.BiasGradient);
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
                    WriteTensor(writer, "weights", layer.Weights);
                    if (layer.Biases is not null) WriteTensor(writer, "biases", layer.Biases);
                }
                if (sections.State)
                {
                    writer.WriteStartObject("state");
                    foreach (var slot in layer.State)
                    {
                        writer.WriteStartObject(slot.Name);
                        WriteTensor(writer, "weights", slot.Weights);
                        if (slot.Biases is not null) WriteTensor(writer, "biases", slot.Biases);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndObject();
                }
                if (sections.Update && layer.LookAhead is not null)
                {
                    writer.WriteStartObject("lookAhead");
                    WriteTensor(writer, "weights", layer.LookAhead.Weights);
                    if (layer.LookAhead.Biases is not null) WriteTensor(writer, "biases", layer.LookAhead.Biases);
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

    static void WriteTensor(Utf8JsonWriter writer, string name, Tensor tensor)
    {
        writer.WritePropertyName(name);
        WriteTensor(writer, tensor);
    }

    /// <summary>Nested arrays by shape: [n], [r][c], [b][n][n]; a scalar as a number.</summary>
    public static void WriteTensor(Utf8JsonWriter writer, Tensor tensor)
    {
        int offset = 0;
        WriteDimension(writer, tensor, 0, ref offset);
    }

    static void WriteDimension(Utf8JsonWriter writer, Tensor tensor, int dimension, ref int offset)
    {
        if (dimension == tensor.Rank)
        {
            FiniteDoubleConverter.WriteValue(writer, tensor.Data[offset++]);
            return;
        }
        writer.WriteStartArray();
        for (int i = 0; i < tensor.Shape[dimension]; i++) WriteDimension(writer, tensor, dimension + 1, ref offset);
        writer.WriteEndArray();
    }

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
