using System.Globalization;
using System.Text.Json;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;

namespace GradApi.Contracts;

/// <summary>
/// Reads an answer's JSON value as the student's numbers: a number is a scalar; "NaN", "Infinity" and
/// "-Infinity" are those doubles (the service writes divergence that way, so a student may copy it); nested
/// rectangular arrays of those, up to 3 deep, are a tensor of that shape in row-major order. Anything else is
/// not refused but read as unreadable, with a reason the student can act on, and graded not_a_number.
/// </summary>
public static class AnswerValueMapper
{
    /// <summary>The most axes a traced tensor has ([B][n][n], a batch of softmax Jacobians).</summary>
    public const int MaxRank = 3;

    const int QuoteLength = 40;

    public static SubmittedValue ToSubmittedValue(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array) return ReadArray(value);
        return ReadNumber(value, out double x, out string reason)
            ? SubmittedValue.Of(Tensor.Scalar(x))
            : SubmittedValue.Unread(reason);
    }

    static SubmittedValue ReadArray(JsonElement root)
    {
        // The shape is read down the first elements; every other element must then match it.
        var shape = new List<int>();
        for (var e = root; e.ValueKind == JsonValueKind.Array; e = e[0])
        {
            int length = e.GetArrayLength();
            if (length == 0)
                return SubmittedValue.Unread(shape.Count == 0
                    ? "the array is empty; give the numbers"
                    : $"{Where(new int[shape.Count], shape.Count + 1)} is an empty array; give the numbers");
            shape.Add(length);
            if (shape.Count > MaxRank)
                return SubmittedValue.Unread($"the arrays are nested more than {MaxRank} deep; a tensor here has at most {MaxRank} axes, as in [B][n][n]");
        }

        int[] dimensions = [.. shape];
        var data = new double[Tensor.ElementCount(dimensions)];
        int offset = 0;
        string? problem = Fill(root, 0, new int[dimensions.Length]);
        return problem is null ? SubmittedValue.Of(new Tensor(dimensions, data)) : SubmittedValue.Unread(problem);

        string? Fill(JsonElement element, int depth, int[] index)
        {
            int rank = dimensions.Length;
            var at = index.AsSpan(0, depth).ToArray();
            var first = new int[depth];
            if (depth == rank)
            {
                if (element.ValueKind == JsonValueKind.Array) return $"{Where(at, rank)} is an array, but {Where(first, rank)} is a number";
                if (!ReadNumber(element, out double x, out string reason)) return $"{Where(at, rank)}: {reason}";
                data[offset++] = x;
                return null;
            }
            if (element.ValueKind != JsonValueKind.Array) return $"{Where(at, rank)} is {Kind(element)}, but {Where(first, rank)} is an array";
            int length = element.GetArrayLength();
            if (length != dimensions[depth])
            {
                string items = depth == rank - 1 ? "numbers" : "arrays";
                return $"{Where(at, rank)} has {length} {items}, {Where(first, rank)} has {dimensions[depth]}";
            }
            int i = 0;
            foreach (var child in element.EnumerateArray())
            {
                index[depth] = i++;
                if (Fill(child, depth + 1, index) is { } failed) return failed;
            }
            return null;
        }
    }

    // "row 1" in a matrix, else "element [0][2]"; the whole value at depth 0.
    static string Where(int[] index, int rank) => index.Length switch
    {
        0 => "the value",
        1 when rank == 2 => $"row {index[0]}",
        _ => "element " + string.Concat(index.Select(i => $"[{i}]")),
    };

    static bool ReadNumber(JsonElement element, out double value, out string reason)
    {
        value = 0;
        reason = "";
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                // TryGetDouble reads 1e400 as Infinity and says it succeeded; a number the student wrote is finite or unreadable.
                if (element.TryGetDouble(out value) && double.IsFinite(value)) return true;
                reason = $"{Quote(element.GetRawText())} is beyond the range of a double (about ±1.8e308)";
                return false;
            case JsonValueKind.String:
                string text = element.GetString()!;
                switch (text)
                {
                    case "NaN": value = double.NaN; return true;
                    case "Infinity": value = double.PositiveInfinity; return true;
                    case "-Infinity": value = double.NegativeInfinity; return true;
                }
                reason = TextReason(text);
                return false;
            default:
                reason = $"{Kind(element)} is not a number";
                return false;
        }
    }

    // A quoted number is a slip of notation, and "nan" or "inf" a slip of spelling: say how to write each.
    static string TextReason(string text)
    {
        string quoted = $"\"{Quote(text)}\"";
        // "inf", "-infinity ", "∞" spell an infinity; "1e400" is a number beyond a double.
        if (text.Contains("inf", StringComparison.OrdinalIgnoreCase) || text.Contains('∞'))
            return $"{quoted} is not a number; infinities are written \"Infinity\" and \"-Infinity\"";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed)) return $"{quoted} is not a number";
        if (double.IsNaN(parsed)) return $"{quoted} is not a number; not-a-number is written \"NaN\"";
        return double.IsFinite(parsed)
            ? $"{quoted} is text, not a number; write it without quotes"
            : $"{quoted} is text, and beyond the range of a double (about ±1.8e308)";
    }

    static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "text",
        _ => "a number",
    };

    static string Quote(string text) => text.Length <= QuoteLength ? text : text[..QuoteLength] + "...";
}
