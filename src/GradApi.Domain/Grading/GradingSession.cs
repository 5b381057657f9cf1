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
    readonly IReadOnlyDictionary<string, (TensorAddress? Address, string Error)> _addresses;
    readonly Diagnoses _diagnoses;
    readonly CancellationToken _cancel;
    readonly GradingSetUp _setUp;
    // The reference's explanations at the decimals the request's tolerance shows, which most answers use: made once per
    // set-up, read without a lock.
    readonly int? _shownDecimals;
    readonly IReadOnlyDictionary<TracePoint, string?> _shownExplanations;

    /// <param name="paths">Every path any submission will ask about (a batch's union), so one reference run serves all.</param>
    /// <param name="cancellation">Runs through the reference, diagnosis and follow-through runs and the grading of each answer.</param>
    public GradingSession(TrainingProblem problem, GradingOptions options, IEnumerable<string> paths, CancellationToken cancellation = default)
        : this(GradingSetUp.Of(problem, paths, cancellation), options, cancellation)
    {
    }

    /// <summary>A session on a set-up already made (see <see cref="GradingSetUp.Shared"/>): only the submissions' own work is left.</summary>
    /// <param name="cancellation">Runs through the follow-through runs and the grading of each answer (and the set-up's runs, if it was made with it).</param>
    public GradingSession(GradingSetUp setUp, GradingOptions options, CancellationToken cancellation = default)
    {
        _problem = setUp.Problem;
        _options = options;
        _cancel = cancellation;
        _addresses = setUp.Addresses;
        _reference = setUp.Reference;
        _diagnoses = setUp.Diagnoses;
        _setUp = setUp;
        _shownDecimals = DecimalsShown(options.Tolerance);
        _shownExplanations = setUp.ReferenceExplanationsAt(_shownDecimals);
    }

    /// <summary>
    /// A class's submissions, in order. They are independent once the reference exists, so they are graded on every
    /// core: the session is read-only but for its diagnosis runs, which are made once under a lock. A sheet identical to
    /// an earlier one (<see cref="IdenticalSheets"/>) takes its grade.
    /// </summary>
    public SubmissionGrade[] GradeAll(IReadOnlyList<IReadOnlyList<Answer>> submissions)
    {
        var grades = new SubmissionGrade[submissions.Count];
        int[] first = IdenticalSheets.FirstOfEach(submissions);
        Parallel.For(0, grades.Length, new ParallelOptions { CancellationToken = _cancel }, s =>
        {
            if (first[s] == s) grades[s] = Grade(submissions[s]);
        });
        for (int s = 0; s < grades.Length; s++) grades[s] ??= grades[first[s]];
        return grades;
    }

    public SubmissionGrade Grade(IReadOnlyList<Answer> answers)
    {
        // Loops rather than LINQ: a class's answers are graded by the ten thousand, and most are right.
        var marked = new Marked[answers.Count];
        var marking = new Marking[marked.Length];
        bool anyWrong = false;
        for (int i = 0; i < marked.Length; i++)
        {
            _cancel.ThrowIfCancellationRequested();
            var m = marked[i] = Mark(answers[i], i);
            marking[i] = new Marking(m);
            anyWrong |= WrongAndCarried(m);
        }

        // Follow-through: one run with every readable answer carried forward, if any answer needs it. Its context then
        // serves the diagnoses, each tried on the student's own numbers.
        SubmissionContext? context = null;
        if (_options.FollowThrough && anyWrong)
        {
            var wrong = marked.Where(WrongAndCarried).ToArray();
            var substitutions = marked.Where(m => m.Substitution is not null).Select(m => m.Substitution!.Value).ToArray();
            var asked = wrong.Select(m => m.Node).ToHashSet();
            var index = FollowThrough.Index(substitutions);
            var carried = FollowThrough.Run(_problem, index, asked, _cancel);
            var written = new Dictionary<TracePoint, Tensor>(marked.Length);
            foreach (var m in marked)
                if (m.Substitution is not null && m.Address!.Element.Length == 0) written.TryAdd(m.Node, new Tensor(m.Reference!.Shape, m.Substitution.Value.Values));
            context = new SubmissionContext(carried, substitutions, index, asked, written, _cancel);
            foreach (var m in marking) FollowFrom(m, context.Carried, answers);
        }

        foreach (var m in marking)
        {
            _cancel.ThrowIfCancellationRequested();
            Diagnose(m, context);
        }
        if (context is not null)
        {
            FollowConventions(marking, context, answers);
            if (!_options.AllowDegenerate) RefuseDegenerate(marking, marked);
        }

        var results = new AnswerGrade[marking.Length];
        for (int i = 0; i < results.Length; i++)
        {
            _cancel.ThrowIfCancellationRequested();
            results[i] = Finish(marking[i], answers);
        }
        return new SubmissionGrade(results);
    }

    // One answer as its marking goes: against the reference, then follow-through, conventions and the degenerate rule.
    sealed class Marking(Marked marked)
    {
        public Marked Marked { get; } = marked;
        public Verdict Verdict { get; set; } = marked.Verdict;
        // The marks against the reference until follow-through counts more: shared, as every change replaces the array.
        public bool[]? Counted { get; set; } = marked.Right;
        public int Carried { get; set; }
        public Tensor? FollowThroughExpected { get; set; }
        public IReadOnlyList<string> Used { get; set; } = [];
        public IReadOnlyList<int> UsedIndices { get; set; } = [];
        public IReadOnlyList<Diagnosis> Diagnoses { get; set; } = [];
        public Computation? Computation { get; set; }
    }

    // Marked again from the student's own values: each element wrong against the reference but right against the
    // value recomputed from them counts.
    void FollowFrom(Marking m, FollowThrough run, IReadOnlyList<Answer> answers)
    {
        var marked = m.Marked;
        if (marked.Verdict is not (Verdict.Incorrect or Verdict.ShapeMismatch) || !Carries(marked)) return;
        if (marked.Verdict == Verdict.ShapeMismatch)
        {
            // Nothing to count, but the transposed diagnosis looks at the value recomputed from the student's numbers too.
            if (run.Expected(marked.Node) is { } recomputed)
                m.FollowThroughExpected = new Tensor(marked.Reference!.Shape, recomputed.Data.AsSpan(marked.Offset, marked.Reference.Length).ToArray());
            m.Computation = run.ComputationOf(marked.Node);
            return;
        }
        Recount(m, run, marked.Node, answers, wholeOnly: false);
    }

    // The answer against a run's value at its node: elements right against it count as followed through. With wholeOnly
    // (another convention's run) the answer changes only if every element then counts.
    void Recount(Marking m, FollowThrough run, TracePoint node, IReadOnlyList<Answer> answers, bool wholeOnly)
    {
        var marked = m.Marked;
        if (run.Expected(node) is not { } recomputed) return;
        int n = marked.Reference!.Length;
        var values = recomputed.Data.AsSpan(marked.Offset, n).ToArray();
        var tolerance = ToleranceFor(marked.Answer);
        var counted = marked.Right!.AsSpan().ToArray();
        int right = 0, carried = 0;
        for (int i = 0; i < n; i++)
        {
            if (counted[i]) right++;
            else if (tolerance.Accepts(marked.Submitted!.Data[i], values[i])) { counted[i] = true; carried++; }
        }
        var verdict = right == n ? Verdict.Correct : right + carried == n ? Verdict.FollowThrough : Verdict.Incorrect;
        if (wholeOnly && verdict != Verdict.FollowThrough) return;
        m.Verdict = verdict;
        m.Counted = counted;
        m.Carried = carried;
        m.FollowThroughExpected = new Tensor(marked.Submitted!.Shape, values);
        m.Computation = run.ComputationOf(node);
        m.UsedIndices = run.UsedAnswers(node);
        m.Used = m.UsedIndices.Select(i => answers[i].Path).Where(p => p != marked.Answer.Path).Distinct().ToArray();
        if (wholeOnly) m.Diagnoses = [];
    }

    void Diagnose(Marking m, SubmissionContext? context)
    {
        var marked = m.Marked;
        if (m.Verdict is not (Verdict.Incorrect or Verdict.ShapeMismatch)) return;
        m.Diagnoses = _diagnoses.Explain(new WrongAnswer(marked.Address!, marked.Reference!.Shape, marked.Reference.Data, marked.Submitted!.Shape,
            marked.Submitted.Data, m.FollowThroughExpected?.Data, ToleranceFor(marked.Answer), m.Verdict == Verdict.ShapeMismatch), context);
    }

    // A state answer that matches another optimizer convention: the later answers that are right under that convention,
    // from the student's values, get follow_through; the diagnosis stays on the state.
    void FollowConventions(Marking[] marking, SubmissionContext context, IReadOnlyList<Answer> answers)
    {
        foreach (var state in marking.Where(m => m.Marked.Node.Field is TraceField.StateWeights or TraceField.StateBiases).ToArray())
            foreach (var diagnosis in state.Diagnoses)
            {
                if (_diagnoses.ConventionOf(diagnosis) is not { IsOptimizerConvention: true } convention) continue;
                var run = context.RunFor(convention);
                foreach (var later in marking)
                {
                    var node = later.Marked.Node;
                    if (later.Verdict != Verdict.Incorrect || node.IterationIndex < state.Marked.Node.IterationIndex
                        || node.Field is TraceField.StateWeights or TraceField.StateBiases) continue;
                    Recount(later, run, convention.InRun(node), answers, wholeOnly: true);
                }
            }
    }

    // No credit for follow-through built on nothing (DegenerateWork's rule, on the values as carried: a transposed matrix
    // read the right way round).
    void RefuseDegenerate(Marking[] marking, Marked[] marked)
    {
        var credited = marking.Select(m => m.Verdict is Verdict.Correct or Verdict.FollowThrough).ToArray();
        var degenerate = DegenerateWork.Find(marking.Length, i => credited[i], i => Trivial(marked[i]),
            i => marking[i].Verdict == Verdict.FollowThrough
                ? marking[i].UsedIndices.Where(u => u != i && !ReferenceEquals(marked[u], marking[i].Marked)).ToArray()
                : []);
        for (int i = 0; i < marking.Length; i++)
            if (degenerate[i])
            {
                var m = marking[i];
                m.Verdict = Verdict.Incorrect;
                m.Counted = (bool[])m.Marked.Right!.Clone();
                m.Carried = 0;
                m.Diagnoses = [DegenerateWork.Diagnosis];
            }
    }

    bool Trivial(Marked m) => m.Submitted is not null && m.Reference is not null
        && DegenerateWork.IsTrivial(m.Substitution?.Values ?? m.Submitted.Data, m.Reference.Data, Given(m), ToleranceFor(m.Answer));

    // The problem's own values at an answer's place: a layer's initial weights or biases (any iteration's parameters).
    double[]? Given(Marked m)
    {
        if (m.Address is null) return null;
        var layer = _problem.Network.Layers[m.Node.Layer];
        var tensor = m.Node.Field switch
        {
            TraceField.Weights or TraceField.LookAheadWeights => layer.Weights,
            TraceField.Biases or TraceField.LookAheadBiases => layer.Biases,
            _ => null,
        };
        if (tensor is null || m.Offset + m.Reference!.Length > tensor.Length) return null;
        return tensor.Data.AsSpan(m.Offset, m.Reference.Length).ToArray();
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
        if (answer.Formula is not null)
            return new(answer, Verdict.NotANumber,
                $"{answer.Path} holds numbers: answer it with a value (a formula is graded where a problem's response holds a function)");

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
        {
            // A matrix written transposed is marked so, and carried forward the right way round, as the student then used it.
            Substitution? transposed = address.Kind is AddressKind.Traced or AddressKind.Final && TransposeOf(submitted, shape) is { } back
                ? new Substitution(index, address.Node, offset, back)
                : null;
            return new(answer, Verdict.ShapeMismatch, ShapeMessage(shape, submitted.Shape), address, address.Node, reference, offset, submitted,
                Substitution: transposed);
        }

        var tolerance = ToleranceFor(answer);

        var right = new bool[length];
        bool allRight = true;
        for (int i = 0; i < length; i++) allRight &= right[i] = tolerance.Accepts(submitted.Data[i], reference.Data[i]);
        Substitution? substitution = address.Kind is AddressKind.Traced or AddressKind.Final
            ? new Substitution(index, address.Node, offset, submitted.Data)
            : null;
        return new(answer, allRight ? Verdict.Correct : Verdict.Incorrect, null, address, address.Node, reference, offset, submitted, right, substitution);
    }

    // The values of an [n][m] submission read as the [m][n] tensor it transposes (m != n), else null.
    internal static double[]? TransposeOf(Tensor submitted, int[] shape)
    {
        if (shape.Length != 2 || submitted.Shape.Length != 2) return null;
        int m = shape[0], n = shape[1];
        if (m == n || submitted.Shape[0] != n || submitted.Shape[1] != m) return null;
        return Slice.Transpose(submitted.Data, n, m);
    }

    // An answer's own rule, else the request's.
    Tolerance ToleranceFor(Answer answer) => answer.Tolerance ?? _options.Tolerance;

    // Only traced tensors (and /final, the last step's) are computed from others. /initial is given, and
    // /exampleIndices borrows the node of layer 0's input, which the follow-through run would answer for it.
    static bool Carries(Marked m) => m.Address?.Kind is AddressKind.Traced or AddressKind.Final;

    // A wrong answer that follow-through can recompute from the student's own values.
    static bool WrongAndCarried(Marked m) => m.Verdict is Verdict.Incorrect or Verdict.ShapeMismatch && Carries(m);

    AnswerGrade Finish(Marking marking, IReadOnlyList<Answer> answers)
    {
        var m = marking.Marked;
        var answer = m.Answer;
        var tolerance = ToleranceFor(answer);
        if (m.Verdict is Verdict.UnknownPath or Verdict.NotANumber)
            return new(answer.Path, m.Verdict, m.Reference, null, null, null, answer.Points, 0, [], null, [], tolerance, m.Message,
                m.Reference is null ? null : Explain(marking, tolerance));

        var reference = m.Reference!;
        var submitted = m.Submitted!;
        if (m.Verdict == Verdict.ShapeMismatch)
            return new(answer.Path, m.Verdict, reference, submitted, null, null, answer.Points, 0, marking.Diagnoses, null, [], tolerance, m.Message,
                Explain(marking, tolerance));

        // The reference in the submitted shape: the reference itself when the shapes are the same.
        var expected = reference.Shape.AsSpan().SequenceEqual(submitted.Shape) ? reference : new Tensor(submitted.Shape, reference.Data);
        var counted = marking.Counted!;
        int n = counted.Length, nRight = 0;
        foreach (bool r in m.Right!) if (r) nRight++;
        var verdict = marking.Verdict;
        double awarded = _options.Awarded(answer.Points, nRight, marking.Carried, n, verdict);
        string? message = verdict == Verdict.FollowThrough ? GradingOptions.FollowThroughMessage(marking.Used) : null;
        var used = verdict == Verdict.Correct ? [] : marking.Used;
        return new(answer.Path, verdict, expected, submitted, new ElementMask(submitted.Shape, counted), MaxAbsoluteError(submitted.Data, reference.Data),
            answer.Points, awarded, marking.Diagnoses, verdict == Verdict.Correct ? null : marking.FollowThroughExpected, used, tolerance, message,
            Explain(marking, tolerance));
    }

    int? DecimalsShown(Tolerance tolerance) => _options.DecimalsShown(tolerance);

    // The formula with its numbers: the student's where follow-through used them, else the reference's (shared by every
    // submission, so made once per path).
    string? Explain(Marking marking, Tolerance tolerance)
    {
        var m = marking.Marked;
        int? decimals = DecimalsShown(tolerance);
        if (m.Address is null) return null;
        if (m.Address.Kind == AddressKind.Initial) return "Given in the problem: the network's initial parameters.";
        if (m.Address.Kind == AddressKind.ExampleIndices) return "Given by the problem's sampling: the examples of this iteration's batch.";
        if (marking.Verdict != Verdict.Correct && marking.Computation is { } own) return Explanation.Of(_problem, own, decimals);
        return ReferenceExplanation(m.Node, decimals);
    }

    // Every answered node is an asked one; an answer's own tolerance may show other decimals, with a table of its own.
    string? ReferenceExplanation(TracePoint node, int? decimals) =>
        (decimals == _shownDecimals ? _shownExplanations : _setUp.ReferenceExplanationsAt(decimals)).TryGetValue(node, out var text)
            ? text : _setUp.ReferenceExplanation(node, decimals);

    internal static string ShapeMessage(int[] expected, int[] submitted)
    {
        string also = expected.Length > 0 && expected[0] == 1 ? $" (or {Slice.Describe(expected[1..])} with the batch axis dropped)" : "";
        return $"expected {Slice.Describe(expected)}{also}, got {Slice.Describe(submitted)}";
    }

    // NaN against NaN and an infinity against the same infinity are no error; any other non-finite pair is an infinite one.
    internal static double MaxAbsoluteError(double[] submitted, double[] reference)
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
