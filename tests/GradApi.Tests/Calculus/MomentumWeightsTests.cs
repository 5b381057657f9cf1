using GradApi.Domain.Calculus;
using GradApi.Domain.Optimizers;

namespace GradApi.Tests.Calculus;

public class MomentumWeightsTests
{
    static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-15);
    }

    // Seed 004: m_T = sum_t beta^(T-t) (1 - beta) g_t.
    [Theory]
    [InlineData(0.9, 4)]
    [InlineData(0.5, 7)]
    [InlineData(0.0, 3)]
    public void EmaWeightsAreBetaToTheTMinusTTimesOneMinusBeta(double beta, int steps)
    {
        const double eta = 0.1;
        var w = MomentumWeights.Of(new Momentum(eta, beta, MomentumConvention.Ema), steps);
        var expected = Enumerable.Range(1, steps).Select(t => Math.Pow(beta, steps - t) * (1 - beta)).ToArray();
        Close(expected, w.StateWeights);
        Close(expected.Select(v => eta * v).ToArray(), w.StepWeights);
    }

    // v1 = -0.1 g1; v2 = 0.9 v1 - 0.1 g2 = -0.09 g1 - 0.1 g2; v3 = -0.081 g1 - 0.09 g2 - 0.1 g3; theta += v.
    [Fact]
    public void HeavyBallWeightsMatchTheHandDerivation()
    {
        var w = MomentumWeights.Of(new Momentum(0.1, 0.9, MomentumConvention.HeavyBall), 3);
        Close([-0.081, -0.09, -0.1], w.StateWeights);
        Close([0.081, 0.09, 0.1], w.StepWeights);
    }

    // v1 = g1 (no dampening at step 1); v2 = 0.9 g1 + 0.5 g2; v3 = 0.81 g1 + 0.45 g2 + 0.5 g3; theta -= 0.1 v.
    [Fact]
    public void PytorchWeightsWithDampeningMatchTheHandDerivation()
    {
        var w = MomentumWeights.Of(new Momentum(0.1, 0.9, MomentumConvention.PyTorch, dampening: 0.5), 3);
        Close([0.81, 0.45, 0.5], w.StateWeights);
        Close([0.081, 0.045, 0.05], w.StepWeights);
    }

    // v = 0.5 v + 0.2 g: v3 = 0.05 g1 + 0.1 g2 + 0.2 g3; theta -= v.
    [Fact]
    public void VelocityStepWeightsMatchTheHandDerivation()
    {
        var w = MomentumWeights.Of(new Momentum(0.2, 0.5, MomentumConvention.VelocityStep), 3);
        Close([0.05, 0.1, 0.2], w.StateWeights);
        Close([0.05, 0.1, 0.2], w.StepWeights);
    }

    // The definition: T impulse runs of T steps, parameter t fed g = 1 at step t alone. The two-impulse run must
    // give the same bits for every convention, including PyTorch's special first step and dampening.
    [Theory]
    [InlineData(MomentumConvention.PyTorch, 0.0)]
    [InlineData(MomentumConvention.PyTorch, 0.3)]
    [InlineData(MomentumConvention.HeavyBall, 0.0)]
    [InlineData(MomentumConvention.VelocityStep, 0.0)]
    [InlineData(MomentumConvention.Ema, 0.0)]
    public void WeightsEqualOneImpulseRunPerStepBitForBit(MomentumConvention convention, double dampening)
    {
        foreach (int steps in new[] { 1, 2, 3, 17, 200 })
        {
            var optimizer = new Momentum(0.07, 0.93, convention, dampening);
            var (state, step) = ByDefinition(optimizer, steps);
            var w = MomentumWeights.Of(optimizer, steps);
            Assert.Equal(state, w.StateWeights);
            Assert.Equal(step, w.StepWeights);
        }
    }

    static (double[] State, double[] Step) ByDefinition(Momentum optimizer, int steps)
    {
        var theta = new double[steps];
        var before = new double[steps];
        var state = optimizer.CreateState(steps);
        for (int t = 1; t <= steps; t++)
        {
            var gradient = new double[steps];
            gradient[t - 1] = 1.0;
            if (t == steps) theta.CopyTo(before, 0);
            optimizer.Step(theta, gradient, state, t, theta);
        }
        return (state[0], before.Zip(theta, (b, a) => b - a).ToArray());
    }
}
