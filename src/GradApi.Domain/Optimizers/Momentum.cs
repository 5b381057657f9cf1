using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Optimizers;

public enum MomentumConvention
{
    /// <summary>v = g at t = 1, else v = mu v + (1 - dampening) g; theta -= eta v.</summary>
    PyTorch,
    /// <summary>v = mu v - eta g (v0 = 0); theta += v.</summary>
    HeavyBall,
    /// <summary>v = mu v + eta g (v0 = 0); theta -= v.</summary>
    VelocityStep,
    /// <summary>m = mu m + (1 - mu) g (m0 = 0); theta -= eta m.</summary>
    Ema,
}

/// <summary>Gradient descent with momentum in each of the four conventions students meet.</summary>
public sealed class Momentum(double learningRate, double momentum, MomentumConvention convention, double dampening = 0, double weightDecay = 0)
    : Optimizer(learningRate, weightDecay)
{
    public double Mu { get; } = momentum;
    public double Dampening { get; } = dampening;
    public MomentumConvention Convention { get; } = convention;

    public override string Type => WireNames.Optimizer.Momentum;
    // Kept, not made per read: the run reads the names several times a step.
    public override IReadOnlyList<string> StateNames { get; } = convention == MomentumConvention.Ema ? ["m"] : ["v"];

    public override IReadOnlyList<KeyValuePair<string, object>> Settings => Convention == MomentumConvention.PyTorch
        ? [Setting("type", Type), Setting("convention", WireNames.MomentumConventions.Name(Convention)), Setting("learningRate", LearningRate),
           Setting("momentum", Mu), Setting("dampening", Dampening), Setting("weightDecay", WeightDecay)]
        : [Setting("type", Type), Setting("convention", WireNames.MomentumConventions.Name(Convention)), Setting("learningRate", LearningRate),
           Setting("momentum", Mu), Setting("weightDecay", WeightDecay)];

    // theta += v, theta -= v, theta -= eta v or eta m: the step reads its one slot, not g.
    public override IReadOnlyList<int> StepReads { get; } = [0];
    public override bool StepReadsGradient => false;

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete)
    {
        var v = state[0];
        if (Convention == MomentumConvention.PyTorch && t == 1) g.CopyTo(v);                      // v = g at t=1
        else if (Convention == MomentumConvention.PyTorch) Elementwise.Blend(v, Mu, g, 1 - Dampening); // else mu v + (1 - dampening) g
        else if (Convention == MomentumConvention.HeavyBall) Elementwise.Blend(v, Mu, g, -LearningRate); // v = mu v - eta g
        else if (Convention == MomentumConvention.VelocityStep) Elementwise.Blend(v, Mu, g, LearningRate); // v = mu v + eta g
        else Elementwise.Blend(v, Mu, g, 1 - Mu);                                                 // m = mu m + (1 - mu) g
        slotComplete(0);
        if (Convention == MomentumConvention.HeavyBall) Elementwise.AddScaled(theta, v, 1.0);       // theta += v
        else if (Convention == MomentumConvention.VelocityStep) Elementwise.AddScaled(theta, v, -1.0); // theta -= v
        else Elementwise.AddScaled(theta, v, -LearningRate);                                       // theta -= eta v (pytorch), eta m (ema)
    }
}
