using System.Text.Json;
using GradApi.Contracts;

namespace GradApi.Json;

/// <summary>
/// Reads a /v1/train body in one pass of its own, or leaves it to the serializer: the serializer's reading of a record
/// through its constructor, a property and a converter lookup at a time, from the request's pipe with every step ready to
/// stop and resume, was seed 001's largest single cost after writing the response (11% of the service's CPU, its 466
/// bytes at about 50 MB/s; 2.3 to 2.8 us against 6.5 in process).
/// <para>The request is read exactly as the serializer reads it, or not at all: at an unknown, repeated or escaped field
/// name, a value of an unexpected kind, a number the serializer would refuse, a null inside an array, or anything that fails,
/// it answers false and the serializer reads the whole body again, with its own errors, paths and results.
/// <c>TrainRequestReaderTests</c> holds the two to the same results over every example and fixture and their mutations.</para>
/// </summary>
public static class TrainRequestReader
{
    /// <summary>Reads the value the reader is on; false (the reader anywhere) when the serializer must read it instead.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out TrainRequest? request)
    {
        request = null;
        try
        {
            return Request(ref reader, out request);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            // Whatever the reader itself refuses (bad text, invalid UTF-8), the serializer reports in its own words.
            return false;
        }
    }

    static bool Request(ref Utf8JsonReader reader, out TrainRequest? request)
    {
        request = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        NetworkRequest? network = null; DataRequest? data = null; LossRequest? loss = null; OptimizerRequest? optimizer = null;
        int? iterations = null; SamplingRequest? sampling = null; string[]? include = null;
        var seen = new Seen();
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        while (Next(ref reader, out bool end))
        {
            if (end)
            {
                request = new TrainRequest(network, data, loss, optimizer, iterations, sampling, include);
                return true;
            }
            bool ok = Name(ref reader) switch
            {
                "network" => seen.First(0) && Network(ref reader, out network),
                "data" => seen.First(1) && Data(ref reader, out data),
                "loss" => seen.First(2) && Loss(ref reader, out loss),
                "optimizer" => seen.First(3) && Optimizer(ref reader, out optimizer),
                "iterations" => seen.First(4) && Int(ref reader, out iterations),
                "sampling" => seen.First(5) && Sampling(ref reader, out sampling),
                "include" => seen.First(6) && Strings(ref reader, out include),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Network(ref Utf8JsonReader reader, out NetworkRequest? network)
    {
        network = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        int? inputSize = null; LayerRequest[]? layers = null;
        var seen = new Seen();
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        while (Next(ref reader, out bool end))
        {
            if (end) { network = new NetworkRequest(inputSize, layers); return true; }
            bool ok = Name(ref reader) switch
            {
                "inputSize" => seen.First(0) && Int(ref reader, out inputSize),
                "layers" => seen.First(1) && Layers(ref reader, out layers),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Layers(ref Utf8JsonReader reader, out LayerRequest[]? layers)
    {
        layers = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray) return false;
        var list = new List<LayerRequest>(4);
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) { layers = [.. list]; return true; }
            if (reader.TokenType != JsonTokenType.StartObject || !Layer(ref reader, out var layer)) return false;
            list.Add(layer);
        }
    }

    static bool Layer(ref Utf8JsonReader reader, out LayerRequest layer)
    {
        layer = null!;
        string? name = null, activation = null; double[][]? weights = null; double[]? biases = null;
        double? negativeSlope = null, alpha = null, beta = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { layer = new LayerRequest(name, activation, weights, biases, negativeSlope, alpha, beta); return true; }
            bool ok = Name(ref reader) switch
            {
                "name" => seen.First(0) && String(ref reader, out name),
                "activation" => seen.First(1) && String(ref reader, out activation),
                "weights" => seen.First(2) && Matrix(ref reader, out weights),
                "biases" => seen.First(3) && Vector(ref reader, out biases),
                "negativeSlope" => seen.First(4) && Double(ref reader, out negativeSlope),
                "alpha" => seen.First(5) && Double(ref reader, out alpha),
                "beta" => seen.First(6) && Double(ref reader, out beta),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Data(ref Utf8JsonReader reader, out DataRequest? data)
    {
        data = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        double[][]? inputs = null, targets = null;
        var seen = new Seen();
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        while (Next(ref reader, out bool end))
        {
            if (end) { data = new DataRequest(inputs, targets); return true; }
            bool ok = Name(ref reader) switch
            {
                "inputs" => seen.First(0) && Matrix(ref reader, out inputs),
                "targets" => seen.First(1) && Matrix(ref reader, out targets),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Loss(ref Utf8JsonReader reader, out LossRequest? loss)
    {
        loss = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        string? type = null, reduction = null; string[]? alsoReport = null;
        var seen = new Seen();
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        while (Next(ref reader, out bool end))
        {
            if (end) { loss = new LossRequest(type, reduction, alsoReport); return true; }
            bool ok = Name(ref reader) switch
            {
                "type" => seen.First(0) && String(ref reader, out type),
                "reduction" => seen.First(1) && String(ref reader, out reduction),
                "alsoReport" => seen.First(2) && Strings(ref reader, out alsoReport),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Optimizer(ref Utf8JsonReader reader, out OptimizerRequest? optimizer)
    {
        optimizer = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        string? type = null, convention = null, epsilonPlacement = null;
        double? learningRate = null, momentum = null, dampening = null, weightDecay = null, beta1 = null, beta2 = null, epsilon = null,
            rho = null, learningRateDecay = null, initialAccumulator = null;
        bool? biasCorrection = null, amsgrad = null, centered = null;
        var seen = new Seen();
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        while (Next(ref reader, out bool end))
        {
            if (end)
            {
                optimizer = new OptimizerRequest(type, convention, learningRate, momentum, dampening, weightDecay, beta1, beta2, epsilon,
                    epsilonPlacement, biasCorrection, amsgrad, rho, centered, learningRateDecay, initialAccumulator);
                return true;
            }
            bool ok = Name(ref reader) switch
            {
                "type" => seen.First(0) && String(ref reader, out type),
                "convention" => seen.First(1) && String(ref reader, out convention),
                "learningRate" => seen.First(2) && Double(ref reader, out learningRate),
                "momentum" => seen.First(3) && Double(ref reader, out momentum),
                "dampening" => seen.First(4) && Double(ref reader, out dampening),
                "weightDecay" => seen.First(5) && Double(ref reader, out weightDecay),
                "beta1" => seen.First(6) && Double(ref reader, out beta1),
                "beta2" => seen.First(7) && Double(ref reader, out beta2),
                "epsilon" => seen.First(8) && Double(ref reader, out epsilon),
                "epsilonPlacement" => seen.First(9) && String(ref reader, out epsilonPlacement),
                "biasCorrection" => seen.First(10) && Bool(ref reader, out biasCorrection),
                "amsgrad" => seen.First(11) && Bool(ref reader, out amsgrad),
                "rho" => seen.First(12) && Double(ref reader, out rho),
                "centered" => seen.First(13) && Bool(ref reader, out centered),
                "learningRateDecay" => seen.First(14) && Double(ref reader, out learningRateDecay),
                "initialAccumulator" => seen.First(15) && Double(ref reader, out initialAccumulator),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Sampling(ref Utf8JsonReader reader, out SamplingRequest? sampling)
    {
        sampling = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        string? mode = null; long? seed = null; int? batchSize = null; int[][]? indices = null;
        var seen = new Seen();
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        while (Next(ref reader, out bool end))
        {
            if (end) { sampling = new SamplingRequest(mode, seed, batchSize, indices); return true; }
            bool ok = Name(ref reader) switch
            {
                "mode" => seen.First(0) && String(ref reader, out mode),
                "seed" => seen.First(1) && Long(ref reader, out seed),
                "batchSize" => seen.First(2) && Int(ref reader, out batchSize),
                "indices" => seen.First(3) && IntRows(ref reader, out indices),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    // --- values -----------------------------------------------------------------------------------------------------

    static bool Matrix(ref Utf8JsonReader reader, out double[][]? rows)
    {
        rows = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray) return false;
        var list = new List<double[]>(4);
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) { rows = [.. list]; return true; }
            if (reader.TokenType != JsonTokenType.StartArray || !Numbers(ref reader, out var row)) return false;
            list.Add(row);
        }
    }

    static bool Vector(ref Utf8JsonReader reader, out double[]? values)
    {
        values = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray || !Numbers(ref reader, out var read)) return false;
        values = read;
        return true;
    }

    // The numbers of the array the reader is on, each as FiniteDoubleConverter reads it; false at anything else.
    static bool Numbers(ref Utf8JsonReader reader, out double[] values)
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
                else if (count == more.Length) Array.Resize(ref more, 2 * more.Length);
                more[count] = value;
            }
            count++;
        }
        values = more is null ? first[..count].ToArray() : more.AsSpan(0, count).ToArray();
        return true;
    }

    static bool IntRows(ref Utf8JsonReader reader, out int[][]? rows)
    {
        rows = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray) return false;
        var list = new List<int[]>(4);
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) { rows = [.. list]; return true; }
            if (reader.TokenType != JsonTokenType.StartArray) return false;
            var row = new List<int>(8);
            while (true)
            {
                if (!reader.Read()) return false;
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int value)) return false;
                row.Add(value);
            }
            list.Add([.. row]);
        }
    }

    static bool Strings(ref Utf8JsonReader reader, out string[]? values)
    {
        values = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray) return false;
        var list = new List<string>(4);
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) { values = [.. list]; return true; }
            if (reader.TokenType != JsonTokenType.String) return false;
            list.Add(reader.GetString()!);
        }
    }

    static bool String(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String) return false;
        value = reader.GetString();
        return true;
    }

    static bool Double(ref Utf8JsonReader reader, out double? value) => Scalar<FiniteNumber, double>(ref reader, out value);

    static bool Int(ref Utf8JsonReader reader, out int? value) => Scalar<Int32Number, int>(ref reader, out value);

    static bool Long(ref Utf8JsonReader reader, out long? value) => Scalar<Int64Number, long>(ref reader, out value);

    static bool Bool(ref Utf8JsonReader reader, out bool? value) => Scalar<Boolean, bool>(ref reader, out value);

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
    static bool Next(ref Utf8JsonReader reader, out bool end)
    {
        end = false;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.EndObject) { end = true; return true; }
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    // The property's name when it is written plainly (an escaped name is left to the serializer), as a known constant.
    static string? Name(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence) return null;
        return Known(reader.ValueSpan);
    }

