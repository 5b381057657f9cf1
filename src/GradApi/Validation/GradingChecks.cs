using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Domain.Vocabulary;
using System.Text.Json;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>
/// Checks of the grading fields (answers, tolerance, partial credit, follow-through) and the grading work,
/// shared by /v1/grade and /v1/grade/batch. Each failure names the JSON path of the field. An answer's value
/// is only required here: a value that cannot be read as numbers is graded not_a_number, not refused.
/// </summary>
public sealed class GradingChecks(Action<string, string> report, ServiceLimits limits)
{
    /// <summary>True once any check has failed (the grading work is only worth checking on a valid request).</summary>
    public bool Failed { get; private set; }

    /// <summary>Reports a failure at a JSON path (and remembers that one happened).</summary>
    public void Fail(string path, string message)
    {
        Failed = true;
        report(path, message);
    }

    /// <summary>
    /// What /v1/grade and /v1/grade/batch share: the problem (a /v1/train request with its checks and limits under "problem",
    /// or another endpoint's request with that endpoint's checks under "problem.request") and the options.
    /// </summary>
    public ReadProblem ProblemAndOptions(GradeProblem? problem, ToleranceRequest? tolerance, string? partialCredit, FollowThroughRequest? followThrough,
        IServiceProvider services, JsonSerializerOptions json)
    {
        var read = Problem(problem, services, json);
        Options(tolerance, partialCredit, followThrough);
        return read;
    }

    /// <summary>
    /// <see cref="ProblemAndOptions"/>
    /// for a /v1/train problem already checked, with the work its checks found: only the options are checked.
    /// </summary>
    public ReadProblem CheckedProblemAndOptions(TrainRequest problem, long? work, ToleranceRequest? tolerance, string? partialCredit, FollowThroughRequest? followThrough)
    {
        Options(tolerance, partialCredit, followThrough);
        return new(problem, null, "problem", work);
    }

    ReadProblem Problem(GradeProblem? problem, IServiceProvider services, JsonSerializerOptions json)
    {
        const string Shape = "exactly a /v1/train request (network, data, loss, optimizer, ...), or { \"endpoint\": ..., \"request\": { ... } }";
        if (problem is null) { Fail("problem", $"is required: {Shape}"); return ReadProblem.None; }
        if (problem.Train is { } train) return new(train, null, "problem", new ProblemChecks(Fail, limits).Problem(train, "problem"));

        var named = problem.Named!;
        string routes = Vocabulary.List(Grading.GradableEndpoints.Routes);
        if (named.Endpoint is not { } route) { Fail("problem.endpoint", $"is required: one of {routes}"); return ReadProblem.None; }
        if (named.Request is not { } request || request.ValueKind != JsonValueKind.Object)
        {
            Fail("problem.request", $"is required: the {route} request body, an object");
            return ReadProblem.None;
        }
        if (route == Grading.GradableEndpoints.Train)
        {
            return Grading.GradableEndpoints.Read<TrainRequest>(request, json, Fail, "problem.request", route) is { } body
                ? new(body, null, "problem.request", new ProblemChecks(Fail, limits).Problem(body, "problem.request"))
                : ReadProblem.None;
        }
        if (Grading.GradableEndpoints.Find(route) is not { } endpoint)
        {
            Fail("problem.endpoint", $"must be one of {routes}, got '{route}'");
            return ReadProblem.None;
        }
        var checkedProblem = endpoint.Check(request, json, services, Fail, "problem.request");
        return new(null, checkedProblem, "problem.request", null);
    }
    void Options(ToleranceRequest? tolerance, string? partialCredit, FollowThroughRequest? followThrough)
    {
        if (tolerance is not null) Tolerance(tolerance, "tolerance");
        if (partialCredit is not null && !Vocabulary.PartialCredits.Contains(partialCredit))
            Fail("partialCredit", $"must be one of {Vocabulary.List(Vocabulary.PartialCredits)}, got '{partialCredit}'");
        if (followThrough?.Penalty is { } penalty && penalty is < 0 or > 1)
            Fail("followThrough.penalty", $"must be in [0, 1] (the fraction of the points withheld for follow-through), got {penalty}");
    }

    /// <summary>reveal: all or verdicts, when given.</summary>
    public void Reveal(string? reveal)
    {
        if (reveal is not null && !Vocabulary.Reveals.Contains(reveal))
            Fail("reveal", $"must be one of {Vocabulary.List(Vocabulary.Reveals)}, got '{reveal}'");
    }

