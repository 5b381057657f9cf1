using System.Numerics;
using GradApi.Domain.Activations;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Calculus.Formulas;
using GradApi.Domain.Optimizers;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Tests.Calculus;

public class PolynomialTests
{
    static readonly string[] X = ["x"], XY = ["x", "y"];

    static Polynomial Expand(string text, IReadOnlyList<string> variables)
    {
        var expansion = Polynomial.Expand(ExpressionParser.Parse(text), variables);
        Assert.Equal(ExpansionStatus.Polynomial, expansion.Status);
        return expansion.Polynomial!;
    }

    static Polynomial Coefficients(string variable, params long[] c) => Polynomial.FromCoefficients(variable, c.Select(v => new BigInteger(v)).ToArray());

    [Fact]
    public void ABinomialSquareExpandsToItsThreeTermsWorkedByHand()
    {
        // (x + y)^2 = x^2 + 2xy + y^2
        var x = Polynomial.Variable(XY, "x");
        var y = Polynomial.Variable(XY, "y");
        var byHand = x * x + Polynomial.Constant(XY, 2) * x * y + y * y;
        Assert.Equal(byHand, Expand("(x + y)^2", XY));
        Assert.Equal(3, byHand.TermCount);
    }

    [Fact]
    public void TheOrder3SigmoidFactorisationExpandsToSigmaMinus7Sigma2Plus12Sigma3Minus6Sigma4()
    {
        // s(1 - s) = s - s^2; (s - s^2)(1 - 6s + 6s^2) = s - 6s^2 + 6s^3 - s^2 + 6s^3 - 6s^4 = s - 7s^2 + 12s^3 - 6s^4
        var expansion = Expand("sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)", ["sigma"]);
        Assert.Equal(Coefficients("sigma", 0, 1, -7, 12, -6), expansion);
        Assert.Equal("sigma - 7*sigma^2 + 12*sigma^3 - 6*sigma^4", expansion.ToString());
    }

    [Fact]
    public void DecimalLiteralsAreTheDecimalsTheySpellSoATenthTimesXIsXOverTen()
    {
        Assert.Equal(Expand("x/10", X), Expand("0.1*x", X));
        Assert.Equal(Expand("x/1000", X), Expand("1e-3*x", X));
        Assert.Equal(Expand("x/2", X), Expand(".5*x", X));
    }

    [Fact]
    public void AConstantBaseMayHaveANegativePowerAndAConstantExponentMayBeAnExpression()
    {
        Assert.Equal(Expand("x/4", X), Expand("2^(-2)*x", X));
        Assert.Equal(Expand("x*x*x", X), Expand("x^(1 + 2)", X));
        Assert.Equal(Expand("x", X), Expand("x'", X)); // the transpose of a scalar
    }

    [Theory]
    [InlineData("exp(x)")]
    [InlineData("1/x")]
    [InlineData("x^0.5")]
    [InlineData("x^(-1)")]
    [InlineData("x^y")]
    [InlineData("x/(x - x)")]
    [InlineData("A*x")]
    public void FunctionsDivisionsByVariablesAndOtherPowersAreNotPolynomials(string text)
    {
        var expansion = Polynomial.Expand(ExpressionParser.Parse(text), XY);
        Assert.Equal(ExpansionStatus.NotPolynomial, expansion.Status);
        Assert.Null(expansion.Polynomial);
    }

    [Theory]
    [InlineData("(1 + x)^1000000")]
    [InlineData("(1 + x + y)^200")]
    [InlineData("x^1001")]
    [InlineData("3^100000")]
    public void AnExpansionBeyondTheCapIsTooLargeRatherThanExpanded(string text)
    {
        var expansion = Polynomial.Expand(ExpressionParser.Parse(text), XY);
        Assert.Equal(ExpansionStatus.TooLarge, expansion.Status);
        Assert.NotNull(expansion.Reason);
    }

