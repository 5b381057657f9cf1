using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>f(z) = z for z &gt; 0, else s z; f'(z) = 1 for z &gt; 0, else s (f'(0) = s). s = negativeSlope.</summary>
public sealed class LeakyRelu(double negativeSlope) : Activation
{
    public const double DefaultNegativeSlope = 0.01;
    public double NegativeSlope { get; } = negativeSlope;
    public override string Name => WireNames.Activation.LeakyRelu;
    public override double Value(double z) => z > 0 ? z : NegativeSlope * z;
    public override double Derivative(double z) => z > 0 ? 1.0 : NegativeSlope;
    // a > 0 exactly when z > 0 (for s >= 0)
    public override double DerivativeFromOutput(double a) => a > 0 ? 1.0 : NegativeSlope;
    // f''(z) = 0 everywhere but the kink, where it is taken as 0 (f' is piecewise constant)
    public override double SecondDerivative(double z) => 0.0;
}
