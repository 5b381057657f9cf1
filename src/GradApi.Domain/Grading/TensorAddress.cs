using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>Where the contract's /initial and /final live beside the traced iterations.</summary>
public enum AddressKind
{
    Traced,
    /// <summary>/initial/layers/l/...: the problem's own parameters.</summary>
    Initial,
    /// <summary>/final/layers/l/...: the parameters after the last step taken.</summary>
    Final,
    /// <summary>/iterations/i/exampleIndices: the sampled examples.</summary>
    ExampleIndices,
}

/// <summary>
/// An answer's place in the /v1/train response: a tensor of the trace and, when the pointer goes
/// further into it, the indices of a row or element.
/// </summary>
public sealed record TensorAddress(AddressKind Kind, TracePoint Node, int[] Element)
{
    /// <summary>The same address in another iteration (for the wrong-iteration diagnosis).</summary>
    public TensorAddress AtIteration(int index) => this with { Node = Node with { IterationIndex = index } };

    public TensorAddress AtLayer(int layer) => this with { Node = Node with { Layer = layer } };
}

/// <summary>
/// Reads RFC 6901 JSON Pointers into the /v1/train response of a problem, naming what went wrong
/// in words a grader can act on ("the network has 2 layers").
/// </summary>
public static class TensorPath
{
    static readonly string[] ForwardFields = ["input", "z", "a", "activationDerivative"];
    static readonly string[] BackwardFields = ["delta", "weightGradient", "biasGradient"];

    public static bool TryParse(string pointer, TrainingProblem problem, out TensorAddress? address, out string error)
    {
        address = null;
        error = "";
        if (pointer.Length == 0 || pointer[0] != '/')
            return Fail(out error, $"'{pointer}' is not a JSON Pointer: it must start with '/', as in /iterations/0/forward/layers/0/a");
        var reader = new Reader(Tokens(pointer), problem);
        if (!reader.Read(out address, out error)) return false;
        return true;
    }

