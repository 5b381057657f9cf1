using System.Text.Json;
using System.Text.Json.Serialization;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;

namespace GradApi.Json;

/// <summary>
/// Reads an answer's value straight from the request's tokens: a finite number, or rectangular nested arrays of
/// finite numbers, becomes the student's tensor without building a JsonDocument for it (a class's batch holds
/// tens of thousands of values). Anything else (null, text such as "NaN", ragged arrays...) is read again as a
/// JsonElement by <see cref="AnswerValueMapper"/>, which decides it and explains what could not be read.
/// </summary>
public sealed class AnswerValueJsonConverter : JsonConverter<AnswerValue>
{
    // null is a value the student wrote (graded not_a_number), so the converter sees it.
    public override bool HandleNull => true;

    public override AnswerValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var attempt = reader;
        if (TryReadNumbers(ref attempt) is { } tensor)
        {
            reader = attempt;
            return new AnswerValue(SubmittedValue.Of(tensor));
        }
        using var document = JsonDocument.ParseValue(ref reader);
        return new AnswerValue(AnswerValueMapper.ToSubmittedValue(document.RootElement));
    }

    public override void Write(Utf8JsonWriter writer, AnswerValue value, JsonSerializerOptions options) =>
        throw new JsonException("answer values are read, not written");

    // The plain case only: numbers, or arrays nested evenly up to MaxRank deep. Null means "let the mapper decide".
    static Tensor? TryReadNumbers(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
            return DecimalText.TryGetDouble(ref reader, out double x) && double.IsFinite(x) ? Tensor.Scalar(x) : null;
        if (reader.TokenType != JsonTokenType.StartArray) return null;

        // The thread's scratch holds the numbers until the shape is known, and they are copied once into the tensor's
        // array: a class's tens of thousands of answers would each grow a list and copy it.
        var values = numbers ??= new double[64];
        int count = 0;
        Span<int> lengths = stackalloc int[AnswerValueMapper.MaxRank]; // each axis' length, from the first array closed at that depth
        Span<int> counts = stackalloc int[AnswerValueMapper.MaxRank];  // elements read so far in the open array at each depth
        lengths.Fill(-1);
        int depth = 0, leafDepth = -1;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    counts[depth]++;
                    if (++depth >= AnswerValueMapper.MaxRank || (leafDepth >= 0 && depth > leafDepth)) return null;
                    counts[depth] = 0;
                    break;
                case JsonTokenType.EndArray:
                    if (counts[depth] == 0) return null;
                    if (lengths[depth] < 0) lengths[depth] = counts[depth];
                    else if (lengths[depth] != counts[depth]) return null;
                    if (depth == 0) return Build(values.AsSpan(0, count), lengths[..(leafDepth + 1)]);
                    depth--;
                    break;
                case JsonTokenType.Number:
                    if (leafDepth < 0) leafDepth = depth;
                    if (depth != leafDepth || !DecimalText.TryGetDouble(ref reader, out double x) || !double.IsFinite(x)) return null;
                    if (count == values.Length) numbers = values = Grown(values);
                    values[count++] = x;
                    counts[depth]++;
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    [ThreadStatic] static double[]? numbers;

    static double[] Grown(double[] values)
    {
        var grown = new double[values.Length * 2];
        values.CopyTo(grown, 0);
        return grown;
    }

    static Tensor? Build(ReadOnlySpan<double> values, ReadOnlySpan<int> lengths)
    {
        int[] shape = SharedShape(lengths);
        return Tensor.ElementCount(shape) == values.Length ? new Tensor(shape, values.ToArray()) : null;
    }

    // A class's answers come in a problem's few shapes: each is one array, shared by the tensors of that shape (no code
    // writes a tensor's shape), rather than an array per answer.
    [ThreadStatic] static int[][]? shapes;

    static int[] SharedShape(ReadOnlySpan<int> lengths)
    {
        var known = shapes ??= new int[8][];
        for (int i = 0; i < known.Length && known[i] is { } shape; i++)
            if (lengths.SequenceEqual(shape))
            {
                // Swapped to the front, so the most common shapes are found first.
                if (i > 0) (known[0], known[i]) = (shape, known[0]);
                return shape;
            }
        var added = lengths.ToArray();
        known.AsSpan(0, known.Length - 1).CopyTo(known.AsSpan(1));
        known[0] = added;
        return added;
    }
}

/// <summary>
/// Reads a string that repeats across a request as the one string each time: a class's batch names the same few
/// dozen paths in each of its thousand submissions, and each would otherwise be decoded into a string of its own.
/// Anything but plain text in one piece (escapes, a value split across the pipe's buffers, another token) is read as
/// the serializer reads any string, with the same errors.
/// </summary>
public sealed class RepeatedTextConverter : JsonConverter<string>
{
    // At most 256 strings of up to 128 bytes a thread: paths, not documents.
    const int Slots = 256;
    const int LongestKept = 128;

    // Per thread, so no lock: a request is read on one thread at a time; a miss costs the string, as before, and a copy of its bytes.
    [ThreadStatic] static (byte[] Utf8, string Text)[]? seen;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > LongestKept)
            return reader.GetString();
        var utf8 = reader.ValueSpan;
        var table = seen ??= new (byte[], string)[Slots];
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref table[hash.ToHashCode() & (Slots - 1)];
        if (slot.Utf8 is { } known && utf8.SequenceEqual(known)) return slot.Text;
        string text = reader.GetString()!;
        slot = (utf8.ToArray(), text);
        return text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
