using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>relu(z) = max(0, z); relu'(z) = 1 for z &gt; 0, else 0 (relu'(0) = 0, as PyTorch).</summary>
public sealed class Relu : Activation
{
    public static readonly Relu Instance = new();
    public override string Name => WireNames.Activation.Relu;
    public override double Value(double z) => z > 0 ? z : 0.0;
    public override double Derivative(double z) => z > 0 ? 1.0 : 0.0;
    // a > 0 exactly when z > 0
    public override double DerivativeFromOutput(double a) => a > 0 ? 1.0 : 0.0;
    // relu''(z) = 0 everywhere but the kink, where it is taken as 0 (relu' is piecewise constant)
    public override double SecondDerivative(double z) => 0.0;
}
