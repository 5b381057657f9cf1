using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>tanh(z); tanh'(z) = sech^2(z) = 4 e^(-2|z|) / (1 + e^(-2|z|))^2.</summary>
public sealed class Tanh : Activation
{
    public static readonly Tanh Instance = new();
    public override string Name => WireNames.Activation.Tanh;
    public override double Value(double z) => Math.Tanh(z);

    // the hand form 1 - a^2
    public override double DerivativeFromOutput(double a) => 1 - a * a;

    // 1 - tanh^2 is 0 once tanh rounds to 1 (|z| > 19); the sech^2 form keeps full relative precision.
    public override double Derivative(double z)
    {
        double e = Math.Exp(-2.0 * Math.Abs(z));
        return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }

    // tanh''(z) = -2 tanh(z) sech^2(z)
    public override double SecondDerivative(double z) => -2.0 * Math.Tanh(z) * Derivative(z);
}
