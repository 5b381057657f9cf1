namespace GradApi.Domain.Analysis;

/// <summary>
/// One named parameter of an objective: a scalar (shape []), a vector ([n]) or a matrix ([rows, columns]).
/// The optimizer sees all parameters as one flat vector theta: the parameters in order, each row-major.
/// </summary>
public sealed record ObjectiveParameter(string Name, int[] Shape)
{
    public int Length => Shape.Aggregate(1, (product, d) => product * d);
}

/// <summary>
/// A differentiable function to minimize, f(theta), over the flat vector of its named parameters.
/// Named test functions (quadratic, Rosenbrock, Beale, Himmelblau) implement it in closed form; an
/// expression over named parameters (the calculus endpoints' language) plugs in the same way.
/// </summary>
public interface IObjective
{
    /// <summary>What the objective is, for the echo: quadratic, rosenbrock, beale, himmelblau, expression.</summary>
    string Kind { get; }

    /// <summary>The parameters in the order their values are laid out in theta.</summary>
    IReadOnlyList<ObjectiveParameter> Parameters { get; }

    /// <summary>Length of theta: the sum of the parameters' lengths.</summary>
    int Dimension { get; }

    double Value(ReadOnlySpan<double> theta);

    /// <summary>df/dtheta at theta, written into gradient (length <see cref="Dimension"/>).</summary>
    void Gradient(ReadOnlySpan<double> theta, Span<double> gradient);

    /// <summary>
    /// The Hessian at theta as rows (Dimension x Dimension), or null when the objective has none in closed form.
    /// </summary>
    double[][]? Hessian(ReadOnlySpan<double> theta);

    /// <summary>
    /// True when the Hessian is the same at every theta (a quadratic; an expression quadratic in its parameters).
    /// Then plain gradient descent's stable learning rates follow from its eigenvalues: 0 &lt; lr &lt; 2 / lambdaMax.
    /// </summary>
    bool HasConstantHessian { get; }
}
