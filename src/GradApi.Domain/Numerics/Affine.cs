using System.Globalization;

namespace GradApi.Domain.Numerics;

/// <summary>
/// z = b + sum_j w_j a_j, the pre-activation of one unit.
/// In doubles, -0.3 + 0.4 - 0.1 is 2.8e-17, not 0, and relu'(z) then flips from 0 to 1:
/// a kink decided by rounding noise. When the sum cancels to within its own rounding-error
/// bound, its sign is not known from doubles, so it is recomputed exactly from the numbers as
/// written (each double's shortest round-trip decimal) and rounded once.
/// <para>The exact sum is cheap enough to be the price of any request: each operand's decimal is read without
/// formatting where it is short (and once per operand for a whole layer), and the products are added into a
/// fixed array of base-10^18 digits that spans every exponent a product of doubles can have.</para>
/// </summary>
public static class Affine
{
    // Unit roundoff; the bound |fl(sum) - sum| <= gamma_(n+1) sum |terms| with gamma_k ~ k u.
    const double UnitRoundoff = 1.1102230246251565e-16;

    /// <param name="cancellation">Checked in the exact path, the slow one.</param>
    public static double Evaluate(ReadOnlySpan<double> weights, ReadOnlySpan<double> inputs, double bias, CancellationToken cancellation = default)
    {
        double sum = DoubleSum(weights, inputs, bias, out double magnitude);
        if (!Cancels(sum, magnitude, weights.Length)) return sum;
        cancellation.ThrowIfCancellationRequested();
        return ExactDecimal(weights, inputs, bias);
    }

    /// <summary>
    /// z[b][i] = biases[i] + sum_j weights[i][j] inputs[b][j] for a whole layer (weights [rows][columns], inputs [batch][columns],
    /// z [batch][rows]); each operand's decimal is read at most once, on the first sum that needs it.
    /// </summary>
    public static void Evaluate(ReadOnlySpan<double> weights, int rows, ReadOnlySpan<double> biases, ReadOnlySpan<double> inputs, int batch, Span<double> z,
        CancellationToken cancellation = default)
    {
        int columns = rows == 0 ? 0 : weights.Length / rows;
        if (Kernels.Worthwhile(batch, rows, columns))
        {
            EvaluateBlocked(weights, rows, columns, biases, inputs, batch, z, cancellation);
            return;
        }
        DecimalForm[]? weightDecimals = null, inputDecimals = null;
        for (int b = 0; b < batch; b++)
        {
            var input = inputs.Slice(b * columns, columns);
            // Per example: a layer of exact sums costs a few times the plain one.
            cancellation.ThrowIfCancellationRequested();
            for (int i = 0; i < rows; i++)
            {
                var row = weights.Slice(i * columns, columns);
                double bias = biases.IsEmpty ? 0.0 : biases[i];
                double sum = DoubleSum(row, input, bias, out double magnitude);
                if (Cancels(sum, magnitude, columns))
                {
                    weightDecimals ??= new DecimalForm[weights.Length];
                    inputDecimals ??= new DecimalForm[inputs.Length];
                    sum = ExactDecimal(row, input, bias, weightDecimals.AsSpan(i * columns, columns), inputDecimals.AsSpan(b * columns, columns));
                }
                z[b * rows + i] = sum;
            }
        }
    }

