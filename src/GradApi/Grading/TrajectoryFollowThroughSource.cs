using System.Globalization;
using GradApi.Domain.Analysis;
using GradApi.Domain.Grading;
using GradApi.Endpoints;

namespace GradApi.Grading;

/// <summary>
/// Follow-through for /v1/optimization/trajectories: answers at <c>/runs/r/steps/k/...</c> (parameters, gradient and
/// lookAhead by parameter name, state by slot then name, objective; a name may go on to an element) are put in their
/// places and each run the student answered is stepped again from them (<see cref="TrajectoryFollowThrough"/>).
/// The value of the step before or after is named wrong_iteration.
/// </summary>
public sealed class TrajectoryFollowThroughSource(TrajectoryComputation computation)
{
    /// <summary>Where an answer's path lies in a run, or null when it is not a step's value.</summary>
    public (int Run, StepAddress Address)? Locate(string path)
    {
        if (path.Length == 0 || path[0] != '/') return null;
        var parts = TensorPath.Tokens(path);
        // "runs", r, "steps", k, part, ...
        if (parts.Length < 5 || parts[0] != "runs" || parts[2] != "steps") return null;
        if (!TensorPath.IsArrayIndex(parts[1], out int run) || run >= computation.Runs.Count || !TensorPath.IsArrayIndex(parts[3], out int step)) return null;
        if (step >= computation.Runs[run].Result.Steps.Count) return null;
        var objective = computation.Objective;
        var optimizer = computation.Runs[run].Optimizer;
        var rest = parts[4..];
        StepPart part;
        int slot = 0;
        switch (rest[0])
        {
            case "objective":
                return rest.Length == 1 ? (run, new StepAddress(step, StepPart.Objective, 0, 0, 1)) : null;
            case "parameters": part = StepPart.Parameters; break;
            case "gradient": part = StepPart.Gradient; break;
            case "lookAhead": part = StepPart.LookAhead; break;
            case "state":
                if (rest.Length < 2 || (slot = IndexOf(optimizer.StateNames, rest[1])) < 0) return null;
                part = StepPart.State;
                rest = rest[1..];
                break;
            default: return null;
        }
        if (rest.Length < 2) return null;
        // The named parameter, then at most its shape's indices.
        int offset = 0;
        foreach (var parameter in objective.Parameters)
        {
            if (parameter.Name != rest[1]) { offset += parameter.Length; continue; }
            var indices = rest[2..];
            if (indices.Length > parameter.Shape.Length) return null;
            int length = parameter.Length;
            for (int d = 0; d < indices.Length; d++)
            {
                if (!TensorPath.IsArrayIndex(indices[d], out int i) || i >= parameter.Shape[d]) return null;
                length /= parameter.Shape[d];
                offset += i * length;
            }
            return (run, new StepAddress(step, part, slot, offset, length));
        }
        return null;
    }

    TrajectoryComputation Computation => computation;

    // The reference's explanation of a value, from the run's own steps: the same string for the whole class (so the
    // response renders it once).
    readonly System.Collections.Concurrent.ConcurrentDictionary<(int Run, StepAddress Address, int? Decimals), string?> _explained = new();

    string? ReferenceExplanation(int run, StepAddress address, int? decimals) =>
        _explained.GetOrAdd((run, address, decimals), key => StepExplanation.Of(computation.Runs[key.Run].Optimizer,
            new RecordedSteps(computation.Runs[key.Run].Result), key.Address, SymbolOf(key.Address.Offset), computation.Objective.Dimension == 1, key.Decimals));

    /// <summary>One submission's follow-through and explanations: each run it answered stepped again from its values, when first asked.</summary>
    public ISubmissionReplay? For(IReadOnlyList<Answer> answers, CancellationToken cancellation)
    {
        var located = answers.Select(a => Locate(a.Path)).ToArray();
        return located.All(l => l is null) ? null : new Replay(this, answers, located, cancellation);
    }

    sealed class Replay(TrajectoryFollowThroughSource source, IReadOnlyList<Answer> answers, (int Run, StepAddress Address)?[] located,
        CancellationToken cancellation) : ISubmissionReplay
    {
        readonly Dictionary<int, TrajectoryFollowThrough> _runs = [];

        TrajectoryFollowThrough RunFor(int r)
        {
            if (_runs.TryGetValue(r, out var made)) return made;
            var given = new List<StepAnswer>();
            int last = 0;
            for (int i = 0; i < answers.Count; i++)
            {
                if (located[i] is not { } l || l.Run != r) continue;
                last = Math.Max(last, l.Address.Step);
                if (answers[i].Formula is null && answers[i].Value.Tensor is { } t && t.Length == l.Address.Length)
                    given.Add(new StepAnswer(i, l.Address, t.Data));
            }
            var run = source.Computation.Runs[r];
            return _runs[r] = TrajectoryFollowThrough.Run(source.Computation.Objective, run.Optimizer, source.Computation.Start, given, last, cancellation);
        }

        public Recomputed? Recompute(int answer) =>
            located[answer] is { } l && RunFor(l.Run).At(l.Address) is { } recomputed && recomputed.Used.Count > 0
                ? new Recomputed(recomputed.Values, recomputed.Used)
                : null;

        public string? Explain(int answer, bool ownValues, int? decimals)
        {
            if (located[answer] is not { } l) return null;
            if (!ownValues) return source.ReferenceExplanation(l.Run, l.Address, decimals);
            return StepExplanation.Of(source.Computation.Runs[l.Run].Optimizer, RunFor(l.Run), l.Address, source.SymbolOf(l.Address.Offset),
                source.Computation.Objective.Dimension == 1, decimals);
        }
    }

    // An element's name: the parameter's, with its index when the parameter has more than one (p_{1}, A_{0,1}).
    string SymbolOf(int offset)
    {
        foreach (var parameter in computation.Objective.Parameters)
        {
            if (offset >= parameter.Length) { offset -= parameter.Length; continue; }
            if (parameter.Length == 1) return parameter.Name;
            var index = new int[parameter.Shape.Length];
            for (int d = parameter.Shape.Length - 1; d >= 0; d--) { index[d] = offset % parameter.Shape[d]; offset /= parameter.Shape[d]; }
            return $"{parameter.Name}_{{{string.Join(",", index)}}}";
        }
        return "\\theta";
    }

    /// <summary>The problem's own values at a path: the start, for any step's parameters (follow-through on them is degenerate).</summary>
    public double[]? Given(string path) =>
        Locate(path) is { Address: { Part: StepPart.Parameters } at } ? computation.Start.AsSpan(at.Offset, at.Length).ToArray() : null;

    /// <summary>The same value at the step before and after (a student who wrote a neighbouring step's number).</summary>
    public IEnumerable<(string Path, string Code, string Message)> Neighbours(string path)
    {
        if (Locate(path) is not { } at) yield break;
        var parts = path.Split('/');
        foreach (int step in new[] { at.Address.Step - 1, at.Address.Step + 1 })
        {
            if (step < 0 || step >= computation.Runs[at.Run].Result.Steps.Count) continue;
            parts[4] = step.ToString(CultureInfo.InvariantCulture);
            yield return (string.Join('/', parts), Domain.Vocabulary.WireNames.DiagnosisCode.WrongIteration,
                $"This is the value at step {step}, not step {at.Address.Step}.");
        }
    }

    static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}