    [Theory]
    [InlineData("(x + y)^2", 2)]
    [InlineData("sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)", 1)]
    [InlineData("(1 + x + y)^12", 2)]
    [InlineData("x^1000 - (x - 1)*(x + 1)", 2)]
    public void TheWorkBoundIsAtLeastWhatTheExpansionSpendsAndSmallForSmallFormulas(string text, int variables)
    {
        // Spent work, measured by lowering the expansion's budget until it gives up.
        var e = ExpressionParser.Parse(text);
        IReadOnlyList<string> names = variables == 1 ? ["sigma"] : XY;
        long bound = Polynomial.WorkBound(e, variables);
        Assert.Equal(ExpansionStatus.Polynomial, Polynomial.Expand(e, names, null, bound).Status);
        Assert.True(bound < Polynomial.MaxTermOperations, $"bound {bound}: below the cap, so a small formula is priced small");
    }

    [Fact]
    public void AFormulaPastTheCapIsBoundedByTheCap() =>
        Assert.Equal(Polynomial.MaxTermOperations, Polynomial.WorkBound(ExpressionParser.Parse("(1 + x + y)^1000000"), 2));

    [Fact]
    public void TheDegreeCapItselfIsStillExpanded() =>
        Assert.Equal(ExpansionStatus.Polynomial, Polynomial.Expand(ExpressionParser.Parse("x^1000"), X).Status);

    [Fact]
    public void CancellingTermsLeaveTheZeroPolynomial()
    {
        Assert.True(Expand("(x + 1)^2 - x^2 - 2*x - 1", X).IsZero);
        Assert.False(Expand("(x + 1)^2 - x^2 - 2*x", X).IsZero);
    }

    [Fact]
    public void ANonzeroPointOfANonzeroPolynomialIsNotARoot()
    {
        // x(x - 1)(x + 1) y vanishes at x = 0, 1, -1 and at y = 0: the search must step past all of them.
        var p = Expand("x*(x - 1)*(x + 1)*y", XY);
        var point = p.NonzeroPoint();
        Assert.False(p.Evaluate(point).IsZero);
        Assert.Equal(new Rational(2, 1), point[0]); // 0, 1, -1 are roots; 2 is the next tried
        Assert.Equal(Rational.One, point[1]);
    }

    [Fact]
    public void EvaluationIsExactInRationals()
    {
        // x^2 - y at (1/3, 1/9) is exactly 0
        var p = Expand("x^2 - y", XY);
        Assert.True(p.Evaluate([new Rational(1, 3), new Rational(1, 9)]).IsZero);
    }

    [Fact]
    public void ADoubleDecodesToItsExactDyadicValue()
    {
        Assert.Equal(new Rational(3, 8), Rational.FromDouble(0.375));
        // 0.1 is 3602879701896397 / 2^55
        Assert.Equal(new Rational(3602879701896397, BigInteger.One << 55), Rational.FromDouble(0.1));
        Assert.Equal(0.1, Rational.FromDouble(0.1).ToDouble());
        Assert.Equal(-5e-324, Rational.FromDouble(-5e-324).ToDouble());
    }
}

public class FormulaEquivalenceTests
{
    static Matrix<double> S(double v) => Matrix<double>.Build.Dense(1, 1, v);

    static ClaimResult Check(string expected, string claimed, params (string Name, Matrix<double> Value)[] point) =>
        FormulaEquivalence.Check(ExpressionParser.Parse(expected), ExpressionParser.Parse(claimed),
            point.Select(p => new KeyValuePair<string, Matrix<double>>(p.Name, p.Value)).ToList(), trials: 20, seed: 1);

    [Fact]
    public void TanhIsTwiceSigmoidOfTwiceXMinusOneNumerically()
    {
        // tanh x = (e^x - e^-x)/(e^x + e^-x) = (1 - e^-2x)/(1 + e^-2x) = 2/(1 + e^-2x) - 1 = 2 sigma(2x) - 1
        var result = Check("tanh(x)", "2*sigmoid(2*x) - 1", ("x", S(0.3)));
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
        Assert.Equal(20, result.Trials);
        Assert.True(result.MaxRelativeError <= 1e-8);
    }

