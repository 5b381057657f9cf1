namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>
/// One answer of a worked sheet with the mark a careful marker gives it: credited (correct or follow-through) unless
/// the mistake itself shows there; then not credited (shape_mismatch when written transposed) and named by one of
/// <see cref="Codes"/> (null: no particular code is required).
/// </summary>
internal sealed record SheetAnswer(Site Site, T2 Written, bool Credited, bool ShapeMismatch, string[]? Codes);

internal sealed record Sheet(string Id, HandProblem Problem, int Decimals, MistakePlan Plan, IReadOnlyList<SheetAnswer> Answers)
{
    /// <summary>Whether the mistake shows anywhere (a mistake that leaves every number as a right one would is no mistake to mark).</summary>
    public bool MistakeShows => Answers.Any(a => !a.Credited);

    // A sheet is one student's: compared by identity (the report groups a hundred thousand answers by sheet).
    public bool Equals(Sheet? other) => ReferenceEquals(this, other);
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}

/// <summary>
/// A student working a problem by hand: every tensor of the sheet written rounded to D decimals, every next tensor
/// computed from the rounded numbers written before (sigma' = a(1 - a) from the written a; the output delta a - y
/// for bce + sigmoid and ce + softmax), with at most one mistake as <see cref="MistakePlan"/> says. The marker's
/// rule comes from the same pass: the student knows where they went wrong.
/// </summary>
internal sealed class Student
{
    readonly HandProblem problem;
    readonly int? decimals;
    readonly double tolerance;
    readonly MistakePlan plan;
    readonly IReadOnlyDictionary<string, T2>? reference;
    readonly Dictionary<string, T2> written = [];
    readonly List<SheetAnswer> answers = [];
    readonly Dictionary<string, bool> creditedAt = [];

    Student(HandProblem problem, int? decimals, MistakePlan plan, IReadOnlyDictionary<string, T2>? reference)
    {
        this.problem = problem;
        this.decimals = decimals;
        tolerance = decimals is int d ? 0.51 * Math.Pow(10, -d) : 1e-12;
        this.plan = plan;
        this.reference = reference;
    }

    /// <summary>The sheet of a student writing D decimals, with the marks; null if the numbers ran away (not finite, or past 1e4).</summary>
    public static Sheet? Work(HandProblem problem, int decimals, MistakePlan plan, IReadOnlyDictionary<string, T2> reference, string id)
    {
        var student = new Student(problem, decimals, plan, reference);
        student.Run();
        if (!student.answers.All(a => a.Written.IsFinite(1e4))) return null;
        return new Sheet(id, problem, decimals, plan, student.answers);
    }

    /// <summary>The exact computation (no rounding, no mistake): the reference the service should hold.</summary>
    public static IReadOnlyDictionary<string, T2> Reference(HandProblem problem)
    {
        var student = new Student(problem, null, MistakePlan.NoMistake, null);
        student.Run();
        return student.written;
    }

    /// <summary>The sites where the plan's mistake could be made on this problem (the plan must be a dry run).</summary>
    public static IReadOnlyList<Site> Eligible(HandProblem problem, int decimals, MistakePlan dryRun)
    {
        new Student(problem, decimals, dryRun, null).Run();
        return dryRun.Eligible;
    }

    static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    static T2 Softmax(T2 z) => new(z.V.Select(row =>
    {
        double max = row.Max();
        var e = row.Select(x => Math.Exp(x - max)).ToArray();
        double sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }).ToArray());

