using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Numerics;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>z = b + sum w_j a_j, with the exact-decimal fallback when the double sum is within its own rounding error of 0.</summary>
public sealed class AffineTests
{
    [Fact]
    public void TheBriefsCancellingSumIsExactlyZero()
    {
        // -0.1 + 0.3*(-1) + 0.8*0.5 = -0.1 - 0.3 + 0.4 = 0 in decimal
        Assert.Equal(0.0, Affine.Evaluate([0.3, 0.8], [-1, 0.5], -0.1));
    }

    [Fact]
    public void ACancellationThatDoublesGetWrongIsExactlyZero()
    {
        // -0.1 + 0.8*0.5 - 0.3 = 0 in decimal; in doubles (-0.1 + 0.4) - 0.3 = 5.55e-17
        double naive = -0.1;
        naive += 0.8 * 0.5;
        naive += 0.3 * -1;
        Assert.NotEqual(0.0, naive); // guard: the case really cancels badly in doubles
        Assert.Equal(0.0, Affine.Evaluate([0.8, 0.3], [0.5, -1], -0.1));
        // -0.3 + 0.4 - 0.1 (API's own example): 2.8e-17 in doubles
        Assert.Equal(0.0, Affine.Evaluate([0.4, -0.1], [1, 1], -0.3));
    }

    [Fact]
    public void ACancellationWithATrueRemainderKeepsTheRemainder()
    {
        // -0.3 + 0.3 + 1e-17 = 1e-17 exactly in decimal (within the rounding bound of 0.6, so recomputed)
        Assert.Equal(1e-17, Affine.Evaluate([1, 1], [0.3, 1e-17], -0.3));
        Assert.Equal(-1e-17, Affine.Evaluate([1, -1], [0.3, 1e-17], -0.3));
    }

    [Fact]
    public void ASumThatIsTinyWithoutCancellationIsLeftAlone()
    {
        // 1e-30 + 2e-30 in doubles is 3.0000000000000003e-30; decimal recomputation would give 3e-30.
        // No cancellation (|sum| = sum |terms|), so the double sum stands.
        double naive = 0.0;
        naive += 1e-30 * 1;
        naive += 2e-30 * 1;
        Assert.Equal(3.0000000000000003e-30, naive);
        Assert.Equal(naive, Affine.Evaluate([1e-30, 2e-30], [1, 1], 0.0));
        Assert.Equal(1e-40, Affine.Evaluate([1e-20], [1e-20], 0.0));
    }

    [Fact]
    public void AnOrdinarySumIsThePlainDoubleSum()
    {
        double naive = 0.7;
        naive += 0.1 * 0.2;
        naive += -1.3 * 0.25;
        Assert.Equal(naive, Affine.Evaluate([0.1, -1.3], [0.2, 0.25], 0.7));
    }

    [Fact]
    public void ReluOfACancellingPreActivationHasDerivativeZero()
    {
        // z = -0.3 + 0.4*1 - 0.1*1 = 0 exactly, so relu(z) = 0 and relu'(0) = 0 (not 1 from 2.8e-17).
        var layer = new DenseLayer("h", Relu.Instance, Tensor.Matrix([[0.4, -0.1]]), Tensor.Vector(-0.3));
        var problem = new TrainingProblem(new Network(2, [layer]),
            new TrainingData(Tensor.Matrix([[1, 1]]), Tensor.Matrix([[1]])),
            new LossSpec(HalfSse.Instance, Reduction.Sum, []), new Sgd(0.1), 1, new Sampling.Full());
        var forward = new TrainingRun(problem).Iterations().Single().Forward[0];
        Assert.Equal(0.0, forward.Z[0, 0]);
        Assert.Equal(0.0, forward.A[0, 0]);
        Assert.Equal(0.0, forward.ActivationDerivative[0, 0]);
    }

    // The definition, in arbitrary precision: each operand's shortest round-trip decimal ("R"), the products and the
    // sum exact in BigInteger, then one correctly rounded parse.
    static double ExactByDefinition(double[] weights, double[] inputs, double bias)
    {
        static (System.Numerics.BigInteger M, int E) Read(double v)
        {
            string text = v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            int e = 0, at = text.IndexOfAny(['E', 'e']);
            if (at >= 0) { e = int.Parse(text[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture); text = text[..at]; }
            int dot = text.IndexOf('.');
            if (dot >= 0) { e -= text.Length - dot - 1; text = text.Remove(dot, 1); }
            return (System.Numerics.BigInteger.Parse(text, System.Globalization.CultureInfo.InvariantCulture), e);
        }
        var terms = new List<(System.Numerics.BigInteger M, int E)> { Read(bias) };
        for (int j = 0; j < weights.Length; j++)
        {
            var (wm, we) = Read(weights[j]);
            var (am, ae) = Read(inputs[j]);
            terms.Add((wm * am, we + ae));
        }
        int low = terms.Min(t => t.E);
        var total = terms.Aggregate(System.Numerics.BigInteger.Zero, (sum, t) => sum + t.M * System.Numerics.BigInteger.Pow(10, t.E - low));
        return total.IsZero ? 0.0 : double.Parse($"{total}E{low}", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TheExactSumAgreesWithArbitraryPrecisionOverShortLongTinyAndHugeDecimals()
    {
        var random = new Random(9);
        double[] pool = [0.1, -0.3, 0.4, 2.5, -1e-17, 3e-300, 5e-324, -1.7976931348623157e308, 1e22, 123456789.125, 0.12345678901234567, 2.2250738585072014E-308, 1e-5, 7.0];
        double Pick() => random.Next(3) switch
        {
            0 => pool[random.Next(pool.Length)],
            1 => Math.Round(random.NextDouble() * 20 - 10, random.Next(1, 6)),
            _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30)),
        };
        for (int trial = 0; trial < 2000; trial++)
        {
            int n = random.Next(1, 8);
            var w = Enumerable.Range(0, n).Select(_ => Pick()).ToArray();
            var a = Enumerable.Range(0, n).Select(_ => random.Next(4) == 0 ? 1.0 : Pick()).ToArray();
            double b = Pick();
            if (w.Zip(a).Any(p => !double.IsFinite(p.First * p.Second))) continue;
            Assert.Equal(ExactByDefinition(w, a, b), Affine.ExactDecimal(w, a, b));
            // And cancelling on purpose: the same terms again with the opposite sign, plus a remainder.
            var both = w.Concat(w.Select(x => -x)).ToArray();
            var twice = a.Concat(a).ToArray();
            Assert.Equal(ExactByDefinition(both, twice, b), Affine.ExactDecimal(both, twice, b));
        }
    }

    [Fact]
    public void ALayerAtOnceGivesEachUnitsSumAsOneAtATimeDoes()
    {
        double[] weights = [0.4, -0.1, 0.3, 0.8, 0.12345678901234567, -0.12345678901234567];
        double[] biases = [-0.3, -0.1, 0.0];
        double[] inputs = [1, 1, -1, 0.5];
        var z = new double[2 * 3];
        Affine.Evaluate(weights, 3, biases, inputs, 2, z);
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
                Assert.Equal(Affine.Evaluate(weights.AsSpan(i * 2, 2), inputs.AsSpan(b * 2, 2), biases[i]), z[b * 3 + i]);
        Assert.Equal(0.0, z[0]); // -0.3 + 0.4 - 0.1
        Assert.Equal(0.0, z[2]); // the 17-digit pair cancels exactly
    }
}