    [Fact]
    public void TanhIsNotTwiceSigmoidOfXMinusOneAndTheCounterexampleIsTheGivenPoint()
    {
        var result = Check("tanh(x)", "2*sigmoid(x) - 1", ("x", S(0.3)));
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        var c = result.Counterexample!;
        Assert.Equal(0.3, c.Variables["x"][0, 0]);
        Assert.Equal(Math.Tanh(0.3), c.Expected[0, 0], 15);
        Assert.Equal(2 / (1 + Math.Exp(-0.3)) - 1, c.Claimed[0, 0], 15);
    }

    [Fact]
    public void PolynomialsAreComparedExactly()
    {
        var result = Check("(x + y)^2", "x^2 + 2*x*y + y^2", ("x", S(0.5)), ("y", S(-1)));
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        Assert.Equal(0, result.Trials);
        Assert.Equal(0, result.MaxRelativeError);
    }

    [Fact]
    public void ATinyCoefficientDifferenceIsCaughtExactlyWhereSampledPointsWouldPassIt()
    {
        // 1e-12 x differs from 0 by a relative 1e-12 at x ~ 1: under the numeric tolerance, but not an identity.
        var result = Check("x^2", "x^2 + 1e-12*x", ("x", S(1)));
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        Assert.Equal(1.0, result.Counterexample!.Variables["x"][0, 0]);
        Assert.Contains("-1/1000000000000*x", result.Detail);
    }

    [Fact]
    public void AnExactCounterexampleSearchesPastAGivenPointWhereBothAgree()
    {
        // x^2 and x agree at x = 1 (given) and at 0, so the search moves on to x = -1: 1 vs -1.
        var result = Check("x^2", "x", ("x", S(1)));
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        var c = result.Counterexample!;
        Assert.Equal(-1.0, c.Variables["x"][0, 0]);
        Assert.Equal(1.0, c.Expected[0, 0]);
        Assert.Equal(-1.0, c.Claimed[0, 0]);
    }

    [Fact]
    public void AnOffByOneExponentIsNotEquivalent() =>
        Assert.Equal(ClaimVerdict.NotEquivalent, Check("3*x^2", "3*x^3", ("x", S(0.5))).Verdict);

    [Fact]
    public void AnExpansionPastTheCapIsCheckedNumericallyAndSaysSo()
    {
        var result = Check("(1 + x)^1000000", "(1 + x)^1000000", ("x", S(1e-7)));
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
        Assert.Contains("checked numerically", result.Detail);
    }

    [Fact]
    public void ATransposedProductOfMatricesIsNotEquivalentAndTheRightOneIs()
    {
        var a = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 2 }, { 3, 4 } });
        var b = Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 1 }, { 1, 1 } });
        // (AB)' = B'A', not A'B'
        Assert.Equal(ClaimVerdict.Equivalent, Check("(A*B)'", "B'*A'", ("A", a), ("B", b)).Verdict);
        var wrong = Check("(A*B)'", "A'*B'", ("A", a), ("B", b));
        Assert.Equal(ClaimVerdict.NotEquivalent, wrong.Verdict);
        Assert.Equal(ClaimMethod.Numeric, wrong.Method);
    }

    [Fact]
    public void WhenTheExpectedFormulaIsNowhereFiniteTheDetailSaysNoPointWasCompared()
    {
        // sqrt(-x^2 - 1) is NaN at every real x: nothing to compare, which must not read as a clean pass.
        var result = Check("sqrt(-x*x - 1)", "x", ("x", S(-1)));
        Assert.Equal(0, result.Trials);
        Assert.Contains("no point was compared", result.Detail);
    }

    [Fact]
    public void AClaimOfAnotherShapeIsAShapeMismatch()
    {
        var x = Matrix<double>.Build.Dense(2, 1, [1, 2]);
        var result = Check("x", "x'", ("x", x));
        Assert.Equal(ClaimVerdict.ShapeMismatch, result.Verdict);
        Assert.Equal(new Shape(2, 1), result.ExpectedShape);
        Assert.Equal(new Shape(1, 2), result.ClaimedShape);
    }
}

public class DerivativeClaimTests
{
    static ClaimResult Check(Activation activation, int order, string claim, params double[] at)
    {
        var own = DerivativeClaims.OwnValueName(activation);
        var parsed = ExpressionParser.Parse(claim, own is null ? [] : [own]);
        return DerivativeClaims.Check(activation, order, parsed, at, trials: 20, seed: 1);
    }

