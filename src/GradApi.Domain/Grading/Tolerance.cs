namespace GradApi.Domain.Grading;

public enum ToleranceKind
{
    /// <summary>|s - r| &lt;= absolute + relative |r| (numpy.allclose).</summary>
    Relative,
    /// <summary>|s - r| &lt;= absolute.</summary>
    Absolute,
    /// <summary>|s - r| &lt; 0.51 x 10^-d (PrairieLearn's rule: right when rounded to d decimals, with a hair of slack).</summary>
    Decimals,
    /// <summary>|s - r| &lt; 0.51 x 10^-n, n = figures - 1 - floor(log10 |r|) (n = figures - 1 when r = 0).</summary>
    SignificantFigures,
}

/// <summary>
/// When a submitted number s counts as the reference r. NaN matches only NaN and an infinity only the
/// same infinity. A difference within rounding of a rule's bound is decided in decimal arithmetic on the
/// numbers as written (15 significant digits), so 0.0087 + 0.000051 is exactly on the 0.51 boundary
/// (rejected) and 0.35 is exactly 0.05 from 0.4 (accepted by absolute 0.05), not a binary rounding either side.
/// </summary>
public sealed record Tolerance(ToleranceKind Kind, double Relative = 0, double Absolute = 0, int Decimals = 0, int Figures = 0)
{
    public const double DefaultRelative = 1e-3;
    public const double DefaultAbsolute = 1e-8;

    /// <summary>relative 1e-3 with absolute 1e-8: the contract's default.</summary>
    public static readonly Tolerance Default = new(ToleranceKind.Relative, DefaultRelative, DefaultAbsolute);

    // Beyond this magnitude the decimal type cannot hold the difference; doubles decide there.
    const double DecimalRange = 1e20;
    const double DecimalFloor = 1e-20;

    public bool Accepts(double submitted, double reference)
    {
        if (double.IsNaN(submitted) || double.IsNaN(reference)) return double.IsNaN(submitted) && double.IsNaN(reference);
        if (double.IsInfinity(submitted) || double.IsInfinity(reference)) return submitted == reference;
        return Kind switch
        {
            ToleranceKind.Relative => WithinBand(submitted, reference, Absolute + Relative * Math.Abs(reference),
                () => (decimal)Absolute + (decimal)Relative * Math.Abs((decimal)reference)),
            ToleranceKind.Absolute => WithinBand(submitted, reference, Absolute, () => (decimal)Absolute),
            _ => WithinHalfUnit(submitted, reference, DecimalsFor(reference)),
        };
    }

    // |s - r| <= band, with a bound exactly on the band (0.35 against 0.4 with absolute 0.05) decided in decimals.
    static bool WithinBand(double submitted, double reference, double band, Func<decimal> decimalBand)
    {
        double error = Math.Abs(submitted - reference);
        double margin = 1e-14 * Math.Max(Math.Abs(submitted), Math.Abs(reference)) + 1e-12 * band;
        if (Math.Abs(error - band) > margin || !InDecimalRange(submitted) || !InDecimalRange(reference) || !InDecimalRange(band))
            return error <= band;
        return Math.Abs((decimal)submitted - (decimal)reference) <= decimalBand();
    }

    /// <summary>The number of decimals a significant-figures rule asks of r, or the decimals rule's d.</summary>
    public int DecimalsFor(double reference) => Kind switch
    {
        ToleranceKind.Decimals => Decimals,
        ToleranceKind.SignificantFigures => Figures - 1 - DecimalExponent(reference),
        _ => throw new InvalidOperationException("only the decimals and significant_figures rules count decimals"),
    };

    // |s - r| < 0.51 x 10^-n. Doubles decide unless the error is within a hair of the bound, where decimals do.
    static bool WithinHalfUnit(double submitted, double reference, int n)
    {
        double error = Math.Abs(submitted - reference), bound = 0.51 * (n is >= 0 and < 16 ? NegativePowersOfTen[n] : Math.Pow(10, -n));
        // The difference of two doubles is off by up to an ulp of the larger: beyond that margin doubles decide.
        double margin = 1e-14 * Math.Max(Math.Abs(submitted), Math.Abs(reference)) + 1e-12 * bound;
        if (Math.Abs(error - bound) > margin) return error < bound;
        if (InDecimalRange(submitted) && InDecimalRange(reference) && n is >= -20 and <= 26)
        {
            decimal difference = Math.Abs((decimal)submitted - (decimal)reference);
            return difference < 0.51m * PowerOfTen(-n);
        }
        return error < bound;
    }

    /// <summary>floor(log10 |r|), 0 for r = 0, read from r's decimal digits so 0.1 computed as 0.09999999999999999 counts as 0.1.</summary>
    public static int DecimalExponent(double reference)
    {
        if (reference == 0 || !double.IsFinite(reference)) return 0;
        double log = Math.Log10(Math.Abs(reference));
        int exponent = (int)Math.Floor(log);
        // Only a value within rounding of a power of ten needs its decimal digits read.
        if (!InDecimalRange(reference) || Math.Abs(log - Math.Round(log)) > 1e-9) return exponent;
        decimal magnitude = Math.Abs((decimal)reference);
        if (exponent + 1 <= 20 && magnitude >= PowerOfTen(exponent + 1)) exponent++;
        else if (exponent >= -27 && magnitude < PowerOfTen(exponent)) exponent--;
        return exponent;
    }

    static bool InDecimalRange(double x) => x == 0 || (Math.Abs(x) < DecimalRange && Math.Abs(x) > DecimalFloor);

    static readonly double[] NegativePowersOfTen = Enumerable.Range(0, 16).Select(k => Math.Pow(10, -k)).ToArray();

    // 10^n for n in [-28, 28], exactly.
    static decimal PowerOfTen(int n) => n >= 0 ? PowersOfTen[n] : 1m / PowersOfTen[-n];

    static readonly decimal[] PowersOfTen = Enumerable.Range(0, 29).Select(k =>
    {
        decimal p = 1m;
        for (int i = 0; i < k; i++) p *= 10m;
        return p;
    }).ToArray();

    public override string ToString() => Kind switch
    {
        ToleranceKind.Relative => $"relative {Relative:R} with absolute {Absolute:R}",
        ToleranceKind.Absolute => $"absolute {Absolute:R}",
        ToleranceKind.Decimals => $"{Decimals} decimals",
        _ => $"{Figures} significant figures",
    };
}
