using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// How one traced tensor was computed: the tensors it was computed from (the trace edges, each with the value the run
/// used: a student's own where follow-through carried it), its value, and the examples of its iteration.
/// </summary>
public sealed record Computation(TracePoint Node, IReadOnlyList<KeyValuePair<TracePoint, Tensor>> Operands, Tensor Value, int[] Examples);