    [Fact]
    public void TheThirdSigmoidDerivativeFactorisedIsEquivalentExactly()
    {
        var result = Check(Sigmoid.Instance, 3, "sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)", 0.5);
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        Assert.Equal("both expand to sigma - 7*sigma^2 + 12*sigma^3 - 6*sigma^4", result.Detail);
    }

    [Fact]
    public void AMissingFactorOneMinusSigmaIsNotEquivalentWithTheGivenPointAsCounterexample()
    {
        var result = Check(Sigmoid.Instance, 3, "sigma*(1 - 6*sigma + 6*sigma^2)", 0.5);
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        var c = result.Counterexample!;
        double s = 1 / (1 + Math.Exp(-0.5));
        Assert.Equal(0.5, c.Variables["x"][0, 0]);
        Assert.Equal(s, c.Variables["sigma"][0, 0], 15);
        Assert.Equal(s - 7 * s * s + 12 * s * s * s - 6 * s * s * s * s, c.Expected[0, 0], 14);
        Assert.Equal(s * (1 - 6 * s + 6 * s * s), c.Claimed[0, 0], 14);
    }

    [Fact]
    public void ASignFlipIsNotEquivalent() =>
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(Sigmoid.Instance, 3, "-sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)", 0.5).Verdict);

    [Fact]
    public void TheTanhSecondDerivativeInTanhIsMinusTwoTanhTimesOneMinusTanhSquared()
    {
        // (1 - t^2)' = -2t t' = -2t(1 - t^2)
        var result = Check(Tanh.Instance, 2, "-2*tanh*(1 - tanh^2)", 0.1);
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(Tanh.Instance, 2, "2*tanh*(1 - tanh^2)", 0.1).Verdict);
    }

    [Fact]
    public void AClaimInXIsCheckedNumericallyAtThePointsAndRandomOnes()
    {
        // sigma' = e^-x / (1 + e^-x)^2
        var result = Check(Sigmoid.Instance, 1, "exp(-x)/(1 + exp(-x))^2", 0.5, -1);
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
        Assert.Equal(20, result.Trials);
        var wrong = Check(Sigmoid.Instance, 1, "exp(-x)/(1 + exp(-x))", 0.5, -1);
        Assert.Equal(ClaimVerdict.NotEquivalent, wrong.Verdict);
        Assert.Equal(0.5, wrong.Counterexample!.Variables["x"][0, 0]);
    }

    [Fact]
    public void SoftplusHasTheSigmoidAsDerivativeInX()
    {
        Assert.Equal(ClaimVerdict.Equivalent, Check(new Softplus(1), 1, "sigmoid(x)", 0.3).Verdict);
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(new Softplus(1), 1, "sigmoid(x)*(1 - sigmoid(x))", 0.3).Verdict);
    }

    [Fact]
    public void OrderZeroIsTheFunctionItself() =>
        Assert.Equal(ClaimVerdict.Equivalent, Check(Sigmoid.Instance, 0, "sigma", 0.2).Verdict);
}

public class MomentumWeightClaimTests
{
    static ClaimResult Check(Momentum optimizer, int steps, MomentumWeightKind kind, string claim, int trials = 10) =>
        MomentumWeightClaims.Check(optimizer, steps, kind, ExpressionParser.Parse(claim), trials, seed: 1);

    static readonly Momentum Ema = new(0.1, 0.9, MomentumConvention.Ema);

    [Fact]
    public void EmaStateWeightsAreBetaToTheTMinusTTimesOneMinusBetaExactly()
    {
        // m_T = beta m_(T-1) + (1 - beta) g_T unrolls to sum_t beta^(T-t) (1 - beta) g_t
        var result = Check(Ema, 5, MomentumWeightKind.State, "beta^(T - t)*(1 - beta)");
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        Assert.Equal(ClaimVerdict.Equivalent, Check(Ema, 5, MomentumWeightKind.State, "mu^(T - t)*(1 - mu)").Verdict);
    }

