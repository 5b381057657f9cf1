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

    public override string Type => Decoupled ? "adamw" : "adam";

    // Keras' form never forms mhat and vhat, so they are not reported there.
    public override IReadOnlyList<string> StateNames { get; } = epsilonPlacement == EpsilonPlacement.Keras
        ? [.. new[] { "m", "v" }, .. amsgrad ? new[] { "vmax" } : []]
        : [.. new[] { "m", "v", "mhat", "vhat" }, .. amsgrad ? new[] { "vmax" } : []];

    public override IReadOnlyList<KeyValuePair<string, object>> Settings =>
        [Setting("type", Type), Setting("learningRate", LearningRate), Setting("beta1", Beta1), Setting("beta2", Beta2),
         Setting("epsilon", Epsilon), Setting("epsilonPlacement", PlacementName(Placement)), Setting("biasCorrection", BiasCorrection),
         Setting("amsgrad", Amsgrad), Setting("weightDecay", WeightDecay)];

    public static string PlacementName(EpsilonPlacement placement) => placement switch
    {
        EpsilonPlacement.InsideSqrt => "inside_sqrt",
        EpsilonPlacement.Keras => "keras",
        _ => "outside_sqrt",
    };

    public override void Step(Span<double> theta, ReadOnlySpan<double> gradient, double[][] state, int t, ReadOnlySpan<double> gradientPoint)
    {
        if (!Decoupled)
        {
            base.Step(theta, gradient, state, t, gradientPoint);
            return;
        }
        // AdamW: theta -= eta lambda theta, then the Adam step on the plain gradient.
        for (int i = 0; i < theta.Length; i++) theta[i] -= LearningRate * WeightDecay * theta[i];
        Apply(theta, gradient, state, t);
    }

    protected override void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t)
    {
        double[] m = state[0], v = state[1];
        double[]? vmax = Amsgrad ? state[^1] : null;
        double correction1 = BiasCorrection ? 1 - Math.Pow(Beta1, t) : 1;
        double correction2 = BiasCorrection ? 1 - Math.Pow(Beta2, t) : 1;
        for (int i = 0; i < theta.Length; i++)
        {
            m[i] = Beta1 * m[i] + (1 - Beta1) * g[i];
            v[i] = Beta2 * v[i] + (1 - Beta2) * g[i] * g[i];
            double second = v[i];
            if (vmax is not null) second = vmax[i] = Math.Max(vmax[i], v[i]);

            if (Placement == EpsilonPlacement.Keras)
            {
                // theta -= eta sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)
                theta[i] -= LearningRate * Math.Sqrt(correction2) / correction1 * m[i] / (Math.Sqrt(second) + Epsilon);
                continue;
            }
            double mhat = state[2][i] = m[i] / correction1;
            double vhat = state[3][i] = second / correction2;
            double denominator = Placement == EpsilonPlacement.InsideSqrt ? Math.Sqrt(vhat + Epsilon) : Math.Sqrt(vhat) + Epsilon;
            theta[i] -= LearningRate * mhat / denominator;
        }
    }
}