    static string? Known(ReadOnlySpan<byte> name) => name.Length switch
    {
        3 => name.SequenceEqual("rho"u8) ? "rho" : null,
        4 => name.SequenceEqual("data"u8) ? "data" : name.SequenceEqual("loss"u8) ? "loss" : name.SequenceEqual("name"u8) ? "name"
            : name.SequenceEqual("type"u8) ? "type" : name.SequenceEqual("mode"u8) ? "mode" : name.SequenceEqual("seed"u8) ? "seed"
            : name.SequenceEqual("beta"u8) ? "beta" : null,
        5 => name.SequenceEqual("alpha"u8) ? "alpha" : name.SequenceEqual("beta1"u8) ? "beta1" : name.SequenceEqual("beta2"u8) ? "beta2" : null,
        6 => name.SequenceEqual("inputs"u8) ? "inputs" : name.SequenceEqual("layers"u8) ? "layers" : name.SequenceEqual("biases"u8) ? "biases" : null,
        7 => name.SequenceEqual("network"u8) ? "network" : name.SequenceEqual("include"u8) ? "include" : name.SequenceEqual("weights"u8) ? "weights"
            : name.SequenceEqual("targets"u8) ? "targets" : name.SequenceEqual("epsilon"u8) ? "epsilon" : name.SequenceEqual("amsgrad"u8) ? "amsgrad"
            : name.SequenceEqual("indices"u8) ? "indices" : null,
        8 => name.SequenceEqual("sampling"u8) ? "sampling" : name.SequenceEqual("momentum"u8) ? "momentum" : name.SequenceEqual("centered"u8) ? "centered" : null,
        9 => name.SequenceEqual("optimizer"u8) ? "optimizer" : name.SequenceEqual("inputSize"u8) ? "inputSize" : name.SequenceEqual("reduction"u8) ? "reduction"
            : name.SequenceEqual("dampening"u8) ? "dampening" : name.SequenceEqual("batchSize"u8) ? "batchSize" : null,
        10 => name.SequenceEqual("iterations"u8) ? "iterations" : name.SequenceEqual("activation"u8) ? "activation" : name.SequenceEqual("convention"u8) ? "convention"
            : name.SequenceEqual("alsoReport"u8) ? "alsoReport" : null,
        11 => name.SequenceEqual("weightDecay"u8) ? "weightDecay" : null,
        12 => name.SequenceEqual("learningRate"u8) ? "learningRate" : null,
        13 => name.SequenceEqual("negativeSlope"u8) ? "negativeSlope" : null,
        14 => name.SequenceEqual("biasCorrection"u8) ? "biasCorrection" : null,
        16 => name.SequenceEqual("epsilonPlacement"u8) ? "epsilonPlacement" : null,
        17 => name.SequenceEqual("learningRateDecay"u8) ? "learningRateDecay" : null,
        18 => name.SequenceEqual("initialAccumulator"u8) ? "initialAccumulator" : null,
        _ => null,
    };

    // The fields of one object already read: a field given twice is the serializer's to refuse.
    struct Seen
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
