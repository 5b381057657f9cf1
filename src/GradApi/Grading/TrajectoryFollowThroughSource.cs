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
        var parts = path.Split('/');
        // "", "runs", r, "steps", k, part, ...
        if (parts.Length < 6 || parts[0] != "" || parts[1] != "runs" || parts[3] != "steps") return null;
        if (!Index(parts[2], out int run) || run >= computation.Runs.Count || !Index(parts[4], out int step)) return null;
        if (step >= computation.Runs[run].Result.Steps.Count) return null;
        var objective = computation.Objective;
        var optimizer = computation.Runs[run].Optimizer;
        var rest = parts[5..];
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
            if (parameter.Name != rest[1].Replace("~1", "/").Replace("~0", "~")) { offset += parameter.Length; continue; }
            var indices = rest[2..];
            if (indices.Length > parameter.Shape.Length) return null;
            int length = parameter.Length;
            for (int d = 0; d < indices.Length; d++)
            {
                if (!Index(indices[d], out int i) || i >= parameter.Shape[d]) return null;
                length /= parameter.Shape[d];
                offset += i * length;
            }
            return (run, new StepAddress(step, part, slot, offset, length));
        }
        return null;
    }

    /// <summary>One submission's follow-through: each run it answered stepped again from its values, made when first asked.</summary>
    public FollowThroughOf? For(IReadOnlyList<Answer> answers, CancellationToken cancellation)
    {
        var located = answers.Select(a => Locate(a.Path)).ToArray();
        if (located.All(l => l is null)) return null;
        var runs = new Dictionary<int, TrajectoryFollowThrough>();
        TrajectoryFollowThrough RunFor(int r)
        {
            if (runs.TryGetValue(r, out var made)) return made;
            var given = new List<StepAnswer>();
            int last = 0;
            for (int i = 0; i < answers.Count; i++)
            {
                if (located[i] is not { } l || l.Run != r) continue;
                last = Math.Max(last, l.Address.Step);
                if (answers[i].Formula is null && answers[i].Value.Tensor is { } t && t.Length == l.Address.Length)
                    given.Add(new StepAnswer(i, l.Address, t.Data));
            }
            var run = computation.Runs[r];
            return runs[r] = TrajectoryFollowThrough.Run(computation.Objective, run.Optimizer, computation.Start, given, last, cancellation);
        }
        return i => located[i] is { } l && RunFor(l.Run).At(l.Address) is { } recomputed && recomputed.Used.Count > 0
            ? new Recomputed(recomputed.Values, recomputed.Used)
            : null;
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

    static bool Index(string token, out int index) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index) && (token.Length == 1 || token[0] != '0');

    static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}
