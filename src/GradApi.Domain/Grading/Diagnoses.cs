using System.Globalization;
using GradApi.Domain.Losses;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Grading;

/// <summary>A wrong answer, as the diagnoses see it: flat values in row-major order and the shapes on both sides.</summary>
public sealed record WrongAnswer(
    TensorAddress Address,
    int[] ReferenceShape,
    double[] Reference,
    int[] SubmittedShape,
    double[] Submitted,
    double[]? FollowThrough,
    Tolerance Tolerance,
    bool ShapeMismatch);

/// <summary>
/// The common mistakes, each tried against a wrong answer; every one that reproduces the student's numbers
/// (within the answer's tolerance) is reported. Each is tried on the reference's values, by a run with the mistake
/// switched on made once per problem on first need and shared by every submission of a batch, and on the student's
/// own written values (<see cref="SubmissionContext"/>), by a run made once per submission where the mistake could
/// show; transforms of the expected value cost nothing.
/// </summary>
public sealed class Diagnoses
{
    readonly TrainingProblem _problem;
    readonly RecordedRun _reference;
    readonly Func<TracePoint, bool> _wanted;
    readonly IReadOnlyList<Candidate> _candidates;
    // By identity: a candidate's record equality would hash its whole problem on every lookup.
    readonly Dictionary<Candidate, Lazy<RecordedRun>> _referenceRuns = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<int, RecordedRun> _rounded = [];
    readonly Lock _roundedLock = new();
    // The slips made in one layer alone, by (mistake, layer); their runs sit in _referenceRuns with the others.
    readonly Dictionary<(Mistake, int), Candidate> _layerSlips = [];
    readonly CancellationToken _cancel;

    const string MissingDerivative =
        "Your value matches backprop without the activation derivative: delta = dJ/da times sigma'(z), and the factor sigma'(z) is missing.";
    const string ValueForDerivative =
        "Your value matches using the activation sigma(z) where its derivative sigma'(z) belongs (for the sigmoid, sigma'(z) = sigma(z)(1 - sigma(z))).";

    /// <param name="cancellation">Runs through every mistake, convention and rounding run.</param>
    public Diagnoses(TrainingProblem problem, RecordedRun reference, Func<TracePoint, bool> wanted, CancellationToken cancellation = default)
    {
        _problem = problem;
        _cancel = cancellation;
        _reference = reference;
        _wanted = wanted;
        _candidates = [.. Mistakes(problem), .. Conventions(problem)];
        foreach (var candidate in _candidates) _referenceRuns[candidate] = Run(candidate.Problem, candidate.Mistake);
        if (problem.Network.Layers.Count > 1)
            for (int layer = 0; layer < problem.Network.Layers.Count; layer++)
                foreach (var slip in LayerSlips(problem, layer))
                {
                    _layerSlips[(slip.Mistake, layer)] = slip;
                    _referenceRuns[slip] = Run(problem, slip.Mistake, layer);
                }
    }

    // sigma' left out, and sigma written for sigma' (elementwise activations other than the identity), in one layer.
    static IEnumerable<Candidate> LayerSlips(TrainingProblem problem, int layer)
    {
        yield return new(WireNames.DiagnosisCode.MissingActivationDerivative, MissingDerivative, null, problem, Mistake.MissingActivationDerivative, DeltaSite, layer);
        var activation = problem.Network.Layers[layer].Activation;
        if (activation.IsElementwise && activation.Name != WireNames.Activation.Identity)
            yield return new(WireNames.DiagnosisCode.ActivationValueForDerivative, ValueForDerivative, null, problem, Mistake.ActivationValueForDerivative,
                DerivativeSites(problem), layer);
    }

    /// <summary>
    /// A mistake to try: a slip switched on in the run (in one layer, or all) or another convention's problem, with the
    /// fields (bits 1 &lt;&lt; TraceField) whose computation it changes, so it is only run where it could show.
    /// </summary>
    public sealed record Candidate(string Code, string Message, string? Convention, TrainingProblem Problem, Mistake Mistake, int Sites, int? Layer = null)
    {
        /// <summary>This problem's state slot names in the candidate's problem, by position (heavy-ball's v is ema's m); null when alike.</summary>
        public IReadOnlyDictionary<string, string>? SlotNames { get; init; }

