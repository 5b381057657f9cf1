using GradApi.Contracts;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Vocabulary;
using GradApi.Limits;
using ActivationName = GradApi.Domain.Vocabulary.WireNames.Activation;
using LossName = GradApi.Domain.Vocabulary.WireNames.Loss;
using OptimizerName = GradApi.Domain.Vocabulary.WireNames.Optimizer;
using SamplingMode = GradApi.Domain.Vocabulary.WireNames.Sampling;

namespace GradApi.Validation;

/// <summary>
/// Shape and vocabulary checks for the parts of a /v1/train problem, reusable under any prefix
/// (grading nests the same problem under "problem"). Each failure names the JSON path of the
/// field and states what was expected against what was given.
/// </summary>
public sealed class ProblemChecks(Action<string, string> fail, ServiceLimits limits)
{
    // The only momentum convention with dampening, and the one taken when none is given.
    static readonly string MomentumPyTorch = WireNames.MomentumConventions.Name(MomentumConvention.PyTorch);

    /// <summary>The last problem's whole work (its multiply-adds and its layers' bookkeeping, as maxWork counts them), once counted.</summary>
    public long? Price { get; private set; }

    /// <summary>
    /// Checks a whole train problem; returns its work (parameters x examples per iteration x iterations, as maxWork
    /// counts it) when the shapes could be followed, else null. Grading multiplies it by the runs it makes.
    /// </summary>
    public long? Problem(TrainRequest request, string prefix = "")
    {
        string P(string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

        int? outputSize = Network(request.Network, P("network"));
        int examples = Data(request.Data, request.Network?.InputSize, outputSize, P("data"));
        string? outputActivation = request.Network?.Layers is { Length: > 0 } layers ? layers[^1].Activation : null;
        Loss(request.Loss, outputActivation, request.Data?.Targets, P("loss"));
        Optimizer(request.Optimizer, P("optimizer"));

        int iterations = request.Iterations ?? TrainRequestMapper.DefaultIterations;
        if (iterations < 1) fail(P("iterations"), $"must be at least 1, got {iterations}");
        else if (iterations > limits.MaxIterations) fail(P("iterations"), $"at most {limits.MaxIterations} iterations are accepted (limit maxIterations), got {iterations}");

        int batch = Sampling(request.Sampling, examples, iterations, P("sampling"));
        Include(request.Include, P("include"));

        if (request.Network?.Layers is { } all && outputSize is not null && examples > 0 && iterations >= 1)
            return Work(all, examples, batch, iterations, prefix);
        return null;
    }

    /// <summary>Checks the layers and returns the output size, or null when the shapes cannot be followed.</summary>
    public int? Network(NetworkRequest? network, string path)
    {
        if (network is null) { fail(path, "is required"); return null; }
        if (network.InputSize is not { } inputSize) { fail($"{path}.inputSize", "is required"); return null; }
        if (inputSize < 1) { fail($"{path}.inputSize", $"must be at least 1, got {inputSize}"); return null; }
        if (network.Layers is null || network.Layers.Length == 0) { fail($"{path}.layers", "must hold at least one layer"); return null; }

        // The width the next layer's rows must have: null once a layer's row count cannot be read, so a later layer is
        // not blamed for an earlier one's mistake.
        int? width = inputSize;
        var source = new WidthSource(-1, inputSize);
        var names = new HashSet<string>();
        bool shapesKnown = true;
        for (int i = 0; i < network.Layers.Length; i++)
        {
            var layer = network.Layers[i];
            string at = $"{path}.layers[{i}]";
            if (layer is null) { fail(at, "must be a layer object"); shapesKnown = false; continue; }
            string name = layer.Name ?? $"layer{i + 1}";
            if (layer.Name is not null && string.IsNullOrWhiteSpace(layer.Name)) fail($"{at}.name", "must not be empty");
            else if (!names.Add(name)) fail($"{at}.name", $"must be unique; '{name}' names another layer");
            ActivationFields(layer, i == network.Layers.Length - 1, at);

            int? rows = Matrix(layer.Weights, at, width, source);
            if (rows is null)
            {
                // A matrix of the wrong width still says how many units the layer has: the next layer is checked against that.
                shapesKnown = false;
                width = layer.Weights is { Length: > 0 } given ? given.Length : null;
                source = new WidthSource(i, width);
                continue;
            }
            if (layer.Biases is { } biases && biases.Length != rows)
                fail($"{at}.biases", $"expected {Count(rows.Value, "bias", "biases")} to match the {Count(rows.Value, "row")} of weights, got {biases.Length}");
            width = rows.Value;
            source = new WidthSource(i, width);
        }
        return shapesKnown ? width : null;
    }

    /// <summary>What set the width a layer's rows must have (the input size, or layer <see cref="Layer"/>'s output), as a message names it.</summary>
    readonly record struct WidthSource(int Layer, int? Width)
    {
        public override string ToString() => Layer < 0 ? $"inputSize {Width}" : $"layer {Layer} output size {Width}";
    }

    // weights must be a [rows][columns] matrix with the given column count (any one count, the same in every row, when the
    // width is unknown); returns its row count.
    int? Matrix(double[][]? weights, string at, int? columns, WidthSource source)
    {
        if (weights is null) { fail($"{at}.weights", "is required"); return null; }
        if (weights.Length == 0)
        {
            fail($"{at}.weights", columns is int c ? $"expected at least 1 row of {Count(c, "column")} to match {source}, got 0 rows" : "expected at least 1 row, got 0 rows");
            return null;
        }
        int expected = columns ?? weights[0]?.Length ?? 0;
        if (expected == 0) { fail($"{at}.weights", "expected rows of at least 1 column, got an empty row 0"); return null; }
        for (int r = 0; r < weights.Length; r++)
        {
            if (weights[r] is null || weights[r].Length != expected)
            {
                fail($"{at}.weights", columns is null
                    ? $"expected {Count(weights.Length, "row")} of one length, got {weights[r]?.Length ?? 0} in row {r} and {weights[0]?.Length ?? 0} in row 0"
                    : $"expected {Count(weights.Length, "row")} of {Count(expected, "column")} to match {source}, got {weights[r]?.Length ?? 0} in row {r}");
                return null;
            }
        }
        return weights.Length;
    }

    void ActivationFields(LayerRequest layer, bool isOutput, string at)
    {
        if (layer.Activation is null) { fail($"{at}.activation", $"is required: one of {Vocabulary.List(Vocabulary.Activations)}"); return; }
        if (!Vocabulary.Activations.Contains(layer.Activation))
        {
            fail($"{at}.activation", $"must be one of {Vocabulary.List(Vocabulary.Activations)}, got '{layer.Activation}'");
            return;
        }
        if (layer.Activation == ActivationName.Softmax && !isOutput) fail($"{at}.activation", $"{ActivationName.Softmax} is accepted on the output layer only");
        OnlyFor(layer.NegativeSlope is not null, ActivationName.LeakyRelu, layer.Activation, at, "negativeSlope");
        OnlyFor(layer.Alpha is not null, ActivationName.Elu, layer.Activation, at, "alpha");
        OnlyFor(layer.Beta is not null, ActivationName.Softplus, layer.Activation, at, "beta");
        if (layer.Beta is <= 0) fail($"{at}.beta", $"must be greater than 0, got {layer.Beta}");
    }

    void OnlyFor(bool given, string owner, string activation, string at, string field)
    {
        if (given && activation != owner) fail($"{at}.{field}", $"is a parameter of {owner}, not of {activation}");
    }

    /// <summary>Checks inputs and targets against the network; returns the example count (0 when unusable).</summary>
    public int Data(DataRequest? data, int? inputSize, int? outputSize, string path)
    {
        if (data is null) { fail(path, "is required"); return 0; }
        if (data.Inputs is null || data.Inputs.Length == 0) { fail($"{path}.inputs", "must hold at least one example"); return 0; }
        if (data.Inputs.Length > limits.MaxExamples)
        {
            fail($"{path}.inputs", $"at most {limits.MaxExamples} examples are accepted (limit maxExamples), got {data.Inputs.Length}");
            return 0;
        }
        bool usable = true;
        if (inputSize is int n and > 0)
        {
            for (int r = 0; r < data.Inputs.Length; r++)
                if (data.Inputs[r]?.Length != n)
                {
                    fail($"{path}.inputs[{r}]", $"expected {Count(n, "value")} to match network.inputSize {n}, got {data.Inputs[r]?.Length ?? 0}");
                    usable = false;
                    break;
                }
        }
        if (data.Targets is null) { fail($"{path}.targets", "is required"); return 0; }
        if (data.Targets.Length != data.Inputs.Length)
        {
            fail($"{path}.targets", $"expected {Count(data.Inputs.Length, "row")} to match the {Count(data.Inputs.Length, "input")}, got {data.Targets.Length}");
            return 0;
        }
        if (outputSize is int k)
        {
            for (int r = 0; r < data.Targets.Length; r++)
                if (data.Targets[r]?.Length != k)
                {
                    fail($"{path}.targets[{r}]", $"expected {Count(k, "value")} to match the output layer's {Count(k, "unit")}, got {data.Targets[r]?.Length ?? 0}");
                    usable = false;
                    break;
                }
        }
        return usable ? data.Inputs.Length : 0;
    }

    public void Loss(LossRequest? loss, string? outputActivation, double[][]? targets, string path)
    {
        if (loss is null) { fail(path, "is required"); return; }
        if (LossType(loss.Type, outputActivation, targets, path, "type") is false) return;
        if (loss.Reduction is not null && !Vocabulary.Reductions.Contains(loss.Reduction))
            fail($"{path}.reduction", $"must be one of {Vocabulary.List(Vocabulary.Reductions)}, got '{loss.Reduction}'");
        if (loss.AlsoReport is null) return;
        for (int i = 0; i < loss.AlsoReport.Length; i++)
        {
            LossType(loss.AlsoReport[i], outputActivation, targets, path, $"alsoReport[{i}]");
            if (Array.IndexOf(loss.AlsoReport, loss.AlsoReport[i]) != i) fail($"{path}.alsoReport[{i}]", $"'{loss.AlsoReport[i]}' is listed twice");
        }
    }

    bool LossType(string? type, string? outputActivation, double[][]? targets, string parent, string field)
    {
        if (type is null) { fail($"{parent}.{field}", $"is required: one of {Vocabulary.List(Vocabulary.Losses)}"); return false; }
        if (!Vocabulary.Losses.Contains(type)) { fail($"{parent}.{field}", $"must be one of {Vocabulary.List(Vocabulary.Losses)}, got '{type}'"); return false; }
        // ln a and ln(1 - a) need outputs inside (0, 1).
        if (type is LossName.Bce or LossName.Ce && outputActivation is not null && outputActivation is not (ActivationName.Sigmoid or ActivationName.Softmax))
        {
            fail($"{parent}.{field}", $"{type} needs outputs in (0, 1): the output layer's activation is {outputActivation}; use {ActivationName.Sigmoid} or {ActivationName.Softmax}");
            return false;
        }
        if (targets is null) return true;
        foreach (var row in targets)
            foreach (var y in row ?? [])
            {
                if (type == LossName.Bce && y is < 0 or > 1) { fail($"{parent}.{field}", $"{type} needs every target in [0, 1], got {y}"); return false; }
                if (type == LossName.Ce && y < 0) { fail($"{parent}.{field}", $"{type} needs non-negative targets (one-hot or a distribution), got {y}"); return false; }
            }
        return true;
    }

    public void Optimizer(OptimizerRequest? o, string path)
    {
        if (o is null) { fail(path, "is required"); return; }
        if (o.Type is null) { fail($"{path}.type", $"is required: one of {Vocabulary.List(Vocabulary.Optimizers)}"); return; }
        if (!Vocabulary.Optimizers.Contains(o.Type)) { fail($"{path}.type", $"must be one of {Vocabulary.List(Vocabulary.Optimizers)}, got '{o.Type}'"); return; }
        string type = o.Type;
        bool isAdam = type is OptimizerName.Adam or OptimizerName.AdamW;

        if (o.LearningRate is not { } eta) fail($"{path}.learningRate", "is required");
        else if (eta <= 0) fail($"{path}.learningRate", $"must be greater than 0, got {eta}");

        Allowed(o.Convention is not null, type is OptimizerName.Momentum or OptimizerName.Nesterov, type, path, "convention");
        if (o.Convention is not null && type is OptimizerName.Momentum or OptimizerName.Nesterov)
        {
            var conventions = type == OptimizerName.Momentum ? Vocabulary.MomentumConventions : Vocabulary.NesterovConventions;
            if (!conventions.Contains(o.Convention)) fail($"{path}.convention", $"must be one of {Vocabulary.List(conventions)} for {type}, got '{o.Convention}'");
        }

        Allowed(o.Momentum is not null, type is OptimizerName.Momentum or OptimizerName.Nesterov or OptimizerName.RmsProp, type, path, "momentum");
        if (type is OptimizerName.Momentum or OptimizerName.Nesterov && o.Momentum is null) fail($"{path}.momentum", $"is required for {type}");
        InRange(o.Momentum, 0, 1, path, "momentum");

        if (o.Dampening is not null)
            Allowed(true, type == OptimizerName.Momentum && (o.Convention ?? MomentumPyTorch) == MomentumPyTorch, type == OptimizerName.Momentum ? $"{type}/{o.Convention}" : type, path, "dampening");
        InRange(o.Dampening, 0, 1, path, "dampening");

        if (o.WeightDecay is < 0) fail($"{path}.weightDecay", $"must be at least 0, got {o.WeightDecay}");

        Allowed(o.Beta1 is not null, isAdam, type, path, "beta1");
        Allowed(o.Beta2 is not null, isAdam, type, path, "beta2");
        Allowed(o.BiasCorrection is not null, isAdam, type, path, "biasCorrection");
        Allowed(o.Amsgrad is not null, isAdam, type, path, "amsgrad");
        InRange(o.Beta1, 0, 1, path, "beta1", upperOpen: true);
        InRange(o.Beta2, 0, 1, path, "beta2", upperOpen: true);

        Allowed(o.Epsilon is not null, isAdam || type is OptimizerName.RmsProp or OptimizerName.Adagrad, type, path, "epsilon");
        if (o.Epsilon is < 0) fail($"{path}.epsilon", $"must be at least 0, got {o.Epsilon}");
        Allowed(o.EpsilonPlacement is not null, isAdam || type == OptimizerName.RmsProp, type, path, "epsilonPlacement");
        if (o.EpsilonPlacement is not null && (isAdam || type == OptimizerName.RmsProp))
        {
            var placements = isAdam ? Vocabulary.AdamEpsilonPlacements : Vocabulary.RmsPropEpsilonPlacements;
            if (!placements.Contains(o.EpsilonPlacement)) fail($"{path}.epsilonPlacement", $"must be one of {Vocabulary.List(placements)} for {type}, got '{o.EpsilonPlacement}'");
        }

        Allowed(o.Rho is not null, type == OptimizerName.RmsProp, type, path, "rho");
        Allowed(o.Centered is not null, type == OptimizerName.RmsProp, type, path, "centered");
        InRange(o.Rho, 0, 1, path, "rho");

        Allowed(o.LearningRateDecay is not null, type == OptimizerName.Adagrad, type, path, "learningRateDecay");
        Allowed(o.InitialAccumulator is not null, type == OptimizerName.Adagrad, type, path, "initialAccumulator");
        if (o.LearningRateDecay is < 0) fail($"{path}.learningRateDecay", $"must be at least 0, got {o.LearningRateDecay}");
        if (o.InitialAccumulator is < 0) fail($"{path}.initialAccumulator", $"must be at least 0, got {o.InitialAccumulator}");
    }

    // Given as whether the field is set (a double? passed as object was boxed) and its path put together only when it
    // fails: a valid request's checks allocate neither.
    void Allowed(bool given, bool applies, string owner, string path, string field)
    {
        if (given && !applies) fail($"{path}.{field}", $"is not used by {owner}");
    }

    void InRange(double? value, double low, double high, string path, string field, bool upperOpen = false)
    {
        if (value is not { } v) return;
        if (v < low || v > high || (upperOpen && v == high))
            fail($"{path}.{field}", $"must be in [{low}, {high}{(upperOpen ? ")" : "]")}, got {v}");
    }

    /// <summary>Checks sampling; returns the largest batch an iteration uses.</summary>
    int Sampling(SamplingRequest? sampling, int examples, int iterations, string path)
    {
        string mode = sampling?.Mode ?? SamplingMode.Full;
        if (!Vocabulary.SamplingModes.Contains(mode))
        {
            fail($"{path}.mode", $"must be one of {Vocabulary.List(Vocabulary.SamplingModes)}, got '{mode}'");
            return examples;
        }
        Allowed(sampling?.Seed is not null, mode is SamplingMode.Random or SamplingMode.Minibatch, mode, path, "seed");
        Allowed(sampling?.BatchSize is not null, mode == SamplingMode.Minibatch, mode, path, "batchSize");
        Allowed(sampling?.Indices is not null, mode == SamplingMode.Schedule, mode, path, "indices");
        if (mode is SamplingMode.Random or SamplingMode.Minibatch)
        {
            if (sampling?.Seed is null) fail($"{path}.seed", $"is required for {mode} sampling");
            else if (sampling.Seed < 0) fail($"{path}.seed", $"must be at least 0, got {sampling.Seed}");
        }
        switch (mode)
        {
            case SamplingMode.Full: return examples;
            case SamplingMode.Minibatch:
                if (sampling!.BatchSize is not { } size) { fail($"{path}.batchSize", $"is required for {mode} sampling"); return 1; }
                if (size < 1 || (examples > 0 && size > examples))
                    fail($"{path}.batchSize", $"must be between 1 and the {Count(examples, "example")}, got {size}");
                return Math.Max(1, Math.Min(size, Math.Max(examples, 1)));
            case SamplingMode.Schedule:
                if (sampling!.Indices is not { } indices) { fail($"{path}.indices", $"is required for {mode} sampling"); return 1; }
                if (indices.Length != iterations)
                    fail($"{path}.indices", $"expected one batch per iteration ({iterations}), got {indices.Length}");
                int largest = 1;
                for (int t = 0; t < indices.Length; t++)
                {
                    if (indices[t] is null || indices[t].Length == 0) { fail($"{path}.indices[{t}]", "must hold at least one example index"); continue; }
                    largest = Math.Max(largest, indices[t].Length);
                    foreach (var i in indices[t])
                        if (examples > 0 && (i < 0 || i >= examples))
                        {
                            fail($"{path}.indices[{t}]", $"example indices must be between 0 and {examples - 1}, got {i}");
                            break;
                        }
                }
                return largest;
            default: return 1;
        }
    }

    void Include(string[]? include, string path)
    {
        if (include is null) return;
        for (int i = 0; i < include.Length; i++)
        {
            if (!Vocabulary.Sections.Contains(include[i])) fail($"{path}[{i}]", $"must be one of {Vocabulary.List(Vocabulary.Sections)}, got '{include[i]}'");
            else if (Array.IndexOf(include, include[i]) != i) fail($"{path}[{i}]", $"'{include[i]}' is listed twice");
        }
    }

    // The published limits on parameters, total work and trace size, before any computation.
    long Work(LayerRequest[] layers, int examples, int batch, int iterations, string prefix)
    {
        string at = prefix.Length == 0 ? "network" : $"{prefix}.network";
        long parameters = TrainRequestMapper.ParameterCount(layers), units = 0, jacobian = 0;
        foreach (var layer in layers)
        {
            long rows = layer.Weights!.Length;
            units += rows;
            if (layer.Activation == ActivationName.Softmax) jacobian = rows * rows;
        }
        if (parameters > limits.MaxParameters)
        {
            fail(at, $"at most {limits.MaxParameters} parameters are accepted (limit maxParameters), got {parameters}");
            return parameters * batch * iterations;
        }
        long work = parameters * batch * iterations;
        // A layer costs a step its tensors and their bookkeeping however few its parameters: a deep, narrow network's price.
        long layerWork = ServiceLimits.LayerWork * layers.Length * (long)iterations;
        Price = work + layerWork;
        if (work > limits.MaxWork)
            fail(prefix.Length == 0 ? "iterations" : $"{prefix}.iterations",
                $"parameters x examples per iteration x iterations = {parameters} x {batch} x {iterations} = {work} exceeds the limit maxWork {limits.MaxWork}");
        else if (work + layerWork > limits.MaxWork)
            fail(prefix.Length == 0 ? "iterations" : $"{prefix}.iterations",
                $"parameters x examples per iteration x iterations + {ServiceLimits.LayerWork} x layers x iterations = {work} + {ServiceLimits.LayerWork} x {layers.Length} x {iterations} " +
                $"= {work + layerWork} exceeds the limit maxWork {limits.MaxWork}");
        // Per iteration: input, z, a, derivative and delta per unit and example, loss, and parameters with up to 5 state slots.
        long perIteration = batch * (4 * units + jacobian + layers[0].Weights![0].Length + 2) + 7 * parameters;
        long values = perIteration * iterations;
        if (values > limits.MaxTraceValues)
            fail(prefix.Length == 0 ? "iterations" : $"{prefix}.iterations",
                $"the trace would hold about {values} numbers, above the limit maxTraceValues {limits.MaxTraceValues}; use fewer iterations or include fewer sections");
        return work;
    }

    static string Count(int n, string singular, string? plural = null) => $"{n} {(n == 1 ? singular : plural ?? singular + "s")}";
}
