using System.Runtime.Intrinsics;

namespace GradApi.Domain.Numerics;

/// <summary>
/// x / c for one constant c &gt; 0 over many x (Adam's bias corrections m / (1 - b1^t), v / (1 - b2^t)), the correctly
/// rounded quotient the division gives, with the divider left for the one division and root Adam cannot avoid.
/// <para>q = x RN(1/c), corrected once by Markstein's step q + (x - q c) RN(1/c), is then proved to be RN(x / c) from the
/// exact remainder: the fused x - q c has one rounding, and |x - q c| &lt; ulp(q) c / 2, with a margin for that rounding,
/// puts x / c within half an ulp of q, so q is the nearest double (q not a power of two, whose lower neighbour is
/// nearer; q far from the subnormals and from overflow, where the ulp arithmetic below is exact). A vector of which
/// any lane is not proved is divided as it always was. Zero is its own quotient, with its sign.</para>
/// </summary>
internal readonly struct ConstantDivision
{
    // Quotients from 2^-900 to 2^1000 are proved: their half ulp times c (c >= 2^-60) is a normal double.
    const double Smallest = 8.4519585812298435e-272; // 2^-900
    const double Largest = 1.0715086071862673e301;   // 2^1000
    const double SmallestDivisor = 8.6736173798840355e-19; // 2^-60

    readonly double _divisor, _reciprocal, _bound;

    public ConstantDivision(double divisor)
    {
        _divisor = divisor;
        _reciprocal = 1 / divisor;
        // 2^e * bound < 2^(e - 53) c = ulp(q) c / 2 for q in [2^e, 2^(e+1)), by the factor (1 - 2^-50) against the roundings.
        _bound = Math.ScaleB(divisor, -53) * (1 - Math.ScaleB(1.0, -50));
        Proves = Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported
            && double.IsFinite(divisor) && divisor >= SmallestDivisor && divisor <= 1;
    }

    /// <summary>Whether the products are used at all (fused multiply-add in 512-bit lanes, and a divisor in (2^-60, 1]).</summary>
    public bool Proves { get; }

    public Vector512<double> Divide(Vector512<double> x) => TryProve(x, out var quotient) ? quotient : x / Vector512.Create(_divisor);

    /// <summary>The quotient from products, when every lane of it is proved to be the rounded one.</summary>
    internal bool TryProve(Vector512<double> x, out Vector512<double> quotient)
    {
        var c = Vector512.Create(_divisor);
        var r = Vector512.Create(_reciprocal);
        var q = x * r;
        q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(-q, c, x), r, q);
        var remainder = Vector512.FusedMultiplyAdd(-q, c, x);
        var bits = q.AsUInt64();
        var binade = (bits & Vector512.Create(0x7FF0000000000000UL)).AsDouble(); // 2^e, or infinity for NaN and infinity
        var proved = Vector512.LessThan(Vector512.Abs(remainder), binade * Vector512.Create(_bound)).AsUInt64()
            & ~Vector512.Equals(bits & Vector512.Create(0x000FFFFFFFFFFFFFUL), Vector512<ulong>.Zero)
            & Vector512.GreaterThanOrEqual(binade, Vector512.Create(Smallest)).AsUInt64()
            & Vector512.LessThanOrEqual(binade, Vector512.Create(Largest)).AsUInt64();
        var zero = Vector512.Equals(x, Vector512<double>.Zero).AsUInt64();
        quotient = Vector512.ConditionalSelect(zero.AsDouble(), x, q);
        return Vector512.EqualsAll(proved | zero, Vector512<ulong>.AllBitsSet);
    }
}
