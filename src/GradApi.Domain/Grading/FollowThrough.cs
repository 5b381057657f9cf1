using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>A student's value for (part of) a traced tensor, carried forward in place of the computed one.</summary>
public readonly record struct Substitution(int Answer, TracePoint Node, int Offset, double[] Values);

/// <summary>
/// Follow-through (error carried forward): runs the problem again with every readable answer put in place
/// of the tensor it names. The value computed just before a substitution is that answer's follow-through
/// expectation; everything downstream, submitted or not, is computed from the student's own numbers, across
/// iterations too. Which answers fed which tensor is read off the trace graph's edges as the run goes.
/// </summary>
public sealed class FollowThrough : ITraceHook
{
    readonly Dictionary<TracePoint, List<Substitution>> _byNode = [];
    readonly Dictionary<TracePoint, int[]> _fedBy = [];
    readonly Dictionary<TracePoint, Tensor> _computed = [];
    readonly Dictionary<TracePoint, int[]> _usedAt = [];

    FollowThrough(IEnumerable<Substitution> substitutions)
    {
        foreach (var s in substitutions)
        {
            if (!_byNode.TryGetValue(s.Node, out var list)) _byNode[s.Node] = list = [];
            list.Add(s);
        }
    }

    /// <summary>Runs the problem with the substitutions, up to the last iteration any of <paramref name="asked"/> sits in.</summary>
    public static FollowThrough Run(TrainingProblem problem, IReadOnlyList<Substitution> substitutions, IReadOnlyCollection<TracePoint> asked)
    {
        var hook = new FollowThrough(substitutions);
        foreach (var point in asked) hook._computed.TryAdd(point, null!);
        int lastIndex = asked.Count == 0 ? -1 : asked.Max(p => p.IterationIndex);
        if (lastIndex < 0) return hook;
        foreach (var iteration in new TrainingRun(problem, hook).Iterations())
            if (iteration.Iteration - 1 >= lastIndex) break;
        return hook;
    }

    /// <summary>The tensor recomputed from the student's own values (before their own value replaced it).</summary>
    public Tensor? Expected(TracePoint node) => _computed.TryGetValue(node, out var tensor) ? tensor : null;

    /// <summary>The answers (by index) whose values went into the recomputed tensor at a node.</summary>
    public IReadOnlyList<int> UsedAnswers(TracePoint node) => _usedAt.TryGetValue(node, out var used) ? used : [];

    public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
    {
        int[] fed = [];
        foreach (var input in inputs)
            if (_fedBy.TryGetValue(input, out var upstream)) fed = Union(fed, upstream);
        if (_computed.ContainsKey(point))
        {
            // A copy: the run writes a replacement of theta back into the very tensor it emitted.
            _computed[point] = computed.Copy();
            _usedAt[point] = fed;
        }
        if (!_byNode.TryGetValue(point, out var substitutions))
        {
            if (fed.Length > 0) _fedBy[point] = fed;
            return computed;
        }

        var carried = computed.Copy();
        int replaced = 0;
        foreach (var s in substitutions)
        {
            s.Values.CopyTo(carried.Data, s.Offset);
            replaced += s.Values.Length;
            fed = Union(fed, [s.Answer]);
        }
        // A whole tensor replaced cuts its upstream off; a partly replaced one still carries it.
        if (replaced >= carried.Length) fed = substitutions.Select(s => s.Answer).Distinct().Order().ToArray();
        _fedBy[point] = fed;
        return carried;
    }

    static int[] Union(int[] a, int[] b)
    {
        if (a.Length == 0) return b;
        if (b.Length == 0 || ReferenceEquals(a, b)) return a;
        var merged = new List<int>(a.Length + b.Length);
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            int next = j >= b.Length || (i < a.Length && a[i] <= b[j]) ? a[i++] : b[j++];
            if (merged.Count == 0 || merged[^1] != next) merged.Add(next);
        }
        return merged.ToArray();
    }
}
