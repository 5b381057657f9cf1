using GradApi.Domain.Activations;
using GradApi.Domain.Tensors;

namespace GradApi.Domain.Networks;

/// <summary>z = W a + b, then a = f(z). W is [out][in] (row i holds the weights into unit i); b may be absent.</summary>
public sealed record DenseLayer(string Name, Activation Activation, Tensor Weights, Tensor? Biases)
{
    public int InputSize => Weights.Columns;
    public int OutputSize => Weights.Rows;
    public bool HasBiases => Biases is not null;
    public int ParameterCount => Weights.Length + (Biases?.Length ?? 0);
}

/// <summary>A feed-forward network of dense layers.</summary>
public sealed record Network(int InputSize, IReadOnlyList<DenseLayer> Layers)
{
    public int OutputSize => Layers[^1].OutputSize;
    public int ParameterCount => Layers.Sum(l => l.ParameterCount);
}

/// <summary>Examples by rows: inputs [N][inputSize], targets [N][outputSize].</summary>
public sealed record TrainingData(Tensor Inputs, Tensor Targets)
{
    public int Count => Inputs.Rows;
}