    /// <summary>
    /// The same layer with the double sums from the SIMD kernel, bit for bit <see cref="DoubleSum"/>'s. The magnitude
    /// sum |w_j a_j| is bounded per sum by max_j |w_ij| sum_j |a_bj| (one pass per row and per example); only a sum
    /// within the rounding bound of that is looked at again with <see cref="DoubleSum"/>'s own magnitude, so exactly
    /// the sums <see cref="Cancels"/> picks out are recomputed in decimal.
    /// </summary>
    static void EvaluateBlocked(ReadOnlySpan<double> weights, int rows, int columns, ReadOnlySpan<double> biases, ReadOnlySpan<double> inputs,
        int batch, Span<double> z, CancellationToken cancellation)
    {
        Kernels.AffineSums(weights, rows, columns, biases, inputs, batch, z, cancellation);
        Span<double> rowMaxima = rows <= 512 ? stackalloc double[rows] : new double[rows];
        for (int i = 0; i < rows; i++) rowMaxima[i] = Kernels.MaxMagnitude(weights.Slice(i * columns, columns));
        // Sum |w_j a_j| <= max |w_j| sum |a_j|; the factor covers the rounding of both sides (about (2n + 5) u).
        double safety = 1 + 4.0 * (columns + 4) * UnitRoundoff;
        DecimalForm[]? weightDecimals = null, inputDecimals = null;
        for (int b = 0; b < batch; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            var input = inputs.Slice(b * columns, columns);
            double inputMagnitude = Kernels.SumOfMagnitudes(input);
            for (int i = 0; i < rows; i++)
            {
                double bias = biases.IsEmpty ? 0.0 : biases[i];
                double sum = z[b * rows + i];
                // The absolute 1e-300 covers products that round into the subnormals.
                double magnitudeBound = (Math.Abs(bias) + rowMaxima[i] * inputMagnitude) * safety + 1e-300;
                if (double.IsFinite(magnitudeBound) && Math.Abs(sum) > Bound(magnitudeBound, columns)) continue;
                var row = weights.Slice(i * columns, columns);
                sum = DoubleSum(row, input, bias, out double magnitude);
                if (Cancels(sum, magnitude, columns))
                {
                    weightDecimals ??= new DecimalForm[weights.Length];
                    inputDecimals ??= new DecimalForm[inputs.Length];
                    sum = ExactDecimal(row, input, bias, weightDecimals.AsSpan(i * columns, columns), inputDecimals.AsSpan(b * columns, columns));
                }
                z[b * rows + i] = sum;
            }
        }
    }

    static double DoubleSum(ReadOnlySpan<double> weights, ReadOnlySpan<double> inputs, double bias, out double magnitude)
    {
        double sum = bias;
        magnitude = Math.Abs(bias);
        for (int j = 0; j < weights.Length; j++)
        {
            double term = weights[j] * inputs[j];
            sum += term;
            magnitude += Math.Abs(term);
        }
        return sum;
    }

    static bool Cancels(double sum, double magnitude, int terms)
    {
        double bound = Bound(magnitude, terms);
        return !(magnitude == 0.0 || Math.Abs(sum) > bound || !double.IsFinite(magnitude));
    }

    static double Bound(double magnitude, int terms) => 2.0 * (terms + 2) * UnitRoundoff * magnitude;

    /// <summary>The sum computed exactly in decimal from each operand's shortest round-trip form, then rounded once.</summary>
    internal static double ExactDecimal(ReadOnlySpan<double> weights, ReadOnlySpan<double> inputs, double bias) =>
        ExactDecimal(weights, inputs, bias, new DecimalForm[weights.Length], new DecimalForm[inputs.Length]);

    // The known decimals (Read == true) are reused; the others are read and kept.
    static double ExactDecimal(ReadOnlySpan<double> weights, ReadOnlySpan<double> inputs, double bias, Span<DecimalForm> weightDecimals, Span<DecimalForm> inputDecimals)
    {
        var sum = new ExactSum();
        sum.Add(DecimalForm.Of(bias), DecimalForm.One);
        for (int j = 0; j < weights.Length; j++)
        {
            if (weights[j] == 0.0 || inputs[j] == 0.0) continue;
            ref var w = ref weightDecimals[j];
            if (!w.Read) w = DecimalForm.Of(weights[j]);
            ref var a = ref inputDecimals[j];
            if (!a.Read) a = DecimalForm.Of(inputs[j]);
            sum.Add(w, a);
        }
        return sum.ToDouble();
    }