        /// <summary>A point of the graded problem as the candidate's run names it.</summary>
        public TracePoint InRun(TracePoint point) =>
            SlotNames is not null && point.Name is { } name && point.Field is TraceField.StateWeights or TraceField.StateBiases
                && SlotNames.TryGetValue(name, out var renamed) ? point with { Name = renamed } : point;

        /// <summary>An optimizer's other convention: its state shows it, and the steps after it are followed through under it.</summary>
        public bool IsOptimizerConvention => Convention is not null && (Sites & Fields(TraceField.StateWeights)) != 0;
    }

    /// <summary>The bits of a set of fields, as <see cref="Candidate.Sites"/> and <see cref="FollowThrough.OpenFields"/> count them.</summary>
    public static int Fields(params TraceField[] fields)
    {
        int bits = 0;
        foreach (var field in fields) bits |= 1 << (int)field;
        return bits;
    }

    static readonly int DeltaSite = Fields(TraceField.Delta);
    // sigma for sigma' changes sigma'; and the output delta where the loss fuses with the output (its short form a - y is then not taken).
    static int DerivativeSites(TrainingProblem problem) => Fields(TraceField.ActivationDerivative) | FusedDelta(problem);

    static int FusedDelta(TrainingProblem problem) =>
        problem.Loss.Loss.FusesWith(problem.Network.Layers[^1].Activation) ? Fields(TraceField.Delta) : 0;
    static readonly int StepSites = Fields(TraceField.Weights, TraceField.Biases);
    // eta enters the state (heavy-ball) or the step (pytorch, sgd).
    static readonly int LearningRateSites = Fields(TraceField.StateWeights, TraceField.StateBiases, TraceField.Weights, TraceField.Biases,
        TraceField.LookAheadWeights, TraceField.LookAheadBiases);
    // An optimizer's convention shows in its state: on a student's own written state, theta + v against theta - v is the
    // step's direction, not a convention.
    static readonly int OptimizerSites = Fields(TraceField.StateWeights, TraceField.StateBiases, TraceField.LookAheadWeights, TraceField.LookAheadBiases);
    // A loss or reduction convention changes the loss and dJ/da, and the output delta where the loss fuses with the output.
    static int LossSites(TrainingProblem problem) =>
        Fields(TraceField.LossPerExample, TraceField.LossValue, TraceField.LossAlso, TraceField.OutputGradient) | FusedDelta(problem);

