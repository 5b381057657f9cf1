using System.Text.Json;

namespace GradApi.Json;

/// <summary>
/// The steps the request contracts' own readers (<see cref="TrainRequestReader"/>, <see cref="GradeRequestReader"/>) are
/// made of: a field's value of each kind, read as the serializer reads it or answered false, and an object's fields.
/// </summary>
internal static class FastJson
{
    // --- values -----------------------------------------------------------------------------------------------------

    /// <summary>Reads one element of an array, the reader on its first token; false when the serializer must read it.</summary>
    internal delegate bool ElementReader<T>(ref Utf8JsonReader reader, JsonSerializerOptions options, out T element);

    // A reader's whole pass: a failure of the JSON reader's own (bad text, invalid UTF-8) is answered false, for the
    // serializer to report in its own words.
    internal static bool Guarded<T>(ref Utf8JsonReader reader, JsonSerializerOptions options, ElementReader<T> read, out T value)
    {
        value = default!;
        try
        {
            return read(ref reader, options, out value);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            return false;
        }
    }

    // A field's value that is an array of elements none of which is null (or null itself); false at anything else.
    internal static bool Array<T>(ref Utf8JsonReader reader, JsonSerializerOptions options, ElementReader<T> element, out T[]? values)
    {
        values = null;
        if (!Value(ref reader, JsonTokenType.StartArray, out bool present)) return false;
        if (!present) return true;
        var list = new List<T>(8);
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) { values = [.. list]; return true; }
            if (reader.TokenType == JsonTokenType.Null || !element(ref reader, options, out var value)) return false;
            list.Add(value);
        }
    }

    // Moves to a field's value: true when it is null (present false) or starts with the token given, the reader on it.
    internal static bool Value(ref Utf8JsonReader reader, JsonTokenType start, out bool present)
    {
        present = false;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        present = true;
        return reader.TokenType == start;
    }

    // Whether a converter handed the value that began with `start` at `depth` read exactly that value, as the serializer
    // holds converters to (the reader on its last token).
    internal static bool ReadWhole(ref Utf8JsonReader reader, JsonTokenType start, int depth) => start switch
    {
        JsonTokenType.StartArray => reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth,
        JsonTokenType.StartObject => reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth,
        _ => reader.TokenType == start,
    };

    internal static bool Matrix(ref Utf8JsonReader reader, JsonSerializerOptions options, out double[][]? rows) =>
        Array(ref reader, options, static (ref Utf8JsonReader r, JsonSerializerOptions _, out double[] row) =>
        {
            row = [];
            return r.TokenType == JsonTokenType.StartArray && Numbers(ref r, out row);
        }, out rows);

    internal static bool Vector(ref Utf8JsonReader reader, out double[]? values)
    {
        values = null;
        if (!Value(ref reader, JsonTokenType.StartArray, out bool present)) return false;
        if (!present) return true;
        if (!Numbers(ref reader, out var read)) return false;
        values = read;
        return true;
    }

    // The numbers of the array the reader is on, each as FiniteDoubleConverter reads it; false at anything else.
    internal static bool Numbers(ref Utf8JsonReader reader, out double[] values)
    {
        values = [];
        Span<double> first = stackalloc double[16];
        double[]? more = null;
        int count = 0;
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) break;
            if (reader.TokenType != JsonTokenType.Number || !DecimalText.TryGetDouble(ref reader, out double value) || !double.IsFinite(value)) return false;
            if (count < first.Length && more is null) first[count] = value;
            else
            {
                if (more is null) { more = new double[32]; first.CopyTo(more); }
                else if (count == more.Length) System.Array.Resize(ref more, 2 * more.Length);
                more[count] = value;
            }
            count++;
        }
        values = more is null ? first[..count].ToArray() : more.AsSpan(0, count).ToArray();
        return true;
    }

    internal static bool IntRows(ref Utf8JsonReader reader, JsonSerializerOptions options, out int[][]? rows) =>
        Array(ref reader, options, static (ref Utf8JsonReader r, JsonSerializerOptions _, out int[] row) =>
        {
            row = [];
            if (r.TokenType != JsonTokenType.StartArray) return false;
            var read = new List<int>(8);
            while (true)
            {
                if (!r.Read()) return false;
                if (r.TokenType == JsonTokenType.EndArray) { row = [.. read]; return true; }
                if (r.TokenType != JsonTokenType.Number || !r.TryGetInt32(out int value)) return false;
                read.Add(value);
            }
        }, out rows);

    internal static bool Strings(ref Utf8JsonReader reader, JsonSerializerOptions options, out string[]? values) =>
        Array(ref reader, options, static (ref Utf8JsonReader r, JsonSerializerOptions _, out string text) =>
        {
            text = "";
            if (r.TokenType != JsonTokenType.String) return false;
            text = r.GetString()!;
            return true;
        }, out values);

    internal static bool String(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!Value(ref reader, JsonTokenType.String, out bool present)) return false;
        if (present) value = reader.GetString();
        return true;
    }

    internal static bool Double(ref Utf8JsonReader reader, out double? value) => Scalar<FiniteNumber, double>(ref reader, out value);

    internal static bool Int(ref Utf8JsonReader reader, out int? value) => Scalar<Int32Number, int>(ref reader, out value);

    internal static bool Long(ref Utf8JsonReader reader, out long? value) => Scalar<Int64Number, long>(ref reader, out value);

    internal static bool Bool(ref Utf8JsonReader reader, out bool? value) => Scalar<Boolean, bool>(ref reader, out value);

    // A field's value of a nullable scalar type: null, or the token as the serializer's converter for it reads it.
    static bool Scalar<TRead, T>(ref Utf8JsonReader reader, out T? value) where TRead : IScalar<T> where T : struct
    {
        value = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (!TRead.TryGet(ref reader, out T read)) return false;
        value = read;
        return true;
    }

    interface IScalar<T>
    {
        static abstract bool TryGet(ref Utf8JsonReader reader, out T value);
    }

    // As FiniteDoubleConverter reads a number.
    struct FiniteNumber : IScalar<double>
    {
        public static bool TryGet(ref Utf8JsonReader reader, out double value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && DecimalText.TryGetDouble(ref reader, out value) && double.IsFinite(value);
        }
    }

    struct Int32Number : IScalar<int>
    {
        public static bool TryGet(ref Utf8JsonReader reader, out int value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out value);
        }
    }

    struct Int64Number : IScalar<long>
    {
        public static bool TryGet(ref Utf8JsonReader reader, out long value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value);
        }
    }

    struct Boolean : IScalar<bool>
    {
        public static bool TryGet(ref Utf8JsonReader reader, out bool value)
        {
            value = reader.TokenType == JsonTokenType.True;
            return reader.TokenType is JsonTokenType.True or JsonTokenType.False;
        }
    }

    // --- structure --------------------------------------------------------------------------------------------------

    // Moves to the next property name of the object the reader is in (end: its end instead); false when the text ends.
    internal static bool Next(ref Utf8JsonReader reader, out bool end)
    {
        end = false;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.EndObject) { end = true; return true; }
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    // The property's name when it is written plainly (an escaped name is left to the serializer), as a known constant.
    internal static string? Name(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence) return null;
        return Known(reader.ValueSpan);
    }

    // Every field name of the contracts read here, in an open-addressed table by a hash of the name's length and three of
    // its bytes: a name is compared with one candidate, most often the right one (comparing it with each name of its length
    // was the readers' largest step of their own).
    static readonly (byte[] Utf8, string Name)?[] Fields = Table(
        // /v1/train
        "network", "data", "loss", "optimizer", "iterations", "sampling", "include", "inputSize", "layers", "name", "activation",
        "weights", "biases", "negativeSlope", "alpha", "beta", "inputs", "targets", "type", "reduction", "alsoReport",
        "convention", "learningRate", "momentum", "dampening", "weightDecay", "beta1", "beta2", "epsilon", "epsilonPlacement",
        "biasCorrection", "amsgrad", "rho", "centered", "learningRateDecay", "initialAccumulator", "mode", "seed", "batchSize", "indices",
        // /v1/grade
        "problem", "answers", "tolerance", "partialCredit", "followThrough", "reveal", "format", "path", "value", "points",
        "formula", "relative", "absolute", "decimals", "figures", "enabled", "penalty", "allowDegenerate",
        // /v1/grade/batch
        "submissions", "id");

    const int FieldSlots = 256;

    static int Slot(ReadOnlySpan<byte> name) =>
        (int)(((uint)name.Length * 2654435761u ^ name[0] * 31u ^ name[^1] * 131u ^ name[name.Length / 2] * 7u) & (FieldSlots - 1));

    static (byte[] Utf8, string Name)?[] Table(params string[] names)
    {
        var table = new (byte[], string)?[FieldSlots];
        foreach (var name in names.Distinct())
        {
            int slot = Slot(System.Text.Encoding.UTF8.GetBytes(name));
            while (table[slot] is not null) slot = (slot + 1) & (FieldSlots - 1);
            table[slot] = (System.Text.Encoding.UTF8.GetBytes(name), name);
        }
        return table;
    }

    // The field's name as one of the constants above, or null.
    static string? Known(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty) return null;
        for (int slot = Slot(name); Fields[slot] is { } field; slot = (slot + 1) & (FieldSlots - 1))
            if (name.SequenceEqual(field.Utf8)) return field.Name;
        return null;
    }

    // The fields of one object already read: a field given twice is the serializer's to refuse.
    internal struct Seen
    {
        int _bits;
        public bool First(int field)
        {
            if ((_bits & (1 << field)) != 0) return false;
            _bits |= 1 << field;
            return true;
        }
    }
}
