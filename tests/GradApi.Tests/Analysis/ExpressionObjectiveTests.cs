using GradApi.Domain.Analysis;
using GradApi.Domain.Calculus.Expressions;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Tests.Analysis;

/// <summary>An expression objective: its degree decides whether it has a constant Hessian, which must equal the hand-derived one.</summary>
public sealed class ExpressionObjectiveTests
{
    static ExpressionObjective Objective(string text, (string Name, int[] Shape)[] parameters, params (string Name, Matrix<double> Value)[] constants) =>
        new(ExpressionParser.Parse(text), parameters.Select(p => new ObjectiveParameter(p.Name, p.Shape)).ToArray(),
            constants.ToDictionary(c => c.Name, c => c.Value));

    [Theory]
    [InlineData("0.5*(w - y)^2", 2)]
    [InlineData("0.5*(w*x - y)^2", 4)] // w and x are both parameters here
    [InlineData("x'*A*x + b'*x", 2)]
    [InlineData("norm(A*x - b)^2", 2)]
    [InlineData("sum(x .* x) / 2", 2)]
    [InlineData("trace(A)*w", 1)]
    [InlineData("w^3", 3)]
    [InlineData("exp(w)", null)]
    [InlineData("norm(x)", null)]
    [InlineData("1 / w", null)]
    [InlineData("exp(y)*w^2", 2)]
    public void TheDegreeInTheParametersIsReadFromTheTree(string text, int? degree)
    {
        var parameters = new HashSet<string> { "w", "x" };
        Assert.Equal(degree, ExpressionObjective.PolynomialDegree(ExpressionParser.Parse(text), parameters));
    }

    [Fact]
    public void ALeastSquaresExpressionHasTheHessianTwoXTransposeXAndTheGradientTwoXTransposeResidual()
    {
        // f(w) = ||X w - y||^2: gradient 2 X'(X w - y), Hessian 2 X'X, both worked out by hand below.
        var X = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 }, { 1, 2 }, { 1, 3 } });
        var y = Matrix<double>.Build.DenseOfArray(new double[,] { { 2.1 }, { 3.9 }, { 6.2 } });
        var f = Objective("norm(X*w - y)^2", [("w", [2])], ("X", X), ("y", y));

        Assert.True(f.HasConstantHessian);
        // X'X = [[3, 6], [6, 14]], so 2 X'X = [[6, 12], [12, 28]].
        var hessian = f.Hessian([0.5, -0.25])!;
        Assert.Equal([6.0, 12.0], hessian[0]);
        Assert.Equal([12.0, 28.0], hessian[1]);

        // At w = (0.5, 0.25): X w - y = (0.75 - 2.1, 1 - 3.9, 1.25 - 6.2) = (-1.35, -2.9, -4.95);
        // X'r = (-9.2, -1.35 - 5.8 - 14.85) = (-9.2, -22); the gradient is twice that.
        var gradient = new double[2];
        f.Gradient([0.5, 0.25], gradient);
        Assert.Equal(-18.4, gradient[0], 12);
        Assert.Equal(-44.0, gradient[1], 12);
        Assert.Equal(1.35 * 1.35 + 2.9 * 2.9 + 4.95 * 4.95, f.Value([0.5, 0.25]), 12);
    }

    [Fact]
    public void AMatrixParameterIsLaidOutRowMajorInTheta()
    {
        // f(W) = sum(W .* W) / 2 has gradient W itself, in W's row-major order.
        var f = Objective("sum(W .* W) / 2", [("W", [2, 3])]);
        double[] theta = [1, 2, 3, 4, 5, 6];
        var gradient = new double[6];
        f.Gradient(theta, gradient);
        Assert.Equal(theta, gradient);
        Assert.Equal(91.0 / 2, f.Value(theta));
    }

    [Fact]
    public void ANonPolynomialExpressionHasNoClosedFormHessian()
    {
        var f = Objective("exp(w) - 2*w", [("w", [])]);
        Assert.False(f.HasConstantHessian);
        Assert.Null(f.Hessian([0.0]));
    }
}
