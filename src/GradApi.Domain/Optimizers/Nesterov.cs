using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Optimizers;

public enum NesterovConvention
{
    /// <summary>v as momentum/pytorch (no dampening); theta -= eta (g + mu v).</summary>
    PyTorch,
    /// <summary>g at the look-ahead theta + mu v; v = mu v - eta g; theta += v.</summary>
    Sutskever,
}

/// <summary>Nesterov accelerated gradient, in PyTorch's rewritten form or Sutskever's look-ahead form.</summary>
public sealed class Nesterov(double learningRate, double momentum, NesterovConvention convention, double weightDecay = 0)
    : Optimizer(learningRate, weightDecay)
{
    public double Mu { get; } = momentum;
    public NesterovConvention Convention { get; } = convention;

    public override string Type => WireNames.Optimizer.Nesterov;
    public override IReadOnlyList<string> StateNames { get; } = ["v"];
    public override bool UsesLookAhead => Convention == NesterovConvention.Sutskever;

    public override IReadOnlyList<KeyValuePair<string, object>> Settings =>
        [Setting("type", Type), Setting("convention", WireNames.NesterovConventions.Name(Convention)),
         Setting("learningRate", LearningRate), Setting("momentum", Mu), Setting("weightDecay", WeightDecay)];

    // pytorch: theta -= eta (g + mu v) reads g and v; Sutskever: theta += v reads v alone.
    public override IReadOnlyList<int> StepReads { get; } = [0];
    public override bool StepReadsGradient => Convention == NesterovConvention.PyTorch;

    // Sutskever: the gradient is taken at theta + mu v.
    public override void LookAhead(ReadOnlySpan<double> theta, double[][] state, Span<double> point)
    {
        if (!UsesLookAhead)
        {
            theta.CopyTo(point);
            return;
        }
        Elementwise.SumScaled(theta, state[0], Mu, point); // theta + mu v
    }

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete)
    {
        var v = state[0];
        bool pytorch = Convention == NesterovConvention.PyTorch;
        if (pytorch && t == 1) g.CopyTo(v);                   // v = g at t=1
        else if (pytorch) Elementwise.Blend(v, Mu, g, 1.0);   // else mu v + g
        else Elementwise.Blend(v, Mu, g, -LearningRate);      // v = mu v - eta g(theta + mu v)
        slotComplete(0);
        for (int i = 0; i < theta.Length; i++)
            theta[i] = pytorch
                ? theta[i] - LearningRate * (g[i] + Mu * v[i])   // theta -= eta (g + mu v)
                : theta[i] + v[i];                               // theta += v
    }
}
