using GradApi.Domain.Numerics;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Optimizers;

/// <summary>
/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; theta -= eta mhat / (sqrt(vhat) + eps),
/// mhat = m / (1 - b1^t), vhat = v / (1 - b2^t). AdamW first decays theta -= eta lambda theta.
/// amsgrad keeps vmax = max(vmax, v) and uses it for vhat (PyTorch semantics).
/// </summary>
public sealed class Adam(double learningRate, double beta1 = Adam.DefaultBeta1, double beta2 = Adam.DefaultBeta2,
    double epsilon = Adam.DefaultEpsilon, bool biasCorrection = true, bool amsgrad = false,
    EpsilonPlacement epsilonPlacement = EpsilonPlacement.OutsideSqrt, double weightDecay = 0, bool decoupledWeightDecay = false)
    : Optimizer(learningRate, weightDecay)
{
    public const double DefaultBeta1 = 0.9;
    public const double DefaultBeta2 = 0.999;
    public const double DefaultEpsilon = 1e-8;
    public double Beta1 { get; } = beta1;
    public double Beta2 { get; } = beta2;
    public double Epsilon { get; } = epsilon;
    public bool BiasCorrection { get; } = biasCorrection;
    public bool Amsgrad { get; } = amsgrad;
    public EpsilonPlacement Placement { get; } = epsilonPlacement;
    public bool Decoupled { get; } = decoupledWeightDecay;

    public override string Type => Decoupled ? WireNames.Optimizer.AdamW : WireNames.Optimizer.Adam;

    // Keras' form never forms mhat and vhat, so they are not reported there.
    public override IReadOnlyList<string> StateNames { get; } = epsilonPlacement == EpsilonPlacement.Keras
        ? [.. new[] { "m", "v" }, .. amsgrad ? new[] { "vmax" } : []]
        : [.. new[] { "m", "v", "mhat", "vhat" }, .. amsgrad ? new[] { "vmax" } : []];

    public override IReadOnlyList<KeyValuePair<string, object>> Settings =>
        [Setting("type", Type), Setting("learningRate", LearningRate), Setting("beta1", Beta1), Setting("beta2", Beta2),
         Setting("epsilon", Epsilon), Setting("epsilonPlacement", WireNames.AdamEpsilonPlacements.Name(Placement)), Setting("biasCorrection", BiasCorrection),
         Setting("amsgrad", Amsgrad), Setting("weightDecay", WeightDecay)];

    public override void Step(Span<double> theta, ReadOnlySpan<double> gradient, double[][] state, int t,
        ReadOnlySpan<double> gradientPoint, SlotComplete? slotComplete = null)
    {
        if (!Decoupled)
        {
            base.Step(theta, gradient, state, t, gradientPoint, slotComplete);
            return;
        }
        // AdamW: theta -= eta lambda theta, then the Adam step on the plain gradient.
        Elementwise.AddScaled(theta, theta, -(LearningRate * WeightDecay));
        Apply(theta, gradient, state, t, slotComplete ?? Ignore);
    }

    // vmax reads v; mhat reads m; vhat reads v, or vmax under amsgrad. m and v read only g and themselves.
    public override IReadOnlyList<int> SlotReads(int slot) => StateNames[slot] switch
    {
        "vmax" => [1],
        "mhat" => [0],
        "vhat" => [Amsgrad ? StateNames.Count - 1 : 1],
        _ => [],
    };

    public override bool IsRecurrent(int slot) => StateNames[slot] is not ("mhat" or "vhat");

    // mhat = m / (1 - b1^t) and vhat = v / (1 - b2^t): g enters through m and v only.
    public override bool SlotReadsGradient(int slot) => StateNames[slot] is not ("mhat" or "vhat");

    // theta reads mhat and vhat; in Keras' form m and v (vmax under amsgrad). Never g itself.
    public override IReadOnlyList<int> StepReads => Placement == EpsilonPlacement.Keras ? [0, Amsgrad ? StateNames.Count - 1 : 1] : [2, 3];
    public override bool StepReadsGradient => false;

    // The one-pass form of Apply below, reading the old theta, m and v and writing new ones.
    public override bool StepsOutOfPlace => !Decoupled && !Amsgrad && WeightDecay == 0;

    public override void StepInto(ReadOnlySpan<double> theta, Span<double> thetaOut, ReadOnlySpan<double> g, double[][] state, double[][] stateOut, int t)
    {
        if (!StepsOutOfPlace) throw new NotSupportedException("AdamW, amsgrad and an L2 penalty step in place");
        OnePass(theta, thetaOut, g, state, stateOut, t);
    }

    // Every slot and theta in one pass (no amsgrad), from theta and state into thetaOut and stateOut (the same arrays in place).
    void OnePass(ReadOnlySpan<double> theta, Span<double> thetaOut, ReadOnlySpan<double> g, double[][] state, double[][] stateOut, int t)
    {
        double c1 = BiasCorrection ? 1 - Math.Pow(Beta1, t) : 1, c2 = BiasCorrection ? 1 - Math.Pow(Beta2, t) : 1;
        bool keras = Placement == EpsilonPlacement.Keras;
        Elementwise.AdamStep(theta, thetaOut, g, state[0], stateOut[0], state[1], stateOut[1], keras ? default : stateOut[2], keras ? default : stateOut[3],
            Beta1, Beta2, c1, c2, keras ? LearningRate * Math.Sqrt(c2) / c1 : LearningRate, Epsilon, Placement == EpsilonPlacement.InsideSqrt);
    }

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete)
    {
        double[] m = state[0], v = state[1];
        if (ReferenceEquals(slotComplete, Ignore) && !Amsgrad)
        {
            // No one reads a slot before the step ends: every slot and theta in one pass, the same formulas element by element.
            OnePass(theta, theta, g, state, state, t);
            return;
        }
        Elementwise.Blend(m, Beta1, g, 1 - Beta1);                                                // m = b1 m + (1 - b1) g
        slotComplete(0);
        Elementwise.BlendSquare(v, Beta2, g, 1 - Beta2);                                          // v = b2 v + (1 - b2) g^2
        slotComplete(1);
        double[] second = v;
        if (Amsgrad)
        {
            second = state[^1];
            for (int i = 0; i < theta.Length; i++) second[i] = Math.Max(second[i], v[i]);          // vmax = max(vmax, v)
            slotComplete(state.Length - 1);
        }

        double correction1 = BiasCorrection ? 1 - Math.Pow(Beta1, t) : 1;
        double correction2 = BiasCorrection ? 1 - Math.Pow(Beta2, t) : 1;
        if (Placement == EpsilonPlacement.Keras)
        {
            // theta -= eta sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)
            Elementwise.AdaptiveStep(theta, LearningRate * Math.Sqrt(correction2) / correction1, m, second, Epsilon, insideSqrt: false);
            return;
        }
        double[] mhat = state[2], vhat = state[3];
        Elementwise.Divide(m, correction1, mhat);                                                 // mhat = m / (1 - b1^t)
        slotComplete(2);
        Elementwise.Divide(second, correction2, vhat);                                            // vhat = v / (1 - b2^t)
        slotComplete(3);
        // theta -= eta mhat / (sqrt(vhat) + eps), or eta mhat / sqrt(vhat + eps)
        Elementwise.AdaptiveStep(theta, LearningRate, mhat, vhat, Epsilon, insideSqrt: Placement == EpsilonPlacement.InsideSqrt);
    }
}
