using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Activations;

/// <summary>a_i = e^(z_i) / sum_j e^(z_j); da_i/dz_j = a_i (delta_ij - a_j), a full Jacobian.</summary>
public sealed class Softmax : Activation
{
    public static readonly Softmax Instance = new();
    public override string Name => WireNames.Activation.Softmax;
    public override bool IsElementwise => false;

    public override double Value(double z) => throw new NotSupportedException("softmax is not elementwise");
    public override double Derivative(double z) => throw new NotSupportedException("softmax is not elementwise");
    public override double DerivativeFromOutput(double a) => throw new NotSupportedException("softmax is not elementwise");

    public override void Forward(ReadOnlySpan<double> z, Span<double> a)
    {
        // Shift by the maximum: e^(z - max) cannot overflow and the ratio is unchanged.
        double max = double.NegativeInfinity;
        foreach (var v in z) if (v > max) max = v;
        double sum = 0;
        for (int i = 0; i < z.Length; i++) sum += a[i] = Math.Exp(z[i] - max);
        for (int i = 0; i < z.Length; i++) a[i] /= sum;
    }

    // J^T g with J symmetric: dL/dz_i = a_i (g_i - sum_j a_j g_j), without forming J.
    public override void Backward(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> dLda, Span<double> dLdz)
    {
        double dot = 0;
        for (int j = 0; j < a.Length; j++) dot += a[j] * dLda[j];
        for (int i = 0; i < a.Length; i++) dLdz[i] = a[i] * (dLda[i] - dot);
    }

    public override void DerivativeOf(ReadOnlySpan<double> z, ReadOnlySpan<double> a, Span<double> jacobian)
    {
        int n = a.Length;
        for (int i = 0; i < n; i++)
        {
            // 1 - a_i written as the sum of the other outputs, which keeps its digits when a_i is near 1.
            double others = 0;
            for (int j = 0; j < n; j++) if (j != i) others += a[j];
            for (int j = 0; j < n; j++)
                jacobian[i * n + j] = i == j ? a[i] * others : -a[i] * a[j];
        }
    }

    public override int DerivativeWidth(int units) => units * units;

    public override void DerivativeOfOutput(ReadOnlySpan<double> a, Span<double> jacobian) => DerivativeOf(a, a, jacobian);

    // The Jacobian J = diag(a) - a a^T moves along zDot by Jdot = diag(aDot) - aDot a^T - a aDot^T, aDot = J zDot;
    // J is symmetric, so the derivative of J^T g with g fixed is Jdot g = aDot * g - aDot (a . g) - a (aDot . g).
    public override void SecondDerivativeAlong(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> zDot,
        ReadOnlySpan<double> dLda, Span<double> result)
    {
        int n = a.Length;
        Span<double> aDot = n <= 256 ? stackalloc double[n] : new double[n];
        Backward(z, a, zDot, aDot);
        double ag = 0, aDotG = 0;
        for (int i = 0; i < n; i++)
        {
            ag += a[i] * dLda[i];
            aDotG += aDot[i] * dLda[i];
        }
        for (int i = 0; i < n; i++) result[i] = aDot[i] * dLda[i] - aDot[i] * ag - a[i] * aDotG;
    }
}
