using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>f(z) = z; f'(z) = 1.</summary>
public sealed class Identity : Activation
{
    public static readonly Identity Instance = new();
    public override string Name => WireNames.Activation.Identity;
    public override double Value(double z) => z;
    public override double Derivative(double z) => 1.0;
    public override double DerivativeFromOutput(double a) => 1.0;
    // f''(z) = 0
    public override double SecondDerivative(double z) => 0.0;
}