    /// <summary>format: gradapi, gradescope or prairielearn, when given.</summary>
    public void Format(string? format)
    {
        if (format is not null && !GraderFormats.Names.TryParse(format, out _))
            Fail("format", $"must be one of {Vocabulary.List(GraderFormats.Names.Names)}, got '{format}'");
    }

    /// <summary>The longest answer name accepted: a test's title, not a document.</summary>
    public const int MaxAnswerNameLength = 200;

    /// <summary>Checks a list of answers; returns how many there are (0 when missing).</summary>
    public int Answers(AnswerRequest?[]? answers, string path)
    {
        if (answers is null) { Fail(path, "is required: [{ \"path\": \"/iterations/0/forward/layers/0/a\", \"value\": [...] }, ...]"); return 0; }
        if (answers.Length == 0) { Fail(path, "must hold at least one answer"); return 0; }
        if (answers.Length > limits.MaxAnswers)
        {
            Fail(path, $"at most {limits.MaxAnswers} answers are accepted (limit maxAnswers), got {answers.Length}");
            return answers.Length;
        }
        for (int i = 0; i < answers.Length; i++) Answer(answers[i], path, i);
        return answers.Length;
    }

    // answers[index] under path. Its location is written out only for a check that fails or reads further (the
    // tolerance's): a class's 20,000 answers mostly pass them all.
    void Answer(AnswerRequest? answer, string path, int index)
    {
        string At() => $"{path}[{index}]";
        if (answer is null) { Fail(At(), "must be an answer object: { \"path\": ..., \"value\": ... }"); return; }
        if (answer.Path is null) Fail($"{At()}.path", "is required: a JSON Pointer into the problem's response, as in /iterations/0/forward/layers/0/a");
        // Left out entirely (not null, which is a value the student wrote and is graded not_a_number).
        if (answer.Value is null && answer.Formula is null)
            Fail($"{At()}.value", "is required (or formula, where the response holds a function): a number, or nested arrays of numbers in the tensor's shape");
        if (answer.Value is not null && answer.Formula is not null)
            Fail($"{At()}.formula", "give value or formula, not both");
        if (answer.Formula is { Length: > ServiceLimits.MaxFormulaLength } formula)
            Fail($"{At()}.formula", $"at most {ServiceLimits.MaxFormulaLength} characters are accepted (limit maxFormulaLength), got {formula.Length}");
        if (answer.Points is < 0) Fail($"{At()}.points", $"must be at least 0, got {answer.Points}");
        if (answer.Tolerance is not null) Tolerance(answer.Tolerance, $"{At()}.tolerance");
        if (answer.Name is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > MaxAnswerNameLength))
            Fail($"{At()}.name", $"must be a title of 1 to {MaxAnswerNameLength} characters, got {name.Length} characters{(name.Length > 0 && name.Length <= MaxAnswerNameLength ? " of white space" : "")}");
    }

    public void Tolerance(ToleranceRequest t, string path)
    {
        if (t.Type is null) { Fail($"{path}.type", $"is required: one of {Vocabulary.List(Vocabulary.ToleranceTypes)}"); return; }
        if (!Vocabulary.ToleranceTypes.Contains(t.Type))
        {
            Fail($"{path}.type", $"must be one of {Vocabulary.List(Vocabulary.ToleranceTypes)}, got '{t.Type}'");
            return;
        }
        var kind = WireNames.ToleranceTypes.Parse(t.Type);
        BelongsTo(t.Relative, kind, $"{path}.relative", ToleranceKind.Relative);
        BelongsTo(t.Absolute, kind, $"{path}.absolute", ToleranceKind.Relative, ToleranceKind.Absolute);
        BelongsTo(t.Decimals, kind, $"{path}.decimals", ToleranceKind.Decimals);
        BelongsTo(t.Figures, kind, $"{path}.figures", ToleranceKind.SignificantFigures);

        switch (kind)
        {
            case ToleranceKind.Relative:
                if (t.Relative is < 0) Fail($"{path}.relative", $"must be at least 0, got {t.Relative}");
                if (t.Absolute is < 0) Fail($"{path}.absolute", $"must be at least 0, got {t.Absolute}");
                break;
            case ToleranceKind.Absolute:
                if (t.Absolute is null) Fail($"{path}.absolute", $"is required for type {t.Type}: |s - r| <= absolute");
                else if (t.Absolute < 0) Fail($"{path}.absolute", $"must be at least 0, got {t.Absolute}");
                break;
            case ToleranceKind.Decimals:
                if (t.Decimals is null) Fail($"{path}.decimals", $"is required for type {t.Type}: the number of decimals, 0 to 15");
                else if (t.Decimals is < 0 or > 15) Fail($"{path}.decimals", $"must be between 0 and 15, got {t.Decimals}");
                break;
            case ToleranceKind.SignificantFigures:
                if (t.Figures is null) Fail($"{path}.figures", $"is required for type {t.Type}: the number of figures, 1 to 17");
                else if (t.Figures is < 1 or > 17) Fail($"{path}.figures", $"must be between 1 and 17, got {t.Figures}");
                break;
        }
    }

    void BelongsTo(object? value, ToleranceKind kind, string path, params ToleranceKind[] owners)
    {
        if (value is null || owners.Contains(kind)) return;
        var names = owners.Select(WireNames.ToleranceTypes.Name).ToArray();
        Fail(path, names.Length == 1 ? $"applies to type {names[0]} only" : $"applies to types {string.Join(" and ", names)} only");
    }

    /// <summary>
    /// Prices the grading before any run, from the problem and every answer's path: the numbers the response echoes
    /// (each result up to <see cref="GradingPrice.ValuesPerElement"/> per element it addresses) within maxResponseValues, and
    /// the runs within maxGradingWork. A run costs the problem's work plus <see cref="ServiceLimits.GradingLayerWork"/> per layer and
    /// iteration (what a layer's tensors cost however small they are); the runs are, per submission, one follow-through run and
    /// one run per mistake and convention on the student's own numbers (and two per layer answered); once, the reference,
    /// mistake, convention and rounding runs, and two one-layer mistake runs per layer an answer names;
    /// each answer is also compared with its tensor in every other layer.
    /// </summary>
    /// <returns>The grading work, as maxGradingWork counts it.</returns>
    public long Price(TrainRequest problem, long problemWork, IReadOnlyList<AnswerRequest[]> submissions, string answersPath, string workPath)
    {
        CountFormulas(submissions);
        var training = problem.ToProblem();
        var slipLayers = new HashSet<int>();
        var elements = new PathTable<long>(path =>
        {
            (long n, int? slipLayer) = GradingPrice.Of(training, path);
            if (slipLayer is int layer) slipLayers.Add(layer);
            return n;
        });
        long values = 0, answers = 0, compared = 0;
        foreach (var list in submissions)
            for (int i = 0; i < list.Length; i++)
            {
                answers++;
                long n = elements.Get(i, list[i].Path!);
                values += GradingPrice.ValuesPerElement * n + GradingPrice.ExplanationValues;
                compared += n;
            }
        if (values > limits.MaxResponseValues)
            Fail(answersPath, $"the results would echo {values} numbers, above the limit maxResponseValues {limits.MaxResponseValues} " +
                $"({GradingPrice.ValuesPerElement} per element each answer addresses: expected, submitted, elements, followThroughExpected; " +
                $"and {GradingPrice.ExplanationValues} per answer for its explanation); grade fewer or smaller tensors");

        long layers = training.Network.Layers.Count;
        long run = problemWork + ServiceLimits.GradingLayerWork * layers * training.Iterations;
        long perSubmission = 1 + Diagnoses.RunsPerSubmission(training, slipLayers.Count);
        long runs = submissions.Count * perSubmission + (long)ServiceLimits.GradingRunsPerProblem + GradingPrice.SlipRunsPerLayer * (long)slipLayers.Count;
        long lookups = (compared + ServiceLimits.GradingLookupWork * answers) * layers;
        if (run > (limits.MaxGradingWork - Math.Min(lookups, limits.MaxGradingWork)) / runs)
            Fail(workPath, $"the grading work {run * runs + lookups} exceeds the limit maxGradingWork {limits.MaxGradingWork}: " +
                $"(problem work {problemWork} + {ServiceLimits.GradingLayerWork} x layers x iterations) x (submissions x {perSubmission} + {ServiceLimits.GradingRunsPerProblem} + " +
                $"{GradingPrice.SlipRunsPerLayer} x layers answered) + answers compared in every layer = {run} x {runs} + {lookups}");
        return run > long.MaxValue / runs ? long.MaxValue : run * runs + lookups;
    }

    /// <summary>
    /// Prices grading a read problem: a /v1/train problem against maxGradingWork (<see cref="Price(TrainRequest, long, IReadOnlyList{AnswerRequest[]}, string, string)"/>),
    /// another endpoint's within its own limits (<see cref="PriceNamed"/>). Null when a limit is passed (reported) or
    /// nothing could be counted.
    /// </summary>
    /// <param name="problem">The problem as <see cref="ProblemAndOptions"/> read it.</param>
    /// <param name="submissions">Every submission's answers (one for /v1/grade).</param>
    /// <param name="answersPath">Where an echo over maxResponseValues is reported.</param>
    /// <param name="trainWorkPath">Where /v1/train grading work over its limit is reported.</param>
    /// <param name="namedWorkPath">Where another endpoint's grading work over its limit is reported.</param>
    public RequestPrice? Price(ReadProblem problem, IReadOnlyList<AnswerRequest[]> submissions, string answersPath, string trainWorkPath, string namedWorkPath)
    {
        if (problem.Named is { } named) return PriceNamed(named, submissions, namedWorkPath);
        if (problem.Work is not { } work) return null;
        long units = Price(problem.Train!, work, submissions, answersPath, trainWorkPath);
        return Failed ? null : new RequestPrice(units, limits.MaxGradingWork);
    }

    /// <summary>
    /// A /v1/train problem's grading priced before on the same problem and paths (which is all its price depends on, but
    /// for the formula answers, counted again).
    /// </summary>
    public RequestPrice? KnownPrice(long units, IReadOnlyList<AnswerRequest[]> submissions)
    {
        CountFormulas(submissions);
        return Failed ? null : new RequestPrice(units, limits.MaxGradingWork);
    }

    /// <summary>
    /// Prices grading another endpoint's problem: the endpoint's own price for the reference, and once more per submission
    /// with trajectory answers (its follow-through steps the runs again), within that endpoint's limit; and each distinct
    /// formula answer at what the endpoint charges for the same formula as a claim, within maxExpressionWork. Returns the
    /// larger share of its limit, or null when over one.
    /// </summary>
    public RequestPrice? PriceNamed(Grading.CheckedProblem problem, IReadOnlyList<AnswerRequest[]> submissions, string workPath)
    {
        CountFormulas(submissions);
        if (problem.Price is not { } price) return null;
        long units = Math.Max(1, price.WorkUnits);
        long runs = 1;
        bool trajectories = problem.Endpoint.StepsAgain;
        var formulas = new HashSet<(string, string)>();
        long formulaWork = 0;
        foreach (var answers in submissions)
        {
            if (trajectories && answers.Any(a => a.Formula is null)) runs++;
            foreach (var answer in answers)
                if (answer is { Path: { } path, Formula: { } formula } && formulas.Add((path, formula)))
                    formulaWork = Math.Min(long.MaxValue / 2, formulaWork + Grading.ProblemFunctions.FormulaWork(problem.Request, path, formula));
        }
        if (units > price.Limit / runs)
        {
            Fail(workPath, $"the grading work {(units > long.MaxValue / runs ? long.MaxValue : units * runs)} exceeds the limit {price.Limit} of {problem.Endpoint.Route}: " +
                $"the problem's work {units} x (1 for the reference + 1 per submission with trajectory answers = {runs}); grade fewer submissions or a smaller problem");
            return null;
        }
        if (formulaWork > CalculusLimits.MaxExpressionWork)
        {
            Fail("answers", $"checking the {formulas.Count} distinct formula answers costs {formulaWork} multiply-adds, above the limit maxExpressionWork " +
                $"{CalculusLimits.MaxExpressionWork} (each as its endpoint prices the same formula as a claim, at the problem's points and trials)");
            return null;
        }
        var reference = new RequestPrice(units * runs, price.Limit);
        var checks = new RequestPrice(formulaWork, CalculusLimits.MaxExpressionWork);
        return checks.Share > reference.Share ? checks : reference;
    }

    // Formula answers over all submissions, within maxFormulaAnswers: each is checked at many points.
    void CountFormulas(IReadOnlyList<AnswerRequest[]> submissions)
    {
        long formulas = 0;
        foreach (var answers in submissions)
            foreach (var answer in answers)
                if (answer.Formula is not null) formulas++;
        if (formulas > ServiceLimits.MaxFormulaAnswers)
            Fail("answers", $"at most {ServiceLimits.MaxFormulaAnswers} formula answers are accepted per request (limit maxFormulaAnswers), got {formulas}");
    }
}

/// <summary>The problem of a grade as read: a /v1/train request (and where it sits, with its work), or another endpoint's checked request.</summary>
public sealed record ReadProblem(TrainRequest? Train, Grading.CheckedProblem? Named, string At, long? Work)
{
    public static readonly ReadProblem None = new(null, null, "problem", null);
}
