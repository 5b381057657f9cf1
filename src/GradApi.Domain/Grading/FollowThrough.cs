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
    readonly IReadOnlyDictionary<TracePoint, Substitution[]> _byNode;
    // What the run carried, only while it runs (asked computations read their operands as they are made): handed back to
    // the thread's spare once it ends, so a batch's thousand runs on a core reuse two tables rather than allocate 2,000.
    Dictionary<TracePoint, Flow> _flow;
    Dictionary<TracePoint, Tensor> _carried;
    readonly Dictionary<TracePoint, Computation?> _asked = [];
    readonly Dictionary<TracePoint, AnswerSet> _usedAt = [];
    readonly Dictionary<TracePoint, int> _openAt = [];
    readonly TrainingProblem _problem;
    TrainingRun? _run;
    int _remaining;

    // What reached a tensor: the answers whose values went in, and the fields of the tensors computed on the way (this one
    // included) that no whole substitution cut off: a mistake made in one of those fields could change the tensor.
    readonly record struct Flow(AnswerSet Answers, int OpenFields);

    FollowThrough(TrainingProblem problem, IReadOnlyDictionary<TracePoint, Substitution[]> substitutions, int tracedTensors)
    {
        _problem = problem;
        _byNode = substitutions;
        // Sized for every tensor the run will produce: growing them tensor by tensor was most of the hook's cost.
        // A spare much larger than this run needs would cost its whole size to clear: a small problem after a large one starts afresh.
        (_flow, _carried) = spareTables is { } spare && spare.Item1.EnsureCapacity(0) <= 4 * tracedTensors + 64 ? spare : ([], []);
        spareTables = null;
        _flow.EnsureCapacity(tracedTensors);
        _carried.EnsureCapacity(tracedTensors);
    }

    const int MaxSpareTensors = 4096;

    [ThreadStatic] static (Dictionary<TracePoint, Flow>, Dictionary<TracePoint, Tensor>)? spareTables;

    // The run has ended: nothing reads what it carried any more. A long run's tables are left to the collector rather
    // than kept by the thread.
    void ReleaseTables()
    {
        if (_flow.Count <= MaxSpareTensors)
        {
            _flow.Clear();
            _carried.Clear();
            spareTables = (_flow, _carried);
        }
        _flow = null!;
        _carried = null!;
    }

    /// <summary>The substitutions by the node they replace, built once for the runs a submission makes.</summary>
    public static IReadOnlyDictionary<TracePoint, Substitution[]> Index(IReadOnlyCollection<Substitution> substitutions)
    {
        var index = new Dictionary<TracePoint, Substitution[]>(substitutions.Count);
        foreach (var s in substitutions)
            index[s.Node] = index.TryGetValue(s.Node, out var earlier) ? [.. earlier, s] : [s];
        return index;
    }

    /// <summary>
    /// Runs the problem with the substitutions, up to the last iteration any of <paramref name="asked"/> sits in; with a
    /// mistake switched on (in one layer, or every layer), the values a student making it on their own numbers would get.
    /// </summary>
    public static FollowThrough Run(TrainingProblem problem, IReadOnlyList<Substitution> substitutions, IReadOnlyCollection<TracePoint> asked,
        CancellationToken cancellation = default, Mistake mistake = Mistake.None, int? mistakeLayer = null) =>
        Run(problem, Index(substitutions), asked, cancellation, mistake, mistakeLayer);

    /// <summary>As above, with the substitutions already indexed by node. The run stops once every asked tensor is computed.</summary>
    public static FollowThrough Run(TrainingProblem problem, IReadOnlyDictionary<TracePoint, Substitution[]> substitutions,
        IReadOnlyCollection<TracePoint> asked, CancellationToken cancellation = default, Mistake mistake = Mistake.None, int? mistakeLayer = null)
    {
        int lastIndex = asked.Count == 0 ? -1 : asked.Max(p => p.IterationIndex);
        var hook = new FollowThrough(problem, substitutions, (lastIndex + 1) * TracedPerIteration(problem));
        foreach (var point in asked) hook._asked.TryAdd(point, null);
        hook._remaining = hook._asked.Count;
        if (lastIndex < 0)
        {
            hook.ReleaseTables();
            return hook;
        }
        hook._run = new TrainingRun(problem, hook, mistake, mistakeLayer, cancellation);
        foreach (var _ in hook._run.Iterations())
            if (hook.Done) break;
        hook.ReleaseTables();
        return hook;
    }

    /// <summary>Every asked tensor has been computed.</summary>
    public bool Done => _remaining == 0;

    // input, z, a, sigma', delta, dJ/dW, dJ/db, W, b, look-ahead W and b and each state slot twice per layer; loss tensors once.
    internal static int TracedPerIteration(TrainingProblem problem) =>
        problem.Network.Layers.Count * (11 + 2 * problem.Optimizer.StateNames.Count) + 3 + problem.Loss.AlsoReport.Count;

    /// <summary>The tensor recomputed from the student's own values (before their own value replaced it).</summary>
    public Tensor? Expected(TracePoint node) => _asked.TryGetValue(node, out var computation) ? computation?.Value : null;

    /// <summary>The asked tensor's computation: what went into it (the student's values where they had them) and its value.</summary>
    public Computation? ComputationOf(TracePoint node) => _asked.TryGetValue(node, out var computation) ? computation : null;

    /// <summary>The answers (by index) whose values went into the recomputed tensor at a node.</summary>
    public IReadOnlyList<int> UsedAnswers(TracePoint node) => _usedAt.TryGetValue(node, out var used) ? used.ToList() : [];

    /// <summary>
    /// The fields (bit 1 &lt;&lt; TraceField) a mistake could be made in and still change the tensor at an asked node: its own,
    /// and those of the tensors it was computed from back to the student's whole answers, which stand as written.
    /// </summary>
    public int OpenFields(TracePoint node) => _openAt.TryGetValue(node, out int open) ? open : 1 << (int)node.Field;

    public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
    {
        var fed = AnswerSet.Empty;
        int open = 1 << (int)point.Field;
        foreach (var input in inputs)
            if (_flow.TryGetValue(input, out var upstream))
            {
                fed = fed.Union(upstream.Answers);
                open |= upstream.OpenFields;
            }
        ref var asked = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_asked, point);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref asked))
        {
            if (asked is null) _remaining--;
            asked = Computation.Of(_problem, point, inputs, CarriedAt, computed, _run?.CurrentExamples ?? []);
            _usedAt[point] = fed;
            _openAt[point] = open;
        }
        if (!_byNode.TryGetValue(point, out var substitutions))
        {
            _flow[point] = new Flow(fed, open);
            _carried[point] = computed;
            return computed;
        }

        var carried = Overlay(computed, substitutions);
        var own = AnswerSet.Empty;
        int replaced = 0;
        foreach (var s in substitutions)
        {
            replaced += s.Values.Length;
            own = own.With(s.Answer);
        }
        // A whole tensor replaced cuts its upstream off; a partly replaced one still carries it.
        _flow[point] = replaced >= carried.Length ? new Flow(own, 0) : new Flow(fed.Union(own), open);
        _carried[point] = carried;
        return carried;
    }

    public Tensor Preview(TracePoint point, Tensor computed) =>
        _byNode.TryGetValue(point, out var substitutions) ? Overlay(computed, substitutions) : computed;

    // The student's values in place of the computed ones. One answer for the whole tensor is carried as it is (the run never
    // writes a tensor it was given); parts are laid over a copy of the computed one.
    static Tensor Overlay(Tensor computed, Substitution[] substitutions)
    {
        if (substitutions is [{ Offset: 0 } whole] && whole.Values.Length == computed.Length) return new Tensor(computed.Shape, whole.Values);
        var carried = computed.Copy();
        foreach (var s in substitutions) s.Values.CopyTo(carried.Data, s.Offset);
        return carried;
    }

    // The value a step read, as this run carried it; null for what no step computes (the problem's initial values).
    Tensor? CarriedAt(TracePoint point) => _carried.TryGetValue(point, out var tensor) ? tensor : null;

    /// <summary>A set of answer indices: one word of bits for the usual few dozen answers, more words beyond.</summary>
    readonly struct AnswerSet(ulong[] words)
    {
        public static readonly AnswerSet Empty = new([]);
        static readonly AnswerSet[] Singles = Enumerable.Range(0, 64).Select(a => new AnswerSet([1UL << a])).ToArray();
        readonly ulong[] _words = words;

        public bool IsEmpty => Array.TrueForAll(_words, w => w == 0);

        public AnswerSet With(int answer)
        {
            // One answer is the usual set of a substituted tensor: shared, as no set's words are written once it is made.
            if (_words.Length == 0 && answer < 64) return Singles[answer];
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
