using GradApi.Domain.Activations;
using GradApi.Domain.Grading;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// The four tolerance rules of API.md (r the reference, s the submitted value), each on Tolerance.Accepts
/// directly, at and just past its boundary, and through grading; NaN and the infinities; the per-answer override.
/// </summary>
public sealed class ToleranceTests
{
    static Tolerance Relative(double relative, double absolute) => new(ToleranceKind.Relative, Relative: relative, Absolute: absolute);
    static Tolerance Absolute(double absolute) => new(ToleranceKind.Absolute, Absolute: absolute);
    static Tolerance Decimals(int d) => new(ToleranceKind.Decimals, Decimals: d);
    static Tolerance Figures(int n) => new(ToleranceKind.SignificantFigures, Figures: n);

    // relative: |s - r| <= absolute + relative |r| (numpy.allclose)

    [Theory]
    [InlineData(2.0, 2.0019, true)]     // 0.0019 <= 1e-8 + 0.002
    [InlineData(2.0, 1.9981, true)]
    [InlineData(2.0, 2.0021, false)]    // 0.0021 > 0.002
    [InlineData(2.0, 1.9979, false)]
    [InlineData(-2.0, -2.0019, true)]   // |r|, not r: a negative reference has the same band
    [InlineData(-2.0, -2.0021, false)]
    public void RelativeAcceptsWithinAbsolutePlusRelativeTimesTheReference(double r, double s, bool accepted) =>
        Assert.Equal(accepted, Relative(1e-3, 1e-8).Accepts(s, r));

    [Theory]
    [InlineData(0.0, 0.5e-8, true)]     // r = 0: only the absolute term remains
    [InlineData(0.0, -0.9e-8, true)]
    [InlineData(0.0, 1.1e-8, false)]
    [InlineData(1e-9, 1.05e-8, true)]   // 0.95e-8 <= 1e-8 + 1e-12
    public void RelativeKeepsAnAbsoluteFloorNearZero(double r, double s, bool accepted) =>
        Assert.Equal(accepted, Relative(1e-3, 1e-8).Accepts(s, r));

    [Fact]
    public void RelativeIsAsymmetricInTheReferenceLikeNumpyAllclose()
    {
        // |s - r| = 1 against 1e-3 * |r|: r = 1000 allows 1, r = 999 allows only 0.999
        var tolerance = Relative(1e-3, 0);
        Assert.True(tolerance.Accepts(999, 1000));
        Assert.False(tolerance.Accepts(1000, 999));
    }

    [Fact]
    public void TheDefaultToleranceIsRelativeOneInAThousandWithAnAbsoluteFloorOf1e8()
    {
        Assert.Equal(ToleranceKind.Relative, Tolerance.Default.Kind);
        Assert.Equal(1e-3, Tolerance.Default.Relative);
        Assert.Equal(1e-8, Tolerance.Default.Absolute);
        Assert.Same(Tolerance.Default, GradingOptions.Default.Tolerance);
    }

    // absolute: |s - r| <= absolute

    [Theory]
    [InlineData(1.0, 1.009, true)]
    [InlineData(1.0, 0.991, true)]
    [InlineData(1.0, 1.011, false)]
    [InlineData(1000.0, 1000.011, false)]  // no relative part: a large reference gets the same band
    [InlineData(0.0, 0.0099, true)]
    [InlineData(0.0, -0.0101, false)]
    public void AbsoluteAcceptsWithinAFixedBand(double r, double s, bool accepted) =>
        Assert.Equal(accepted, Absolute(0.01).Accepts(s, r));

    [Fact]
    public void AbsoluteAcceptsExactlyOnItsBoundary()
    {
        // 0.5 and 0.25 are exact in binary: |0.75 - 0.5| = 0.25 <= 0.25
        Assert.True(Absolute(0.25).Accepts(0.75, 0.5));
        Assert.False(Absolute(0.25).Accepts(0.7500001, 0.5));
    }

    // decimals: |s - r| < 0.51 x 10^-d

