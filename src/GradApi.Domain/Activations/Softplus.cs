using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>f(z) = (1/beta) ln(1 + e^(beta z)); f'(z) = sigma(beta z). Exact in both tails (no PyTorch threshold).</summary>
public sealed class Softplus(double beta) : Activation
{
    public const double DefaultBeta = 1.0;
    public double Beta { get; } = beta;
    public override string Name => WireNames.Activation.Softplus;
    public override double Value(double z) => Precise.Softplus(Beta * z) / Beta;
    public override double Derivative(double z) => Precise.Sigmoid(Beta * z);
    // e^(beta a) = 1 + e^(beta z), so sigma(beta z) = 1 - e^(-beta a)
    public override double DerivativeFromOutput(double a) => -Precise.Expm1(-Beta * a);
    // f''(z) = beta sigma'(beta z) = beta sigma(beta z) sigma(-beta z)
    public override double SecondDerivative(double z) => Beta * Precise.Sigmoid(Beta * z) * Precise.Sigmoid(-Beta * z);
}
