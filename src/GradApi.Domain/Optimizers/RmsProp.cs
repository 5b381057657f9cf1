using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Optimizers;

/// <summary>
/// s = rho s + (1 - rho) g^2; theta -= eta g / (sqrt(s) + eps). PyTorch semantics, with
/// centered (gbar = rho gbar + (1 - rho) g, denominator sqrt(s - gbar^2) + eps) and
/// momentum (b = mu b + g / denominator, theta -= eta b).
/// </summary>
public sealed class RmsProp(double learningRate, double rho = RmsProp.DefaultRho, double epsilon = RmsProp.DefaultEpsilon,
    bool centered = false, double momentum = 0, EpsilonPlacement epsilonPlacement = EpsilonPlacement.OutsideSqrt,
    double weightDecay = 0) : Optimizer(learningRate, weightDecay)
{
    public const double DefaultRho = 0.99;
    public const double DefaultEpsilon = 1e-8;
    public double Rho { get; } = rho;
    public double Epsilon { get; } = epsilon;
    public bool Centered { get; } = centered;
    public double Mu { get; } = momentum;
    public EpsilonPlacement Placement { get; } = epsilonPlacement;

    public override string Type => WireNames.Optimizer.RmsProp;

    public override IReadOnlyList<string> StateNames { get; } =
        [.. new[] { "s" }, .. centered ? new[] { "gbar" } : [], .. momentum != 0 ? new[] { "b" } : []];

    public override IReadOnlyList<KeyValuePair<string, object>> Settings =>
        [Setting("type", Type), Setting("learningRate", LearningRate), Setting("rho", Rho), Setting("epsilon", Epsilon),
         Setting("epsilonPlacement", WireNames.RmsPropEpsilonPlacements.Name(Placement)),
         Setting("centered", Centered), Setting("momentum", Mu), Setting("weightDecay", WeightDecay)];

    // gbar is read by b; b by theta (theta reads every slot).
    // With momentum theta -= eta b reads b alone; without, theta -= eta g / denominator reads g, s and gbar.
    public override IReadOnlyList<int> StepReads => Mu != 0 ? [StateNames.Count - 1] : [.. Enumerable.Range(0, StateNames.Count)];
    public override bool StepReadsGradient => Mu == 0;

    public override IReadOnlyList<int> SlotReads(int slot) => StateNames[slot] == "b" ? [.. Enumerable.Range(0, slot)] : [];

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete)
    {
        var s = state[0];
        var gbar = Centered ? state[1] : null;
        var b = Mu != 0 ? state[^1] : null;
        for (int i = 0; i < theta.Length; i++) s[i] = Rho * s[i] + (1 - Rho) * g[i] * g[i];   // s = rho s + (1 - rho) g^2
        slotComplete(0);
        if (gbar is not null)
        {
            for (int i = 0; i < theta.Length; i++) gbar[i] = Rho * gbar[i] + (1 - Rho) * g[i];  // gbar = rho gbar + (1 - rho) g
            slotComplete(1);
        }
        if (b is not null)
        {
            for (int i = 0; i < theta.Length; i++) b[i] = Mu * b[i] + g[i] / Denominator(s, gbar, i);  // b = mu b + g / denominator
            slotComplete(state.Length - 1);
            for (int i = 0; i < theta.Length; i++) theta[i] -= LearningRate * b[i];                    // theta -= eta b
            return;
        }
        for (int i = 0; i < theta.Length; i++) theta[i] -= LearningRate * g[i] / Denominator(s, gbar, i); // theta -= eta g / denominator
    }

    // sqrt(s - gbar^2) + eps, or inside the root for Keras' placement
    double Denominator(double[] s, double[]? gbar, int i)
    {
        double variance = gbar is null ? s[i] : s[i] - gbar[i] * gbar[i];
        return Placement == EpsilonPlacement.InsideSqrt ? Math.Sqrt(variance + Epsilon) : Math.Sqrt(variance) + Epsilon;
    }
}