    /// <param name="context">The submission's own numbers (follow-through on): each mistake is then also tried as the student
    /// would make it, on their values as written.</param>
    public IReadOnlyList<Diagnosis> Explain(WrongAnswer answer, SubmissionContext? context = null)
    {
        var found = new List<Diagnosis>();
        double[][] expectations = answer.FollowThrough is { } ft && !ft.AsSpan().SequenceEqual(answer.Reference)
            ? [answer.Reference, ft]
            : [answer.Reference];
        // Loops rather than LINQ over lambdas that capture the answer: a class's wrong answers each go through all of this.
        if (answer.ShapeMismatch)
        {
            if (AnyTransposed(answer, expectations)) found.Add(TransposedDiagnosis);
            return found;
        }

        if (AnyReproduces(answer, expectations, static x => -x))
            found.Add(new(WireNames.DiagnosisCode.SignFlipped, "Your value is the expected one with the opposite sign. Check the sign of the gradient (a - y, not y - a) and of the step."));
        if (AnyTransposed(answer, expectations)) found.Add(TransposedDiagnosis);
        if (AnyReproduces(answer, expectations, static x => 2 * x) || AnyReproduces(answer, expectations, static x => x / 2))
            found.Add(new(WireNames.DiagnosisCode.FactorOfTwo, "Your value is twice or half the expected one. Check the 1/2 in the loss and the 2 that differentiating a square brings down."));

        foreach (var candidate in _candidates)
            if (!Found(found, candidate.Code, candidate.Convention, anyConvention: false)
                && (Matches(answer, _referenceRuns[candidate].Value, InRun(answer.Address, candidate))
                    || context?.Reproduces(answer, candidate) == true))
                found.Add(new(candidate.Code, candidate.Message, candidate.Convention));

        // The same slips made in the answer's layer alone, the layers above it right: a student who got the delta
        // above right and then left sigma' out here is not reproduced by the run that slips in every layer.
        if (answer.Address.Kind is AddressKind.Traced or AddressKind.Final && LayerField(answer.Address.Node.Field) && _problem.Network.Layers.Count > 1)
        {
            int layer = answer.Address.Node.Layer;
            foreach (var slip in LayerSlipMistakes)
                if (_layerSlips.TryGetValue((slip, layer), out var candidate) && !Found(found, candidate.Code, null, anyConvention: true)
                    && (Matches(answer, _referenceRuns[candidate].Value) || context?.Reproduces(answer, candidate) == true))
                    found.Add(new(candidate.Code, candidate.Message));
        }

        if (answer.Address.Kind == AddressKind.Traced)
        {
            int iteration = answer.Address.Node.IterationIndex;
            for (int other = iteration - 1; other <= iteration + 1; other += 2)
                if (other >= 0 && (Matches(answer, _reference, answer.Address.AtIteration(other)) || context?.Wrote(answer, answer.Address.AtIteration(other)) == true))
                    found.Add(new(WireNames.DiagnosisCode.WrongIteration, $"Your value is the one for iteration {other + 1}; this path is iteration {iteration + 1}."));
            int layer = answer.Address.Node.Layer;
            for (int other = 0; other < _problem.Network.Layers.Count; other++)
                if (other != layer && LayerField(answer.Address.Node.Field)
                    && (Matches(answer, _reference, answer.Address.AtLayer(other)) || context?.Wrote(answer, answer.Address.AtLayer(other)) == true))
                    found.Add(new(WireNames.DiagnosisCode.WrongLayer, $"Your value belongs to layer {other} ({_problem.Network.Layers[other].Name}); this path is layer {layer} ({_problem.Network.Layers[layer].Name})."));
        }

        if (RoundedTooEarly(answer) is int decimals)
            found.Add(new(WireNames.DiagnosisCode.RoundedTooEarly, $"Your value is what the computation gives with the intermediate values rounded to {decimals} decimals. Keep more digits until the final answer."));
        else if (FirstRoundedTo(answer, expectations) is int written)
            found.Add(new(WireNames.DiagnosisCode.RoundedTooEarly, $"Your value is the expected one rounded to {written} decimals, fewer than the tolerance ({answer.Tolerance}) asks. Keep more digits."));
        return found;
    }

    static readonly Mistake[] LayerSlipMistakes = [Mistake.MissingActivationDerivative, Mistake.ActivationValueForDerivative];

    // A diagnosis with the code (and the convention, unless any will do) is already found.
    static bool Found(List<Diagnosis> found, string code, string? convention, bool anyConvention)
    {
        foreach (var d in found)
            if (d.Code == code && (anyConvention || d.Convention == convention)) return true;
        return false;
    }

    // The answer's address as the candidate's run names it: the same address unless the run names the node otherwise.
    static TensorAddress InRun(TensorAddress address, Candidate candidate)
    {
        var node = candidate.InRun(address.Node);
        return node == address.Node ? address : address with { Node = node };
    }

    static bool AnyTransposed(WrongAnswer answer, double[][] expectations)
    {
        foreach (var r in expectations)
            if (Transposed(answer, r)) return true;
        return false;
    }

    static bool AnyReproduces(WrongAnswer answer, double[][] expectations, Func<double, double> transform)
    {
        foreach (var r in expectations)
            if (Reproduces(answer, r, transform)) return true;
        return false;
    }

    static int? FirstRoundedTo(WrongAnswer answer, double[][] expectations)
    {
        foreach (var e in expectations)
            if (RoundedTo(answer, e) is int written) return written;
        return null;
    }

    // The student's numbers are an expectation rounded to the d decimals they wrote (d >= 2), a rounding the tolerance does not accept.
    static int? RoundedTo(WrongAnswer answer, double[] expected)
    {
        // A value written as 0 (or whole) may be one rounded to 2 decimals: 0 for 0.0007.
        int written = Math.Max(DecimalsWritten(answer.Submitted), 2);
        if (written > MaxRoundingDecimals) return null;
        var withinRounding = new Tolerance(ToleranceKind.Decimals, Decimals: written);
        return AllAccepted(answer.Submitted, expected, withinRounding) ? written : null;
    }