    void Run()
    {
        int layers = problem.LayerCount;
        var weights = problem.Weights.ToArray();
        var biases = problem.Biases.ToArray();
        var state = Enumerable.Range(0, layers).Select(_ => new Dictionary<string, T2>()).ToArray();
        var y = problem.Targets;

        for (int t = 1; t <= problem.Iterations; t++)
        {
            int i = t - 1;
            var inputs = new T2[layers];
            var a = new T2[layers];
            var derivative = new T2?[layers];
            var previous = problem.Inputs;
            for (int l = 0; l < layers; l++)
            {
                inputs[l] = previous;
                string at = $"/iterations/{i}/forward/layers/{l}";
                var z = Emit(new Site(t, What.Z, l, at + "/z"), previous.MatMul(weights[l].Transpose()).AddRow(biases[l]));
                bool softmax = l == layers - 1 && problem.SoftmaxOutput;
                a[l] = Emit(new Site(t, What.A, l, at + "/a"), softmax ? Softmax(z) : z.Map(Sigmoid));
                if (!softmax)
                {
                    var site = new Site(t, What.ActivationDerivative, l, at + "/activationDerivative");
                    var honest = a[l].Hadamard(a[l].Map(x => 1 - x));  // sigma' = a (1 - a), from the written a
                    derivative[l] = Emit(site, honest, plan.Makes(Mistake.ActivationValueForDerivative, site) ? a[l] : null);
                }
                previous = a[l];
            }

            var output = a[layers - 1];
            var lossSite = new Site(t, What.Loss, layers - 1, $"/iterations/{i}/loss/value");
            bool sse = problem.Loss == "half_sse" && plan.Swap == ConventionSwap.SseLoss && plan.Makes(Mistake.OtherConvention, lossSite);
            Emit(lossSite, T2.Scalar(Loss(output, y, 0.5)), sse ? T2.Scalar(Loss(output, y, 1)) : null);

            var gradientSite = new Site(t, What.OutputGradient, layers - 1, $"/iterations/{i}/backward/outputGradient");
            T2? wrongGradient = null;
            if (problem.Loss == "half_sse")
            {
                if (plan.Makes(Mistake.SignFlipped, gradientSite)) wrongGradient = y - output;
                if (plan.Makes(Mistake.FactorOfTwo, gradientSite)) wrongGradient = 2 * (output - y);
                if (plan.Swap == ConventionSwap.SseLoss && plan.Makes(Mistake.OtherConvention, gradientSite)) wrongGradient = 2 * (output - y);
            }
            var outputGradient = Emit(gradientSite, OutputGradient(output, y), wrongGradient);

            T2? deltaAbove = null, weightsAboveBefore = null, weightsAboveAfter = null;
            for (int l = layers - 1; l >= 0; l--)
            {
                string at = $"/iterations/{i}/backward/layers/{l}";
                var deltaSite = new Site(t, What.Delta, l, at + "/delta");
                T2 honestDelta;
                T2? wrongDelta = null;
                if (l == layers - 1 && problem.FusedOutput)
                {
                    honestDelta = output - y;  // bce + sigmoid, ce + softmax: delta = a - y
                    if (plan.Makes(Mistake.SignFlipped, deltaSite)) wrongDelta = y - output;
                    if (plan.Makes(Mistake.FactorOfTwo, deltaSite)) wrongDelta = 2 * (output - y);
                }
                else if (l == layers - 1)
                {
                    honestDelta = outputGradient.Hadamard(derivative[l]!);  // delta = dJ/da sigma'
                    if (plan.Makes(Mistake.MissingActivationDerivative, deltaSite)) wrongDelta = outputGradient;
                }
                else
                {
                    var back = deltaAbove!.MatMul(weightsAboveBefore!);  // W^T delta, per example
                    honestDelta = back.Hadamard(derivative[l]!);
                    if (plan.Makes(Mistake.MissingActivationDerivative, deltaSite)) wrongDelta = back;
                    if (plan.Makes(Mistake.UsedUpdatedWeights, deltaSite)) wrongDelta = deltaAbove.MatMul(weightsAboveAfter!).Hadamard(derivative[l]!);
                }
                bool zeroed = l == layers - 1 && t == problem.Iterations && plan.Makes(Mistake.DegenerateFollowThrough, deltaSite);
                if (zeroed) wrongDelta = T2.ZerosLike(honestDelta);
                var delta = Emit(deltaSite, honestDelta, wrongDelta);

                var weightGradientSite = new Site(t, What.WeightGradient, l, at + "/weightGradient");
                var honestGradient = delta.Transpose().MatMul(inputs[l]);  // dJ/dW = sum over the batch of delta a_in^T, [out][in]
                bool transposable = honestGradient.Rows > 1 && honestGradient.Columns > 1 && honestGradient.Rows != honestGradient.Columns;
                var weightGradient = Emit(weightGradientSite, honestGradient,
                    transposable && plan.Makes(Mistake.Transposed, weightGradientSite) ? honestGradient.Transpose() : null);
                if (!weightGradient.SameShape(honestGradient)) weightGradient = weightGradient.Transpose();  // updates the right way round
                var biasGradient = Emit(new Site(t, What.BiasGradient, l, at + "/biasGradient"), delta.SumRows());

                weightsAboveBefore = weights[l];
                weights[l] = Step(t, l, "weights", weights[l], weightGradient, state[l]);
                biases[l] = Step(t, l, "biases", biases[l], biasGradient, state[l]);
                weightsAboveAfter = weights[l];
                deltaAbove = delta;
            }
        }
    }

