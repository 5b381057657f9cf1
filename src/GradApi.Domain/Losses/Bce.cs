using GradApi.Domain.Activations;
using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Losses;

/// <summary>l = -sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)]; dl/da_k = -y_k / a_k + (1 - y_k) / (1 - a_k).</summary>
public sealed class Bce : Loss
{
    public static readonly Bce Instance = new();
    public override string Name => WireNames.Loss.Bce;

    public override double Value(ReadOnlySpan<double> a, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++)
        {
            // A term whose weight is 0 contributes 0 even where its logarithm is -infinity.
            if (y[k] != 0) sum -= y[k] * Math.Log(a[k]);
            if (y[k] != 1) sum -= (1 - y[k]) * Precise.Log1p(-a[k]);
        }
        return sum;
    }

    public override void Gradient(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda)
    {
        for (int k = 0; k < a.Length; k++)
            dlda[k] = (y[k] != 0 ? -y[k] / a[k] : 0.0) + (y[k] != 1 ? (1 - y[k]) / (1 - a[k]) : 0.0);
    }

    // d^2 l / da_k^2 = y_k / a_k^2 + (1 - y_k) / (1 - a_k)^2
    public override void SecondDerivative(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> d2lda2)
    {
        for (int k = 0; k < a.Length; k++)
            d2lda2[k] = (y[k] != 0 ? y[k] / (a[k] * a[k]) : 0.0) + (y[k] != 1 ? (1 - y[k]) / ((1 - a[k]) * (1 - a[k])) : 0.0);
    }

    public override bool FusesWith(Activation output) => output is Sigmoid;

    // With a = sigma(z): ln a = -softplus(-z) and ln(1 - a) = -softplus(z), two non-negative terms.
    public override double ValueFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < z.Length; k++)
        {
            if (y[k] != 0) sum += y[k] * Precise.Softplus(-z[k]);
            if (y[k] != 1) sum += (1 - y[k]) * Precise.Softplus(z[k]);
        }
        return sum;
    }

    // 1 - a = sigma(-z) exactly, rather than a rounded difference.
    public override void GradientFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda)
    {
        for (int k = 0; k < z.Length; k++)
            dlda[k] = (y[k] != 0 ? -y[k] / Precise.Sigmoid(z[k]) : 0.0) + (y[k] != 1 ? (1 - y[k]) / Precise.Sigmoid(-z[k]) : 0.0);
    }

    // dl/dz = a - y, written as -y sigma(-z) + (1 - y) sigma(z): exact for 0/1 targets at any z.
    public override void DeltaFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dldz)
    {
        for (int k = 0; k < z.Length; k++)
            dldz[k] = (y[k] != 0 ? -y[k] * Precise.Sigmoid(-z[k]) : 0.0) + (y[k] != 1 ? (1 - y[k]) * Precise.Sigmoid(z[k]) : 0.0);
    }

    // dl/dz = a - y
    public override void DeltaFromOutput(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dldz)
    {
        for (int k = 0; k < a.Length; k++) dldz[k] = a[k] - y[k];
    }

    // d(a - y)/dz = sigma'(z) = sigma(z) sigma(-z), elementwise along zDot
    public override void DeltaFromLogitsTangent(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, ReadOnlySpan<double> zDot, Span<double> result)
    {
        for (int k = 0; k < z.Length; k++) result[k] = Precise.Sigmoid(z[k]) * Precise.Sigmoid(-z[k]) * zDot[k];
    }
}