    [Theory]
    [InlineData(0.0087 + 0.000050, true)]   // 0.50 x 10^-4 < 0.51 x 10^-4
    [InlineData(0.0087 - 0.000050, true)]
    [InlineData(0.0087 + 0.000051, false)]  // exactly 0.51 x 10^-4: the rule is strict
    [InlineData(0.0087 - 0.000051, false)]
    [InlineData(0.0087 + 0.0000509, true)]
    [InlineData(0.0088, false)]              // the next 4-decimal number
    [InlineData(0.0087, true)]
    public void DecimalsAcceptsBelowFiftyOneHundredthsOfTheLastPlace(double s, bool accepted) =>
        Assert.Equal(accepted, Decimals(4).Accepts(s, 0.0087));

    [Fact]
    public void DecimalsAcceptsTheReferenceRoundedToThatManyDecimals()
    {
        // r = 0.13116907821434; rounded to 4 decimals 0.1312 (error 0.000031), to 2 decimals 0.13 (0.0012)
        const double r = 0.13116907821434;
        Assert.True(Decimals(4).Accepts(0.1312, r));
        Assert.False(Decimals(4).Accepts(0.1311, r));  // error 0.000069
        Assert.True(Decimals(2).Accepts(0.13, r));
        Assert.False(Decimals(2).Accepts(0.14, r));    // error 0.0088
        Assert.True(Decimals(0).Accepts(0.0, r));      // 0.131 < 0.51
    }

    [Fact]
    public void DecimalsWorksForLargeNumbers()
    {
        // d = 2 on r = 123456.785: 0.51 x 10^-2 = 0.0051
        Assert.True(Decimals(2).Accepts(123456.79, 123456.785));   // error 0.005
        Assert.False(Decimals(2).Accepts(123456.7901, 123456.785)); // error 0.0051
    }

    // significant figures: |s - r| < 0.51 x 10^-n, n = figures - 1 - floor(log10 |r|)

    [Theory]
    [InlineData(0.0087, 0.0087 + 0.0000050, true)]   // floor(log10 0.0087) = -3: n = 3 - 1 + 3 = 5, band 0.51e-5
    [InlineData(0.0087, 0.0087 + 0.0000051, false)]
    [InlineData(0.0087, 0.0087 - 0.0000051, false)]
    [InlineData(123.456, 123.9, true)]                 // floor(log10 123.456) = 2: n = 0, band 0.51
    [InlineData(123.456, 123.97, false)]               // error 0.514
    [InlineData(-123.456, -123.9, true)]               // |r|
    [InlineData(1000.0, 1005.0, true)]                 // log10 1000 = 3 exactly: n = -1, band 5.1
    [InlineData(1000.0, 1005.1, false)]                // (were floor(log10 1000) taken as 2, the band would be 0.51)
    [InlineData(999.0, 998.6, true)]                   // floor(log10 999) = 2: n = 0, band 0.51
    [InlineData(999.0, 998.4, false)]
    public void SignificantFiguresScalesTheBandWithTheReferencesMagnitude(double r, double s, bool accepted) =>
        Assert.Equal(accepted, Figures(3).Accepts(s, r));

    [Fact]
    public void SignificantFiguresOfAZeroReferenceUseFiguresMinusOneDecimals()
    {
        // r = 0: n = 3 - 1 = 2, band 0.0051
        Assert.True(Figures(3).Accepts(0.005, 0.0));
        Assert.True(Figures(3).Accepts(-0.005, 0.0));
        Assert.False(Figures(3).Accepts(0.0051, 0.0));
        Assert.Equal(2, Figures(3).DecimalsFor(0.0));
    }

    [Fact]
    public void SignificantFiguresOfAReferenceThatIsAPowerOfTenComputedWithRoundoffCountsItAsThatPower()
    {
        // 0.1 + 0.2 - 0.2 = 0.10000000000000003 and 0.3 - 0.2 = 0.09999999999999998 both print as 0.1 to 15 digits;
        // a student reads 0.1: floor(log10 0.1) = -1, n = 2 - 1 + 1 = 2, band 0.0051. Were the second counted as
        // 0.0999..., n would be 3 and 0.104 (error 0.004) would be rejected.
        double above = 0.1 + 0.2 - 0.2, below = 0.3 - 0.2;
        Assert.NotEqual(0.1, above);
        Assert.NotEqual(0.1, below);
        foreach (double r in new[] { above, below, 0.1 })
        {
            Assert.Equal(-1, Tolerance.DecimalExponent(r));
            Assert.Equal(2, Figures(2).DecimalsFor(r));
            Assert.True(Figures(2).Accepts(0.104, r));
            Assert.True(Figures(2).Accepts(0.096, r));
            Assert.False(Figures(2).Accepts(0.1052, r));
        }
    }