    /// <summary>A finite double's shortest round-trip decimal: (-1)^negative x mantissa x 10^exponent, mantissa below 10^17.</summary>
    internal readonly record struct DecimalForm(ulong Mantissa, int Exponent, bool Negative, bool Read = true)
    {
        public static readonly DecimalForm One = new(1, 0, false);

        const double Limit = 1L << 50;

        public static DecimalForm Of(double value)
        {
            if (value == 0.0) return new(0, 0, false);
            bool negative = value < 0;
            double x = Math.Abs(value);
            // Fewest decimals first: m / 10^k is correctly rounded (m < 2^50, 10^k exact for k <= 22), so m x 10^-k is
            // the decimal that reads back as x. While 10^-k is wider than x's rounding interval (one ulp), at most one
            // decimal of k places reads back as x, so the first found is the shortest; otherwise the formatter decides.
            double ulp = Math.BitIncrement(x) - x, scale = 1;
            for (int k = 0; k <= 22; k++, scale *= 10)
            {
                double scaled = x * scale;
                if (scaled >= Limit || ulp * scale >= 1) break;
                double m = Math.Round(scaled);
                if (m / scale == x) return new((ulong)m, -k, negative);
            }
            return Formatted(x, negative);
        }

        // The shortest round-trip form ("R": "0.1", "1.2345E-20") read as digits and a power of ten.
        static DecimalForm Formatted(double x, bool negative)
        {
            Span<char> text = stackalloc char[40];
            x.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture);
            ulong mantissa = 0;
            int exponent = 0, i = 0;
            bool afterDot = false;
            for (; i < length; i++)
            {
                char c = text[i];
                if (c == '.') { afterDot = true; continue; }
                if (c is 'E' or 'e') break;
                mantissa = mantissa * 10 + (ulong)(c - '0');
                if (afterDot) exponent--;
            }
            if (i < length) exponent += int.Parse(text[(i + 1)..length], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            return new(mantissa, exponent, negative);
        }
    }

