using System.Collections.Concurrent;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// What grading a problem needs before any submission: the paths read, the reference run keeping only the tensors the
/// answers (and the neighbour-iteration and other-layer diagnoses) ask about, the diagnoses with their mistake runs (made
/// on first need) and the reference's explanations. It depends on the problem and the paths alone, not on the options;
/// once made it is only read, but for those runs and explanations, made once each under locks, so any number of
/// sessions (a batch's submissions, or requests on the same problem) can share it.
/// </summary>
public sealed class GradingSetUp
{
    public TrainingProblem Problem { get; }
    internal IReadOnlyDictionary<string, (TensorAddress? Address, string Error)> Addresses { get; }
    // The nodes answers ask about.
    internal IReadOnlySet<TracePoint> Asked { get; }
    internal RecordedRun Reference { get; }
    internal Diagnoses Diagnoses { get; }
    // The reference's explanations of the asked tensors, a table per number of decimals shown (-1 for none; at most ten
    // in all), each made whole the first time a session shows that many: a session then reads its table without locks.
    readonly ConcurrentDictionary<int, IReadOnlyDictionary<TracePoint, string?>> _explanations = new();

    GradingSetUp(TrainingProblem problem, IEnumerable<string> paths, CancellationToken cancellation, CancellationToken diagnosisCancellation)
    {
        Problem = problem;
        var addresses = new Dictionary<string, (TensorAddress? Address, string Error)>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            cancellation.ThrowIfCancellationRequested();
            if (addresses.ContainsKey(path)) continue;
            addresses[path] = TensorPath.TryParse(path, problem, out var address, out var error) ? (address, "") : (null, error);
        }
        Addresses = addresses;

        var asked = addresses.Values.Where(a => a.Address is not null).Select(a => a.Address!.Node).ToHashSet();
        Asked = asked;
        var nearby = new HashSet<TracePoint>(asked);
        foreach (var node in asked)
        {
            nearby.Add(node with { IterationIndex = node.IterationIndex - 1 });
            nearby.Add(node with { IterationIndex = node.IterationIndex + 1 });
            for (int l = 0; l < problem.Network.Layers.Count; l++) nearby.Add(node with { Layer = l });
        }
        // /final's tensors are the last step's, known once the run has ended: their computations are kept at every step.
        var finals = addresses.Values.Where(a => a.Address?.Kind == AddressKind.Final).Select(a => (a.Address!.Node.Field, a.Address.Node.Layer)).ToHashSet();
        Reference = RecordedRun.Of(problem, nearby.Contains, cancellation: cancellation,
            explained: point => asked.Contains(point) || finals.Count > 0 && finals.Contains((point.Field, point.Layer)));
        Diagnoses = new Diagnoses(problem, Reference, asked.Contains, diagnosisCancellation);
    }

    /// <summary>The reference's explanation of each asked tensor with <paramref name="decimals"/> shown (null: none), made once.</summary>
    internal IReadOnlyDictionary<TracePoint, string?> ReferenceExplanationsAt(int? decimals) =>
        _explanations.GetOrAdd(decimals ?? -1, static (key, setUp) =>
        {
            int? shown = key < 0 ? null : key;
            var table = new Dictionary<TracePoint, string?>(setUp.Asked.Count);
            foreach (var node in setUp.Asked) table[node] = setUp.ReferenceExplanation(node, shown);
            return table;
        }, this);

    internal string? ReferenceExplanation(TracePoint node, int? decimals) =>
        Reference.ComputationOf(node) is { } computation ? Explanation.Of(Problem, computation, decimals) : null;

    /// <summary>One session's set-up (a request's or a batch's): every run it makes stops with <paramref name="cancellation"/>.</summary>
    public static GradingSetUp Of(TrainingProblem problem, IEnumerable<string> paths, CancellationToken cancellation = default) =>
        new(problem, paths, cancellation, cancellation);

    /// <summary>
    /// A set-up for sessions of different requests: the reference run stops with <paramref name="cancellation"/> (nothing
    /// is made then), but the diagnoses' runs, made later for whichever request first needs them, cannot be stopped, since a
    /// run stopped for one request would be stopped for all (a mistake run's failure is kept). For small problems only.
    /// </summary>
    public static GradingSetUp Shared(TrainingProblem problem, IEnumerable<string> paths, CancellationToken cancellation) =>
        new(problem, paths, cancellation, CancellationToken.None);
}
