using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>
/// How one traced tensor was computed: the tensors it was computed from (the trace edges, each with the value the run
/// used: a student's own where follow-through carried it), its value, and the examples of its iteration.
/// </summary>
public sealed record Computation(TracePoint Node, IReadOnlyList<KeyValuePair<TracePoint, Tensor>> Operands, Tensor Value, int[] Examples)
{
    /// <summary>
    /// The computation of a tensor as a hook sees it: each input with the value the run carried there (<paramref name="carried"/>),
    /// or for the problem's own initial parameters and state, which no step computes, their given value.
    /// </summary>
    public static Computation Of(TrainingProblem problem, TracePoint point, ReadOnlySpan<TracePoint> inputs, Func<TracePoint, Tensor?> carried,
        Tensor value, int[] examples)
    {
        var operands = new KeyValuePair<TracePoint, Tensor>[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
            operands[i] = KeyValuePair.Create(inputs[i], carried(inputs[i]) ?? Explanation.InitialValue(problem, inputs[i]) ?? Tensor.Scalar(double.NaN));
        return new Computation(point, operands, value, examples);
    }
}
