using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Losses;

/// <summary>l = 1/2 sum_k (a_k - y_k)^2; dl/da_k = a_k - y_k.</summary>
public sealed class HalfSse : Loss
{
    public static readonly HalfSse Instance = new();
    public override string Name => WireNames.Loss.HalfSse;

    public override double Value(ReadOnlySpan<double> a, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += (a[k] - y[k]) * (a[k] - y[k]);
        if (!double.IsInfinity(sum)) return 0.5 * sum;
        // (a - y)^2 overflowed: halve each term first, so a half that is below DBL_MAX stays finite.
        double half = 0;
        for (int k = 0; k < a.Length; k++) half += 0.5 * (a[k] - y[k]) * (a[k] - y[k]);
        return half;
    }

    public override void Gradient(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda)
    {
        for (int k = 0; k < a.Length; k++) dlda[k] = a[k] - y[k];
    }

    // d^2 l / da_k^2 = 1
    public override void SecondDerivative(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> d2lda2) => d2lda2[..a.Length].Fill(1.0);
}
