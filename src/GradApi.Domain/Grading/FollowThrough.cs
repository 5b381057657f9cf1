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
    readonly Dictionary<TracePoint, AnswerSet> _fedBy;
    readonly Dictionary<TracePoint, Tensor> _computed = [];
    readonly Dictionary<TracePoint, AnswerSet> _usedAt = [];

    FollowThrough(IEnumerable<Substitution> substitutions, int tracedTensors)
    {
        // Sized for every tensor the run will produce: growing it tensor by tensor was most of the hook's cost.
        _fedBy = new Dictionary<TracePoint, AnswerSet>(tracedTensors);
        foreach (var s in substitutions)
        {
            if (!_byNode.TryGetValue(s.Node, out var list)) _byNode[s.Node] = list = [];
            list.Add(s);
        }
    }

    /// <summary>Runs the problem with the substitutions, up to the last iteration any of <paramref name="asked"/> sits in.</summary>
    public static FollowThrough Run(TrainingProblem problem, IReadOnlyList<Substitution> substitutions, IReadOnlyCollection<TracePoint> asked,
        CancellationToken cancellation = default)
    {
        int lastIndex = asked.Count == 0 ? -1 : asked.Max(p => p.IterationIndex);
        var hook = new FollowThrough(substitutions, (lastIndex + 1) * TracedPerIteration(problem));
        foreach (var point in asked) hook._computed.TryAdd(point, null!);
        if (lastIndex < 0) return hook;
        foreach (var iteration in new TrainingRun(problem, hook, cancellation: cancellation).Iterations())
            if (iteration.Iteration - 1 >= lastIndex) break;
        return hook;
    }

    // input, z, a, sigma', delta, dJ/dW, dJ/db, W, b, look-ahead W and b and each state slot twice per layer; loss tensors once.
    static int TracedPerIteration(TrainingProblem problem) =>
        problem.Network.Layers.Count * (11 + 2 * problem.Optimizer.StateNames.Count) + 3 + problem.Loss.AlsoReport.Count;

    /// <summary>The tensor recomputed from the student's own values (before their own value replaced it).</summary>
    public Tensor? Expected(TracePoint node) => _computed.TryGetValue(node, out var tensor) ? tensor : null;

    /// <summary>The answers (by index) whose values went into the recomputed tensor at a node.</summary>
    public IReadOnlyList<int> UsedAnswers(TracePoint node) => _usedAt.TryGetValue(node, out var used) ? used.ToList() : [];

    public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
    {
        var fed = AnswerSet.Empty;
        foreach (var input in inputs)
            if (_fedBy.TryGetValue(input, out var upstream)) fed = fed.Union(upstream);
        ref var asked = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_computed, point);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref asked))
        {
            asked = computed;
            _usedAt[point] = fed;
        }
        if (!_byNode.TryGetValue(point, out var substitutions))
        {
            if (!fed.IsEmpty) _fedBy[point] = fed;
            return computed;
        }

        var carried = computed.Copy();
        var own = AnswerSet.Empty;
        int replaced = 0;
        foreach (var s in substitutions)
        {
            s.Values.CopyTo(carried.Data, s.Offset);
            replaced += s.Values.Length;
            own = own.With(s.Answer);
        }
        // A whole tensor replaced cuts its upstream off; a partly replaced one still carries it.
        _fedBy[point] = replaced >= carried.Length ? own : fed.Union(own);
        return carried;
    }

    /// <summary>A set of answer indices: one word of bits for the usual few dozen answers, more words beyond.</summary>
    readonly struct AnswerSet(ulong[] words)
    {
        public static readonly AnswerSet Empty = new([]);
        readonly ulong[] _words = words;

        public bool IsEmpty => Array.TrueForAll(_words, w => w == 0);

        public AnswerSet With(int answer)
        {
            var words = new ulong[Math.Max(_words.Length, answer / 64 + 1)];
            _words.CopyTo(words, 0);
            words[answer / 64] |= 1UL << (answer % 64);
            return new AnswerSet(words);
        }

        public AnswerSet Union(AnswerSet other)
        {
            if (other._words.Length == 0 || ReferenceEquals(_words, other._words)) return this;
            if (_words.Length == 0) return other;
            var (longer, shorter) = _words.Length >= other._words.Length ? (_words, other._words) : (other._words, _words);
            bool contained = true;
            for (int i = 0; i < shorter.Length; i++) contained &= (longer[i] | shorter[i]) == longer[i];
            if (contained) return new AnswerSet(longer);
            var words = (ulong[])longer.Clone();
            for (int i = 0; i < shorter.Length; i++) words[i] |= shorter[i];
            return new AnswerSet(words);
        }

        public List<int> ToList()
        {
            var list = new List<int>();
            for (int w = 0; w < _words.Length; w++)
                for (int b = 0; b < 64; b++)
                    if ((_words[w] & (1UL << b)) != 0) list.Add(w * 64 + b);
            return list;
        }
    }
}