    /// <summary>The reference tokens of a pointer that starts with '/', each unescaped (~1 is '/', ~0 is '~').</summary>
    public static string[] Tokens(string pointer)
    {
        var tokens = pointer[1..].Split('/');
        // Escapes are rare (no field or layer name of a trace holds '/' or '~'): only a token with one is copied.
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i].Contains('~')) tokens[i] = tokens[i].Replace("~1", "/").Replace("~0", "~");
        return tokens;
    }

    static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }

    sealed class Reader(string[] tokens, TrainingProblem problem)
    {
        int _at;
        string Where => "/" + string.Join('/', tokens[.._at]);

        public bool Read(out TensorAddress? address, out string error)
        {
            address = null;
            switch (Next())
            {
                case "iterations":
                    if (!Index("iterations", problem.Iterations, $"the problem runs {problem.Iterations} iteration(s)", out int iteration, out error)) return false;
                    return Iteration(iteration, out address, out error);
                case "initial":
                case "final":
                    var kind = tokens[0] == "initial" ? AddressKind.Initial : AddressKind.Final;
                    if (!Expect("layers", out error) || !Layer(out int layer, out error)) return false;
                    string? parameter = Next();
                    if (!Parameter(layer, parameter, out var field, out error)) return false;
                    return Done(kind, new TracePoint(kind == AddressKind.Initial ? -1 : problem.Iterations - 1, field, layer), out address, out error);
                case null:
                    return Fail(out error, "the pointer names the whole response; name a tensor, as in /iterations/0/forward/layers/0/a");
                default:
                    return Fail(out error, $"the response has no gradable '{tokens[0]}'; tensors live under /iterations, /initial and /final");
            }
        }

        bool Iteration(int i, out TensorAddress? address, out string error)
        {
            address = null;
            string? section = Next();
            switch (section)
            {
                case "exampleIndices":
                    return Done(AddressKind.ExampleIndices, new TracePoint(i, TraceField.Input), out address, out error);
                case "forward":
                {
                    if (!Expect("layers", out error) || !Layer(out int layer, out error)) return false;
                    var name = Next();
                    TraceField? field = name switch
                    {
                        "input" => TraceField.Input, "z" => TraceField.Z, "a" => TraceField.A,
                        "activationDerivative" => TraceField.ActivationDerivative, _ => null,
                    };
                    if (field is null) return Unknown(name, ForwardFields, "a forward layer", out error);
                    return Done(AddressKind.Traced, new TracePoint(i, field.Value, layer), out address, out error);
                }
                case "loss":
                {
                    var name = Next();
                    if (name == "value") return Done(AddressKind.Traced, new TracePoint(i, TraceField.LossValue), out address, out error);
                    if (name == "perExample") return Done(AddressKind.Traced, new TracePoint(i, TraceField.LossPerExample), out address, out error);
                    if (name != "also") return Unknown(name, ["value", "perExample", "also"], "loss", out error);
                    var also = Next();
                    var names = problem.Loss.AlsoReport.Select(l => l.Name).ToArray();
                    if (also is null || !names.Contains(also))
                        return Fail(out error, names.Length == 0
                            ? $"{Where}: the problem reports no further losses (loss.alsoReport is empty)"
                            : $"{Where}: loss.also holds {string.Join(", ", names)}, not '{also}'");
                    return Done(AddressKind.Traced, new TracePoint(i, TraceField.LossAlso, 0, also), out address, out error);
                }
                case "backward":
                {
                    var name = Next();
                    if (name == "outputGradient") return Done(AddressKind.Traced, new TracePoint(i, TraceField.OutputGradient), out address, out error);
                    if (name != "layers") return Unknown(name, ["outputGradient", "layers"], "backward", out error);
                    if (!Layer(out int layer, out error)) return false;
                    var tensor = Next();
                    TraceField? field = tensor switch
                    {
                        "delta" => TraceField.Delta, "weightGradient" => TraceField.WeightGradient, "biasGradient" => TraceField.BiasGradient, _ => null,
                    };
                    if (field is null) return Unknown(tensor, BackwardFields, "a backward layer", out error);
                    if (field == TraceField.BiasGradient && !problem.Network.Layers[layer].HasBiases)
                        return Fail(out error, $"{Where}: layer {layer} has no biases, so no biasGradient");
                    return Done(AddressKind.Traced, new TracePoint(i, field.Value, layer), out address, out error);
                }
                case "update":
                {
                    if (!Expect("layers", out error) || !Layer(out int layer, out error)) return false;
                    var name = Next();
                    if (name is "weights" or "biases")
                    {
                        if (!Parameter(layer, name, out var field, out error)) return false;
                        return Done(AddressKind.Traced, new TracePoint(i, field, layer), out address, out error);
                    }
                    if (name == "state")
                    {
                        var slots = problem.Optimizer.StateNames;
                        var slot = Next();
                        if (slot is null || !slots.Contains(slot))
                            return Fail(out error, slots.Count == 0
                                ? $"{Where}: {problem.Optimizer.Type} keeps no state"
                                : $"{Where}: {problem.Optimizer.Type} keeps {string.Join(", ", slots)}, not '{slot}'");
                        if (!Parameter(layer, Next(), out var field, out error)) return false;
                        var stateField = field == TraceField.Weights ? TraceField.StateWeights : TraceField.StateBiases;
                        return Done(AddressKind.Traced, new TracePoint(i, stateField, layer, slot), out address, out error);
                    }
                    if (name == "lookAhead")
                    {
                        if (!problem.Optimizer.UsesLookAhead)
                            return Fail(out error, $"{Where}: only nesterov with the sutskever convention reports lookAhead");
                        if (!Parameter(layer, Next(), out var field, out error)) return false;
                        var lookAheadField = field == TraceField.Weights ? TraceField.LookAheadWeights : TraceField.LookAheadBiases;
                        return Done(AddressKind.Traced, new TracePoint(i, lookAheadField, layer), out address, out error);
                    }
                    return Unknown(name, ["weights", "biases", "state", "lookAhead"], "an update layer", out error);
                }
                default:
                    return Unknown(section, ["exampleIndices", "forward", "loss", "backward", "update"], "an iteration", out error);
            }
        }

        bool Parameter(int layer, string? name, out TraceField field, out string error)
        {
            field = TraceField.Weights;
            error = "";
            if (name == "weights") return true;
            if (name != "biases") return Unknown(name, ["weights", "biases"], "a layer's parameters", out error);
            field = TraceField.Biases;
            if (problem.Network.Layers[layer].HasBiases) return true;
            return Fail(out error, $"{Where}: layer {layer} has no biases");
        }

        bool Layer(out int layer, out string error) =>
            Index("layers", problem.Network.Layers.Count, $"the network has {problem.Network.Layers.Count} layer(s)", out layer, out error);

        // The rest of the pointer indexes into the tensor (a row or an element); checked against its shape later.
        bool Done(AddressKind kind, TracePoint node, out TensorAddress? address, out string error)
        {
            error = "";
            address = null;
            var element = new int[tokens.Length - _at];
            for (int k = 0; k < element.Length; k++)
            {
                string token = tokens[_at];
                _at++;
                if (!IsArrayIndex(token, out element[k]))
                    return Fail(out error, $"{Where}: '{token}' is not an array index into the tensor");
            }
            address = new TensorAddress(kind, node, element);
            return true;
        }

        bool Index(string name, int count, string because, out int index, out string error)
        {
            error = "";
            string? token = Next();
            if (token is null || !IsArrayIndex(token, out index))
            {
                index = 0;
                return Fail(out error, $"{Where}: {name} needs an array index, got '{token}'");
            }
            if (index >= count) return Fail(out error, $"{Where}: index {index} is past the end; {because}");
            return true;
        }

        bool Expect(string name, out string error)
        {
            error = "";
            var token = Next();
            return token == name || Fail(out error, $"{Where}: expected '{name}', got '{token}'");
        }

        bool Unknown(string? name, string[] known, string what, out string error) =>
            Fail(out error, name is null
                ? $"{Where} is an object, not a tensor; {what} holds {string.Join(", ", known)}"
                : $"{Where}: {what} has no '{name}'; it holds {string.Join(", ", known)}");

        string? Next() => _at < tokens.Length ? tokens[_at++] : null;
    }

    // RFC 6901: "0", or digits without a leading zero.
    /// <summary>An RFC 6901 array index: digits without a leading zero (at most 9 of them).</summary>
    public static bool IsArrayIndex(string token, out int index)
    {
        index = 0;
        if (token.Length == 0 || token.Length > 9 || (token.Length > 1 && token[0] == '0')) return false;
        foreach (char c in token) if (c is < '0' or > '9') return false;
        index = int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }
}
