using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Calculus.Expressions;

/// <summary>Rows x columns. A scalar is 1x1, a vector n x 1.</summary>
public readonly record struct Shape(int Rows, int Columns)
{
    public static readonly Shape Scalar = new(1, 1);

    public bool IsScalar => Rows == 1 && Columns == 1;

    public static Shape Of(Matrix<double> matrix) => new(matrix.RowCount, matrix.ColumnCount);

    public override string ToString() => $"{Rows}x{Columns}";
}

/// <summary>One node of an expression with its inferred shape.</summary>
public sealed record NodeShape(Expression Node, Shape Shape);

/// <summary>The result of a shape check: the expression's shape and every node's, children before parents.</summary>
public sealed record ShapeCheck(Shape Shape, IReadOnlyList<NodeShape> Nodes);

/// <summary>The value of a scalar expression and its gradient per variable (denominator layout: the variable's shape).</summary>
public sealed record GradientResult(Matrix<double> Value, IReadOnlyDictionary<string, Matrix<double>> Gradients);

/// <summary>
/// The value of an expression and its Jacobian per variable: d vec(f) / d vec(v), numel(f) x numel(v), rows for
/// f's elements and columns for v's, both in row-major order.
/// </summary>
public sealed record JacobianResult(Matrix<double> Value, IReadOnlyDictionary<string, Matrix<double>> Jacobians);

/// <summary>A failure to parse or to shape-check an expression; the message is meant for the user.</summary>
public abstract class ExpressionException(string message) : Exception(message);

/// <summary>The text is not an expression of the grammar. <see cref="Position"/> counts characters from 1.</summary>
public sealed class ExpressionParseException(string message, int position) : ExpressionException(message)
{
    public int Position { get; } = position;
}

/// <summary>
/// The expression parses but its shapes do not fit, or it names a variable that has no value.
/// <see cref="Subexpression"/> is the text of the offending node.
/// </summary>
public sealed class ExpressionShapeException(string message, string subexpression) : ExpressionException(message)
{
    public string Subexpression { get; } = subexpression;
}
