using System.Globalization;
using System.Numerics;

namespace GradApi.Domain.Numerics;

/// <summary>
/// z = b + sum_j w_j a_j, the pre-activation of one unit.
/// In doubles, -0.3 + 0.4 - 0.1 is 2.8e-17, not 0, and relu'(z) then flips from 0 to 1:
/// a kink decided by rounding noise. When the sum cancels to within its own rounding-error
/// bound, its sign is not known from doubles, so it is recomputed exactly from the numbers as
/// written (each double's shortest round-trip decimal) and rounded once. Rare, so cheap.
/// </summary>
public static class Affine
{
    // Unit roundoff; the bound |fl(sum) - sum| <= gamma_(n+1) sum |terms| with gamma_k ~ k u.
    const double UnitRoundoff = 1.1102230246251565e-16;

    /// <param name="cancellation">Checked in the exact path, which costs microseconds per term.</param>
    public static double Evaluate(ReadOnlySpan<double> weights, ReadOnlySpan<double> inputs, double bias, CancellationToken cancellation = default)
    {
        double sum = bias, magnitude = Math.Abs(bias);
        for (int j = 0; j < weights.Length; j++)
        {
            double term = weights[j] * inputs[j];
            sum += term;
            magnitude += Math.Abs(term);
        }
        double bound = 2.0 * (weights.Length + 2) * UnitRoundoff * magnitude;
        if (magnitude == 0.0 || Math.Abs(sum) > bound || !double.IsFinite(magnitude)) return sum;
        return ExactDecimal(weights, inputs, bias, cancellation);
    }

    /// <summary>The sum computed exactly in decimal from each operand's shortest round-trip form, then rounded once.</summary>
    internal static double ExactDecimal(ReadOnlySpan<double> weights, ReadOnlySpan<double> inputs, double bias, CancellationToken cancellation = default)
    {
        var (total, exponent) = Parse(bias);
        for (int j = 0; j < weights.Length; j++)
        {
            if ((j & 255) == 0) cancellation.ThrowIfCancellationRequested();
            var (wm, we) = Parse(weights[j]);
            var (am, ae) = Parse(inputs[j]);
            (total, exponent) = Add(total, exponent, wm * am, we + ae);
        }
        if (total.IsZero) return 0.0;
        return double.Parse($"{total.ToString(CultureInfo.InvariantCulture)}E{exponent}", NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    static (BigInteger Mantissa, int Exponent) Add(BigInteger m1, int e1, BigInteger m2, int e2)
    {
        if (e1 > e2) return (m1 * BigInteger.Pow(10, e1 - e2) + m2, e2);
        return (m1 + m2 * BigInteger.Pow(10, e2 - e1), e1);
    }

    /// <summary>A double as mantissa x 10^exponent, from its shortest round-trip decimal ("0.3", not 0.29999...).</summary>
    static (BigInteger Mantissa, int Exponent) Parse(double value)
    {
        if (value == 0.0) return (BigInteger.Zero, 0);
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        int exponent = 0;
        int e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        int dot = text.IndexOf('.');
        if (dot >= 0)
        {
            exponent -= text.Length - dot - 1;
            text = text.Remove(dot, 1);
        }
        return (BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), exponent);
    }
}
