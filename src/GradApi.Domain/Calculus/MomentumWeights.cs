using GradApi.Domain.Optimizers;

namespace GradApi.Domain.Calculus;

/// <summary>
/// How much each gradient g_1..g_T counts after T steps of a momentum optimizer: in its state
/// (v_T or m_T = sum_t w_t g_t) and in the parameter change (theta_T - theta_(T-1) = -sum_t c_t g_t).
/// Found by running the optimizer of /v1/train itself on unit impulses: the update is linear in the
/// gradients, so a parameter fed g = 1 at step t and 0 otherwise carries exactly the weight of g_t.
/// </summary>
public sealed record MomentumWeights(double[] StateWeights, double[] StepWeights, string ClosedForm)
{
    /// <summary>
    /// The update is linear, elementwise and, from step 2 on, the same at every step (only PyTorch's first step differs:
    /// v = g). So g_1's weight after T steps is the response at step T to an impulse at step 1, and g_t's (t >= 2) is the
    /// response to an impulse at step 2, T - t steps later. Two parameters run for T steps carry both impulses: O(T), where
    /// one impulse per step would be O(T^2), and the same arithmetic, so the same bits.
    /// </summary>
    /// <param name="cancellation">Checked every few thousand steps.</param>
    public static MomentumWeights Of(Momentum optimizer, int steps, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (optimizer.WeightDecay != 0) throw new ArgumentException("weight decay makes the update depend on theta; the weights are defined without it", nameof(optimizer));
        const int First = 0, Later = 1; // parameter fed g = 1 at step 1, and at step 2
        var theta = new double[2];
        var gradient = new double[2];
        var state = optimizer.CreateState(2);
        // After step s: each impulse's weight in the state, and in the step theta_(s-1) - theta_s.
        var stateAfter = new double[2, steps + 1];
        var stepAfter = new double[2, steps + 1];
        for (int s = 1; s <= steps; s++)
        {
            if ((s & 4095) == 1) cancellation.ThrowIfCancellationRequested();
            gradient[First] = s == 1 ? 1.0 : 0.0;
            gradient[Later] = s == 2 ? 1.0 : 0.0;
            double first = theta[First], later = theta[Later];
            optimizer.Step(theta, gradient, state, s, theta);
            (stateAfter[First, s], stepAfter[First, s]) = (state[0][First], first - theta[First]);
            (stateAfter[Later, s], stepAfter[Later, s]) = (state[0][Later], later - theta[Later]);
        }
        var stateWeights = new double[steps];
        var stepWeights = new double[steps];
        (stateWeights[0], stepWeights[0]) = (stateAfter[First, steps], stepAfter[First, steps]);
        // g_t entered at step t >= 2 has had as many steps as the step-2 impulse after step steps - t + 2.
        for (int t = 2; t <= steps; t++)
            (stateWeights[t - 1], stepWeights[t - 1]) = (stateAfter[Later, steps - t + 2], stepAfter[Later, steps - t + 2]);
        return new MomentumWeights(stateWeights, stepWeights, ClosedFormOf(optimizer.Convention));
    }

    /// <summary>The weights in closed form (LaTeX), mu = momentum, eta = learning rate, d = dampening.</summary>
    public static string ClosedFormOf(MomentumConvention convention) => convention switch
    {
        MomentumConvention.PyTorch =>
            @"v_T = \mu^{T-1} g_1 + (1 - d) \sum_{t=2}^{T} \mu^{T-t} g_t, \quad \theta_T - \theta_{T-1} = -\eta v_T",
        MomentumConvention.HeavyBall =>
            @"v_T = -\eta \sum_{t=1}^{T} \mu^{T-t} g_t, \quad \theta_T - \theta_{T-1} = v_T = -\sum_{t=1}^{T} \eta \mu^{T-t} g_t",
        MomentumConvention.VelocityStep =>
            @"v_T = \eta \sum_{t=1}^{T} \mu^{T-t} g_t, \quad \theta_T - \theta_{T-1} = -v_T",
        _ =>
            @"m_T = \sum_{t=1}^{T} \beta^{T-t} (1 - \beta) g_t, \quad \theta_T - \theta_{T-1} = -\eta m_T = -\sum_{t=1}^{T} \eta \beta^{T-t} (1 - \beta) g_t",
    };
}