    /// <summary>
    /// The runs one submission's diagnoses may make on its own numbers: a follow-through run per mistake and convention,
    /// and two per layer its answers name (the one-layer slips); the price counts them all.
    /// </summary>
    public static int RunsPerSubmission(TrainingProblem problem, int answeredLayers) =>
        // The variants, not their candidates: counting needs neither the messages nor the state slots' names.
        Mistakes(problem).Count() + ConventionVariants(problem).Count() + GradingPrice.SlipRunsPerLayer * answeredLayers;

    /// <summary>The candidate whose other convention a diagnosis names, for following a convention through.</summary>
    public Candidate? ConventionOf(Diagnosis diagnosis) =>
        _candidates.FirstOrDefault(c => c.Code == diagnosis.Code && c.Convention is not null && c.Convention == diagnosis.Convention);

    const int MaxRoundingDecimals = 8;

    static readonly Diagnosis TransposedDiagnosis = new(WireNames.DiagnosisCode.Transposed,
        "Your matrix is the transpose of the expected one. Weights and their gradients are [out][in]: dJ/dW = delta^T times the layer input.");

    static bool LayerField(TraceField field) => field is not (TraceField.LossPerExample or TraceField.LossValue or TraceField.LossAlso or TraceField.OutputGradient);

    static IEnumerable<Candidate> Mistakes(TrainingProblem problem)
    {
        var optimizer = problem.Optimizer;
        yield return new(WireNames.DiagnosisCode.MissingActivationDerivative, MissingDerivative, null, problem, Mistake.MissingActivationDerivative, DeltaSite);
        if (problem.Network.Layers.Any(l => l.Activation.IsElementwise && l.Activation.Name != WireNames.Activation.Identity))
            yield return new(WireNames.DiagnosisCode.ActivationValueForDerivative, ValueForDerivative, null, problem, Mistake.ActivationValueForDerivative, DerivativeSites(problem));
        if (optimizer.LearningRate != 1)
            yield return new(WireNames.DiagnosisCode.LearningRateNotApplied,
                $"Your value matches the update without the learning rate: the step is multiplied by eta = {optimizer.LearningRate.ToString(CultureInfo.InvariantCulture)}.",
                null, problem with { Optimizer = optimizer.WithLearningRate(1) }, Mistake.None, LearningRateSites);
        yield return new(WireNames.DiagnosisCode.StepInWrongDirection,
            "Your value matches stepping up the gradient (theta + eta g). Gradient descent moves against the gradient: theta - eta g.",
            null, problem, Mistake.StepInWrongDirection, StepSites);
        if (problem.Network.Layers.Count > 1)
            yield return new(WireNames.DiagnosisCode.UsedUpdatedWeights,
                "Your value matches backprop through weights already updated in this iteration. Backprop uses the weights of the forward pass; update them only after every gradient is computed.",
                null, problem, Mistake.UsedUpdatedWeights, DeltaSite);
    }

    static IEnumerable<Candidate> Conventions(TrainingProblem problem)
    {
        string described = Describe(problem);
        foreach (var (convention, variant, sites) in ConventionVariants(problem))
            yield return new(WireNames.DiagnosisCode.OtherConvention,
                $"Your value matches the {convention} convention. This problem uses {described}; see the optimizer and loss echoed in /v1/train's response.",
                convention, variant, Mistake.None, sites) { SlotNames = SlotNamesIn(problem, variant) };
    }

