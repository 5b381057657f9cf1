using System.Buffers;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Domain.Vocabulary;

namespace GradApi.Tests.Api;

/// <summary>
/// The /v1/train writer as it was before the trace was written in chunks: every number through
/// <see cref="Utf8JsonWriter.WriteNumberValue(double)"/> (-0 as 0, NaN and infinities as strings), every array through the
/// writer's own calls. Kept here only as the independent reference the service's bytes must equal.
/// </summary>
public static class ElementWiseTraceWriter
{
    static readonly JsonWriterOptions Options = new() { SkipValidation = true, Indented = false };

    public static byte[] Write(TrainRequest request)
    {
        var problem = request.ToProblem();
        var run = new TrainingRun(problem);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, Options);
        var include = request.Include;
        bool Has(string section) => include is null || include.Contains(section);

        writer.WriteStartObject();
        writer.WriteNumber("parameterCount", problem.Network.ParameterCount);
        writer.WriteStartObject("optimizer");
        foreach (var (name, value) in problem.Optimizer.Settings)
        {
            switch (value)
            {
                case string s: writer.WriteString(name, s); break;
                case bool b: writer.WriteBoolean(name, b); break;
                case double d: writer.WritePropertyName(name); Number(writer, d); break;
            }
        }
        writer.WriteEndObject();
        writer.WriteStartObject("loss");
        writer.WriteString("type", problem.Loss.Loss.Name);
        writer.WriteString("reduction", WireNames.Reductions.Name(problem.Loss.Reduction));
        writer.WriteStartArray("alsoReport");
        foreach (var also in problem.Loss.AlsoReport) writer.WriteStringValue(also.Name);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WritePropertyName("initial");
        Parameters(writer, run.Initial);

        writer.WriteStartArray("iterations");
        foreach (var iteration in run.Iterations())
        {
            writer.WriteStartObject();
            writer.WriteNumber("iteration", iteration.Iteration);
            writer.WriteStartArray("exampleIndices");
            foreach (var i in iteration.ExampleIndices) writer.WriteNumberValue(i);
            writer.WriteEndArray();
            if (Has(Vocabulary.Section.Forward))
            {
                writer.WriteStartObject("forward");
                writer.WriteStartArray("layers");
                foreach (var layer in iteration.Forward)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", layer.Name);
                    Tensor(writer, "input", layer.Input);
                    Tensor(writer, "z", layer.Z);
                    Tensor(writer, "a", layer.A);
                    Tensor(writer, "activationDerivative", layer.ActivationDerivative);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            if (Has(Vocabulary.Section.Loss))
            {
                var loss = iteration.Loss;
                writer.WriteStartObject("loss");
                writer.WriteString("type", loss.Type);
                writer.WritePropertyName("value");
                Number(writer, loss.Value);
                Tensor(writer, "perExample", loss.PerExample);
                if (loss.Also.Count > 0)
                {
                    writer.WriteStartObject("also");
                    foreach (var (name, value) in loss.Also) { writer.WritePropertyName(name); Number(writer, value); }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            if (Has(Vocabulary.Section.Backward))
            {
                writer.WriteStartObject("backward");
                Tensor(writer, "outputGradient", iteration.OutputGradient);
                writer.WriteStartArray("layers");
                foreach (var layer in iteration.Backward)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", layer.Name);
                    Tensor(writer, "delta", layer.Delta);
                    Tensor(writer, "weightGradient", layer.WeightGradient);
                    if (layer.BiasGradient is not null) Tensor(writer, "biasGradient", layer.BiasGradient);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            bool update = Has(Vocabulary.Section.Update), state = Has(Vocabulary.Section.State);
            if (update || state)
            {
                writer.WriteStartObject("update");
                writer.WriteStartArray("layers");
                foreach (var layer in iteration.Update)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", layer.Name);
                    if (update)
                    {
                        Tensor(writer, "weights", layer.Weights);
                        if (layer.Biases is not null) Tensor(writer, "biases", layer.Biases);
                    }
                    if (state)
                    {
                        writer.WriteStartObject("state");
                        foreach (var slot in layer.State)
                        {
                            writer.WriteStartObject(slot.Name);
                            Tensor(writer, "weights", slot.Weights);
                            if (slot.Biases is not null) Tensor(writer, "biases", slot.Biases);
                            writer.WriteEndObject();
                        }
                        writer.WriteEndObject();
                    }
                    if (update && layer.LookAhead is not null)
                    {
                        writer.WriteStartObject("lookAhead");
                        Tensor(writer, "weights", layer.LookAhead.Weights);
                        if (layer.LookAhead.Biases is not null) Tensor(writer, "biases", layer.LookAhead.Biases);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        writer.WritePropertyName("final");
        Parameters(writer, run.Final);
        writer.WriteString("status", WireNames.RunStatuses.Name(run.Status));
        if (run.DivergedAtIteration is { } at) writer.WriteNumber("divergedAtIteration", at);
        else writer.WriteNull("divergedAtIteration");
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    static void Parameters(Utf8JsonWriter writer, IReadOnlyList<LayerParameters> layers)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("layers");
        foreach (var layer in layers)
        {
            writer.WriteStartObject();
            writer.WriteString("name", layer.Name);
            Tensor(writer, "weights", layer.Weights);
            if (layer.Biases is not null) Tensor(writer, "biases", layer.Biases);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    static void Tensor(Utf8JsonWriter writer, string name, Tensor tensor)
    {
        writer.WritePropertyName(name);
        Tensor(writer, tensor);
    }

    /// <summary>Nested arrays by shape, element by element.</summary>
    public static void Tensor(Utf8JsonWriter writer, Tensor tensor)
    {
        int offset = 0;
        Dimension(writer, tensor, 0, ref offset);
    }

    static void Dimension(Utf8JsonWriter writer, Tensor tensor, int dimension, ref int offset)
    {
        if (dimension == tensor.Rank)
        {
            Number(writer, tensor.Data[offset++]);
            return;
        }
        writer.WriteStartArray();
        for (int i = 0; i < tensor.Shape[dimension]; i++) Dimension(writer, tensor, dimension + 1, ref offset);
        writer.WriteEndArray();
    }

    public static void Number(Utf8JsonWriter writer, double value)
    {
        if (value == 0) writer.WriteNumberValue(0.0);
        else if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }
}