    /// <summary>half_sse (scale 1/2; 1 for sse), bce or ce of the written a, summed over the batch.</summary>
    double Loss(T2 a, T2 y, double halfSseScale)
    {
        double sum = 0;
        for (int b = 0; b < a.Rows; b++)
            for (int k = 0; k < a.Columns; k++)
            {
                double ak = a.V[b][k], yk = y.V[b][k];
                sum += problem.Loss switch
                {
                    "half_sse" => halfSseScale * (ak - yk) * (ak - yk),
                    "bce" => -(yk * Math.Log(ak) + (1 - yk) * Math.Log(1 - ak)),
                    _ => yk == 0 ? 0 : -yk * Math.Log(ak),
                };
            }
        return sum;
    }

    /// <summary>dJ/da of the written a: a - y; (a - y) / (a (1 - a)) for bce; -y / a for ce.</summary>
    T2 OutputGradient(T2 a, T2 y) => problem.Loss switch
    {
        "half_sse" => a - y,
        "bce" => a.Zip(y, (ak, yk) => (ak - yk) / (ak * (1 - ak))),
        _ => a.Zip(y, (ak, yk) => -yk / ak),
    };

    T2 Velocity(string convention, T2 previous, T2 g, int t)
    {
        var o = problem.Optimizer;
        return convention switch
        {
            "pytorch" => t == 1 ? g : o.Momentum * previous + g,
            "heavy_ball" => o.Momentum * previous - o.LearningRate * g,
            "velocity_step" => o.Momentum * previous + o.LearningRate * g,
            _ => o.Momentum * previous + (1 - o.Momentum) * g,
        };
    }

    T2 MomentumStep(string convention, T2 theta, T2 v) => convention switch
    {
        "heavy_ball" => theta + v,
        "velocity_step" => theta - v,
        _ => theta - problem.Optimizer.LearningRate * v,
    };

    /// <summary>One optimizer step of one parameter tensor, every state slot written, from the written gradient and state.</summary>
    T2 Step(int t, int l, string part, T2 theta, T2 g, Dictionary<string, T2> state)
    {
        var o = problem.Optimizer;
        int i = t - 1;
        Site StateSite(string slot) => new(t, What.State, l, $"/iterations/{i}/update/layers/{l}/state/{slot}/{part}", slot);
        T2 Previous(string slot) => state.TryGetValue($"{slot}/{part}", out var v) ? v : T2.ZerosLike(theta);
        var parameterSite = new Site(t, What.Parameter, l, $"/iterations/{i}/update/layers/{l}/{part}");

        T2 honest;
        T2? wrong = null;
        switch (o.Type)
        {
            case "sgd":
                honest = theta - o.LearningRate * g;
                if (plan.Makes(Mistake.LearningRateNotApplied, parameterSite)) wrong = theta - g;
                break;
            case "momentum":
            {
                string convention = o.Convention!, slot = o.Slots[0];
                var site = StateSite(slot);
                var previous = Previous(slot);
                T2? wrongV = null;
                string stepConvention = convention;
                if (plan.Swap == ConventionSwap.Momentum && plan.Makes(Mistake.OtherConvention, site))
                {
                    // The student's own convention throughout: their state, and their step from it (credited).
                    stepConvention = plan.StudentConvention!;
                    wrongV = Velocity(stepConvention, previous, g, t);
                }
                if (convention is "heavy_ball" or "velocity_step" && plan.Makes(Mistake.LearningRateNotApplied, site))
                    wrongV = convention == "heavy_ball" ? o.Momentum * previous - g : o.Momentum * previous + g;
                var v = Emit(site, Velocity(convention, previous, g, t), wrongV);
                state[$"{slot}/{part}"] = v;
                honest = MomentumStep(stepConvention, theta, v);
                if (convention is "pytorch" or "ema" && plan.Makes(Mistake.LearningRateNotApplied, parameterSite)) wrong = theta - v;
                break;
            }
            case "adam":
            {
                var m = Emit(StateSite("m"), o.Beta1 * Previous("m") + (1 - o.Beta1) * g);
                var v = Emit(StateSite("v"), o.Beta2 * Previous("v") + (1 - o.Beta2) * g.Hadamard(g));
                state[$"m/{part}"] = m;
                state[$"v/{part}"] = v;
                bool adamSwap = plan.Swap == ConventionSwap.AdamWithoutBiasCorrection;
                var mhatSite = StateSite("mhat");
                var mhat = Emit(mhatSite, (1 / (1 - Math.Pow(o.Beta1, t))) * m, adamSwap && plan.Makes(Mistake.OtherConvention, mhatSite) ? m : null);
                var vhatSite = StateSite("vhat");
                var vhat = Emit(vhatSite, (1 / (1 - Math.Pow(o.Beta2, t))) * v, adamSwap && plan.Makes(Mistake.OtherConvention, vhatSite) ? v : null);
                var step = mhat.Zip(vhat, (mh, vh) => mh / (Math.Sqrt(vh) + o.Epsilon));  // epsilon outside the root
                honest = theta - o.LearningRate * step;
                if (plan.Makes(Mistake.LearningRateNotApplied, parameterSite)) wrong = theta - step;
                break;
            }
            case "rmsprop":
            {
                var s = Emit(StateSite("s"), o.Rho * Previous("s") + (1 - o.Rho) * g.Hadamard(g));
                state[$"s/{part}"] = s;
                var step = g.Zip(s, (gk, sk) => gk / (Math.Sqrt(sk) + o.Epsilon));
                honest = theta - o.LearningRate * step;
                if (plan.Makes(Mistake.LearningRateNotApplied, parameterSite)) wrong = theta - step;
                break;
            }
            default:
                throw new InvalidOperationException(o.Type);
        }
        // Uphill: theta_old + the decrement the student's own numbers give.
        if (plan.Makes(Mistake.StepInWrongDirection, parameterSite)) wrong = theta + (theta - honest);
        return Emit(parameterSite, honest, wrong);
    }

