using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Losses;

/// <summary>l = (1/K) sum_k (a_k - y_k)^2; dl/da_k = 2 (a_k - y_k) / K. With mean reduction, PyTorch's MSELoss.</summary>
public sealed class Mse : Loss
{
    public static readonly Mse Instance = new();
    public override string Name => WireNames.Loss.Mse;

    public override double Value(ReadOnlySpan<double> a, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += (a[k] - y[k]) * (a[k] - y[k]);
        if (!double.IsInfinity(sum)) return sum / a.Length;
        // The sum overflowed: divide each term by K first, so a mean below DBL_MAX stays finite.
        double mean = 0;
        for (int k = 0; k < a.Length; k++) mean += (a[k] - y[k]) / a.Length * (a[k] - y[k]);
        return mean;
    }

    public override void Gradient(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda)
    {
        for (int k = 0; k < a.Length; k++) dlda[k] = 2.0 * (a[k] - y[k]) / a.Length;
    }

    // d^2 l / da_k^2 = 2 / K
    public override void SecondDerivative(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> d2lda2) => d2lda2[..a.Length].Fill(2.0 / a.Length);
}