    // The graded problem's slot names mapped to the variant's, when a convention names its state otherwise.
    static IReadOnlyDictionary<string, string>? SlotNamesIn(TrainingProblem problem, TrainingProblem variant)
    {
        var own = problem.Optimizer.StateNames;
        var theirs = variant.Optimizer.StateNames;
        if (own.SequenceEqual(theirs) || own.Count != theirs.Count) return null;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < own.Count; s++) names[own[s]] = theirs[s];
        return names;
    }

    // Other conventions of the same loss or optimizer, each a whole problem.
    static IEnumerable<(string, TrainingProblem, int)> ConventionVariants(TrainingProblem p)
    {
        var squared = new Loss[] { HalfSse.Instance, Sse.Instance, Mse.Instance };
        if (squared.Contains(p.Loss.Loss))
            foreach (var loss in squared.Where(l => l != p.Loss.Loss))
                yield return ($"loss {loss.Name}", p with { Loss = p.Loss with { Loss = loss } }, LossSites(p));
        var otherReduction = p.Loss.Reduction == Reduction.Sum ? Reduction.Mean : Reduction.Sum;
        if (p.Sampling is not Networks.Sampling.Sequential and not Networks.Sampling.Random)
            yield return ($"reduction {WireNames.Reductions.Name(otherReduction)}", p with { Loss = p.Loss with { Reduction = otherReduction } }, LossSites(p));

        switch (p.Optimizer)
        {
            case Momentum m:
                foreach (var convention in Enum.GetValues<MomentumConvention>().Where(c => c != m.Convention))
                    yield return ($"momentum {WireNames.MomentumConventions.Name(convention)}",
                        p with { Optimizer = new Momentum(m.LearningRate, m.Mu, convention, 0, m.WeightDecay) }, OptimizerSites);
                break;
            case Nesterov n:
                var otherNesterov = n.Convention == NesterovConvention.PyTorch ? NesterovConvention.Sutskever : NesterovConvention.PyTorch;
                yield return ($"nesterov {WireNames.NesterovConventions.Name(otherNesterov)}",
                    p with { Optimizer = new Nesterov(n.LearningRate, n.Mu, otherNesterov, n.WeightDecay) }, OptimizerSites);
                break;
            case Adam a:
                foreach (var placement in Enum.GetValues<EpsilonPlacement>().Where(e => e != a.Placement))
                    yield return ($"epsilon {WireNames.AdamEpsilonPlacements.Name(placement)}",
                        p with { Optimizer = new Adam(a.LearningRate, a.Beta1, a.Beta2, a.Epsilon, a.BiasCorrection, a.Amsgrad, placement, a.WeightDecay, a.Decoupled) }, OptimizerSites);
                yield return (a.BiasCorrection ? "adam without bias correction" : "adam with bias correction",
                    p with { Optimizer = new Adam(a.LearningRate, a.Beta1, a.Beta2, a.Epsilon, !a.BiasCorrection, a.Amsgrad, a.Placement, a.WeightDecay, a.Decoupled) }, OptimizerSites);
                break;
            case RmsProp r:
                var otherPlacement = r.Placement == EpsilonPlacement.InsideSqrt ? EpsilonPlacement.OutsideSqrt : EpsilonPlacement.InsideSqrt;
                yield return ($"epsilon {WireNames.RmsPropEpsilonPlacements.Name(otherPlacement)}",
                    p with { Optimizer = new RmsProp(r.LearningRate, r.Rho, r.Epsilon, r.Centered, r.Mu, otherPlacement, r.WeightDecay) }, OptimizerSites);
                break;
        }
    }

    static string Describe(TrainingProblem p)
    {
        string optimizer = p.Optimizer switch
        {
            Momentum m => $"momentum {WireNames.MomentumConventions.Name(m.Convention)}",
            Nesterov n => $"nesterov {WireNames.NesterovConventions.Name(n.Convention)}",
            Adam a => $"{a.Type} with epsilon {WireNames.AdamEpsilonPlacements.Name(a.Placement)}{(a.BiasCorrection ? "" : " without bias correction")}",
            RmsProp r => $"rmsprop with epsilon {WireNames.RmsPropEpsilonPlacements.Name(r.Placement)}",
            var o => o.Type,
        };
        return $"loss {p.Loss.Loss.Name}, reduction {WireNames.Reductions.Name(p.Loss.Reduction)} and {optimizer}";
    }

    Lazy<RecordedRun> Run(TrainingProblem problem, Mistake mistake = Mistake.None, int? layer = null) =>
        new(() => RecordedRun.Of(problem, _wanted, mistake, mistakeLayer: layer, cancellation: _cancel), LazyThreadSafetyMode.ExecutionAndPublication);

    // The student's numbers reproduce a run's value at the answer's address, and that value is not the reference's.
    bool Matches(WrongAnswer answer, RecordedRun run, TensorAddress? address = null)
    {
        address ??= answer.Address;
        if (!run.TryGet(address, out var tensor) || !Slice.TryTake(tensor, address.Element, out var shape, out int offset, out int length))
            return false;
        if (length != answer.Submitted.Length || !Slice.Conforms(shape, answer.SubmittedShape)) return false;
        var values = tensor.Data.AsSpan(offset, length);
        return AllAccepted(answer.Submitted, values, answer.Tolerance) && !AllAccepted(values, answer.Reference, answer.Tolerance);
    }

    static bool Reproduces(WrongAnswer answer, double[] reference, Func<double, double> transform)
    {
        var candidate = new double[reference.Length];
        for (int i = 0; i < candidate.Length; i++) candidate[i] = transform(reference[i]);
        return AllAccepted(answer.Submitted, candidate, answer.Tolerance) && !AllAccepted(candidate, reference, answer.Tolerance);
    }

    // s[j][i] = r[i][j] for an [m][n] reference (submitted as [n][m], or [m][m] when square).
    static bool Transposed(WrongAnswer answer, double[] reference)
    {
        var shape = answer.ReferenceShape;
        if (shape.Length != 2 || shape[0] == 1 && shape[1] == 1) return false;
        int m = shape[0], n = shape[1];
        if (answer.SubmittedShape.Length != 2 || answer.SubmittedShape[0] != n || answer.SubmittedShape[1] != m) return false;
        var transposed = Slice.Transpose(reference, m, n);
        // [n][m] for an [m][n] matrix shows the transposition by its shape; a square one only where its values differ.
        return AllAccepted(answer.Submitted, transposed, answer.Tolerance) && (m != n || !AllAccepted(transposed, reference, answer.Tolerance));
    }

    // The intermediates rounded to d decimals (d from the decimals the student wrote down to 2), the answer then
    // computed from them: right within the rounding of the student's own last decimal. The largest such d is named.
    int? RoundedTooEarly(WrongAnswer answer)
    {
        int written = DecimalsWritten(answer.Submitted);
        if (written == 0) return null;
        var lastDecimal = new Tolerance(ToleranceKind.Absolute, Absolute: 0.51 * Math.Pow(10, -Math.Min(written, 15)) + 1e-12);
        // One decimal leaves a band of 0.05: too wide to tell rounding from any other slip.
        for (int d = Math.Min(written, MaxRoundingDecimals); d >= 2; d--)
        {
            if (!Rounded(d).TryGet(answer.Address, out var tensor)
                || !Slice.TryTake(tensor, answer.Address.Element, out _, out int offset, out int length) || length != answer.Submitted.Length)
                return null;
            var values = tensor.Data.AsSpan(offset, length);
            if (AllAccepted(answer.Submitted, values, lastDecimal) && !AllAccepted(values, answer.Reference, answer.Tolerance)) return d;
        }
        return null;
    }

    RecordedRun Rounded(int decimals)
    {
        lock (_roundedLock)
        {
            if (!_rounded.TryGetValue(decimals, out var rounded))
                _rounded[decimals] = rounded = RecordedRun.Of(_problem, _wanted, Mistake.None, t => Round(t, decimals), cancellation: _cancel);
            return rounded;
        }
    }

    static Tensor Round(Tensor tensor, int decimals)
    {
        var rounded = new double[tensor.Length];
        for (int i = 0; i < rounded.Length; i++)
            rounded[i] = double.IsFinite(tensor.Data[i]) ? Math.Round(tensor.Data[i], decimals, MidpointRounding.AwayFromZero) : tensor.Data[i];
        return new Tensor(tensor.Shape, rounded);
    }

    internal static bool AllAccepted(ReadOnlySpan<double> submitted, ReadOnlySpan<double> reference, Tolerance tolerance)
    {
        for (int i = 0; i < submitted.Length; i++)
            if (!tolerance.Accepts(submitted[i], reference[i])) return false;
        return true;
    }

    /// <summary>The most decimals the student wrote in any element (0.0087 has 4; 1E-05 has 5).</summary>
    public static int DecimalsWritten(IEnumerable<double> values)
    {
        int most = 0;
        foreach (var x in values)
        {
            if (!double.IsFinite(x)) continue;
            string text = x.ToString("R", CultureInfo.InvariantCulture);
            int e = text.IndexOfAny(['E', 'e']);
            string mantissa = e < 0 ? text : text[..e];
            int exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
            int dot = mantissa.IndexOf('.');
            int decimals = (dot < 0 ? 0 : mantissa.Length - dot - 1) - exponent;
            most = Math.Max(most, decimals);
        }
        return most;
    }
}