    static Rank RankOf(Site site) =>
        site.What == What.Loss ? Rank.Scalar
        : site.What == What.BiasGradient || site.Path.EndsWith("/biases", StringComparison.Ordinal) ? Rank.Vector
        : Rank.Matrix;

    /// <summary>
    /// Writes one tensor: the value right from the student's own written numbers (honest, unrounded), or the
    /// mistaken one, rounded to the student's decimals; records it with the marker's verdict.
    /// </summary>
    T2 Emit(Site site, T2 honest, T2? wrong = null)
    {
        var rank = RankOf(site);
        honest = honest.AsRank(rank);
        Mistake applied = wrong is null ? Mistake.None : plan.Mistake;
        var value = wrong ?? honest;
        int? roundTo = decimals;

        if (site.Iteration >= 2)
        {
            string earlier = site.Path.Replace($"/iterations/{site.Iteration - 1}/", $"/iterations/{site.Iteration - 2}/");
            if (written.TryGetValue(earlier, out var before) && plan.Makes(Mistake.WrongIteration, site))
            {
                value = before;
                applied = Mistake.WrongIteration;
            }
        }
        if (OtherLayersValue(site, honest) is { } neighbour && plan.Makes(Mistake.WrongLayer, site))
        {
            value = neighbour;
            applied = Mistake.WrongLayer;
        }
        if (decimals == 4 && plan.Makes(Mistake.RoundedTooEarly, site))
        {
            roundTo = 2;
            applied = Mistake.RoundedTooEarly;
        }

        var w = value.Round(roundTo).AsRank(rank);
        written[site.Path] = w;
        bool shapeMismatch = !w.SameShape(honest);
        if (reference is null) return w;
        // The mistake shows where the number is neither what the student's own numbers give nor the reference's
        // (a mistake can land back on the right answer when the earlier rounding drifted the other way).
        bool shows = applied != Mistake.None && (shapeMismatch || !(w.Within(honest, tolerance) || w.Within(reference[site.Path], tolerance)));

        if (shows)
            answers.Add(new SheetAnswer(site, w, false, shapeMismatch, CodesFor(applied, site)));
        else if (!w.Within(reference[site.Path], tolerance) && BuiltOnNothing(site))
            answers.Add(new SheetAnswer(site, w, false, false, ["degenerate_follow_through"]));
        else
            answers.Add(new SheetAnswer(site, w, true, false, null));
        creditedAt[site.Path] = answers[^1].Credited;
        return w;
    }

    /// <summary>
    /// The marker's rule against gaming follow-through: a value is trivial when it is all zeros, or a layer's initial
    /// parameters, where the reference's is not; a trivial value that earned nothing is a foundation of nothing. No credit
    /// where every operand the student wrote is such a foundation, or where the value is itself trivial and any one is.
    /// </summary>
    bool BuiltOnNothing(Site site)
    {
        var operands = OperandsOf(site).Where(written.ContainsKey).ToArray();
        return operands.Length > 0 && (operands.All(Foundation) || Trivial(site.Path) && operands.Any(Foundation));
    }

    bool Foundation(string path) => creditedAt.TryGetValue(path, out bool credited) && !credited && Trivial(path);

