using GradApi.Domain.Activations;

namespace GradApi.Domain.Losses;

/// <summary>
/// l(a, y) for one example and dl/da beside it. A loss whose natural partner is the output
/// activation (bce after sigmoid, ce after softmax) also has fused forms computed from z, which
/// never take ln(0) or divide by a rounded 1 - a where the true value is finite.
/// </summary>
public abstract class Loss
{
    public abstract string Name { get; }

    public abstract double Value(ReadOnlySpan<double> a, ReadOnlySpan<double> y);

    public abstract void Gradient(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda);

    /// <summary>
    /// d^2 l / da_k^2 for each k. Every loss here is a sum of terms in one a_k each, so its Hessian in a
    /// is diagonal and this is all of it.
    /// </summary>
    public virtual void SecondDerivative(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> d2lda2) =>
        throw new NotSupportedException($"{Name} has no second derivative");

    /// <summary>True when the fused forms below apply to this output activation.</summary>
    public virtual bool FusesWith(Activation output) => false;

    public virtual double ValueFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> y) => throw new NotSupportedException();

    /// <summary>dl/da computed from z (so that 1 - a is not a rounded difference).</summary>
    public virtual void GradientFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dlda) => throw new NotSupportedException();

    /// <summary>dl/dz directly, the short form of the chain rule for the partner activation.</summary>
    public virtual void DeltaFromLogits(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dldz) => throw new NotSupportedException();

    /// <summary>dl/dz from a given a, as a hand computation writes the short form (a student's own a, with no z behind it).</summary>
    public virtual void DeltaFromOutput(ReadOnlySpan<double> a, ReadOnlySpan<double> y, Span<double> dldz) => throw new NotSupportedException();

    /// <summary>The derivative of <see cref="DeltaFromLogits"/> along zDot: (d^2 l / dz^2) zDot, for the exact Hessian.</summary>
    public virtual void DeltaFromLogitsTangent(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y, ReadOnlySpan<double> zDot, Span<double> result) =>
        throw new NotSupportedException();

    /// <summary>l for one example, from z when the fused form applies.</summary>
    public double ValueFor(Activation output, ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> y) =>
        FusesWith(output) ? ValueFromLogits(z, y) : Value(a, y);
}
