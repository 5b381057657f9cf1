using GradApi.Domain.Analysis;
using GradApi.Domain.Optimizers;

namespace GradApi.Tests.Analysis;

/// <summary>
/// Seed 003, Q4: gradient descent on L(w) = 1/2 (w x - y)^2 with x = 1, y = 100, w0 = 0, that is
/// w_(t+1) = w_t - lr (w_t - 100), so w_t = 100 (1 - (1 - lr)^t); the quadratic 1/2 w^2 - 100 w
/// has the same gradient. Plus the named functions' gradients and Hessians against finite differences.
/// </summary>
public sealed class TrajectoryTests
{
    static readonly QuadraticObjective Seed003 = new([[1.0]], [100.0], scalarParameter: true);

    static TrajectoryResult Gd(double lr, int maxSteps = 100) => Trajectory.Run(Seed003, new Sgd(lr), [0.0], maxSteps, 1e-8);

    static void FollowsTheClosedForm(TrajectoryResult result, double lr)
    {
        foreach (var step in result.Steps)
        {
            double expected = 100 * (1 - Math.Pow(1 - lr, step.Step));
            Assert.Equal(expected, step.Parameters[0], 1e-9 * Math.Max(1, Math.Abs(expected)));
            Assert.Equal(expected - 100, step.Gradient[0], 1e-9 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void Seed003AtLearningRateHalfGoes50Then75Then87Point5AndConvergesOnceTheGradient100TimesHalfToTheTIsWithin1e8()
    {
        var run = Gd(0.5);
        Assert.Equal([0.0, 50.0, 75.0, 87.5, 93.75], run.Steps.Take(5).Select(s => s.Parameters[0]));
        FollowsTheClosedForm(run, 0.5);
        Assert.Equal(TrajectoryVerdict.Converged, run.Verdict);
        // |g_t| = 100 * 0.5^t <= 1e-8 first at t = 34 (100 * 0.5^33 = 1.16e-8).
        Assert.Equal(34, run.VerdictStep);
        Assert.Equal(35, run.Steps.Count);
    }

    [Fact]
    public void Seed003AtLearningRate1Point5AlternatesSides150Then75Then112Point5AndStillConverges()
    {
        var run = Gd(1.5);
        Assert.Equal([0.0, 150.0, 75.0, 112.5, 93.75, 103.125], run.Steps.Take(6).Select(s => s.Parameters[0]));
        FollowsTheClosedForm(run, 1.5);
        Assert.Equal(TrajectoryVerdict.Converged, run.Verdict);
        Assert.Equal(34, run.VerdictStep);
    }

    [Fact]
    public void Seed003AtLearningRate2Point5Goes250ThenMinus125Then437Point5AndDivergesWhenWPassesTheBound()
    {
        var run = Gd(2.5);
        // The student wrote w3 = 687.5 and w4 = -781.25; -125 - 2.5 (-125 - 100) = 437.5 and 437.5 - 2.5 (337.5) = -406.25.
        Assert.Equal([0.0, 250.0, -125.0, 437.5, -406.25], run.Steps.Take(5).Select(s => s.Parameters[0]));
        FollowsTheClosedForm(run, 2.5);
        Assert.Equal(TrajectoryVerdict.Diverged, run.Verdict);
        // The first t with |100 (1 - (-1.5)^t)| > 1e12 * max(1, |w0|) is 57.
        int expected = Enumerable.Range(1, 100).First(t => Math.Abs(100 * (1 - Math.Pow(-1.5, t))) > 1e12);
        Assert.Equal(57, expected);
        Assert.Equal(expected, run.VerdictStep);
        Assert.Equal(expected + 1, run.Steps.Count);
    }

    [Fact]
    public void Seed003AtLearningRate2Point5Within5StepsIsDivergedByGrowingStepsAndARisingObjective()
    {
        var run = Gd(2.5, maxSteps: 5);
        Assert.Equal(TrajectoryVerdict.Diverged, run.Verdict);
        Assert.Equal(5, run.VerdictStep);
    }

    [Fact]
    public void Seed003LrExactly2JumpsBetween0And200AndIsOscillating()
    {
        var run = Gd(2.0, maxSteps: 50);
        Assert.All(run.Steps, s => Assert.Equal(s.Step % 2 == 0 ? 0.0 : 200.0, s.Parameters[0]));
        Assert.Equal(TrajectoryVerdict.Oscillating, run.Verdict);
        Assert.Equal(50, run.VerdictStep);
    }

    [Fact]
    public void Seed003AtLearningRate1Point5CutShortIsMaxStepsNotOscillatingBecauseItsStepsShrink()
    {
        var run = Gd(1.5, maxSteps: 10);
        Assert.Equal(TrajectoryVerdict.MaxSteps, run.Verdict);
        Assert.Equal(10, run.VerdictStep);
    }

    [Fact]
    public void Seed003StableLearningRatesAre0To2OverLambdaMaxEquals2()
    {
        var stable = Trajectory.StableRates(Seed003, [0.0])!;
        Assert.Equal(1.0, stable.LambdaMax, 12);
        Assert.Equal(2.0, stable.Upper!.Value, 12);
    }

    [Fact]
    public void AnIllConditionedQuadraticHasUpper2OverItsLargestEigenvalueOfTheSymmetricPart()
    {
        // Q = [[10, 2], [0, 1]] has symmetric part [[10, 1], [1, 1]], eigenvalues (11 +- sqrt(85)) / 2.
        var stable = Trajectory.StableRates(new QuadraticObjective([[10, 2], [0, 1]], [1, 1]), [0.0, 0.0])!;
        double max = (11 + Math.Sqrt(85)) / 2;
        Assert.Equal(max, stable.LambdaMax, 12);
        Assert.Equal((11 - Math.Sqrt(85)) / 2, stable.LambdaMin, 12);
        Assert.Equal(2 / max, stable.Upper!.Value, 12);
        Assert.Null(Trajectory.StableRates(new RosenbrockObjective(), [0.0, 0.0]));
    }

    [Fact]
    public void MomentumStateIsReportedPerStepAndStartsAtZero()
    {
        var run = Trajectory.Run(Seed003, new Momentum(0.1, 0.9, MomentumConvention.HeavyBall), [0.0], 3, 1e-8);
        Assert.Equal(0.0, run.Steps[0].State[0][0]);
        // v1 = -0.1 * (0 - 100) = 10, w1 = 10; v2 = 0.9 * 10 - 0.1 * (10 - 100) = 18, w2 = 28.
        Assert.Equal(10.0, run.Steps[1].State[0][0], 12);
        Assert.Equal(18.0, run.Steps[2].State[0][0], 12);
        Assert.Equal(28.0, run.Steps[2].Parameters[0], 12);
    }

    [Fact]
    public void SutskeverNesterovTakesTheGradientAtTheLookAheadPoint()
    {
        var run = Trajectory.Run(Seed003, new Nesterov(0.1, 0.9, NesterovConvention.Sutskever), [0.0], 2, 1e-8);
        // Step 1: look-ahead 0, v1 = 10, w1 = 10. Step 2: look-ahead 10 + 9 = 19, v2 = 9 - 0.1 (19 - 100) = 17.1, w2 = 27.1.
        Assert.Equal(19.0, run.Steps[2].LookAhead![0], 12);
        Assert.Equal(27.1, run.Steps[2].Parameters[0], 12);
        Assert.Null(run.Steps[0].LookAhead);
    }

    [Theory]
    [InlineData("rosenbrock", -1.2, 1.0)]
    [InlineData("beale", 1.0, 1.5)]
    [InlineData("himmelblau", 0.5, -1.3)]
    public void NamedFunctionGradientsAndHessiansMatchCentralDifferences(string name, double x, double y)
    {
        IObjective f = name switch { "rosenbrock" => new RosenbrockObjective(), "beale" => new BealeObjective(), _ => new HimmelblauObjective() };
        double[] p = [x, y];
        var gradient = new double[2];
        f.Gradient(p, gradient);
        var hessian = f.Hessian(p)!;
        const double h = 1e-5;
        for (int i = 0; i < 2; i++)
        {
            double[] plus = [.. p], minus = [.. p];
            plus[i] += h;
            minus[i] -= h;
            double fd = (f.Value(plus) - f.Value(minus)) / (2 * h);
            Assert.Equal(fd, gradient[i], 1e-6 * Math.Max(1, Math.Abs(fd)));
            var gPlus = new double[2];
            var gMinus = new double[2];
            f.Gradient(plus, gPlus);
            f.Gradient(minus, gMinus);
            for (int j = 0; j < 2; j++)
            {
                double second = (gPlus[j] - gMinus[j]) / (2 * h);
                Assert.Equal(second, hessian[j][i], 1e-5 * Math.Max(1, Math.Abs(second)));
            }
        }
    }

    [Fact]
    public void TheNamedMinimaHaveZeroGradient()
    {
        var g = new double[2];
        new RosenbrockObjective().Gradient([1.0, 1.0], g);
        Assert.Equal([0.0, 0.0], g);
        new BealeObjective().Gradient([3.0, 0.5], g);
        Assert.Equal([0.0, 0.0], g);
        new HimmelblauObjective().Gradient([3.0, 2.0], g);
        Assert.Equal([0.0, 0.0], g);
    }
}
