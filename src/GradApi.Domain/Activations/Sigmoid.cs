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

    // the hand form a (1 - a)
    public override double DerivativeFromOutput(double a) => a * (1 - a);

    // sigma''(z) = sigma'(z) (1 - 2 sigma(z)) = sigma(z) sigma(-z) (sigma(-z) - sigma(z)), every factor without cancellation
    public override double SecondDerivative(double z)
    {
        double s = Precise.Sigmoid(z), c = Precise.Sigmoid(-z);
        return s * c * (c - s);
    }
}