    bool Trivial(string path)
    {
        var value = written[path];
        var truth = reference![path];
        if (value.AllNear(0, tolerance) && !truth.AllNear(0, tolerance)) return true;
        var parameter = System.Text.RegularExpressions.Regex.Match(path, @"/update/layers/(\d+)/(weights|biases)$");
        if (!parameter.Success) return false;
        int layer = int.Parse(parameter.Groups[1].Value);
        var initial = parameter.Groups[2].Value == "weights" ? problem.Weights[layer] : problem.Biases[layer];
        return value.Within(initial, tolerance) && !truth.Within(initial, tolerance);
    }

    /// <summary>The written tensors a tensor of the backward pass or the update is computed from.</summary>
    IEnumerable<string> OperandsOf(Site site)
    {
        int i = site.Iteration - 1, l = site.Layer, last = problem.LayerCount - 1;
        string now = $"/iterations/{i}", before = $"/iterations/{i - 1}";
        string delta = $"{now}/backward/layers/{l}/delta";
        string forward = $"{now}/forward/layers";
        switch (site.What)
        {
            case What.Z:
                if (l > 0) yield return $"{forward}/{l - 1}/a";
                yield return $"{before}/update/layers/{l}/weights";
                yield return $"{before}/update/layers/{l}/biases";
                break;
            case What.A:
                yield return $"{forward}/{l}/z";
                break;
            case What.ActivationDerivative:
                yield return $"{forward}/{l}/a";
                break;
            case What.Loss or What.OutputGradient:
                yield return $"{forward}/{last}/a";
                break;
            case What.Delta when l == last && problem.FusedOutput:
                yield return $"{forward}/{last}/a";
                break;
            case What.Delta when l == last:
                yield return $"{forward}/{l}/activationDerivative";
                yield return $"{now}/backward/outputGradient";
                break;
            case What.BiasGradient:
                yield return delta;
                break;
            case What.WeightGradient:
                yield return delta;
                if (l > 0) yield return $"{now}/forward/layers/{l - 1}/a";
                break;
            case What.Delta when l < last:
                yield return $"{now}/backward/layers/{l + 1}/delta";
                yield return $"{before}/update/layers/{l + 1}/weights";
                yield return $"{now}/forward/layers/{l}/activationDerivative";
                break;
            case What.State or What.Parameter:
            {
                string part = site.Path.EndsWith("/biases", StringComparison.Ordinal) ? "biases" : "weights";
                string gradient = $"{now}/backward/layers/{l}/{(part == "weights" ? "weightGradient" : "biasGradient")}";
                string Slot(string iteration, string slot) => $"{iteration}/update/layers/{l}/state/{slot}/{part}";
                var o = problem.Optimizer;
                if (site.What == What.State)
                {
                    if (site.Slot is "mhat") yield return Slot(now, "m");
                    else if (site.Slot is "vhat") yield return Slot(now, "v");
                    else
                    {
                        yield return gradient;
                        if (i > 0) yield return Slot(before, site.Slot!);
                    }
                    break;
                }
                if (i > 0) yield return $"{before}/update/layers/{l}/{part}";
                switch (o.Type)
                {
                    case "sgd": yield return gradient; break;
                    case "momentum": yield return Slot(now, o.Slots[0]); break;
                    case "adam": yield return Slot(now, "mhat"); yield return Slot(now, "vhat"); break;
                    default: yield return gradient; yield return Slot(now, "s"); break;
                }
                break;
            }
        }
    }

    /// <summary>For wrong_layer: the nearest other layer's value of the same tensor, this iteration, already written and of the same shape.</summary>
    T2? OtherLayersValue(Site site, T2 honest)
    {
        if (site.What is What.Loss or What.OutputGradient) return null;
        string own = $"/layers/{site.Layer}/";
        foreach (int j in Enumerable.Range(0, problem.LayerCount).Where(j => j != site.Layer).OrderBy(j => Math.Abs(j - site.Layer)))
            if (written.TryGetValue(site.Path.Replace(own, $"/layers/{j}/"), out var value) && value.SameShape(honest))
                return value;
        return null;
    }

    string[]? CodesFor(Mistake mistake, Site site) => mistake switch
    {
        Mistake.DegenerateFollowThrough => null,  // the zeroed delta itself: wrong, no particular name required
        Mistake.FactorOfTwo when site.What == What.OutputGradient => ["factor_of_two", "other_convention"],
        Mistake.OtherConvention when site.What is What.Loss or What.OutputGradient => ["other_convention", "factor_of_two"],
        _ => [Codes.Of(mistake)],
    };
}
