using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>sigma(z) = 1 / (1 + e^-z); sigma'(z) = sigma(z) sigma(-z).</summary>
public sealed class Sigmoid : Activation
{
    public static readonly Sigmoid Instance = new();
    public override string Name => WireNames.Activation.Sigmoid;
    public override double Value(double z) => Precise.Sigmoid(z);

    // sigma (1 - sigma) is exactly 0 once sigma rounds to 1 (z > 37); sigma(z) sigma(-z) keeps every digit.
    public override double Derivative(double z) => Precise.Sigmoid(z) * Precise.Sigmoid(-z);

    // sigma(z) sigma(-z) with sigma(z) the a already computed from this z: one exponential, not two, the same bits.
    public override void DerivativeOf(ReadOnlySpan<double> z, ReadOnlySpan<double> a, Span<double> derivative)
    {
        for (int i = 0; i < z.Length; i++) derivative[i] = a[i] * Precise.Sigmoid(-z[i]);
    }

    // the hand form a (1 - a)
    public override double DerivativeFromOutput(double a) => a * (1 - a);

    // sigma''(z) = sigma'(z) (1 - 2 sigma(z)) = sigma(z) sigma(-z) (sigma(-z) - sigma(z)), every factor without cancellation
    public override double SecondDerivative(double z)
    {
        double s = Precise.Sigmoid(z), c = Precise.Sigmoid(-z);
        return s * c * (c - s);
    }
}
