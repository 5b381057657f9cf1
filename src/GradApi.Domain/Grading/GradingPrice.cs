using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// What grading will touch, known from the problem and the answers' paths before any run: the numbers each result
/// echoes (the addressed tensor's size) and the layers whose one-layer mistake runs the diagnoses may make.
/// </summary>
public static class GradingPrice
{
    /// <summary>Numbers a result may echo per element it addresses: expected, submitted, elements and followThroughExpected.</summary>
    public const int ValuesPerElement = 4;

    /// <summary>An explanation is at most <see cref="Explanation.MaxLength"/> (600) characters: priced as 40 numbers of 15 characters.</summary>
    public const int ExplanationValues = 40;

    /// <summary>One-layer mistake runs per answer layer: a missing activation derivative and the activation's value in its place.</summary>
    public const int SlipRunsPerLayer = 2;

    /// <summary>Elements of the tensor (or the row or element of it) that a path addresses; 0 for a path that names none.</summary>
    public static long ElementsAt(TrainingProblem problem, string path) => Of(problem, path).Elements;

    /// <summary>
    /// <see cref="ElementsAt"/> and <see cref="SlipLayerOf"/> of a path from one reading of it (the grading price reads
    /// both for every answer).
    /// </summary>
    public static (long Elements, int? SlipLayer) Of(TrainingProblem problem, string path)
    {
        if (!TensorPath.TryParse(path, problem, out var address, out _) || address is null) return (0, null);
        return (ElementsAt(problem, address), SlipLayerOf(problem, address));
    }

    static long ElementsAt(TrainingProblem problem, TensorAddress address)
    {
        var dimensions = Dimensions(problem, address);
        if (address.Element.Length > dimensions.Length) return 0;
        long elements = 1;
        for (int k = address.Element.Length; k < dimensions.Length; k++) elements *= dimensions[k];
        return elements;
    }

    /// <summary>The layer whose one-layer mistake runs an answer at this path may ask for, or null.</summary>
    public static int? SlipLayerOf(TrainingProblem problem, string path)
    {
        if (problem.Network.Layers.Count < 2) return null;
        if (!TensorPath.TryParse(path, problem, out var address, out _) || address is null) return null;
        return SlipLayerOf(problem, address);
    }

    static int? SlipLayerOf(TrainingProblem problem, TensorAddress address)
    {
        if (problem.Network.Layers.Count < 2) return null;
        if (address.Kind is not (AddressKind.Traced or AddressKind.Final)) return null;
        return address.Node.Field is TraceField.LossPerExample or TraceField.LossValue or TraceField.LossAlso or TraceField.OutputGradient
            ? null
            : address.Node.Layer;
    }

    // The shape of the whole tensor at an address, as the /v1/train response writes it.
    static long[] Dimensions(TrainingProblem problem, TensorAddress address)
    {
        var layers = problem.Network.Layers;
        long batch = problem.Sampling.MaxBatchSize(problem.Data.Count);
        if (address.Kind == AddressKind.ExampleIndices) return [batch];
        var node = address.Node;
        var layer = layers[Math.Clamp(node.Layer, 0, layers.Count - 1)];
        long units = layer.OutputSize, inputs = layer.InputSize;
        return node.Field switch
        {
            TraceField.Input => [batch, inputs],
            TraceField.Z or TraceField.A or TraceField.Delta => [batch, units],
            TraceField.ActivationDerivative => layer.Activation.IsElementwise ? [batch, units] : [batch, units, units],
            TraceField.LossPerExample => [batch],
            TraceField.LossValue or TraceField.LossAlso => [],
            TraceField.OutputGradient => [batch, layers[^1].OutputSize],
            TraceField.WeightGradient or TraceField.Weights or TraceField.LookAheadWeights or TraceField.StateWeights => [units, inputs],
            _ => [units],
        };
    }
}
