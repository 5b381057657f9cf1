using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// A run's tensors at the points grading asks about: the reference, a run with a mistake switched on,
/// or one with every value rounded. Only wanted points are kept, so memory follows the answers, not the trace.
/// </summary>
public sealed class RecordedRun
{
    readonly TrainingProblem _problem;
    readonly Dictionary<TracePoint, Tensor> _values = [];
    readonly Dictionary<int, int[]> _examples = [];
    readonly Dictionary<TracePoint, Computation> _computations = [];
    IReadOnlyList<LayerParameters> _final = [];

    RecordedRun(TrainingProblem problem) => _problem = problem;

    /// <summary>Iterations the run produced (fewer than asked when it diverged).</summary>
    public int IterationsRun { get; private set; }

    /// <param name="round">
    /// Applied to every tensor as it is produced; the rounded tensor is carried forward, the value before rounding
    /// is kept (rounding too early: the intermediates rounded, the answer itself then written to any precision).
    /// </param>
    /// <param name="mistakeLayer">The one layer the mistake is made in; null for every layer.</param>
    /// <param name="explained">The points whose computation (operands and value) is kept for explanations.</param>
    public static RecordedRun Of(TrainingProblem problem, Func<TracePoint, bool> wanted, Mistake mistake = Mistake.None,
        Func<Tensor, Tensor>? round = null, int? mistakeLayer = null, CancellationToken cancellation = default,
        Func<TracePoint, bool>? explained = null)
    {
        var recorded = new RecordedRun(problem);
        var recorder = new Recorder(problem, recorded._values, wanted, round, explained, recorded._computations);
        var run = recorder.Run = new TrainingRun(problem, recorder, mistake, mistakeLayer, cancellation);
        foreach (var iteration in run.Iterations())
        {
            recorded.IterationsRun = iteration.Iteration;
            recorded._examples[iteration.Iteration - 1] = iteration.ExampleIndices;
        }
        recorded._final = run.Final;
        return recorded;
    }

    /// <summary>How the tensor at a point was computed, when the run was asked to keep it.</summary>
    public Computation? ComputationOf(TracePoint point) => _computations.TryGetValue(point, out var computation) ? computation : null;

    /// <summary>The whole tensor at an address (before any element indices), if this run produced it.</summary>
    public bool TryGet(TensorAddress address, out Tensor tensor)
    {
        tensor = null!;
        var node = address.Node;
        switch (address.Kind)
        {
            case AddressKind.Initial:
                var layer = _problem.Network.Layers[node.Layer];
                tensor = node.Field == TraceField.Weights ? layer.Weights : layer.Biases!;
                return true;
            case AddressKind.Final:
                if (_final.Count == 0) return false;
                tensor = node.Field == TraceField.Weights ? _final[node.Layer].Weights : _final[node.Layer].Biases!;
                return true;
            case AddressKind.ExampleIndices:
                if (!_examples.TryGetValue(node.IterationIndex, out var indices)) return false;
                tensor = Tensor.Vector(indices.Select(i => (double)i).ToArray());
                return true;
            default:
                return _values.TryGetValue(node, out tensor!);
        }
    }

    sealed class Recorder(TrainingProblem problem, Dictionary<TracePoint, Tensor> values, Func<TracePoint, bool> wanted,
        Func<Tensor, Tensor>? round, Func<TracePoint, bool>? explained, Dictionary<TracePoint, Computation> computations) : ITraceHook
    {
        // The tensors of this iteration and the last, the only ones a step reads, while explanations are kept.
        // Sized for an iteration's tensors: growing them tensor by tensor was a fifth of a small problem's reference run.
        readonly Dictionary<TracePoint, Tensor>[] _recent = explained is null ? []
            : [new(FollowThrough.TracedPerIteration(problem)), new(FollowThrough.TracedPerIteration(problem))];
        readonly int[] _recentIteration = [-2, -2];

        /// <summary>The run being recorded, for its current examples.</summary>
        public TrainingRun? Run { get; set; }

        public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
        {
            if (wanted(point)) values[point] = computed;
            var carried = round is null ? computed : round(computed);
            if (explained is null) return carried;
            if (explained(point)) computations[point] = Computation.Of(problem, point, inputs, Recent, computed, Run?.CurrentExamples ?? []);
            int slot = point.IterationIndex & 1;
            if (_recentIteration[slot] != point.IterationIndex)
            {
                _recent[slot].Clear();
                _recentIteration[slot] = point.IterationIndex;
            }
            _recent[slot][point] = carried;
            return carried;
        }

        // A tensor of this iteration or the last as the run carried it; null for the problem's initial values.
        Tensor? Recent(TracePoint point) =>
            point.IterationIndex >= 0 && _recent[point.IterationIndex & 1].TryGetValue(point, out var tensor) ? tensor : null;
    }
}
