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
    IReadOnlyList<LayerParameters> _final = [];

    RecordedRun(TrainingProblem problem) => _problem = problem;

    /// <summary>Iterations the run produced (fewer than asked when it diverged).</summary>
    public int IterationsRun { get; private set; }

    /// <param name="round">
    /// Applied to every tensor as it is produced; the rounded tensor is carried forward, the value before rounding
    /// is kept (rounding too early: the intermediates rounded, the answer itself then written to any precision).
    /// </param>
    /// <param name="mistakeLayer">The one layer the mistake is made in; null for every layer.</param>
    public static RecordedRun Of(TrainingProblem problem, Func<TracePoint, bool> wanted, Mistake mistake = Mistake.None,
        Func<Tensor, Tensor>? round = null, int? mistakeLayer = null, CancellationToken cancellation = default)
    {
        var recorded = new RecordedRun(problem);
        var run = new TrainingRun(problem, new Recorder(recorded._values, wanted, round), mistake, mistakeLayer, cancellation);
        foreach (var iteration in run.Iterations())
        {
            recorded.IterationsRun = iteration.Iteration;
            recorded._examples[iteration.Iteration - 1] = iteration.ExampleIndices;
        }
        recorded._final = run.Final;
        return recorded;
    }

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

    sealed class Recorder(Dictionary<TracePoint, Tensor> values, Func<TracePoint, bool> wanted, Func<Tensor, Tensor>? round) : ITraceHook
    {
        public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
        {
            if (wanted(point)) values[point] = computed;
            return round is null ? computed : round(computed);
        }
    }
}
