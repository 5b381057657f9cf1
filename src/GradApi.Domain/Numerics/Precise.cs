namespace GradApi.Domain.Numerics;

/// <summary>
/// Elementary functions that keep full relative precision where the textbook formula cancels.
/// .NET's double.LogP1 and double.ExpM1 are computed as Log(1 + x) and Exp(x) - 1, which lose
/// every digit for tiny x, so these use Kahan's corrections instead.
/// </summary>
public static class Precise
{
    /// <summary>ln(1 + x), accurate for tiny x (Kahan: correct by x / ((1 + x) - 1)).</summary>
    public static double Log1p(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0) return x;
        if (double.IsPositiveInfinity(u)) return u;
        return Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>e^x - 1, accurate for tiny x (Kahan: (u - 1) x / ln u with u = e^x).</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) < 1e-5) return x + x * x / 2 + x * x * x / 6;
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        if (double.IsPositiveInfinity(u)) return u;
        return um1 * x / Math.Log(u);
    }

    /// <summary>sigma(x) = 1 / (1 + e^-x), evaluated so that neither tail overflows or rounds to 1 early.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1.0 / (1.0 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow, full precision in both tails.</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + Log1p(Math.Exp(-Math.Abs(x)));
}
