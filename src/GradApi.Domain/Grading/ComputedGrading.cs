using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Tensors;
using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Grading;

/// <summary>What an answer's path holds in a computation's response, as the host read it.</summary>
public abstract record ReferenceAt;

/// <summary>Numbers (a scalar or nested arrays), compared element by element.</summary>
public sealed record NumbersAt(Tensor Value) : ReferenceAt;

/// <summary>
/// A function (a gradient, a derivative's polynomial, momentum weights) of <see cref="Variables"/>: a formula answer is
/// checked against it by equivalence; a value answer is compared with <see cref="Value"/>, its numbers in the response,
/// when it has them. <see cref="NamesAsVariables"/>: function names a formula may use as variables (tanh, in tanh's own value).
/// </summary>
public sealed record FunctionAt(Func<Expression, FormulaCheck> Check, IReadOnlyList<string> Variables, Tensor? Value,
    IReadOnlyCollection<string>? NamesAsVariables = null) : ReferenceAt;

/// <summary>Nothing gradable there: the path is not in the response, or names text or an object.</summary>
public sealed record NowhereAt(string Message) : ReferenceAt;

/// <summary>A formula checked against a function: the verdict, how it was decided, and where it fails.</summary>
public sealed record FormulaCheck(ClaimVerdict Verdict, string Method, double? MaxRelativeError, FormulaCounterexample? Counterexample, string? Detail);

/// <summary>An answer's reference recomputed from the student's other answers (follow-through), and which of them entered.</summary>
public sealed record Recomputed(double[] Values, IReadOnlyList<int> Used);

/// <summary>
/// What a computation other than /v1/train offers one submission beyond its reference (trajectory steps do): for answer
/// i, the value its path takes when its inputs are the student's own answers (null when nothing the student gave enters
/// it), and its explanation, from the student's own values or from the reference's.
/// </summary>
public interface ISubmissionReplay
{
    Recomputed? Recompute(int answer);

    /// <param name="ownValues">From the student's values (a wrong or followed-through answer), else the reference's.</param>
    /// <param name="decimals">Numbers shown to this many decimals; null for none (reveal verdicts).</param>
    string? Explain(int answer, bool ownValues, int? decimals);
}

