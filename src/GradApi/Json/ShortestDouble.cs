using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradApi.Json;

/// <summary>
/// Writes a finite double as UTF-8 exactly as <see cref="System.Text.Json.Utf8JsonWriter.WriteNumberValue(double)"/> does
/// (.NET's shortest round-trip text: "0.1", "1E+17", "1E-05", "-1.2345678901234567E-308"), about three times faster:
/// a trace is mostly 17-digit numbers, and their formatting was most of its writing time.
/// <para>The digits are Schubfach's (Raffaello Giulietti, 2020; Java's Double.toString since 19): the shortest decimal that
/// reads back as the same double, the closest to it where several are as short, ties to even. It takes three products
/// with a 126-bit power of ten and a few comparisons, where Ryu (which it replaced here) also removed digits by division
/// while its bounds allowed: per 1000 numbers in process, 17-digit ones (most of a trace) 32.6 to 29.7 us, decimals of
/// 1-3 digits 28.3 to 24.1. The powers of ten are computed once, exactly, at startup.
/// The layout is .NET's general format with its round-trip precision: plain while the decimal point lies from 3 zeros
/// before the digits to max(17, digits) after the first, else one digit, a point, the rest and E+dd / E-dd. Two powers of
/// two, 2^-25 and 2^-958, are formatted by .NET itself, whose digits there are one fewer than the shortest.</para>
/// </summary>
public static class ShortestDouble
{
    /// <summary>The longest text: "-1.2345678901234567E-308".</summary>
    public const int MaxLength = 24;

    const int MantissaBits = 52;
    const int ExponentBias = 1023;
    // Pow10: g = floor(10^e 2^(125 - floor(log2 10^e))) + 1 for e from MinPow10 to 324 (2^125 <= g < 2^126, just above
    // 10^e's significand), as two 63-bit halves g1, g0; computed once, exactly, at startup.
    const int MinPow10 = -292;
    static readonly ulong[] Pow10 = Pow10Table(MinPow10, 324);

    static ReadOnlySpan<byte> TwoDigits => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    static ulong[] Pow10Table(int min, int max)
    {
        var table = new ulong[2 * (max - min + 1)];
        var mask = (BigInteger.One << 63) - 1;
        for (int e = min; e <= max; e++)
        {
            BigInteger g;
            if (e >= 0)
            {
                var power = BigInteger.Pow(10, e);
                int shift = 125 - ((int)power.GetBitLength() - 1);
                g = shift >= 0 ? power << shift : power >> -shift;
            }
            else
            {
                // 10^-e is no power of two: floor(log2 10^e) = -(its bit length).
                var power = BigInteger.Pow(10, -e);
                g = (BigInteger.One << (125 + (int)power.GetBitLength())) / power;
            }
            g += 1;
            table[2 * (e - min)] = (ulong)(g >> 63);
            table[2 * (e - min) + 1] = (ulong)(g & mask);
        }
        return table;
    }

    /// <summary>The table's entry for 10^e, for the tests: the high and low 63-bit halves.</summary>
    internal static (ulong High, ulong Low) Pow10Entry(int e) => (Pow10[2 * (e - MinPow10)], Pow10[2 * (e - MinPow10) + 1]);

