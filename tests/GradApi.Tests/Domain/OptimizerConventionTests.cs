using GradApi.Domain.Optimizers;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>
/// One test per row of the optimizer table in API.md, on a scalar parameter with given gradients,
/// against numbers derived by hand in the comments. Unless stated: theta0 = 1, eta = 0.25, mu = 0.5,
/// g = 2, -3, 4 (dyadic, so most expected values are exact).
/// </summary>
public sealed class OptimizerConventionTests
{
    const double Eta = 0.25, Mu = 0.5;

    /// <summary>theta and every state slot after each step t = 1.. (Steps.Theta[t-1], Steps.State[t-1][slot]).</summary>
    sealed record Steps(double[] Theta, double[][] State);

    static Steps Drive(Optimizer optimizer, params double[] gradients)
    {
        double[] theta = [1.0];
        var state = optimizer.CreateState(1);
        var thetas = new double[gradients.Length];
        var states = new double[gradients.Length][];
        for (int t = 1; t <= gradients.Length; t++)
        {
            optimizer.Step(theta, [gradients[t - 1]], state, t, (double[])theta.Clone());
            thetas[t - 1] = theta[0];
            states[t - 1] = state.Select(slot => slot[0]).ToArray();
        }
        return new Steps(thetas, states);
    }

    static void Close(double expected, double actual, double relative = 1e-15) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected) + 1e-300,
            $"expected {expected:R}, got {actual:R}");

    static void Close(double[] expected, double[] actual, double relative = 1e-15)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], relative);
    }

    [Fact]
    public void SgdMatchesHandDerivedThreeSteps()
    {
        // theta: 1 - 0.25*2 = 0.5; 0.5 + 0.25*3 = 1.25; 1.25 - 0.25*4 = 0.25
        var steps = Drive(new Sgd(Eta), 2, -3, 4);
        Assert.Equal([0.5, 1.25, 0.25], steps.Theta);
        Assert.All(steps.State, s => Assert.Empty(s));
    }

    [Fact]
    public void SgdWeightDecayAddsLambdaThetaToTheGradient()
    {
        // lambda = 0.5: g' = g + 0.5 theta.
        // t1: g' = 2 + 0.5 = 2.5, theta = 1 - 0.625 = 0.375
        // t2: g' = -3 + 0.1875 = -2.8125, theta = 0.375 + 0.703125 = 1.078125
        // t3: g' = 4 + 0.5390625 = 4.5390625, theta = 1.078125 - 1.134765625 = -0.056640625
        var steps = Drive(new Sgd(Eta, weightDecay: 0.5), 2, -3, 4);
        Assert.Equal([0.375, 1.078125, -0.056640625], steps.Theta);
    }

    [Fact]
    public void PyTorchMomentumTakesVEqualGAtTheFirstStepThenDampens()
    {
        // dampening 0.5: v1 = g1 = 2 (no dampening at t = 1), theta = 1 - 0.5 = 0.5
        // v2 = 0.5*2 + 0.5*(-3) = -0.5, theta = 0.5 + 0.125 = 0.625
        // v3 = 0.5*(-0.5) + 0.5*4 = 1.75, theta = 0.625 - 0.4375 = 0.1875
        var steps = Drive(new Momentum(Eta, Mu, MomentumConvention.PyTorch, dampening: 0.5), 2, -3, 4);
        Assert.Equal([0.5, 0.625, 0.1875], steps.Theta);
        Assert.Equal([2.0, -0.5, 1.75], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void PyTorchMomentumWithoutDampeningMatchesHandDerivedThreeSteps()
    {
        // v: 2; 0.5*2 - 3 = -2; 0.5*(-2) + 4 = 3.  theta: 1 - 0.5 = 0.5; 0.5 + 0.5 = 1; 1 - 0.75 = 0.25
        var steps = Drive(new Momentum(Eta, Mu, MomentumConvention.PyTorch), 2, -3, 4);
        Assert.Equal([0.5, 1.0, 0.25], steps.Theta);
        Assert.Equal([2.0, -2.0, 3.0], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void HeavyBallMomentumMatchesHandDerivedThreeSteps()
    {
        // v = mu v - eta g: -0.5; 0.5*(-0.5) + 0.75 = 0.5; 0.25 - 1 = -0.75.  theta += v: 0.5; 1.0; 0.25
        var steps = Drive(new Momentum(Eta, Mu, MomentumConvention.HeavyBall), 2, -3, 4);
        Assert.Equal([0.5, 1.0, 0.25], steps.Theta);
        Assert.Equal([-0.5, 0.5, -0.75], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void VelocityStepMomentumMatchesHandDerivedThreeSteps()
    {
        // v = mu v + eta g: 0.5; 0.25 - 0.75 = -0.5; -0.25 + 1 = 0.75.  theta -= v: 0.5; 1.0; 0.25
        var steps = Drive(new Momentum(Eta, Mu, MomentumConvention.VelocityStep), 2, -3, 4);
        Assert.Equal([0.5, 1.0, 0.25], steps.Theta);
        Assert.Equal([0.5, -0.5, 0.75], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void EmaMomentumMatchesHandDerivedThreeSteps()
    {
        // m = 0.5 m + 0.5 g: 1; 0.5 - 1.5 = -1; -0.5 + 2 = 1.5.  theta -= 0.25 m: 0.75; 1.0; 0.625
        var steps = Drive(new Momentum(Eta, Mu, MomentumConvention.Ema), 2, -3, 4);
        Assert.Equal([0.75, 1.0, 0.625], steps.Theta);
        Assert.Equal([1.0, -1.0, 1.5], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void PyTorchNesterovStepsByGPlusMuVMatchesHandDerivedThreeSteps()
    {
        // v: 2; 0.5*2 - 3 = -2; -1 + 4 = 3.
        // theta -= 0.25 (g + 0.5 v): 1 - 0.25*3 = 0.25; 0.25 - 0.25*(-4) = 1.25; 1.25 - 0.25*5.5 = -0.125
        var steps = Drive(new Nesterov(Eta, Mu, NesterovConvention.PyTorch), 2, -3, 4);
        Assert.Equal([0.25, 1.25, -0.125], steps.Theta);
        Assert.Equal([2.0, -2.0, 3.0], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void SutskeverNesterovTakesTheGradientAtTheLookAheadPoint()
    {
        // J = theta^2 / 2, so g(p) = p at the look-ahead p = theta + mu v.
        // t1: p = 1, v = -0.25, theta = 0.75
        // t2: p = 0.75 - 0.125 = 0.625, v = -0.125 - 0.15625 = -0.28125, theta = 0.46875
        // t3: p = 0.46875 - 0.140625 = 0.328125, v = -0.140625 - 0.08203125 = -0.22265625, theta = 0.24609375
        var optimizer = new Nesterov(Eta, Mu, NesterovConvention.Sutskever);
        Assert.True(optimizer.UsesLookAhead);
        double[] theta = [1.0], point = [0.0];
        var state = optimizer.CreateState(1);
        var points = new List<double>();
        var thetas = new List<double>();
        for (int t = 1; t <= 3; t++)
        {
            optimizer.LookAhead(theta, state, point);
            points.Add(point[0]);
            optimizer.Step(theta, [point[0]], state, t, point);
            thetas.Add(theta[0]);
        }
        Assert.Equal([1.0, 0.625, 0.328125], points);
        Assert.Equal([0.75, 0.46875, 0.24609375], thetas);
        Assert.Equal(-0.22265625, state[0][0]);
    }

    [Fact]
    public void SutskeverNesterovRunReportsTheLookAheadAndComputesForwardThere()
    {
        // y = w x with x = 1, y = 0, half_sse: g(p) = p, the same numbers as the test above.
        var problem = Problems.Scalar(1.0, 1.0, 0.0, new Nesterov(Eta, Mu, NesterovConvention.Sutskever), 3);
        var trace = new TrainingRun(problem).Iterations().ToList();
        Assert.Equal([1.0, 0.625, 0.328125], trace.Select(i => i.Update[0].LookAhead!.Weights[0]));
        Assert.Equal([1.0, 0.625, 0.328125], trace.Select(i => i.Forward[0].Z[0, 0]));
        Assert.Equal([1.0, 0.625, 0.328125], trace.Select(i => i.Backward[0].WeightGradient[0, 0]));
        Assert.Equal([0.75, 0.46875, 0.24609375], trace.Select(i => i.Update[0].Weights[0]));
        Assert.Equal([-0.25, -0.28125, -0.22265625], trace.Select(i => i.Update[0].State.Single(s => s.Name == "v").Weights[0]));
    }

    [Fact]
    public void AdagradWithLearningRateDecayAndInitialAccumulatorMatchesHandDerivedThreeSteps()
    {
        // s0 = 5, decay 0.5, eps 0, g = 2, -4, 12 so that s = 9, 25, 169 (sqrt 3, 5, 13).
        // eta_t = 0.25 / (1 + (t-1) 0.5) = 1/4, 1/6, 1/8.
        // theta: 1 - (1/4) 2/3 = 5/6; 5/6 + (1/6) 4/5 = 29/30; 29/30 - (1/8) 12/13 = 166/195
        var steps = Drive(new Adagrad(Eta, learningRateDecay: 0.5, initialAccumulator: 5, epsilon: 0), 2, -4, 12);
        Close([5.0 / 6, 29.0 / 30, 166.0 / 195], steps.Theta);
        Assert.Equal([9.0, 25.0, 169.0], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void AdagradDefaultEpsilonIsAddedOutsideTheSquareRoot()
    {
        // s = 0 + 9, theta = 1 - 0.25*3 / (3 + 1e-10). (Inside the root it would be 3 + 1.7e-11.)
        var steps = Drive(new Adagrad(Eta), 3);
        Close(1 - 0.75 / (3 + 1e-10), steps.Theta[0]);
        Assert.NotEqual(1 - 0.75 / Math.Sqrt(9 + 1e-10), steps.Theta[0]);
    }

    // RMSprop below: rho = 0.75, g = 2, -3, eps = 1e-8 (default). s1 = 0.25*4 = 1; s2 = 0.75 + 0.25*9 = 3.

    [Fact]
    public void PlainRmsPropMatchesHandDerivedTwoSteps()
    {
        // theta1 = 1 - 0.25*2/(1 + eps); theta2 = theta1 + 0.25*3/(sqrt 3 + eps)
        var steps = Drive(new RmsProp(Eta, rho: 0.75), 2, -3);
        double theta1 = 1 - 0.5 / (1 + 1e-8);
        Close([theta1, theta1 + 0.75 / (Math.Sqrt(3) + 1e-8)], steps.Theta);
        Assert.Equal([1.0, 3.0], steps.State.Select(s => s[0]));
    }

    [Fact]
    public void CenteredRmsPropSubtractsTheSquaredMeanGradient()
    {
        // gbar1 = 0.25*2 = 0.5: denominator sqrt(1 - 0.25) + eps
        // gbar2 = 0.75*0.5 - 0.25*3 = -0.375: denominator sqrt(3 - 0.140625) + eps
        var steps = Drive(new RmsProp(Eta, rho: 0.75, centered: true), 2, -3);
        double theta1 = 1 - 0.5 / (Math.Sqrt(0.75) + 1e-8);
        Close([theta1, theta1 + 0.75 / (Math.Sqrt(2.859375) + 1e-8)], steps.Theta);
        Assert.Equal([1.0, 0.5], steps.State[0]);
        Assert.Equal([3.0, -0.375], steps.State[1]);
    }

    [Fact]
    public void RmsPropWithMomentumAccumulatesTheScaledStepInB()
    {
        // mu = 0.5: b1 = 2/(1 + eps), theta1 = 1 - 0.25 b1; b2 = 0.5 b1 - 3/(sqrt 3 + eps), theta2 = theta1 - 0.25 b2
        var steps = Drive(new RmsProp(Eta, rho: 0.75, momentum: 0.5), 2, -3);
        double b1 = 2 / (1 + 1e-8), b2 = 0.5 * b1 - 3 / (Math.Sqrt(3) + 1e-8);
        double theta1 = 1 - 0.25 * b1;
        Close([theta1, theta1 - 0.25 * b2], steps.Theta);
        Close([b1, b2], steps.State.Select(s => s[1]).ToArray());
    }

    [Fact]
    public void RmsPropInsideSqrtPutsEpsilonUnderTheRoot()
    {
        // eps = 0.44: theta1 = 1 - 0.5/sqrt(1.44) = 1 - 0.5/1.2 = 7/12; theta2 = 7/12 + 0.75/sqrt(3.44)
        var steps = Drive(new RmsProp(Eta, rho: 0.75, epsilon: 0.44, epsilonPlacement: EpsilonPlacement.InsideSqrt), 2, -3);
        Close([7.0 / 12, 7.0 / 12 + 0.75 / Math.Sqrt(3.44)], steps.Theta);
    }

    // Adam below: beta1 = 0.5, beta2 = 0.75, g = 2, -3.
    // t1: m = 1, v = 0.25*4 = 1, mhat = 1/0.5 = 2, vhat = 1/0.25 = 4
    // t2: m = 0.5 - 1.5 = -1, v = 0.75 + 2.25 = 3, mhat = -1/0.75 = -4/3, vhat = 3/0.4375 = 48/7

    [Fact]
    public void AdamWithBiasCorrectionMatchesHandDerivedTwoSteps()
    {
        var steps = Drive(new Adam(Eta, beta1: 0.5, beta2: 0.75), 2, -3);
        double theta1 = 1 - 0.25 * 2 / (2 + 1e-8);
        Close([theta1, theta1 + 0.25 * (4.0 / 3) / (Math.Sqrt(48.0 / 7) + 1e-8)], steps.Theta);
        Close([1.0, 1.0, 2.0, 4.0], steps.State[0]);             // m, v, mhat, vhat
        Close([-1.0, 3.0, -4.0 / 3, 48.0 / 7], steps.State[1]);
    }

    [Fact]
    public void AdamWithoutBiasCorrectionUsesMAndVDirectly()
    {
        // theta1 = 1 - 0.25*1/(1 + eps); theta2 = theta1 + 0.25*1/(sqrt 3 + eps)
        var steps = Drive(new Adam(Eta, beta1: 0.5, beta2: 0.75, biasCorrection: false), 2, -3);
        double theta1 = 1 - 0.25 / (1 + 1e-8);
        Close([theta1, theta1 + 0.25 / (Math.Sqrt(3) + 1e-8)], steps.Theta);
        Close([-1.0, 3.0, -1.0, 3.0], steps.State[1]);
    }

    [Fact]
    public void AmsgradKeepsTheLargestVAndCorrectsIt()
    {
        // g = 2, 0.5. t2: m = 0.5 + 0.25 = 0.75, v = 0.75 + 0.0625 = 0.8125 < vmax = 1,
        // mhat = 0.75/0.75 = 1, vhat = vmax/0.4375 = 16/7 (PyTorch: the max before the correction).
        var steps = Drive(new Adam(Eta, beta1: 0.5, beta2: 0.75, amsgrad: true), 2, 0.5);
        double theta1 = 1 - 0.25 * 2 / (2 + 1e-8);
        Close([theta1, theta1 - 0.25 * 1 / (Math.Sqrt(16.0 / 7) + 1e-8)], steps.Theta);
        Close([0.75, 0.8125, 1.0, 16.0 / 7, 1.0], steps.State[1]);  // m, v, mhat, vhat, vmax
    }

    [Fact]
    public void KerasAdamPlacesEpsilonOutsideTheUncorrectedRoot()
    {
        // eps = 0.1: theta -= eta sqrt(1 - b2^t)/(1 - b1^t) m/(sqrt v + eps)
        // t1: 0.25 * 0.5/0.5 * 1/(1 + 0.1) = 0.25/1.1
        // t2: 0.25 * sqrt(0.4375)/0.75 * (-1)/(sqrt 3 + 0.1)
        var steps = Drive(new Adam(Eta, beta1: 0.5, beta2: 0.75, epsilon: 0.1, epsilonPlacement: EpsilonPlacement.Keras), 2, -3);
        double theta1 = 1 - 0.25 / 1.1;
        Close([theta1, theta1 + 0.25 * Math.Sqrt(0.4375) / 0.75 / (Math.Sqrt(3) + 0.1)], steps.Theta);
        // The PyTorch placement would give 1 - 0.25*2/(2 + 0.1) at t1: a different number.
        Assert.NotEqual(1 - 0.5 / 2.1, steps.Theta[0], 1e-6);
    }

    [Fact]
    public void AdamInsideSqrtPutsEpsilonUnderTheCorrectedRoot()
    {
        // eps = 0.25: theta1 = 1 - 0.25*2/sqrt(4.25); theta2 = theta1 + 0.25 (4/3)/sqrt(48/7 + 0.25)
        var steps = Drive(new Adam(Eta, beta1: 0.5, beta2: 0.75, epsilon: 0.25, epsilonPlacement: EpsilonPlacement.InsideSqrt), 2, -3);
        double theta1 = 1 - 0.5 / Math.Sqrt(4.25);
        Close([theta1, theta1 + (1.0 / 3) / Math.Sqrt(48.0 / 7 + 0.25)], steps.Theta);
    }

    [Fact]
    public void AdamWeightDecayAddsLambdaThetaToTheGradient()
    {
        // lambda = 0.5. t1: g' = 2 + 0.5*1 = 2.5: m = 1.25, v = 1.5625, mhat = 2.5, vhat = 6.25,
        // theta1 = 1 - 0.25*2.5/(2.5 + eps).
        // t2: g' = -3 + 0.5 theta1, m = 0.625 + 0.5 g', v = 0.75*1.5625 + 0.25 g'^2,
        // theta2 = theta1 - 0.25 (m/0.75)/(sqrt(v/0.4375) + eps)
        var steps = Drive(new Adam(Eta, beta1: 0.5, beta2: 0.75, weightDecay: 0.5), 2, -3);
        double theta1 = 1 - 0.25 * 2.5 / (2.5 + 1e-8);
        double g2 = -3 + 0.5 * theta1, m2 = 0.625 + 0.5 * g2, v2 = 0.75 * 1.5625 + 0.25 * g2 * g2;
        Close([theta1, theta1 - 0.25 * (m2 / 0.75) / (Math.Sqrt(v2 / 0.4375) + 1e-8)], steps.Theta, 1e-14);
        Close([1.25, 1.5625], steps.State[0][..2]);
    }

    [Fact]
    public void AdamWDecaysThetaDirectlyAndKeepsTheGradientPlain()
    {
        // lambda = 0.5: theta <- theta (1 - 0.25*0.5) = 0.875 theta, then the Adam step on the plain g
        // (m, v as in AdamWithBiasCorrectionMatchesHandDerivedTwoSteps).
        var optimizer = new Adam(Eta, beta1: 0.5, beta2: 0.75, weightDecay: 0.5, decoupledWeightDecay: true);
        Assert.Equal("adamw", optimizer.Type);
        var steps = Drive(optimizer, 2, -3);
        double theta1 = 0.875 - 0.25 * 2 / (2 + 1e-8);
        Close([theta1, 0.875 * theta1 + 0.25 * (4.0 / 3) / (Math.Sqrt(48.0 / 7) + 1e-8)], steps.Theta);
        Close([1.0, 1.0, 2.0, 4.0], steps.State[0]);
    }

    public static TheoryData<string, Optimizer, string[]> StateNameCases() => new()
    {
        { "sgd", new Sgd(0.1), [] },
        { "momentum pytorch", new Momentum(0.1, 0.9, MomentumConvention.PyTorch), ["v"] },
        { "momentum heavy_ball", new Momentum(0.1, 0.9, MomentumConvention.HeavyBall), ["v"] },
        { "momentum velocity_step", new Momentum(0.1, 0.9, MomentumConvention.VelocityStep), ["v"] },
        { "momentum ema", new Momentum(0.1, 0.9, MomentumConvention.Ema), ["m"] },
        { "nesterov pytorch", new Nesterov(0.1, 0.9, NesterovConvention.PyTorch), ["v"] },
        { "nesterov sutskever", new Nesterov(0.1, 0.9, NesterovConvention.Sutskever), ["v"] },
        { "adagrad", new Adagrad(0.1), ["s"] },
        { "rmsprop", new RmsProp(0.1), ["s"] },
        { "rmsprop centered", new RmsProp(0.1, centered: true), ["s", "gbar"] },
        { "rmsprop momentum", new RmsProp(0.1, momentum: 0.9), ["s", "b"] },
        { "rmsprop centered momentum", new RmsProp(0.1, centered: true, momentum: 0.9), ["s", "gbar", "b"] },
        { "adam", new Adam(0.1), ["m", "v", "mhat", "vhat"] },
        { "adam amsgrad", new Adam(0.1, amsgrad: true), ["m", "v", "mhat", "vhat", "vmax"] },
        { "adam keras", new Adam(0.1, epsilonPlacement: EpsilonPlacement.Keras), ["m", "v"] },
        { "adamw", new Adam(0.1, weightDecay: 0.01, decoupledWeightDecay: true), ["m", "v", "mhat", "vhat"] },
    };

    [Theory]
    [MemberData(nameof(StateNameCases))]
    public void EveryOptimizerNamesItsStateAsTheContractDoes(string label, Optimizer optimizer, string[] names)
    {
        Assert.True(names.SequenceEqual(optimizer.StateNames), $"{label}: [{string.Join(", ", optimizer.StateNames)}]");
        Assert.Equal(names.Length, optimizer.CreateState(3).Length);
    }

    [Fact]
    public void DefaultsAreTheContractValues()
    {
        var adam = new Adam(0.1);
        Assert.Equal((0.9, 0.999, 1e-8, true, false), (adam.Beta1, adam.Beta2, adam.Epsilon, adam.BiasCorrection, adam.Amsgrad));
        Assert.Equal(EpsilonPlacement.OutsideSqrt, adam.Placement);
        var rmsprop = new RmsProp(0.1);
        Assert.Equal((0.99, 1e-8, false, 0.0), (rmsprop.Rho, rmsprop.Epsilon, rmsprop.Centered, rmsprop.Mu));
        var adagrad = new Adagrad(0.1);
        Assert.Equal((1e-10, 0.0, 0.0), (adagrad.Epsilon, adagrad.InitialAccumulator, adagrad.LearningRateDecay));
        Assert.Equal(0.0, new Momentum(0.1, 0.9, MomentumConvention.PyTorch).Dampening);
    }
}
