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

    // With a = softmax(z) and z_m its largest logit: -ln a_k = (z_m - z_k) + ln(1 + sum_{j != m} e^(z_j - z_m)), finite
    // wherever z is. Taking log1p of the others' sum keeps a confident right answer's small loss to full relative
    // precision: z = [30, 0, 0] gives 1.8715e-13, where logsumexp(z) - z_k, a difference of two numbers near 30, gave 1.8829e-13.
    public override double ValueFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> y)
    {
        int top = 0;
        for (int j = 1; j < z.Length; j++) if (z[j] > z[top]) top = j;
        double others = 0;
        for (int j = 0; j < z.Length; j++) if (j != top) others += Math.Exp(z[j] - z[top]);
        double rest = Precise.Log1p(others);
        double sum = 0;
        for (int k = 0; k < z.Length; k++)
            if (y[k] != 0) sum += y[k] * (k == top ? rest : (z[top] - z[k]) + rest);
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
