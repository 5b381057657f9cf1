using System.Text.Json;
using System.Text.Json.Serialization;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using GradApi.Endpoints;

namespace GradApi.Json;

/// <summary>
/// Writes a tensor in its shape, as /v1/train writes its trace: a number for a scalar, else nested arrays
/// ([n], [B][n], [B][n][n]); NaN and infinities as strings, -0 as 0. Tensors are output only.
/// </summary>
public sealed class TensorJsonConverter : JsonConverter<Tensor>
{
    public override Tensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new JsonException("tensors are written by the service, not read");

    public override void Write(Utf8JsonWriter writer, Tensor value, JsonSerializerOptions options) =>
        TrainTraceResult.WriteTensor(writer, value);
}

/// <summary>Writes a correct / incorrect mask in its shape: true or false for a scalar, else nested arrays of them.</summary>
public sealed class ElementMaskJsonConverter : JsonConverter<ElementMask>
{
    public override ElementMask Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new JsonException("element masks are written by the service, not read");

    public override void Write(Utf8JsonWriter writer, ElementMask value, JsonSerializerOptions options) => WriteMask(writer, value);

    /// <summary>Public so the grading results, written without the serializer, write masks exactly as it does.</summary>
    public static void WriteMask(Utf8JsonWriter writer, ElementMask mask)
    {
        int offset = 0;
        WriteDimension(writer, mask, 0, ref offset);
    }

    static void WriteDimension(Utf8JsonWriter writer, ElementMask mask, int dimension, ref int offset)
    {
        if (dimension == mask.Shape.Length)
        {
            writer.WriteBooleanValue(mask.Correct[offset++]);
            return;
        }
        writer.WriteStartArray();
        for (int i = 0; i < mask.Shape[dimension]; i++) WriteDimension(writer, mask, dimension + 1, ref offset);
        writer.WriteEndArray();
    }
}
