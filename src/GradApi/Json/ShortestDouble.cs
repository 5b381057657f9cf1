using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradApi.Json;

/// <summary>
/// Writes a finite double as UTF-8 exactly as <see cref="System.Text.Json.Utf8JsonWriter.WriteNumberValue(double)"/> does
/// (.NET's shortest round-trip text: "0.1", "1E+17", "1E-05", "-1.2345678901234567E-308"), about three times faster:
/// a trace is mostly 17-digit numbers, and their formatting was most of its writing time.
/// <para>The digits are Ryu's (Ulf Adams, PLDI 2018): the shortest decimal that reads back as the same double, the closest
/// to it where several are as short, ties to even. Its 128-bit powers of five are computed once, exactly, at startup.
/// The layout is .NET's general format with its round-trip precision: plain while the decimal point lies from 3 zeros
/// before the digits to max(17, digits) after the first, else one digit, a point, the rest and E+dd / E-dd. Two powers of
/// two, 2^-25 and 2^-958, are formatted by .NET itself, whose digits there are one fewer than Ryu's.</para>
/// </summary>
public static class ShortestDouble
{
    /// <summary>The longest text: "-1.2345678901234567E-308".</summary>
    public const int MaxLength = 24;

    const int MantissaBits = 52;
    const int ExponentBias = 1023;
    const int Pow5InverseBitCount = 125;
    const int Pow5BitCount = 125;

    // Pow5Inverse[q] = floor(2^(pow5bits(q) - 1 + 125) / 5^q) + 1; Pow5[i] = the top 125 bits of 5^i. Low word, high word.
    static readonly ulong[] Pow5Inverse = Table(292, inverse: true);
    static readonly ulong[] Pow5 = Table(326, inverse: false);

    static ReadOnlySpan<byte> TwoDigits => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    static ulong[] Table(int count, bool inverse)
    {
        var table = new ulong[2 * count];
        var mask = (BigInteger.One << 64) - 1;
        for (int i = 0; i < count; i++)
        {
            var pow = BigInteger.Pow(5, i);
            int bits = (int)pow.GetBitLength();
            var value = inverse
                ? (BigInteger.One << (bits - 1 + Pow5InverseBitCount)) / pow + 1
                : bits >= Pow5BitCount ? pow >> (bits - Pow5BitCount) : pow << (Pow5BitCount - bits);
            table[2 * i] = (ulong)(value & mask);
            table[2 * i + 1] = (ulong)(value >> 64);
        }
        return table;
    }

    /// <summary>Writes <paramref name="value"/> (finite; -0 is written "-0" like .NET, callers write 0) and returns the bytes written.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        if (destination.Length < MaxLength) return FormatShort(value, destination);
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ulong ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        uint ieeeExponent = (uint)(bits >> MantissaBits) & 0x7FF;
        // Two powers of two, 2^-25 and 2^-958, where .NET writes one digit fewer than Ryu (its lower bound there is not the
        // half gap below), are written by .NET itself; every other power of two has the same text both ways (all 2,098 are
        // in NumberTextTests), and .NET's formatting cost as much as the rest of a seed-sized trace's ones and inputs.
        if (ieeeMantissa == 0 && ieeeExponent is ExponentBias - 25 or ExponentBias - 958)
        {
            value.TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
            return written;
        }
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

    /// <summary>Ryu's d2d: the shortest digits and their power of ten, trailing zeros removed.</summary>
    static (ulong Digits, int Exponent) Shortest(ulong ieeeMantissa, uint ieeeExponent)
    {
        // An integer from 1 to 2^53 (Ryu's small-integer case): its own digits, none shorter reads back as it (the doubles
        // there are at most 1 apart). Inputs, targets and counts are such numbers, and the general case was slowest on them.
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
        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            // Two more bits for the bounds (a subnormal's mantissa).
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = (int)ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }
        bool acceptBounds = (m2 & 1) == 0;

        ulong mv = 4 * m2;
        uint mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;

