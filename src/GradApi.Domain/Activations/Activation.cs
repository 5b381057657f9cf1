namespace GradApi.Domain.Activations;

/// <summary>
/// a = f(z) for one layer's units, with the derivative beside it.
/// Elementwise activations define <see cref="Value"/> and <see cref="Derivative"/>; softmax,
/// whose derivative is a full Jacobian, overrides the vector forms.
/// </summary>
public abstract class Activation
{
    public abstract string Name { get; }

    /// <summary>True when a_i depends on z_i alone, so the derivative is the diagonal sigma'(z).</summary>
    public virtual bool IsElementwise => true;

    public abstract double Value(double z);

    public abstract double Derivative(double z);

    public virtual void Forward(ReadOnlySpan<double> z, Span<double> a)
    {
        for (int i = 0; i < z.Length; i++) a[i] = Value(z[i]);
    }

    /// <summary>dL/dz = (da/dz)^T dL/da; elementwise, that is sigma'(z) * dL/da.</summary>
    public virtual void Backward(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> dLda, Span<double> dLdz)
    {
        for (int i = 0; i < z.Length; i++) dLdz[i] = Derivative(z[i]) * dLda[i];
    }

    /// <summary>The reported derivative: sigma'(z) per element ([n]), or the Jacobian ([n][n]) when not elementwise.</summary>
    public virtual void DerivativeOf(ReadOnlySpan<double> z, ReadOnlySpan<double> a, Span<double> derivative)
    {
        for (int i = 0; i < z.Length; i++) derivative[i] = Derivative(z[i]);
    }

    /// <summary>Values per example in the reported derivative: n, or n*n for a Jacobian.</summary>
    public virtual int DerivativeWidth(int units) => units;
}