    [Fact]
    public void TheDecimalExponentIsTheFloorOfLog10()
    {
        Assert.Equal(0, Tolerance.DecimalExponent(1));
        Assert.Equal(0, Tolerance.DecimalExponent(9.99));
        Assert.Equal(1, Tolerance.DecimalExponent(10));
        Assert.Equal(3, Tolerance.DecimalExponent(1000));
        Assert.Equal(-3, Tolerance.DecimalExponent(0.001));
        Assert.Equal(-3, Tolerance.DecimalExponent(-0.0087));
        Assert.Equal(-4, Tolerance.DecimalExponent(0.000999));
    }

    // NaN and infinities

    public static TheoryData<Tolerance> EveryRule => new()
    {
        Relative(1e-3, 1e-8), Absolute(1e300), Decimals(0), Figures(1),
    };

    [Theory]
    [MemberData(nameof(EveryRule))]
    public void NaNMatchesOnlyNaN(Tolerance tolerance)
    {
        Assert.True(tolerance.Accepts(double.NaN, double.NaN));
        Assert.False(tolerance.Accepts(0, double.NaN));
        Assert.False(tolerance.Accepts(double.NaN, 0));
        Assert.False(tolerance.Accepts(double.PositiveInfinity, double.NaN));
        Assert.False(tolerance.Accepts(double.NaN, double.PositiveInfinity));
    }

    [Theory]
    [MemberData(nameof(EveryRule))]
    public void AnInfinityMatchesOnlyTheSameInfinity(Tolerance tolerance)
    {
        Assert.True(tolerance.Accepts(double.PositiveInfinity, double.PositiveInfinity));
        Assert.True(tolerance.Accepts(double.NegativeInfinity, double.NegativeInfinity));
        Assert.False(tolerance.Accepts(double.NegativeInfinity, double.PositiveInfinity));
        Assert.False(tolerance.Accepts(double.MaxValue, double.PositiveInfinity));
        Assert.False(tolerance.Accepts(double.PositiveInfinity, double.MaxValue));
    }

    // through grading