        ulong vr, vp, vm;
        int e10;
        bool vmIsTrailingZeros = false, vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            int q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            int k = Pow5InverseBitCount + Pow5Bits(q) - 1;
            int i = -e2 + q + k;
            vr = MulShiftAll(m2, Pow5Inverse, q, i, out vp, out vm, mmShift);
            if (q <= 21)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0) vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                else if (acceptBounds) vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                else vp -= MultipleOfPowerOf5(mv + 2, q) ? 1UL : 0UL;
            }
        }
        else
        {
            int q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            int i = -e2 - q;
            int k = Pow5Bits(i) - Pow5BitCount;
            int j = q - k;
            vr = MulShiftAll(m2, Pow5, i, j, out vp, out vm, mmShift);
            if (q <= 1)
            {
                // mv = 4 m2 has at least two trailing zero bits.
                vrIsTrailingZeros = true;
                if (acceptBounds) vmIsTrailingZeros = mmShift == 1;
                else --vp;
            }
            else if (q < 63)
            {
                vrIsTrailingZeros = (mv & ((1UL << q) - 1)) == 0;
            }
        }

        int removed = 0;
        ulong output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The rare general case (about 0.7%).
            uint lastRemovedDigit = 0;
            for (; ; )
            {
                ulong vpDiv10 = vp / 10, vmDiv10 = vm / 10;
                if (vpDiv10 <= vmDiv10) break;
                uint vmMod10 = (uint)(vm - 10 * vmDiv10);
                ulong vrDiv10 = vr / 10;
                uint vrMod10 = (uint)(vr - 10 * vrDiv10);
                vmIsTrailingZeros &= vmMod10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vrMod10;
                vr = vrDiv10; vp = vpDiv10; vm = vmDiv10;
                ++removed;
            }
            if (vmIsTrailingZeros)
            {
                for (; ; )
                {
                    ulong vmDiv10 = vm / 10;
                    uint vmMod10 = (uint)(vm - 10 * vmDiv10);
                    if (vmMod10 != 0) break;
                    ulong vpDiv10 = vp / 10, vrDiv10 = vr / 10;
                    uint vrMod10 = (uint)(vr - 10 * vrDiv10);
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vrMod10;
                    vr = vrDiv10; vp = vpDiv10; vm = vmDiv10;
                    ++removed;
                }
            }
            // Round to even when the exact value is ...50...0.
            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0) lastRemovedDigit = 4;
            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1UL : 0UL);
        }
        else
        {
            // Only the last digit removed decides the rounding, so digits can go eight or two at a time while the bounds
            // allow it (removing k at once is allowed exactly when removing each of them one by one was): a short decimal
            // such as 0.2 has 16 digits past its own, a single division of each bound at a time was 16 rounds of three.
            bool roundUp = false;
            for (ulong vpDiv = vp / 100_000_000, vmDiv = vm / 100_000_000; vpDiv > vmDiv; vpDiv = vp / 100_000_000, vmDiv = vm / 100_000_000)
            {
                ulong vrDiv = vr / 100_000_000;
                roundUp = vr - 100_000_000 * vrDiv >= 50_000_000;
                vr = vrDiv; vp = vpDiv; vm = vmDiv;
                removed += 8;
            }
            for (ulong vpDiv = vp / 100, vmDiv = vm / 100; vpDiv > vmDiv; vpDiv = vp / 100, vmDiv = vm / 100)
            {
                // Two digits at a time (most numbers).
                ulong vrDiv = vr / 100;
                roundUp = vr - 100 * vrDiv >= 50;
                vr = vrDiv; vp = vpDiv; vm = vmDiv;
                removed += 2;
            }
            for (; ; )
            {
                ulong vpDiv10 = vp / 10, vmDiv10 = vm / 10;
                if (vpDiv10 <= vmDiv10) break;
                ulong vrDiv10 = vr / 10;
                uint vrMod10 = (uint)(vr - 10 * vrDiv10);
                roundUp = vrMod10 >= 5;
                vr = vrDiv10; vp = vpDiv10; vm = vmDiv10;
                ++removed;
            }
            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }
        return WithoutTrailingZeros(output, e10 + removed);
    }

    // .NET writes no trailing zeros in the digits (1E+20, not 10E+19). Digits of at least 1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (ulong Digits, int Exponent) WithoutTrailingZeros(ulong digits, int exponent)
    {
        for (ulong q = digits / 10; q * 10 == digits; q = digits / 10)
        {
            digits = q;
            exponent++;
        }
        return (digits, exponent);
    }

    // floor(log10(2^e)) for 0 <= e <= 1650; floor(log10(5^e)) for 0 <= e <= 2620; ceil(log2(5^e)) (1 for e = 0).
    static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);
    static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);
    static int Pow5Bits(int e) => (int)((((uint)e * 1217359) >> 19) + 1);

    static bool MultipleOfPowerOf5(ulong value, int p)
    {
        int count = 0;
        while (value % 5 == 0)
        {
            value /= 5;
            count++;
        }
        return count >= p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong MulShiftAll(ulong m, ulong[] table, int index, int j, out ulong vp, out ulong vm, uint mmShift)
    {
        ulong low = table[2 * index], high = table[2 * index + 1];
        vp = MulShift(4 * m + 2, low, high, j);
        vm = MulShift(4 * m - 1 - mmShift, low, high, j);
        return MulShift(4 * m, low, high, j);
    }

    /// <summary>(m x (high:low)) >> j for 64 &lt;= j &lt; 128 and m of at most 55 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong MulShift(ulong m, ulong low, ulong high, int j)
    {
        ulong high1 = Math.BigMul(m, high, out ulong low1);
        ulong high0 = Math.BigMul(m, low, out _);
        ulong sum = high0 + low1;
        if (sum < high0) ++high1;
        int shift = j - 64;
        return (high1 << (64 - shift)) | (sum >> shift);
    }
}
