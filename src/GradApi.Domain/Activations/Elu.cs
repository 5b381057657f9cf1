using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>f(z) = z for z &gt; 0, else alpha (e^z - 1); f'(z) = 1 for z &gt; 0, else alpha e^z (f'(0) = alpha, as PyTorch).</summary>
public sealed class Elu(double alpha) : Activation
{
    public const double DefaultAlpha = 1.0;
    public double Alpha { get; } = alpha;
    public override string Name => WireNames.Activation.Elu;
    public override double Value(double z) => z > 0 ? z : Alpha * Precise.Expm1(z);
    public override double Derivative(double z) => z > 0 ? 1.0 : Alpha * Math.Exp(z);
    // for z <= 0, alpha e^z = a + alpha
    public override double DerivativeFromOutput(double a) => a > 0 ? 1.0 : a + Alpha;
    // f''(z) = 0 for z > 0, else alpha e^z (the side f'(0) = alpha is taken from)
    public override double SecondDerivative(double z) => z > 0 ? 0.0 : Alpha * Math.Exp(z);
}