    [Fact]
    public void GradingUsesTheRelativeRule()
    {
        // delta1 = -0.131169078...: 0.1% of it is 0.000131
        double d = new ContractByHand().Step().Delta1;
        var options = GradingOptions.Default with { Tolerance = Relative(1e-3, 0) };
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", d * 1.0009), options).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", d * 1.0011), options).Verdict);
    }

    [Fact]
    public void GradingUsesTheAbsoluteRule()
    {
        double d = new ContractByHand().Step().Delta1;
        var options = GradingOptions.Default with { Tolerance = Absolute(0.001) };
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", d + 0.0009), options).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", d + 0.0011), options).Verdict);
    }

    [Fact]
    public void GradingUsesTheDecimalsRule()
    {
        // hidden delta = [0.0087246, 0.0065421]: 4 decimals [0.0087, 0.0065]; 0.0088 is 0.0000754 off
        var options = GradingOptions.Default with { Tolerance = Decimals(4) };
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/delta", [[0.0087, 0.0065]]), options).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/delta", [[0.0088, 0.0065]]), options).Verdict);
    }

    [Fact]
    public void GradingUsesTheSignificantFiguresRulePerElement()
    {
        // hidden delta = [0.0087246, 0.0065421]; 2 figures: n = 2 - 1 + 3 = 4 for both, band 0.000051
        // 3 figures: n = 5, band 0.0000051: [0.00872, 0.00654] is right, [0.0087, 0.0065] is not
        var two = GradingOptions.Default with { Tolerance = Figures(2) };
        var three = GradingOptions.Default with { Tolerance = Figures(3) };
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/delta", [[0.0087, 0.0065]]), two).Verdict);
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/delta", [[0.00872, 0.00654]]), three).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/delta", [[0.0087, 0.0065]]), three).Verdict);
    }

    [Fact]
    public void SignificantFiguresGiveEachElementItsOwnBand()
    {
        // the hidden weight gradient is delta0 x^T with x = (1, 0, 1): [[0.0087246, 0, 0.0087246], [0.0065421, 0, 0.0065421]].
        // 2 figures: n = 2 - 1 + 3 = 4 (band 0.000051) for the nonzero elements, n = 2 - 1 = 1 (band 0.051) for the zeros
        var two = GradingOptions.Default with { Tolerance = Figures(2) };
        var right = GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/weightGradient", [[0.0087, 0.04, 0.0087], [0.0065, -0.04, 0.0065]]), two);
        Assert.Equal(Verdict.Correct, right.Verdict);
        var wrong = GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/weightGradient", [[0.0087, 0.06, 0.0088], [0.0065, 0.0, 0.0065]]), two);
        Assert.Equal(Verdict.Incorrect, wrong.Verdict);
        Assert.Equal([true, false, false, true, true, true], wrong.Elements!.Correct);
    }

    [Fact]
    public void ANonFiniteReferenceIsMatchedOnlyByTheSameNonFiniteValue()
    {
        // y = w . x with w = (10, -10), x = (1e308, 1e308): the products overflow to +inf and -inf, z = NaN;
        // with w = (10, 10) z = +inf. The run diverges at its first step but the forward pass is reported.
        var nan = Identity2(10, -10);
        var same = GradeOne(nan, Answer("/iterations/0/forward/layers/0/z", double.NaN));
        Assert.Equal(Verdict.Correct, same.Verdict);
        Assert.Equal(0, same.MaxAbsoluteError);
        var finite = GradeOne(nan, Answer("/iterations/0/forward/layers/0/z", 0.0));
        Assert.Equal(Verdict.Incorrect, finite.Verdict);
        Assert.Equal(double.PositiveInfinity, finite.MaxAbsoluteError);
        Assert.Equal(Verdict.Incorrect, GradeOne(nan, Answer("/iterations/0/forward/layers/0/z", double.PositiveInfinity)).Verdict);

        var infinite = Identity2(10, 10);
        Assert.Equal(Verdict.Correct, GradeOne(infinite, Answer("/iterations/0/forward/layers/0/z", double.PositiveInfinity)).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(infinite, Answer("/iterations/0/forward/layers/0/z", double.NegativeInfinity)).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(infinite, Answer("/iterations/0/forward/layers/0/z", double.MaxValue)).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(infinite, Answer("/iterations/0/forward/layers/0/z", double.NaN)).Verdict);
    }

    [Fact]
    public void AnAnswersOwnToleranceOverridesTheDefault()
    {
        // default 4 decimals rejects 0.1300 for -0.1312 ... the answer's absolute 0.002 accepts it; its neighbour keeps the default
        double d = new ContractByHand().Step().Delta1;
        var options = GradingOptions.Default with { Tolerance = Decimals(4) };
        var loose = Absolute(0.002);
        var grade = Grade(Contract(),
        [
            new Answer("/iterations/0/backward/layers/1/delta", SubmittedValue.Of(Tensor.Scalar(-0.1300)), Tolerance: loose),
            Answer("/iterations/0/backward/layers/1/delta", -0.1300),
        ], options);
        Assert.True(Math.Abs(-0.1300 - d) is > 0.51e-4 and < 0.002);
        Assert.Equal(Verdict.Correct, grade.Results[0].Verdict);
        Assert.Equal(loose, grade.Results[0].Tolerance);
        Assert.Equal(Verdict.Incorrect, grade.Results[1].Verdict);
        Assert.Equal(Decimals(4), grade.Results[1].Tolerance);
    }

    [Fact]
    public void AnAnswersOwnToleranceCanBeStricterThanTheDefault()
    {
        // -0.1312 is right to 4 decimals but 0.0000309 off: outside absolute 1e-6
        var grade = GradeOne(Contract(),
            new Answer("/iterations/0/backward/layers/1/delta", SubmittedValue.Of(Tensor.Scalar(-0.1312)), Tolerance: Absolute(1e-6)),
            GradingOptions.Default with { Tolerance = Decimals(4) });
        Assert.Equal(Verdict.Incorrect, grade.Verdict);
    }

    static TrainingProblem Identity2(double w1, double w2) => new(
        new Network(2, [new DenseLayer("out", Identity.Instance, Tensor.Matrix([[w1, w2]]), null)]),
        new TrainingData(Tensor.Matrix([[1e308, 1e308]]), Tensor.Matrix([[0]])),
        new LossSpec(HalfSse.Instance, Reduction.Sum, []), new Sgd(0.1), 1, new Sampling.Full());
}