    /// <summary>Writes <paramref name="value"/> (finite; -0 is written "-0" like .NET, callers write 0) and returns the bytes written.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        if (destination.Length < MaxLength) return FormatShort(value, destination);
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ulong ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        uint ieeeExponent = (uint)(bits >> MantissaBits) & 0x7FF;
        // Two powers of two, 2^-25 and 2^-958, where .NET writes one digit fewer than the shortest (its lower bound there is
        // not the half gap below), are written by .NET itself; every other power of two has the same text both ways (all 2,098 are
        // in NumberTextTests), and .NET's formatting cost as much as the rest of a seed-sized trace's ones and inputs.
        if (ieeeMantissa == 0 && ieeeExponent is ExponentBias - 25 or ExponentBias - 958) return FormatByDotNet(value, destination);
        ref byte text = ref MemoryMarshal.GetReference(destination);
        int at = 0;
        if ((long)bits < 0) Unsafe.Add(ref text, at++) = (byte)'-';
        if (ieeeExponent == 0 && ieeeMantissa == 0)
        {
            Unsafe.Add(ref text, at) = (byte)'0';
            return at + 1;
        }
        var (digits, exponent) = Shortest(ieeeMantissa, ieeeExponent);
        return at + Layout(digits, exponent, ref Unsafe.Add(ref text, at));
    }

    // Apart, so .NET's formatting is not inlined into every call of Format.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int FormatByDotNet(double value, Span<byte> destination)
    {
        value.TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
        return written;
    }

    // Into less room than the longest text: formatted on the stack, then copied. Apart, so Format itself has no stack buffer
    // (and no guard for one) on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int FormatShort(double value, Span<byte> destination)
    {
        Span<byte> room = stackalloc byte[MaxLength];
        int length = Format(value, room);
        room[..length].CopyTo(destination);
        return length;
    }

    /// <summary>
    /// .NET's general format of digits x 10^exponent with a precision of max(17, digit count), into at least
    /// <see cref="MaxLength"/> bytes (checked by the caller, so written without bounds checks).
    /// </summary>
    static int Layout(ulong digits, int exponent, ref byte text)
    {
        int count = DigitCount(digits);
        int scale = count + exponent; // value = 0.digits x 10^scale
        if (scale > 17 || scale < -3)
        {
            // d.ddddE+xx: the digits one place right, then the first moved before the point.
            WriteDigits(digits, ref Unsafe.Add(ref text, 1), count);
            int at = 1;
            text = Unsafe.Add(ref text, 1);
            if (count > 1)
            {
                Unsafe.Add(ref text, 1) = (byte)'.';
                at = count + 1;
            }
            Unsafe.Add(ref text, at++) = (byte)'E';
            int e = scale - 1;
            Unsafe.Add(ref text, at++) = e < 0 ? (byte)'-' : (byte)'+';
            if (e < 0) e = -e;
            if (e >= 100)
            {
                Unsafe.Add(ref text, at++) = (byte)('0' + e / 100);
                e %= 100;
            }
            Unsafe.Add(ref text, at++) = TwoDigits[2 * e];
            Unsafe.Add(ref text, at++) = TwoDigits[2 * e + 1];
            return at;
        }
        if (scale <= 0)
        {
            // 0.000ddd
            int zeros = -scale;
            text = (byte)'0';
            Unsafe.Add(ref text, 1) = (byte)'.';
            for (int i = 0; i < zeros; i++) Unsafe.Add(ref text, 2 + i) = (byte)'0';
            WriteDigits(digits, ref Unsafe.Add(ref text, 2 + zeros), count);
            return 2 + zeros + count;
        }
        if (scale >= count)
        {
            // ddd000
            WriteDigits(digits, ref text, count);
            for (int i = count; i < scale; i++) Unsafe.Add(ref text, i) = (byte)'0';
            return scale;
        }
        // ddd.ddd: the digits one place right, then the integer part moved back before the point.
        WriteDigits(digits, ref Unsafe.Add(ref text, 1), count);
        for (int i = 0; i < scale; i++) Unsafe.Add(ref text, i) = Unsafe.Add(ref text, i + 1);
        Unsafe.Add(ref text, scale) = (byte)'.';
        return count + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int DigitCount(ulong v)
    {
        // 1233/4096 ~ log10(2): an estimate from the bit length, corrected by one comparison.
        int estimate = ((64 - BitOperations.LeadingZeroCount(v | 1)) * 1233) >> 12;
        return estimate + (v >= PowersOfTen[estimate] ? 1 : 0);
    }

    static readonly ulong[] PowersOfTen =
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    /// <summary>Writes the <paramref name="count"/> decimal digits of <paramref name="v"/> from <paramref name="text"/> on.</summary>
    /// <remarks>
    /// Eight digits at a time from the right: one 64-bit division per eight, then four two-digit pairs from 32-bit
    /// arithmetic that does not wait on itself (a pair at a time was a chain of nine dependent 64-bit divisions for 17 digits).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteDigits(ulong v, ref byte text, int count)
    {
        int at = count;
        while (at > 8)
        {
            ulong q = v / 100_000_000;
            WriteEight((uint)(v - 100_000_000 * q), ref Unsafe.Add(ref text, at - 8));
            v = q;
            at -= 8;
        }
        ref byte pairs = ref MemoryMarshal.GetReference(TwoDigits);
        uint u = (uint)v;
        while (u >= 100)
        {
            uint q = u / 100;
            at -= 2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref text, at), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)(u - 100 * q))));
            u = q;
        }
        if (u >= 10) Unsafe.WriteUnaligned(ref text, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)u)));
        else text = (byte)('0' + u);
    }

    /// <summary>The eight digits of <paramref name="v"/> (below 10^8, leading zeros written) from <paramref name="text"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteEight(uint v, ref byte text)
    {
        ref byte pairs = ref MemoryMarshal.GetReference(TwoDigits);
        uint high = v / 10_000, low = v - 10_000 * high;
        uint h1 = high / 100, h2 = high - 100 * h1, l1 = low / 100, l2 = low - 100 * l1;
        Unsafe.WriteUnaligned(ref text, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)h1)));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref text, 2), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)h2)));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref text, 4), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)l1)));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref text, 6), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, 2 * (int)l2)));
    }

    /// <summary>Schubfach's shortest digits and their power of ten, trailing zeros removed.</summary>
    static (ulong Digits, int Exponent) Shortest(ulong ieeeMantissa, uint ieeeExponent)
    {
        // An integer from 1 to 2^53: its own digits, none shorter reads back as it (the doubles there are at most 1
        // apart). Inputs, targets and counts are such numbers, and the general case was slowest on them.
        int integerBits = (int)ieeeExponent - ExponentBias;
        if ((uint)integerBits <= MantissaBits)
        {
            ulong mantissa = (1UL << MantissaBits) | ieeeMantissa;
            int fraction = MantissaBits - integerBits;
            if ((mantissa & ((1UL << fraction) - 1)) == 0)
            {
                return WithoutTrailingZeros(mantissa >> fraction, 0);
            }
        }
        // value = c 2^q, and the doubles that read back as it lie between the halfway points to its neighbours: c 2^q
        // -/+ 2^(q-1), or below a power of two (an irregular spacing) c 2^q - 2^(q-2). Four times that, all integers.
        ulong c;
        int q;
        bool regular = ieeeMantissa != 0;
        if (ieeeExponent != 0)
        {
            c = (1UL << MantissaBits) | ieeeMantissa;
            q = (int)ieeeExponent - ExponentBias - MantissaBits;
        }
        else
        {
            c = ieeeMantissa;
            q = 1 - ExponentBias - MantissaBits;
            regular = true;
        }
        ulong cb = c << 2, cbl = cb - (regular ? 2UL : 1UL), cbr = cb + 2;

        // 10^k at most the gap between doubles here, so at most one decimal of k + 1 digits' precision lies between the
        // bounds. The three, times 10^-k, rounded to odd: as exact as the comparisons below need.
        int k = regular ? FloorLog10Pow2(q) : FloorLog10ThreeQuartersPow2(q);
        int h = q + FloorLog2Pow10(-k) + 2;
        int index = 2 * (-k - MinPow10);
        ulong g1 = Pow10[index], g0 = Pow10[index + 1];
        ulong vb = RoundToOdd(g1, g0, cb << h), vbl = RoundToOdd(g1, g0, cbl << h), vbr = RoundToOdd(g1, g0, cbr << h);
        // An odd significand's bounds round to its neighbours (ties to even when read), so they are not in its interval.
        ulong odd = c & 1;

        ulong s = vb >> 2;
        if (s >= 10)
        {
            // One digit shorter: at most one of the two decimals around the value is inside.
            ulong shorter = s / 10 * 10;
            bool belowIn = vbl + odd <= shorter << 2, aboveIn = ((shorter + 10) << 2) + odd <= vbr;
            if (belowIn != aboveIn) return WithoutTrailingZeros(belowIn ? shorter : shorter + 10, k);
        }
        ulong t = s + 1;
        bool sIn = vbl + odd <= s << 2, tIn = (t << 2) + odd <= vbr;
        if (sIn != tIn) return WithoutTrailingZeros(sIn ? s : t, k);
        // Both inside: the closer one, the even one when the value is halfway.
        long above = (long)(vb - ((s + t) << 1));
        return WithoutTrailingZeros(above < 0 || (above == 0 && (s & 1) == 0) ? s : t, k);
    }

    // .NET writes no trailing zeros in the digits (1E+20, not 10E+19). Digits of at least 1; the most digits found is 17,
    // so after the eights at most seven zeros remain: four, two, one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (ulong Digits, int Exponent) WithoutTrailingZeros(ulong digits, int exponent)
    {
        if (digits % 10 != 0) return (digits, exponent);
        for (ulong q = digits / 100_000_000; q * 100_000_000 == digits; q = digits / 100_000_000)
        {
            digits = q;
            exponent += 8;
        }
        if (digits % 10_000 == 0) { digits /= 10_000; exponent += 4; }
        if (digits % 100 == 0) { digits /= 100; exponent += 2; }
        if (digits % 10 == 0) { digits /= 10; exponent += 1; }
        return (digits, exponent);
    }

    // floor(log10(2^e)), floor(log10(3/4 2^e)) and floor(log2(10^e)) for |e| <= 1700, by fixed-point logarithms. Inlined
    // by request: the service's code is compiled fully optimized at its first call, without the profile that later
    // inlines these, and each was a call there.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int FloorLog10Pow2(int e) => (int)((e * 661_971_961_083L) >> 41);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int FloorLog10ThreeQuartersPow2(int e) => (int)((e * 661_971_961_083L - 274_743_187_321L) >> 41);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int FloorLog2Pow10(int e) => (int)((e * 913_124_641_741L) >> 38);

    /// <summary>
    /// The top 64 bits of g x cp / 2^63, g = g1 2^63 + g0, rounded to odd: its last bit set when any bit below it is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong RoundToOdd(ulong g1, ulong g0, ulong cp)
    {
        const ulong Mask63 = (1UL << 63) - 1;
        ulong x1 = Math.BigMul(g0, cp, out _);
        ulong y1 = Math.BigMul(g1, cp, out ulong y0);
        ulong z = (y0 >> 1) + x1;
        return (y1 + (z >> 63)) | (((z & Mask63) + Mask63) >> 63);
    }
}
