using GradApi.Domain.Calculus.Expressions;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Analysis;

/// <summary>
/// f(theta) given by a scalar expression of the calculus language over named parameters (scalars,
/// column vectors or matrices) and constants. Value and gradient come from the expression's own
/// evaluation and reverse mode, so the objective and /v1/expressions/gradient agree by construction.
/// </summary>
public sealed class ExpressionObjective : IObjective
{
    readonly Expression _expression;
    readonly IReadOnlyDictionary<string, Matrix<double>> _constants;
    readonly CancellationToken _cancel;

    /// <param name="cancellation">Runs through every evaluation and gradient of the expression (a request's work token).</param>
    public ExpressionObjective(Expression expression, IReadOnlyList<ObjectiveParameter> parameters, IReadOnlyDictionary<string, Matrix<double>> constants,
        CancellationToken cancellation = default)
    {
        _expression = expression;
        _cancel = cancellation;
        _constants = constants;
        Parameters = parameters;
        Dimension = parameters.Sum(p => p.Length);
        Degree = PolynomialDegree(expression, parameters.Select(p => p.Name).ToHashSet());
    }

    public string Kind => "expression";
    public IReadOnlyList<ObjectiveParameter> Parameters { get; }
    public int Dimension { get; }

    /// <summary>The expression's degree as a polynomial in the parameters, or null when it is not one.</summary>
    public int? Degree { get; }

    /// <summary>A polynomial of degree at most 2 has the same Hessian everywhere.</summary>
    public bool HasConstantHessian => Degree is <= 2;

    public double Value(ReadOnlySpan<double> theta) => _expression.Evaluate(Values(theta), _cancel)[0, 0];

    public void Gradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var result = _expression.Gradient(Values(theta), Parameters.Select(p => p.Name), _cancel);
        int offset = 0;
        foreach (var parameter in Parameters)
        {
            // Row-major, the layout of theta: a column vector's rows, a matrix's rows in turn.
            var g = result.Gradients[parameter.Name];
            for (int r = 0; r < g.RowCount; r++)
                for (int c = 0; c < g.ColumnCount; c++)
                    gradient[offset++] = g[r, c];
        }
    }

    /// <summary>
    /// For a quadratic, the gradient is affine, so its central difference with step 1 is the Hessian
    /// with no truncation error; other expressions have no closed-form Hessian here (null).
    /// </summary>
    public double[][]? Hessian(ReadOnlySpan<double> theta)
    {
        if (!HasConstantHessian) return null;
        int n = Dimension;
        var point = theta.ToArray();
        var plus = new double[n];
        var minus = new double[n];
        var hessian = new double[n][];
        for (int i = 0; i < n; i++) hessian[i] = new double[n];
        for (int j = 0; j < n; j++)
        {
            double original = point[j];
            point[j] = original + 1;
            Gradient(point, plus);
            point[j] = original - 1;
            Gradient(point, minus);
            point[j] = original;
            for (int i = 0; i < n; i++) hessian[i][j] = (plus[i] - minus[i]) / 2;
        }
        // Symmetrize away rounding: H is symmetric for any twice-differentiable f.
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                hessian[i][j] = hessian[j][i] = (hessian[i][j] + hessian[j][i]) / 2;
        return hessian;
    }

    Dictionary<string, Matrix<double>> Values(ReadOnlySpan<double> theta)
    {
        var values = new Dictionary<string, Matrix<double>>(_constants);
        int offset = 0;
        foreach (var parameter in Parameters)
        {
            var shape = parameter.Shape;
            int rows = shape.Length == 0 ? 1 : shape[0], columns = shape.Length == 2 ? shape[1] : 1;
            var m = Matrix<double>.Build.Dense(rows, columns);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    m[r, c] = theta[offset++];
            values[parameter.Name] = m;
        }
        return values;
    }

    /// <summary>Degree of node as a polynomial in the named parameters; null where it is not a polynomial.</summary>
    internal static int? PolynomialDegree(Expression node, IReadOnlySet<string> parameters) => node switch
    {
        NumberExpression or ConstantExpression => 0,
        VariableExpression v => parameters.Contains(v.Name) ? 1 : 0,
        UnaryExpression u => PolynomialDegree(u.Operand, parameters),
        BinaryExpression b => BinaryDegree(b, parameters),
        // sum and trace are linear; norm(e)^2 is handled by the power rule; any other function of a parameter is not polynomial.
        // diag only moves elements (a vector to a diagonal matrix, or back), so it keeps the degree too.
        FunctionExpression { Name: "sum" or "trace" or "diag" } f => PolynomialDegree(f.Argument, parameters),
        FunctionExpression f => PolynomialDegree(f.Argument, parameters) == 0 ? 0 : null,
        _ => null,
    };

    static int? BinaryDegree(BinaryExpression b, IReadOnlySet<string> parameters)
    {
        int? left = PolynomialDegree(b.Left, parameters), right = PolynomialDegree(b.Right, parameters);
        switch (b.Operator)
        {
            case BinaryOperator.Add or BinaryOperator.Subtract:
                return left is null || right is null ? null : Math.Max(left.Value, right.Value);
            case BinaryOperator.Multiply or BinaryOperator.ElementMultiply:
                return left + right;
            case BinaryOperator.Divide or BinaryOperator.ElementDivide:
                return right == 0 ? left : null;
            default: // ^ and .^: a non-negative whole exponent written as a number
                if (b.Right is not NumberExpression { Value: var k } || k < 0 || k != Math.Floor(k)) return left == 0 && right == 0 ? 0 : null;
                if (b.Left is FunctionExpression { Name: "norm" } norm && k % 2 == 0)
                    return PolynomialDegree(norm.Argument, parameters) * (int)k;
                return left * (int)k;
        }
    }
}
