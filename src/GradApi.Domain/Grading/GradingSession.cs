using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// Grades submissions to one problem. The reference run is made once, at construction, keeping only the
/// tensors the answers (and the neighbour-iteration and other-layer diagnoses) ask about; each submission
/// then costs one follow-through run, made only when one of its answers is wrong, plus lookups.
/// </summary>
public sealed class GradingSession
{
    readonly TrainingProblem _problem;
    readonly GradingOptions _options;
    readonly RecordedRun _reference;
    readonly Dictionary<string, (TensorAddress? Address, string Error)> _addresses = new(StringComparer.Ordinal);
    readonly Diagnoses _diagnoses;
    readonly CancellationToken _cancel;

    /// <param name="paths">Every path any submission will ask about (a batch's union), so one reference run serves all.</param>
    /// <param name="cancellation">Runs through the reference, diagnosis and follow-through runs and the grading of each answer.</param>
    public GradingSession(TrainingProblem problem, GradingOptions options, IEnumerable<string> paths, CancellationToken cancellation = default)
    {
        _problem = problem;
        _options = options;
        _cancel = cancellation;
        foreach (var path in paths)
        {
            cancellation.ThrowIfCancellationRequested();
            if (_addresses.ContainsKey(path)) continue;
            _addresses[path] = TensorPath.TryParse(path, problem, out var address, out var error) ? (address, "") : (null, error);
        }

        var asked = _addresses.Values.Where(a => a.Address is not null).Select(a => a.Address!.Node).ToHashSet();
        var nearby = new HashSet<TracePoint>(asked);
        foreach (var node in asked)
        {
            nearby.Add(node with { IterationIndex = node.IterationIndex - 1 });
            nearby.Add(node with { IterationIndex = node.IterationIndex + 1 });
            for (int l = 0; l < problem.Network.Layers.Count; l++) nearby.Add(node with { Layer = l });
        }
        _reference = RecordedRun.Of(problem, nearby.Contains, cancellation: cancellation);
        _diagnoses = new Diagnoses(problem, _reference, asked.Contains, cancellation);
    }

    /// <summary>
    /// A class's submissions, in order. They are independent once the reference exists, so they are graded on every
    /// core: the session is read-only but for its diagnosis runs, which are made once under a lock.
    /// </summary>
    public SubmissionGrade[] GradeAll(IReadOnlyList<IReadOnlyList<Answer>> submissions)
    {
        var grades = new SubmissionGrade[submissions.Count];
        Parallel.For(0, grades.Length, new ParallelOptions { CancellationToken = _cancel }, s => grades[s] = Grade(submissions[s]));
        return grades;
    }

    public SubmissionGrade Grade(IReadOnlyList<Answer> answers)
    {
        var marked = answers.Select((answer, index) =>
        {
            _cancel.ThrowIfCancellationRequested();
            return Mark(answer, index);
        }).ToArray();

        // Follow-through: one run with every readable answer carried forward, if any answer needs it.
        FollowThrough? carried = null;
        var wrong = marked.Where(m => m.Verdict == Verdict.Incorrect && Carries(m)).ToArray();
        if (_options.FollowThrough && wrong.Length > 0)
        {
            var substitutions = marked.Where(m => m.Substitution is not null).Select(m => m.Substitution!.Value).ToArray();
            var asked = wrong.Select(m => m.Node).ToArray();
            carried = FollowThrough.Run(_problem, substitutions, asked, _cancel);
        }

        return new SubmissionGrade(marked.Select(m =>
        {
            _cancel.ThrowIfCancellationRequested();
            return Finish(m, answers, carried);
        }).ToArray());
    }

    // What is known before follow-through: the reference slice, the student's values in its order, and right/wrong per element.
    sealed record Marked(
        Answer Answer,
        Verdict Verdict,
        string? Message,
        TensorAddress? Address = null,
        TracePoint Node = default,
        Tensor? Reference = null,
        int Offset = 0,
        Tensor? Submitted = null,
        bool[]? Right = null,
        Substitution? Substitution = null);

    Marked Mark(Answer answer, int index)
    {
        if (!_addresses.TryGetValue(answer.Path, out var parsed))
            throw new ArgumentException($"{answer.Path} was not among the paths the session was made for, so the reference run did not keep it");
        if (parsed.Address is not { } address) return new(answer, Verdict.UnknownPath, parsed.Error);

        if (address.Kind == AddressKind.Final)
            address = address with { Node = address.Node with { IterationIndex = _reference.IterationsRun - 1 } };
        if (!_reference.TryGet(address, out var tensor))
            return new(answer, Verdict.UnknownPath,
                $"{answer.Path}: the run diverged at iteration {_reference.IterationsRun}, so /iterations has {_reference.IterationsRun} entries");
        if (!Slice.TryTake(tensor, address.Element, out var shape, out int offset, out int length))
            return new(answer, Verdict.UnknownPath,
                $"{answer.Path}: the tensor is {Slice.Describe(tensor.Shape)}, and the indices after it go past its end or its rank");
        // Recorded tensors are never written again, so a whole one is shared rather than copied.
        var reference = length == tensor.Length ? tensor : new Tensor(shape, tensor.Data.AsSpan(offset, length).ToArray());

        if (answer.Value.Tensor is not { } submitted)
            return new(answer, Verdict.NotANumber, answer.Value.Unreadable, address, address.Node, reference, offset);
        if (!Slice.Conforms(shape, submitted.Shape))
            return new(answer, Verdict.ShapeMismatch, ShapeMessage(shape, submitted.Shape), address, address.Node, reference, offset, submitted);

        var tolerance = ToleranceFor(answer);

        var right = new bool[length];
        bool allRight = true;
        for (int i = 0; i < length; i++) allRight &= right[i] = tolerance.Accepts(submitted.Data[i], reference.Data[i]);
        Substitution? substitution = address.Kind is AddressKind.Traced or AddressKind.Final
            ? new Substitution(index, address.Node, offset, submitted.Data)
            : null;
        return new(answer, allRight ? Verdict.Correct : Verdict.Incorrect, null, address, address.Node, reference, offset, submitted, right, substitution);
    }

