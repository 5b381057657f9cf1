using System.Text.Json;
using GradApi.Contracts;
using static GradApi.Json.FastJson;

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
    public static bool TryRead(ref Utf8JsonReader reader, JsonSerializerOptions options, out TrainRequest? request) =>
        Guarded(ref reader, options, Request, out request);

    static bool Request(ref Utf8JsonReader reader, JsonSerializerOptions options, out TrainRequest? request)
    {
        request = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        NetworkRequest? network = null; DataRequest? data = null; LossRequest? loss = null; OptimizerRequest? optimizer = null;
        int? iterations = null; SamplingRequest? sampling = null; string[]? include = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end)
            {
                request = new TrainRequest(network, data, loss, optimizer, iterations, sampling, include) { ReadByItsReader = true };
                return true;
            }
            bool ok = Name(ref reader) switch
            {
                "network" => seen.First(0) && Network(ref reader, options, out network),
                "data" => seen.First(1) && Data(ref reader, options, out data),
                "loss" => seen.First(2) && Loss(ref reader, options, out loss),
                "optimizer" => seen.First(3) && Optimizer(ref reader, out optimizer),
                "iterations" => seen.First(4) && Int(ref reader, out iterations),
                "sampling" => seen.First(5) && Sampling(ref reader, options, out sampling),
                "include" => seen.First(6) && Strings(ref reader, options, out include),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Network(ref Utf8JsonReader reader, JsonSerializerOptions options, out NetworkRequest? network)
    {
        network = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        int? inputSize = null; LayerRequest[]? layers = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { network = new NetworkRequest(inputSize, layers); return true; }
            bool ok = Name(ref reader) switch
            {
                "inputSize" => seen.First(0) && Int(ref reader, out inputSize),
                "layers" => seen.First(1) && Array(ref reader, options, Layer, out layers),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Layer(ref Utf8JsonReader reader, JsonSerializerOptions options, out LayerRequest layer)
    {
        layer = null!;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
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
                "weights" => seen.First(2) && Matrix(ref reader, options, out weights),
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

    static bool Data(ref Utf8JsonReader reader, JsonSerializerOptions options, out DataRequest? data)
    {
        data = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        double[][]? inputs = null, targets = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { data = new DataRequest(inputs, targets); return true; }
            bool ok = Name(ref reader) switch
            {
                "inputs" => seen.First(0) && Matrix(ref reader, options, out inputs),
                "targets" => seen.First(1) && Matrix(ref reader, options, out targets),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Loss(ref Utf8JsonReader reader, JsonSerializerOptions options, out LossRequest? loss)
    {
        loss = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        string? type = null, reduction = null; string[]? alsoReport = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { loss = new LossRequest(type, reduction, alsoReport); return true; }
            bool ok = Name(ref reader) switch
            {
                "type" => seen.First(0) && String(ref reader, out type),
                "reduction" => seen.First(1) && String(ref reader, out reduction),
                "alsoReport" => seen.First(2) && Strings(ref reader, options, out alsoReport),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Optimizer(ref Utf8JsonReader reader, out OptimizerRequest? optimizer)
    {
        optimizer = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        string? type = null, convention = null, epsilonPlacement = null;
        double? learningRate = null, momentum = null, dampening = null, weightDecay = null, beta1 = null, beta2 = null, epsilon = null,
            rho = null, learningRateDecay = null, initialAccumulator = null;
        bool? biasCorrection = null, amsgrad = null, centered = null;
        var seen = new Seen();
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

    static bool Sampling(ref Utf8JsonReader reader, JsonSerializerOptions options, out SamplingRequest? sampling)
    {
        sampling = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        string? mode = null; long? seed = null; int? batchSize = null; int[][]? indices = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { sampling = new SamplingRequest(mode, seed, batchSize, indices); return true; }
            bool ok = Name(ref reader) switch
            {
                "mode" => seen.First(0) && String(ref reader, out mode),
                "seed" => seen.First(1) && Long(ref reader, out seed),
                "batchSize" => seen.First(2) && Int(ref reader, out batchSize),
                "indices" => seen.First(3) && IntRows(ref reader, options, out indices),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }
}