/// <summary>
/// Grades answers into any endpoint's response (JSON Pointers the host resolved into <see cref="ReferenceAt"/>s): numbers
/// by tolerance, element by element, with the partial credit rules of /v1/grade; formulas by equivalence; follow-through
/// where the computation offers it (trajectory steps). The diagnoses that need no model of the computation are tried on
/// numbers: a flipped sign, a factor of two, a transposed matrix, and the value of a neighbouring step.
/// </summary>
public sealed class ComputedGrading(
    GradingOptions options,
    Func<string, ReferenceAt> referenceAt,
    Func<IReadOnlyList<Answer>, ISubmissionReplay?>? replayOf = null,
    Func<string, IEnumerable<(string Path, string Code, string Message)>>? neighbours = null,
    Func<string, double[]?>? given = null,
    CancellationToken cancellation = default)
{
    // A class writes the same formulas: each text is checked once per path (the check is the costly part, trials points).
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, string Formula), Lazy<FormulaCheck>> _checks = new();

    public SubmissionGrade[] GradeAll(IReadOnlyList<IReadOnlyList<Answer>> submissions)
    {
        var grades = new SubmissionGrade[submissions.Count];
        Parallel.For(0, grades.Length, new ParallelOptions { CancellationToken = cancellation }, s => grades[s] = Grade(submissions[s]));
        return grades;
    }

    public SubmissionGrade Grade(IReadOnlyList<Answer> answers)
    {
        var results = new AnswerGrade[answers.Count];
        var used = new IReadOnlyList<int>[answers.Count];
        var replay = replayOf?.Invoke(answers);
        for (int i = 0; i < answers.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var answer = answers[i];
            var reference = referenceAt(answer.Path);
            var grade = answer.Formula is { } formula ? GradeFormula(answer, formula, reference) : GradeNumbers(answer, reference);
            if (grade.Verdict == Verdict.Incorrect && options.FollowThrough && replay is not null)
            {
                if (replay.Recompute(i) is { } recomputed)
                {
                    grade = FollowedThrough(grade, answer, recomputed, answers);
                    used[i] = recomputed.Used;
                }
            }
            if (grade.Verdict is Verdict.Incorrect or Verdict.ShapeMismatch && grade is { Expected: not null, Submitted: not null })
                grade = grade with { Diagnoses = Diagnose(answer, grade) };
            results[i] = grade;
        }
        if (!options.AllowDegenerate) RefuseDegenerate(results, used, answers);
        if (replay is not null)
            for (int i = 0; i < results.Length; i++)
                if (results[i].Verdict is not (Verdict.UnknownPath or Verdict.NotAFormula) && answers[i].Formula is null)
                    results[i] = results[i] with
                    {
                        Explanation = replay.Explain(i, ownValues: options.FollowThrough && results[i].Verdict != Verdict.Correct, DecimalsShown(ToleranceFor(answers[i]))),
                    };
        return new SubmissionGrade(results);
    }

    // As for /v1/train: no credit for follow-through built only on zeros or the problem's given values (DegenerateWork).
    void RefuseDegenerate(AnswerGrade[] results, IReadOnlyList<int>[] used, IReadOnlyList<Answer> answers)
    {
        var degenerate = DegenerateWork.Find(results.Length,
            i => results[i].Verdict is Verdict.Correct or Verdict.FollowThrough,
            i => results[i] is { Expected: { } reference, Submitted: { } submitted }
                && DegenerateWork.IsTrivial(submitted.Data, reference.Data, given?.Invoke(answers[i].Path), ToleranceFor(answers[i])),
            i => results[i].Verdict == Verdict.FollowThrough && used[i] is { } u ? u.Where(j => j != i).ToArray() : []);
        for (int i = 0; i < results.Length; i++)
            if (degenerate[i])
                results[i] = results[i] with
                {
                    Verdict = Verdict.Incorrect,
                    Elements = results[i].Elements is { } mask ? mask with { Correct = RightAgainstReference(results[i], answers[i]) } : null,
                    PointsAwarded = 0,
                    Diagnoses = [DegenerateWork.Diagnosis],
                    Message = null,
                };
    }

    bool[] RightAgainstReference(AnswerGrade grade, Answer answer)
    {
        var tolerance = ToleranceFor(answer);
        return grade.Submitted!.Data.Select((s, k) => tolerance.Accepts(s, grade.Expected!.Data[k])).ToArray();
    }

    Tolerance ToleranceFor(Answer answer) => answer.Tolerance ?? options.Tolerance;

    int? DecimalsShown(Tolerance tolerance) => options.DecimalsShown(tolerance);

    AnswerGrade Unmarked(Answer answer, Verdict verdict, string message, Tensor? expected = null) =>
        new(answer.Path, verdict, expected, null, null, null, answer.Points, 0, [], null, [], ToleranceFor(answer), message, null, answer.Formula);

    AnswerGrade GradeNumbers(Answer answer, ReferenceAt at)
    {
        var reference = at switch
        {
            NumbersAt n => n.Value,
            FunctionAt { Value: { } v } => v,
            _ => null,
        };
        if (reference is null)
            return Unmarked(answer, Verdict.UnknownPath, at switch
            {
                NowhereAt nowhere => nowhere.Message,
                FunctionAt f => $"{answer.Path} holds a function: answer it with a formula (in {string.Join(", ", f.Variables)}) instead of a value",
                _ => $"{answer.Path} holds nothing gradable",
            });
        if (answer.Value.Tensor is not { } submitted) return Unmarked(answer, Verdict.NotANumber, answer.Value.Unreadable ?? "no value was given", reference);
        if (!Slice.Conforms(reference.Shape, submitted.Shape))
            return new(answer.Path, Verdict.ShapeMismatch, reference, submitted, null, null, answer.Points, 0, [], null, [], ToleranceFor(answer),
                GradingSession.ShapeMessage(reference.Shape, submitted.Shape));

        var tolerance = ToleranceFor(answer);
        var right = new bool[reference.Length];
        int nRight = 0;
        for (int i = 0; i < right.Length; i++) if (right[i] = tolerance.Accepts(submitted.Data[i], reference.Data[i])) nRight++;
        var verdict = nRight == right.Length ? Verdict.Correct : Verdict.Incorrect;
        return new(answer.Path, verdict, new Tensor(submitted.Shape, reference.Data), submitted, new ElementMask(submitted.Shape, right),
            GradingSession.MaxAbsoluteError(submitted.Data, reference.Data), answer.Points, options.Awarded(answer.Points, nRight, 0, right.Length, verdict), [], null, [],
            tolerance, null);
    }

    // Elements wrong against the reference but right against the value recomputed from the student's own answers count.
    AnswerGrade FollowedThrough(AnswerGrade grade, Answer answer, Recomputed recomputed, IReadOnlyList<Answer> answers)
    {
        var submitted = grade.Submitted!;
        if (recomputed.Values.Length != submitted.Length) return grade;
        var tolerance = ToleranceFor(answer);
        var counted = (bool[])grade.Elements!.Correct.Clone();
        int right = counted.Count(c => c), carried = 0;
        for (int i = 0; i < counted.Length; i++)
            if (!counted[i] && tolerance.Accepts(submitted.Data[i], recomputed.Values[i])) { counted[i] = true; carried++; }
        var verdict = right + carried == counted.Length ? Verdict.FollowThrough : Verdict.Incorrect;
        var used = recomputed.Used.Select(u => answers[u].Path).Where(p => p != answer.Path).Distinct().ToArray();
        return grade with
        {
            Verdict = verdict,
            Elements = new ElementMask(submitted.Shape, counted),
            PointsAwarded = options.Awarded(answer.Points, right, carried, counted.Length, verdict),
            FollowThroughExpected = new Tensor(submitted.Shape, recomputed.Values),
            UsedAnswers = used,
            Message = verdict == Verdict.FollowThrough ? GradingOptions.FollowThroughMessage(used) : null,
        };
    }

    AnswerGrade GradeFormula(Answer answer, string formula, ReferenceAt at)
    {
        if (at is not FunctionAt function)
            return Unmarked(answer, at is NowhereAt nowhere ? Verdict.UnknownPath : Verdict.NotANumber, at switch
            {
                NowhereAt n => n.Message,
                _ => $"{answer.Path} holds numbers, not a function: answer it with a value (a formula is graded where the response holds a function)",
            });
        Expression claim;
        try { claim = ExpressionParser.Parse(formula, function.NamesAsVariables ?? []); }
        catch (ExpressionParseException e)
        {
            return Unmarked(answer, Verdict.NotAFormula, $"the formula does not parse at position {e.Position}: {e.Message}");
        }
        var check = _checks.GetOrAdd((answer.Path, formula), _ => new Lazy<FormulaCheck>(() => function.Check(claim))).Value;
        var verdict = check.Verdict switch
        {
            ClaimVerdict.Equivalent => Verdict.Correct,
            ClaimVerdict.NotEquivalent => Verdict.NotEquivalent,
            _ => Verdict.ShapeMismatch,
        };
        string message = check.Verdict switch
        {
            ClaimVerdict.Equivalent => $"Equivalent ({check.Method}).",
            ClaimVerdict.NotEquivalent => $"Not equivalent ({check.Method}): the formula differs from the function at the counterexample's point.",
            _ => check.Detail ?? "The formula's shape differs from the function's.",
        };
        return new(answer.Path, verdict, null, null, null, null, answer.Points, verdict == Verdict.Correct ? answer.Points : 0, [], null, [],
            ToleranceFor(answer), message, null, formula, check.Counterexample);
    }

    // The mistakes a number shows by itself: every element the negative of the reference, or twice or half of it; a matrix
    // written the wrong way round; and, where the host names them, the value of a neighbouring step.
    IReadOnlyList<Diagnosis> Diagnose(Answer answer, AnswerGrade grade)
    {
        var reference = grade.Expected!;
        var submitted = grade.Submitted!;
        var tolerance = ToleranceFor(answer);
        var found = new List<Diagnosis>();
        if (grade.Verdict == Verdict.ShapeMismatch)
        {
            if (GradingSession.TransposeOf(submitted, reference.Shape) is { } back && Diagnoses.AllAccepted(back, reference.Data, tolerance))
                found.Add(new(WireNames.DiagnosisCode.Transposed, "The matrix is written transposed: rows where the columns belong."));
            return found;
        }
        var data = reference.Data;
        bool Matches(Func<double, double> change) => data.Any(r => !tolerance.Accepts(change(r), r))
            && Diagnoses.AllAccepted(submitted.Data, data.Select(change).ToArray(), tolerance);
        if (Matches(r => -r)) found.Add(new(WireNames.DiagnosisCode.SignFlipped, "Right up to its sign: every element is the negative of the reference."));
        if (Matches(r => 2 * r)) found.Add(new(WireNames.DiagnosisCode.FactorOfTwo, "Twice the reference: an extra factor of 2."));
        else if (Matches(r => r / 2)) found.Add(new(WireNames.DiagnosisCode.FactorOfTwo, "Half the reference: a missing factor of 2."));
        if (neighbours is not null)
            foreach (var (path, code, message) in neighbours(answer.Path))
                if (referenceAt(path) is NumbersAt { Value: var other } && other.Length == submitted.Length
                    && Diagnoses.AllAccepted(submitted.Data, other.Data, tolerance))
                    found.Add(new(code, message));
        return found;
    }
}