    // An answer's own rule, else the request's.
    Tolerance ToleranceFor(Answer answer) => answer.Tolerance ?? _options.Tolerance;

    // Only traced tensors (and /final, the last step's) are computed from others. /initial is given, and
    // /exampleIndices borrows the node of layer 0's input, which the follow-through run would answer for it.
    static bool Carries(Marked m) => m.Address?.Kind is AddressKind.Traced or AddressKind.Final;

    AnswerGrade Finish(Marked m, IReadOnlyList<Answer> answers, FollowThrough? carried)
    {
        var answer = m.Answer;
        var tolerance = ToleranceFor(answer);
        if (m.Verdict is Verdict.UnknownPath or Verdict.NotANumber)
            return new(answer.Path, m.Verdict, m.Reference, null, null, null, answer.Points, 0, [], null, [], tolerance, m.Message);

        var reference = m.Reference!;
        var submitted = m.Submitted!;
        if (m.Verdict == Verdict.ShapeMismatch)
        {
            var diagnoses = _diagnoses.Explain(new WrongAnswer(m.Address!, reference.Shape, reference.Data, submitted.Shape, submitted.Data, null, tolerance, true));
            return new(answer.Path, m.Verdict, reference, submitted, null, null, answer.Points, 0, diagnoses, null, [], tolerance, m.Message);
        }

        var expected = new Tensor(submitted.Shape, reference.Data);
        var right = m.Right!;
        int n = right.Length, nRight = 0, nCarried = 0;
        foreach (bool r in right) if (r) nRight++;
        var counted = right; // right against the reference, then also right by follow-through
        Tensor? followThroughExpected = null;
        IReadOnlyList<string> used = [];
        if (m.Verdict == Verdict.Incorrect && Carries(m) && carried?.Expected(m.Node) is { } recomputed)
        {
            var values = recomputed.Data.AsSpan(m.Offset, n).ToArray();
            followThroughExpected = new Tensor(submitted.Shape, values);
            for (int i = 0; i < n; i++)
                if (!counted[i] && tolerance.Accepts(submitted.Data[i], values[i]))
                {
                    counted[i] = true;
                    nCarried++;
                }
            used = carried.UsedAnswers(m.Node).Select(i => answers[i].Path).Where(p => p != answer.Path).Distinct().ToArray();
        }

        var verdict = nRight == n ? Verdict.Correct : nRight + nCarried == n ? Verdict.FollowThrough : Verdict.Incorrect;
        double credit = 1 - _options.Penalty;
        double awarded = _options.PartialCredit == PartialCredit.Proportional
            ? answer.Points * (nRight + credit * nCarried) / n
            : verdict switch { Verdict.Correct => answer.Points, Verdict.FollowThrough => answer.Points * credit, _ => 0 };

        var found = verdict == Verdict.Incorrect
            ? _diagnoses.Explain(new WrongAnswer(m.Address!, reference.Shape, reference.Data, submitted.Shape, submitted.Data, followThroughExpected?.Data, tolerance, false))
            : [];
        string? message = verdict == Verdict.FollowThrough
            ? $"Wrong against the reference, right given your own earlier answers ({string.Join(", ", used)})."
            : null;
        return new(answer.Path, verdict, expected, submitted, new ElementMask(submitted.Shape, counted), MaxAbsoluteError(submitted.Data, reference.Data),
            answer.Points, awarded, found, followThroughExpected, used, tolerance, message);
    }

    static string ShapeMessage(int[] expected, int[] submitted)
    {
        string also = expected.Length > 0 && expected[0] == 1 ? $" (or {Slice.Describe(expected[1..])} with the batch axis dropped)" : "";
        return $"expected {Slice.Describe(expected)}{also}, got {Slice.Describe(submitted)}";
    }

    // NaN against NaN and an infinity against the same infinity are no error; any other non-finite pair is an infinite one.
    static double MaxAbsoluteError(double[] submitted, double[] reference)
    {
        double most = 0;
        for (int i = 0; i < submitted.Length; i++)
        {
            double s = submitted[i], r = reference[i];
            double error = double.IsNaN(s) && double.IsNaN(r) || double.IsInfinity(s) && s == r ? 0
                : double.IsFinite(s) && double.IsFinite(r) ? Math.Abs(s - r)
                : double.PositiveInfinity;
            most = Math.Max(most, error);
        }
        return most;
    }
}
