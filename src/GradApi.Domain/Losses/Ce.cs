using GradApi.Domain.Activations;
using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Losses;

/// <summary>l = -sum_k y_k ln a_k; dl/da_k = -y_k / a_k. After softmax: dl/dz_k = a_k sum_j y_j - y_k.</summary>
public sealed class Ce : Loss
{
    public static readonly Ce Instance = new();
    public override string Name => WireNames.Loss.Ce;

    public override double Value(ReadOnlySpan<double> a, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++)
            if (y[k] != 0) sum -= y[k] * Math.Log(a[k]);
        return sum;
    }

    public override void Gradient(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda)
    {
        for (int k = 0; k < a.Length; k++) dlda[k] = y[k] != 0 ? -y[k] / a[k] : 0.0;
    }

    // d^2 l / da_k^2 = y_k / a_k^2
    public override void SecondDerivative(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> d2lda2)
    {
        for (int k = 0; k < a.Length; k++) d2lda2[k] = y[k] != 0 ? y[k] / (a[k] * a[k]) : 0.0;
    }

    public override bool FusesWith(Activation output) => output is Softmax;

    // With a = softmax(z): -ln a_k = logsumexp(z) - z_k, finite wherever z is.
    public override double ValueFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> y)
    {
        double lse = Precise.LogSumExp(z);
        double sum = 0;
        for (int k = 0; k < z.Length; k++)
            if (y[k] != 0) sum += y[k] * (lse - z[k]);
        return sum;
    }

    public override void GradientFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda) =>
        Gradient(a, y, dlda);

    public override void DeltaFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dldz) =>
        DeltaFromOutput(a, y, dldz);

    // dl/dz = a sum(y) - y: read off a alone
    public override void DeltaFromOutput(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dldz)
    {
        double total = 0;
        foreach (var v in y) total += v;
        for (int k = 0; k < a.Length; k++) dldz[k] = a[k] * total - y[k];
    }

    // d(a sum y - y)/dz along zDot = (sum y) J zDot, J = diag(a) - a a^T the softmax Jacobian
    public override void DeltaFromLogitsTangent(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, ReadOnlySpan<double> zDot, Span<double> result)
    {
        double total = 0, dot = 0;
        for (int k = 0; k < y.Length; k++)
        {
            total += y[k];
            dot += a[k] * zDot[k];
        }
        for (int k = 0; k < z.Length; k++) result[k] = total * a[k] * (zDot[k] - dot);
    }
}