    [Fact]
    public void AMissingOneMinusBetaIsNotEquivalentAtTheGivenSettings()
    {
        var result = Check(Ema, 5, MomentumWeightKind.State, "beta^(T - t)");
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        var c = result.Counterexample!;
        Assert.Equal(1.0, c.Variables["t"][0, 0]); // the first t that differs
        Assert.Equal(0.9, c.Variables["beta"][0, 0]);
        Assert.Equal(Math.Pow(0.9, 4) * 0.1, c.Expected[0, 0], 15);
        Assert.Equal(Math.Pow(0.9, 4), c.Claimed[0, 0], 15);
    }

    [Fact]
    public void AnOffByOneExponentIsNotEquivalent() =>
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(Ema, 5, MomentumWeightKind.State, "beta^(T - t + 1)*(1 - beta)").Verdict);

    [Fact]
    public void EmaStepWeightsCarryTheLearningRate() =>
        Assert.Equal(ClaimVerdict.Equivalent, Check(Ema, 4, MomentumWeightKind.Step, "eta*beta^(T - t)*(1 - beta)").Verdict);

    [Fact]
    public void HeavyBallStateWeightsAreMinusEtaBetaToTheTMinusT()
    {
        // v = mu v - eta g unrolls to -eta sum mu^(T-t) g_t
        var heavy = new Momentum(0.1, 0.9, MomentumConvention.HeavyBall);
        Assert.Equal(ClaimVerdict.Equivalent, Check(heavy, 6, MomentumWeightKind.State, "-eta*beta^(T-t)").Verdict);
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(heavy, 6, MomentumWeightKind.State, "eta*beta^(T-t)").Verdict);
    }

    [Fact]
    public void PyTorchsFirstGradientHasNoDampening()
    {
        // v_1 = g_1, then v = mu v + (1 - d) g: g_1 weighs mu^(T-1), the others (1 - d) mu^(T-t)
        var pytorch = new Momentum(0.1, 0.9, MomentumConvention.PyTorch, dampening: 0.5);
        var missed = Check(pytorch, 4, MomentumWeightKind.State, "(1 - d)*mu^(T - t)");
        Assert.Equal(ClaimVerdict.NotEquivalent, missed.Verdict);
        Assert.Equal(ClaimMethod.Exact, missed.Method);
        Assert.Equal(1.0, missed.Counterexample!.Variables["t"][0, 0]);
        // 0^(t - 1) is 1 at t = 1 and 0 after: one formula for both cases, an identity in mu, eta and d.
        var whole = Check(pytorch, 4, MomentumWeightKind.State, "mu^(T - t)*(1 - d + d*0^(t - 1))");
        Assert.Equal(ClaimVerdict.Equivalent, whole.Verdict);
        Assert.Equal(ClaimMethod.Exact, whole.Method);
    }

    [Fact]
    public void AnUndampedPyTorchAnswerNeedNotWriteOneMinusD()
    {
        var undamped = new Momentum(0.1, 0.9, MomentumConvention.PyTorch);
        var result = Check(undamped, 4, MomentumWeightKind.Step, "eta*mu^(T - t)");
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Exact, result.Method);
        // With d named, the claim is an identity in d too, which it is not at t = 1 (no dampening on the first step).
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(undamped, 4, MomentumWeightKind.Step, "eta*(1 - d)*mu^(T - t)").Verdict);
    }

    [Fact]
    public void ADampedAnswerThatDoesNotNameDIsCheckedNumericallyAtTheRequestsD()
    {
        // d = 0.5 written as a number: the first weight 0.9^3 g_1, the later ones 0.5*0.9^(4 - t)
        var pytorch = new Momentum(0.1, 0.9, MomentumConvention.PyTorch, dampening: 0.5);
        var result = Check(pytorch, 4, MomentumWeightKind.State, "0.5*mu^(T - t)");
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
        Assert.Equal(1.0, result.Counterexample!.Variables["t"][0, 0]);
    }

    [Fact]
    public void BeyondTheExactStepsTheComparisonIsNumericAndSaysSo()
    {
        var result = Check(Ema, MomentumWeightClaims.MaxExactSteps + 1, MomentumWeightKind.State, "beta^(T - t)*(1 - beta)", trials: 3);
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
        Assert.Contains("checked numerically", result.Detail);
        var wrong = Check(Ema, MomentumWeightClaims.MaxExactSteps + 1, MomentumWeightKind.State, "beta^(T - t)", trials: 3);
        Assert.Equal(ClaimVerdict.NotEquivalent, wrong.Verdict);
    }

    [Fact]
    public void BetaAndMuNameTheSameMomentumEvenInOneClaim()
    {
        var result = Check(Ema, 5, MomentumWeightKind.State, "beta^(T - t)*(1 - mu)");
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
        Assert.Equal(ClaimVerdict.NotEquivalent, Check(Ema, 5, MomentumWeightKind.State, "beta^(T - t)*mu").Verdict);
    }

    [Fact]
    public void AClaimThatIsNotAPolynomialIsComparedNumerically()
    {
        var result = Check(Ema, 5, MomentumWeightKind.State, "exp((T - t)*log(beta))*(1 - beta)");
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(ClaimMethod.Numeric, result.Method);
    }

    // The closed forms of CalculusText, derived by hand from each update rule, as polynomials in (mu, eta, d).
    [Theory]
    [InlineData(MomentumConvention.Ema, "mu^(T - t)*(1 - mu)", "eta*mu^(T - t)*(1 - mu)")]
    [InlineData(MomentumConvention.HeavyBall, "-eta*mu^(T - t)", "eta*mu^(T - t)")]
    [InlineData(MomentumConvention.VelocityStep, "eta*mu^(T - t)", "eta*mu^(T - t)")]
    [InlineData(MomentumConvention.PyTorch, "mu^(T - t)*(1 - d + d*0^(t - 1))", "eta*mu^(T - t)*(1 - d + d*0^(t - 1))")]
    public void TheReferenceInterpolatedFromTheOptimizerIsTheHandDerivedClosedForm(MomentumConvention convention, string state, string step)
    {
        const int T = 7;
        IReadOnlyList<string> variables = convention == MomentumConvention.PyTorch ? ["mu", "eta", "d"] : ["mu", "eta"];
        foreach (var (kind, formula) in new[] { (MomentumWeightKind.State, state), (MomentumWeightKind.Step, step) })
        {
            var reference = MomentumWeightClaims.Reference(convention, T, kind, variables)!;
            for (int t = 1; t <= T; t++)
            {
                var constants = new Dictionary<string, Rational> { ["t"] = t, ["T"] = T };
                var byHand = Polynomial.Expand(ExpressionParser.Parse(formula), variables, constants).Polynomial!;
                Assert.True(byHand.Equals(reference[t - 1]), $"{convention} {kind} t = {t}: by hand {byHand}, from the optimizer {reference[t - 1]}");
            }
        }
    }
}

