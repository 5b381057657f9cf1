using GradApi.Domain.Tensors;

namespace GradApi.Domain.Training;

/// <summary>One iteration's tensors, in the contract's shapes; layers in network order everywhere.</summary>
public sealed record IterationTrace(
    int Iteration,
    int[] ExampleIndices,
    IReadOnlyList<ForwardLayer> Forward,
    LossTrace Loss,
    Tensor OutputGradient,
    IReadOnlyList<BackwardLayer> Backward,
    IReadOnlyList<UpdateLayer> Update);

/// <summary>input and z, a: [B][n]; activationDerivative: [B][n], or [B][n][n] for softmax.</summary>
public sealed record ForwardLayer(string Name, Tensor Input, Tensor Z, Tensor A, Tensor ActivationDerivative);

/// <summary>J (value), l per example, and the further losses' J.</summary>
public sealed record LossTrace(string Type, double Value, Tensor PerExample, IReadOnlyList<KeyValuePair<string, double>> Also);

/// <summary>delta = dJ/dz [B][n]; weightGradient = dJ/dW [out][in]; biasGradient = dJ/db [out].</summary>
public sealed record BackwardLayer(string Name, Tensor Delta, Tensor WeightGradient, Tensor? BiasGradient);

/// <summary>A layer's parameters: weights [out][in] and biases [out] (absent when the layer has none).</summary>
public sealed record LayerParameters(string Name, Tensor Weights, Tensor? Biases);

/// <summary>An optimizer state slot (v, m, s...) for one layer, shaped like its parameters.</summary>
public sealed record StateSlot(string Name, Tensor Weights, Tensor? Biases);

/// <summary>Parameters after the step, the optimizer's state, and for Sutskever's Nesterov the look-ahead point.</summary>
public sealed record UpdateLayer(string Name, Tensor Weights, Tensor? Biases, IReadOnlyList<StateSlot> State, LayerParameters? LookAhead);

public enum RunStatus
{
    Completed,
    Diverged,
}
