using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Losses;

/// <summary>l = sum_k (a_k - y_k)^2; dl/da_k = 2 (a_k - y_k).</summary>
public sealed class Sse : Loss
{
    public static readonly Sse Instance = new();
    public override string Name => WireNames.Loss.Sse;

    public override double Value(ReadOnlySpan<double> a, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += (a[k] - y[k]) * (a[k] - y[k]);
        return sum;
    }

    public override void Gradient(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda)
    {
        for (int k = 0; k < a.Length; k++) dlda[k] = 2.0 * (a[k] - y[k]);
    }

    // d^2 l / da_k^2 = 2
    public override void SecondDerivative(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> d2lda2) => d2lda2[..a.Length].Fill(2.0);
}
