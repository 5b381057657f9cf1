using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Optimizers;

/// <summary>s += g^2; theta -= eta_t g / (sqrt(s) + eps), eta_t = eta / (1 + (t - 1) decay). PyTorch semantics.</summary>
public sealed class Adagrad(double learningRate, double learningRateDecay = 0, double initialAccumulator = 0,
    double epsilon = Adagrad.DefaultEpsilon, double weightDecay = 0) : Optimizer(learningRate, weightDecay)
{
    public const double DefaultEpsilon = 1e-10;
    public double LearningRateDecay { get; } = learningRateDecay;
    public double InitialAccumulator { get; } = initialAccumulator;
    public double Epsilon { get; } = epsilon;

    public override string Type => WireNames.Optimizer.Adagrad;
    public override IReadOnlyList<string> StateNames { get; } = ["s"];

    public override IReadOnlyList<KeyValuePair<string, object>> Settings =>
        [Setting("type", Type), Setting("learningRate", LearningRate), Setting("learningRateDecay", LearningRateDecay),
         Setting("initialAccumulator", InitialAccumulator), Setting("epsilon", Epsilon), Setting("weightDecay", WeightDecay)];

    public override double[][] CreateState(int length)
    {
        var s = new double[length];
        Array.Fill(s, InitialAccumulator);
        return [s];
    }

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete)
    {
        var s = state[0];
        for (int i = 0; i < theta.Length; i++) s[i] += g[i] * g[i];
        slotComplete(0);
        double eta = LearningRate / (1 + (t - 1) * LearningRateDecay);
        for (int i = 0; i < theta.Length; i++) theta[i] -= eta * g[i] / (Math.Sqrt(s[i]) + Epsilon);
    }
}
