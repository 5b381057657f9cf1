using System.Buffers;
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

    /// <summary>
    /// Public so the grading results, written without the serializer, write masks exactly as it does. The text (true or
    /// false in the mask's shape) is put together at once and handed over whole rather than a writer call per element;
    /// an indenting writer, whose whitespace follows the depth, and a mask of more than 64 KB of text go element by element.
    /// </summary>
    public static void WriteMask(Utf8JsonWriter writer, ElementMask mask)
    {
        int rank = mask.Shape.Length;
        // "false," per element, and a bracket pair and a comma per array: an upper bound on the text.
        long arrays = 1, bound = 0;
        for (int d = 0; d < rank; d++) { bound += 3 * arrays; arrays *= mask.Shape[d]; }
        bound += 6L * mask.Correct.Length + 1;
        int offset = 0;
        if (writer.Options.Indented || bound > 64 * 1024)
        {
            WriteDimension(writer, mask, 0, ref offset);
            return;
        }
        byte[]? rented = bound > 1024 ? ArrayPool<byte>.Shared.Rent((int)bound) : null;
        Span<byte> text = rented ?? stackalloc byte[1024];
        int at = 0;
        MaskText(mask, 0, ref offset, text, ref at);
        writer.WriteRawValue(text[..at], skipInputValidation: true);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
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

    static void MaskText(ElementMask mask, int dimension, ref int offset, Span<byte> text, ref int at)
    {
        if (dimension == mask.Shape.Length)
        {
            var word = mask.Correct[offset++] ? "true"u8 : "false"u8;
            word.CopyTo(text[at..]);
            at += word.Length;
            return;
        }
        text[at++] = (byte)'[';
        for (int i = 0; i < mask.Shape[dimension]; i++)
        {
            if (i > 0) text[at++] = (byte)',';
            MaskText(mask, dimension + 1, ref offset, text, ref at);
        }
        text[at++] = (byte)']';
    }
}
