using GradApi.Domain.Tensors;

namespace GradApi.Domain.Training;

/// <summary>The tensors a run produces, by their place in the /v1/train response.</summary>
public enum TraceField
{
    Input,
    Z,
    A,
    ActivationDerivative,
    LossPerExample,
    LossValue,
    LossAlso,
    OutputGradient,
    Delta,
    WeightGradient,
    BiasGradient,
    LookAheadWeights,
    LookAheadBiases,
    StateWeights,
    StateBiases,
    Weights,
    Biases,
}

/// <summary>
/// Where a tensor sits in the trace: iteration index (0-based, as in the JSON array), field, layer, and
/// the state slot (v, m...) or further loss (bce...) it names. Iteration index -1 stands for the problem's
/// own initial parameters, which a step reads but no step computes.
/// </summary>
public readonly record struct TracePoint(int IterationIndex, TraceField Field, int Layer = 0, string? Name = null)
{
    /// <summary>The RFC 6901 JSON Pointer of this tensor in the /v1/train response.</summary>
    public string ToPointer()
    {
        string iteration = $"/iterations/{IterationIndex}";
        return Field switch
        {
            TraceField.Input => $"{iteration}/forward/layers/{Layer}/input",
            TraceField.Z => $"{iteration}/forward/layers/{Layer}/z",
            TraceField.A => $"{iteration}/forward/layers/{Layer}/a",
            TraceField.ActivationDerivative => $"{iteration}/forward/layers/{Layer}/activationDerivative",
            TraceField.LossPerExample => $"{iteration}/loss/perExample",
            TraceField.LossValue => $"{iteration}/loss/value",
            TraceField.LossAlso => $"{iteration}/loss/also/{Name}",
            TraceField.OutputGradient => $"{iteration}/backward/outputGradient",
            TraceField.Delta => $"{iteration}/backward/layers/{Layer}/delta",
            TraceField.WeightGradient => $"{iteration}/backward/layers/{Layer}/weightGradient",
            TraceField.BiasGradient => $"{iteration}/backward/layers/{Layer}/biasGradient",
            TraceField.LookAheadWeights => $"{iteration}/update/layers/{Layer}/lookAhead/weights",
            TraceField.LookAheadBiases => $"{iteration}/update/layers/{Layer}/lookAhead/biases",
            TraceField.StateWeights => $"{iteration}/update/layers/{Layer}/state/{Name}/weights",
            TraceField.StateBiases => $"{iteration}/update/layers/{Layer}/state/{Name}/biases",
            TraceField.Weights => $"{iteration}/update/layers/{Layer}/weights",
            _ => $"{iteration}/update/layers/{Layer}/biases",
        };
    }

    public override string ToString() => ToPointer();

    // Grading looks points up a few times per traced tensor; plain integer hashing keeps that cheap.
    public bool Equals(TracePoint other) =>
        IterationIndex == other.IterationIndex && Field == other.Field && Layer == other.Layer && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override int GetHashCode() =>
        ((IterationIndex * 31 + (int)Field) * 131 + Layer) * 17 + (Name is null ? 0 : Name.Length * 7 + Name[0]);
}

/// <summary>
/// Sees every tensor as the run produces it, with the traced tensors it was computed from (the edges
/// of the trace graph), and returns the tensor the run carries forward: the computed one (observe),
/// or another of the same shape (override, for follow-through grading).
/// </summary>
public interface ITraceHook
{
    Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed);

    /// <summary>
    /// A tensor the run needs before its turn (backprop through weights already updated, a slip): the value the hook will
    /// put in its place when it comes, or the computed one. Nothing is recorded.
    /// </summary>
    Tensor Preview(TracePoint point, Tensor computed) => computed;

    /// <summary>True once the hook needs no further tensor: the run then stops at its next phase (forward, loss, backward, update).</summary>
    bool Done => false;
}
