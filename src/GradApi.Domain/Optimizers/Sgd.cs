using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Optimizers;

/// <summary>theta -= eta g.</summary>
public sealed class Sgd(double learningRate, double weightDecay = 0) : Optimizer(learningRate, weightDecay)
{
    public override string Type => WireNames.Optimizer.Sgd;
    public override IReadOnlyList<string> StateNames => [];

    public override IReadOnlyList<KeyValuePair<string, object>> Settings =>
        [Setting("type", Type), Setting("learningRate", LearningRate), Setting("weightDecay", WeightDecay)];

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete)
    {
        Elementwise.AddScaled(theta, g, -LearningRate); // theta -= eta g
    }
}
