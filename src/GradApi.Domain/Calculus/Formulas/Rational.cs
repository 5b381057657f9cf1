using System.Globalization;
using System.Numerics;

namespace GradApi.Domain.Calculus.Formulas;

/// <summary>
/// An exact rational number p / q (q &gt; 0, gcd(p, q) = 1), for deciding polynomial identities
/// without rounding. default(Rational) is 0.
/// </summary>
public readonly struct Rational : IEquatable<Rational>
{
    readonly BigInteger numerator;
    readonly BigInteger denominatorMinusOne; // so that default(Rational) is 0/1

    public BigInteger Numerator => numerator;
    public BigInteger Denominator => denominatorMinusOne + 1;

    Rational(BigInteger numerator, BigInteger denominator, bool normalized)
    {
        if (!normalized)
        {
            if (denominator.IsZero) throw new DivideByZeroException("a rational with denominator 0");
            if (denominator.Sign < 0) (numerator, denominator) = (-numerator, -denominator);
            var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
            if (!g.IsOne && !g.IsZero) (numerator, denominator) = (numerator / g, denominator / g);
            if (numerator.IsZero) denominator = BigInteger.One;
        }
        this.numerator = numerator;
        denominatorMinusOne = denominator - 1;
    }

    public Rational(BigInteger numerator, BigInteger denominator) : this(numerator, denominator, normalized: false) { }

    public static readonly Rational Zero = default;
    public static readonly Rational One = new(BigInteger.One, BigInteger.One, normalized: true);

    public static implicit operator Rational(BigInteger n) => new(n, BigInteger.One, normalized: true);
    public static implicit operator Rational(long n) => new(n, BigInteger.One, normalized: true);

    public bool IsZero => numerator.IsZero;
    public bool IsInteger => Denominator.IsOne;
    public int Sign => numerator.Sign;

    /// <summary>Bits of numerator and denominator together: the size that arithmetic on it costs.</summary>
    public long Bits => (long)numerator.GetBitLength() + Denominator.GetBitLength();

    /// <summary>The double's exact value, decoded from its bits (every finite double is a dyadic rational).</summary>
    public static Rational FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "only finite doubles are rationals");
        if (value == 0) return Zero;
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1; // subnormal: no implicit bit
        else mantissa |= 1L << 52;
        exponent -= 1075; // value = mantissa * 2^exponent
        BigInteger m = negative ? -mantissa : mantissa;
        return exponent >= 0 ? new Rational(m << exponent, BigInteger.One, normalized: true) : new Rational(m, BigInteger.One << -exponent);
    }

    /// <summary>
    /// A decimal literal as written ("0.1" is 1/10, not the double nearest it; "1e-3", ".5", "12"), or null when
    /// the text is not one (or its exponent is beyond <paramref name="maxExponent"/>, which would make a huge number).
    /// </summary>
    public static Rational? ParseDecimal(string text, int maxExponent = 400)
    {
        int i = 0;
        var digits = new System.Text.StringBuilder();
        int fraction = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) digits.Append(text[i++]);
        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i])) { digits.Append(text[i++]); fraction++; }
        }
        if (digits.Length == 0) return null;
        int exponent = 0;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (!int.TryParse(text.AsSpan(i), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return null;
            i = text.Length;
        }
        if (i != text.Length) return null;
        long scale = (long)exponent - fraction;
        if (Math.Abs(scale) > maxExponent + digits.Length) return null;
        var mantissa = BigInteger.Parse(digits.ToString(), CultureInfo.InvariantCulture);
        var power = BigInteger.Pow(10, (int)Math.Abs(scale));
        return scale >= 0 ? new Rational(mantissa * power, BigInteger.One, normalized: true) : new Rational(mantissa, power);
    }

    public static Rational operator -(Rational a) => new(-a.numerator, a.Denominator, normalized: true);
    public static Rational operator +(Rational a, Rational b) =>
        a.IsInteger && b.IsInteger ? new Rational(a.numerator + b.numerator, BigInteger.One, normalized: true)
            : new Rational(a.numerator * b.Denominator + b.numerator * a.Denominator, a.Denominator * b.Denominator);
    public static Rational operator -(Rational a, Rational b) => a + -b;
    public static Rational operator *(Rational a, Rational b) =>
        a.IsInteger && b.IsInteger ? new Rational(a.numerator * b.numerator, BigInteger.One, normalized: true)
            : new Rational(a.numerator * b.numerator, a.Denominator * b.Denominator);
    public static Rational operator /(Rational a, Rational b) =>
        b.IsZero ? throw new DivideByZeroException() : new Rational(a.numerator * b.Denominator, a.Denominator * b.numerator);

    public static Rational Pow(Rational a, int exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        return new Rational(BigInteger.Pow(a.numerator, exponent), BigInteger.Pow(a.Denominator, exponent), normalized: true);
    }

    /// <summary>The nearest double, or nearly (the quotient is taken to 64 bits first); ±infinity beyond the range.</summary>
    public double ToDouble()
    {
        if (numerator.IsZero) return 0;
        var n = BigInteger.Abs(numerator);
        var d = Denominator;
        long shift = (long)n.GetBitLength() - (long)d.GetBitLength() - 64;
        if (shift > 0) d <<= (int)shift; else n <<= (int)-shift;
        double q = (double)(n / d);
        double value = shift > int.MaxValue ? double.PositiveInfinity : shift < int.MinValue ? 0 : Math.ScaleB(q, (int)shift);
        return numerator.Sign < 0 ? -value : value;
    }

    public bool Equals(Rational other) => numerator == other.numerator && Denominator == other.Denominator;
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(numerator, Denominator);
    public static bool operator ==(Rational a, Rational b) => a.Equals(b);
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);

    /// <summary>"3", "-1/2".</summary>
    public override string ToString() => IsInteger
        ? numerator.ToString(CultureInfo.InvariantCulture)
        : $"{numerator.ToString(CultureInfo.InvariantCulture)}/{Denominator.ToString(CultureInfo.InvariantCulture)}";
}