public class ScalarFormulaTests
{
    [Theory]
    [InlineData("beta^(T - t)*(1 - beta)")]
    [InlineData("-eta*beta^(T-t) + exp(-t)/(1 + exp(-t))^2")]
    [InlineData("sigmoid(t)*tanh(beta) - softplus(eta) + relu(-t) + sqrt(abs(T)) - log(T)")]
    [InlineData("sum(t) + trace(beta) + diag(eta) + t' + 2.*t ./ T .^ 2")]
    public void ACompiledFormulaHasTheValueOfTheExpression(string text)
    {
        var e = ExpressionParser.Parse(text);
        string[] names = ["t", "T", "beta", "eta"];
        var compiled = ScalarFormula.TryCompile(e, names);
        Assert.NotNull(compiled);
        double[] at = [3, 7, 0.9, 0.1];
        var values = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => Matrix<double>.Build.Dense(1, 1, at[p.i]));
        double expected = e.Evaluate(values)[0, 0];
        double actual = compiled.Evaluate(at);
        Assert.True(Math.Abs(expected - actual) <= 4e-16 * Math.Abs(expected), $"{expected:R} vs {actual:R}");
    }

    [Theory]
    [InlineData("norm(t)")]
    [InlineData("softmax(t)")]
    [InlineData("t*z")]
    public void NormSoftmaxAndUnlistedVariablesAreLeftToTheExpression(string text) =>
        Assert.Null(ScalarFormula.TryCompile(ExpressionParser.Parse(text), ["t"]));
}
