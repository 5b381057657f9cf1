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
            return reader.TryGetDouble(out double x) && double.IsFinite(x) ? Tensor.Scalar(x) : null;
        if (reader.TokenType != JsonTokenType.StartArray) return null;

        var values = new List<double>();
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
                    if (depth == 0) return Build(values, lengths[..(leafDepth + 1)]);
                    depth--;
                    break;
                case JsonTokenType.Number:
                    if (leafDepth < 0) leafDepth = depth;
                    if (depth != leafDepth || !reader.TryGetDouble(out double x) || !double.IsFinite(x)) return null;
                    values.Add(x);
                    counts[depth]++;
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    static Tensor? Build(List<double> values, ReadOnlySpan<int> lengths)
    {
        int[] shape = lengths.ToArray();
        return Tensor.ElementCount(shape) == values.Count ? new Tensor(shape, [.. values]) : null;
    }
}
