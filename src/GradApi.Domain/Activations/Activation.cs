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

    /// <summary>
    /// f'(z) written in the output a = f(z), the form a student uses by hand (sigma' = a (1 - a)).
    /// Follow-through grading uses it when the student's own a replaced the computed one.
    /// </summary>
    public abstract double DerivativeFromOutput(double a);

    /// <summary>f''(z), for the exact Hessian (Pearlmutter's R-operator). Elementwise activations override it beside f'.</summary>
    public virtual double SecondDerivative(double z) => throw new NotSupportedException($"{Name} has no elementwise second derivative");

    /// <summary>
    /// The directional derivative of <see cref="Backward"/> in z with dL/da held fixed:
    /// result_i = sum_jk d^2 a_j / (dz_i dz_k) zDot_k dLda_j. Elementwise that is f''(z_i) zDot_i dLda_i;
    /// softmax overrides it with its vector form.
    /// </summary>
    public virtual void SecondDerivativeAlong(ReadOnlySpan<double> z, ReadOnlySpan<double> a, ReadOnlySpan<double> zDot,
        ReadOnlySpan<double> dLda, Span<double> result)
    {
        for (int i = 0; i < z.Length; i++) result[i] = SecondDerivative(z[i]) * zDot[i] * dLda[i];
    }

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

    /// <summary>The reported derivative written in a alone (<see cref="DerivativeFromOutput"/>); softmax's Jacobian already is.</summary>
    public virtual void DerivativeOfOutput(ReadOnlySpan<double> a, Span<double> derivative)
    {
        for (int i = 0; i < a.Length; i++) derivative[i] = DerivativeFromOutput(a[i]);
    }

    /// <summary>Values per example in the reported derivative: n, or n*n for a Jacobian.</summary>
    public virtual int DerivativeWidth(int units) => units;
}