    /// <summary>
    /// An exact sum of products of decimals: signed base-10^18 digits (Int128, so no carry is needed while adding) from
    /// 10^LowestExponent up, enough for any product of two doubles' decimals and the carries of any number of them.
    /// </summary>
    ref struct ExactSum
    {
        const long Base = 1_000_000_000_000_000_000;
        const long HalfBase = 1_000_000_000;
        // Products of two decimals have exponents from -2 x 340 up, and at most 34 digits above it, under 10^620.
        const int LowestExponent = -18 * 38;
        const int Limbs = 76;

        static readonly long[] Powers = BuildPowers();

        // 10^0 .. 10^22, each exactly a double.
        static readonly double[] ExactPowers =
            [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

        InlineLimbs _limbs;
        int _low, _high;
        bool _any;

        [System.Runtime.CompilerServices.InlineArray(Limbs)]
        struct InlineLimbs { Int128 _first; }

        static long[] BuildPowers()
        {
            var powers = new long[19];
            powers[0] = 1;
            for (int i = 1; i < powers.Length; i++) powers[i] = powers[i - 1] * 10;
            return powers;
        }

        // Partial products waiting at one position: the usual run of terms whose exponents agree costs no division.
        Int128 _pending0, _pending9, _pending18;
        int _pendingPosition;
        bool _hasPending;

        /// <summary>Adds w x a exactly.</summary>
        public void Add(DecimalForm w, DecimalForm a)
        {
            if (w.Mantissa == 0 || a.Mantissa == 0) return;
            // Nine-digit halves: each partial product is below 10^18 (the middle one below 2 x 10^18).
            ulong w1 = w.Mantissa / HalfBase, w0 = w.Mantissa % HalfBase, a1 = a.Mantissa / HalfBase, a0 = a.Mantissa % HalfBase;
            int position = w.Exponent + a.Exponent - LowestExponent;
            if (_hasPending && position != _pendingPosition) Flush();
            _hasPending = true;
            _pendingPosition = position;
            Int128 low = w0 * a0, middle = w1 * a0 + w0 * a1, high = w1 * a1;
            if (w.Negative != a.Negative) { _pending0 -= low; _pending9 -= middle; _pending18 -= high; }
            else { _pending0 += low; _pending9 += middle; _pending18 += high; }
        }

        void Flush()
        {
            Place(_pending0, _pendingPosition);
            Place(_pending9, _pendingPosition + 9);
            Place(_pending18, _pendingPosition + 18);
            _pending0 = _pending9 = _pending18 = 0;
            _hasPending = false;
        }

        // Adds digits x 10^position (position counted from 10^LowestExponent), split across the two limbs it straddles.
        void Place(Int128 digits, int position)
        {
            if (digits == 0) return;
            bool negative = digits < 0;
            if (negative) digits = -digits;
            int limb = position / 18, shift = position % 18;
            Int128 divisor = Powers[18 - shift];
            Int128 high = digits / divisor, low = digits % divisor;
            Int128 lowPart = low * Powers[shift];
            if (negative) { lowPart = -lowPart; high = -high; }
            _limbs[limb] += lowPart;
            _limbs[limb + 1] += high;
            if (!_any) { _low = limb; _high = limb + 1; _any = true; }
            else { _low = Math.Min(_low, limb); _high = Math.Max(_high, limb + 1); }
        }

        /// <summary>The sum rounded once to the nearest double.</summary>
        public double ToDouble()
        {
            if (_hasPending) Flush();
            if (!_any) return 0.0;
            // Carry into digits in [0, Base) with the sign carried to the top, then read the sign off the top.
            Span<long> digits = stackalloc long[Limbs + 2];
            Int128 carry = 0;
            int top = _high + 2;
            for (int i = _low; i < top; i++)
            {
                Int128 value = (i < Limbs ? _limbs[i] : 0) + carry;
                Int128 remainder = value % Base;
                if (remainder < 0) remainder += Base;
                carry = (value - remainder) / Base;
                digits[i] = (long)remainder;
            }
            bool negative = carry < 0;
            if (negative)
            {
                // The value is carry x Base^top + digits: negate into the digits of its magnitude.
                long borrow = 0;
                for (int i = _low; i < top; i++)
                {
                    long d = -digits[i] - borrow;
                    borrow = 0;
                    if (d < 0) { d += Base; borrow = 1; }
                    digits[i] = d;
                }
            }
            int highest = top - 1, lowest = _low;
            while (highest >= lowest && digits[highest] == 0) highest--;
            if (highest < lowest) return 0.0;
            while (digits[lowest] == 0) lowest++;

            int exponent = LowestExponent + 18 * lowest;
            if (highest == lowest)
            {
                long mantissa = digits[lowest];
                int scale = exponent;
                while (mantissa % 10 == 0) { mantissa /= 10; scale++; }
                if (mantissa < 1L << 53 && scale is >= -22 and <= 22)
                {
                    // A mantissa below 2^53 and an exact power of ten: one correctly rounded operation.
                    double m = mantissa, p = ExactPowers[Math.Abs(scale)];
                    double r = scale < 0 ? m / p : m * p;
                    return negative ? -r : r;
                }
            }
            Span<char> text = stackalloc char[(highest - lowest + 1) * 18 + 16];
            int length = 0;
            if (negative) text[length++] = '-';
            for (int i = highest; i >= lowest; i--)
            {
                digits[i].TryFormat(text[length..], out int written, i == highest ? "D" : "D18", CultureInfo.InvariantCulture);
                length += written;
            }
            text[length++] = 'E';
            exponent.TryFormat(text[length..], out int exponentLength, provider: CultureInfo.InvariantCulture);
            length += exponentLength;
            return double.Parse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }
}
