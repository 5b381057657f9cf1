using GradApi.Domain.Optimizers;

namespace GradApi.Domain.Calculus;

/// <summary>
/// How much each gradient g_1..g_T counts after T steps of a momentum optimizer: in its state
/// (v_T or m_T = sum_t w_t g_t) and in the parameter change (theta_T - theta_(T-1) = -sum_t c_t g_t).
/// Found by running the optimizer of /v1/train itself on unit impulses: the update is linear in the
/// gradients, so parameter i fed g = 1 at step i and 0 otherwise carries exactly the weight of g_i.
/// </summary>
public sealed record MomentumWeights(double[] StateWeights, double[] StepWeights, string ClosedForm)
{
    /// <param name="cancellation">Checked every step (each costs O(steps)).</param>
    public static MomentumWeights Of(Momentum optimizer, int steps, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (optimizer.WeightDecay != 0) throw new ArgumentException("weight decay makes the update depend on theta; the weights are defined without it", nameof(optimizer));
        var theta = new double[steps];
        var before = new double[steps];
        var gradient = new double[steps];
        var state = optimizer.CreateState(steps);
        for (int t = 1; t <= steps; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            Array.Clear(gradient);
            gradient[t - 1] = 1.0;
            if (t == steps) theta.CopyTo(before, 0);
            optimizer.Step(theta, gradient, state, t, theta);
        }
        var step = new double[steps];
        for (int i = 0; i < steps; i++) step[i] = before[i] - theta[i];
        return new MomentumWeights((double[])state[0].Clone(), step, ClosedFormOf(optimizer.Convention));
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
