using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// One submission's own numbers, as the diagnoses try them: a mistake is reproduced the way the student would have
/// made it, on their values as written (and rounded), in whichever iteration. Each mistake that could show at a wrong
/// answer costs one follow-through run with it switched on, made once per submission and shared by its answers.
/// </summary>
public sealed class SubmissionContext
{
    readonly IReadOnlyList<Substitution> _substitutions;
    readonly IReadOnlyDictionary<TracePoint, Substitution[]> _index;
    readonly IReadOnlyCollection<TracePoint> _asked;
    readonly IReadOnlyDictionary<TracePoint, Tensor> _written;
    readonly Dictionary<(string, string?, Mistake, int?), FollowThrough> _runs = [];
    readonly CancellationToken _cancel;

    /// <param name="carried">The submission's follow-through run, asked about every wrong answer's node.</param>
    /// <param name="written">The student's whole tensors by node, as submitted.</param>
    /// <param name="index">The substitutions by node, as <see cref="FollowThrough.Index"/> made them for the carried run.</param>
    public SubmissionContext(FollowThrough carried, IReadOnlyList<Substitution> substitutions, IReadOnlyDictionary<TracePoint, Substitution[]> index,
        IReadOnlyCollection<TracePoint> asked, IReadOnlyDictionary<TracePoint, Tensor> written, CancellationToken cancellation)
    {
        Carried = carried;
        _substitutions = substitutions;
        _index = index;
        _asked = asked;
        _written = written;
        _cancel = cancellation;
    }

    public FollowThrough Carried { get; }

    /// <summary>The run with the candidate's mistake or convention on the student's values, asked about every wrong answer.</summary>
    public FollowThrough RunFor(Diagnoses.Candidate candidate)
    {
        var key = (candidate.Code, candidate.Convention, candidate.Mistake, candidate.Layer);
        if (!_runs.TryGetValue(key, out var run))
        {
            // A convention that names its state otherwise (ema's m for heavy-ball's v) runs on the same values under its names.
            var substitutions = candidate.SlotNames is null ? _index : FollowThrough.Index(_substitutions.Select(s => s with { Node = candidate.InRun(s.Node) }).ToArray());
            var asked = candidate.SlotNames is null ? _asked : _asked.Select(candidate.InRun).ToArray();
            _runs[key] = run = FollowThrough.Run(candidate.Problem, substitutions, asked, _cancel, candidate.Mistake, candidate.Layer);
        }
        return run;
    }

    /// <summary>
    /// The candidate, made on the student's own earlier values, gives their numbers, and the right computation from the
    /// same values does not. Not run where the mistake cannot show: no field it changes lies between the student's
    /// written values and the answer.
    /// </summary>
    public bool Reproduces(WrongAnswer answer, Diagnoses.Candidate candidate)
    {
        var node = answer.Address.Node;
        int open = Carried.OpenFields(node);
        // A one-layer slip differs from the every-layer one (tried first) only through tensors of other layers not written.
        if (candidate.Layer is int layer && (layer != node.Layer || open == 1 << (int)node.Field)) return false;
        if ((open & candidate.Sites) == 0) return false;
        if (RunFor(candidate).Expected(candidate.InRun(node)) is not { } tensor) return false;
        return SameAs(answer, tensor, answer.Address.Element);
    }

    /// <summary>The answer repeats what the student wrote at another address (another iteration or layer).</summary>
    public bool Wrote(WrongAnswer answer, TensorAddress other) =>
        _written.TryGetValue(other.Node, out var tensor) && SameAs(answer, tensor, other.Element);

    // The student's numbers are this tensor's (at the element). The answer is wrong against the right value from the same
    // numbers, so this one differs from it, if only by a rounding the student's last decimal shows.
    static bool SameAs(WrongAnswer answer, Tensor tensor, int[] element)
    {
        if (!Slice.TryTake(tensor, element, out _, out int offset, out int length) || length != answer.Submitted.Length) return false;
        return Diagnoses.AllAccepted(answer.Submitted, tensor.Data.AsSpan(offset, length), answer.Tolerance);
    }
}
