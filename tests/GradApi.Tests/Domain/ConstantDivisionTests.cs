using System.Runtime.Intrinsics;
using GradApi.Domain.Numerics;

namespace GradApi.Tests.Domain;

/// <summary>
/// Adam's bias corrections divided by proved products: every quotient, proved or divided, is the division's own bits,
/// over the divisors Adam makes (1 - b^t) and random ones, and over numbers of every size and kind.
/// </summary>
public sealed class ConstantDivisionTests
{
    static IEnumerable<double> Divisors()
    {
        foreach (var beta in new[] { 0.9, 0.99, 0.999, 0.9999, 0.5, 0.0 })
            foreach (var t in new[] { 1, 2, 3, 5, 10, 37, 100, 1000, 10000, 100000 })
                yield return 1 - Math.Pow(beta, t);
        var random = new Random(7);
        for (int k = 0; k < 60; k++) yield return Math.ScaleB(1 + random.NextDouble(), -random.Next(1, 60));
        yield return 1.0;
        yield return 0.75;
        yield return Math.ScaleB(1.0, -60);
    }

    // Numbers of every exponent, sign and kind: random significands, powers of two, their neighbours, subnormals,
    // zeros, infinities, NaN, and x = q c for doubles q (quotients landing on or next to a double).
    static double[] Numbers(double divisor, Random random)
    {
        var numbers = new List<double> { 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue };
        for (int e = -1074; e <= 1023; e += 3)
        {
            double power = Math.ScaleB(1.0, e);
            numbers.Add(power);
            numbers.Add(-Math.BitIncrement(power));
            numbers.Add(Math.ScaleB(1 + random.NextDouble(), e) * (random.Next(2) == 0 ? 1 : -1));
        }
        for (int k = 0; k < 4000; k++)
        {
            double q = Math.ScaleB(1 + random.NextDouble(), random.Next(-40, 40));
            double x = q * divisor;
            numbers.Add(x);
            numbers.Add(Math.BitIncrement(x));
            numbers.Add(Math.BitDecrement(x));
            numbers.Add((2 * random.NextDouble() - 1) * Math.ScaleB(1.0, random.Next(-30, 30)));
        }
        while (numbers.Count % 8 != 0) numbers.Add(random.NextDouble());
        return numbers.ToArray();
    }

    [Fact]
    public void EveryQuotientIsTheDivisionsOwnBits()
    {
        var random = new Random(11);
        long lanes = 0, provedVectors = 0, vectors = 0, productAloneWrong = 0;
        foreach (var divisor in Divisors())
        {
            var division = new ConstantDivision(divisor);
            var numbers = Numbers(divisor, random);
            for (int i = 0; i < numbers.Length; i += 8)
            {
                var x = Vector512.Create(numbers.AsSpan(i, 8));
                var quotient = division.Divide(x);
                bool proved = division.TryProve(x, out var products);
                vectors++;
                if (proved) provedVectors++;
                for (int k = 0; k < 8; k++)
                {
                    double expected = x[k] / divisor;
                    Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(quotient[k]),
                        $"{x[k]:R} / {divisor:R}: expected {expected:R}, got {quotient[k]:R}");
                    if (proved)
                        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(products[k]), $"proved {x[k]:R} / {divisor:R}");
                    if (x[k] * (1 / divisor) != expected && double.IsFinite(expected)) productAloneWrong++;
                    lanes++;
                }
            }
        }
        // Guards: the products really are used for most vectors, and the product alone (no correction) would often be wrong.
        Assert.True(provedVectors > vectors / 2, $"{provedVectors} of {vectors} vectors proved");
        Assert.True(productAloneWrong > lanes / 100, $"{productAloneWrong} of {lanes} products alone wrong");
    }

    [Fact]
    public void RandomMomentsAreProvedAlmostAlways()
    {
        // Adam's m and v: ordinary numbers, where a vector should almost never fall back to the division.
        var random = new Random(3);
        var division = new ConstantDivision(1 - Math.Pow(0.999, 17));
        int proved = 0;
        for (int n = 0; n < 10000; n++)
        {
            var x = Vector512.Create(Enumerable.Range(0, 8).Select(_ => (random.NextDouble() - 0.5) * 1e-3).ToArray());
            if (division.TryProve(x, out var quotient)) proved++;
            for (int k = 0; k < 8; k++) Assert.Equal(BitConverter.DoubleToInt64Bits(x[k] / (1 - Math.Pow(0.999, 17))), BitConverter.DoubleToInt64Bits(division.Divide(x)[k]));
        }
        Assert.True(proved > 9900, $"{proved} of 10000 proved");
    }
}
