using GradApi.Domain.Calculus.Expressions;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Tests.Calculus;

public class ExpressionGradientTests
{
    static Matrix<double> V(params double[] v) => Matrix<double>.Build.Dense(v.Length, 1, v);
    static Matrix<double> M(double[,] m) => Matrix<double>.Build.DenseOfArray(m);
    static Matrix<double> S(double v) => Matrix<double>.Build.Dense(1, 1, v);

    static void Close(Matrix<double> expected, Matrix<double> actual, double tolerance = 1e-12)
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        for (int r = 0; r < expected.RowCount; r++)
            for (int c = 0; c < expected.ColumnCount; c++)
                Assert.True(Math.Abs(expected[r, c] - actual[r, c]) <= tolerance * Math.Max(1, Math.Abs(expected[r, c])),
                    $"[{r},{c}]: expected {expected[r, c]:R}, got {actual[r, c]:R}");
    }

    // Central differences, the independent check of a reverse-mode gradient.
    static Matrix<double> Numerical(Expression e, Dictionary<string, Matrix<double>> values, string variable, double h = 1e-6)
    {
        var x = values[variable];
        var result = Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount);
        for (int r = 0; r < x.RowCount; r++)
            for (int c = 0; c < x.ColumnCount; c++)
            {
                double keep = x[r, c];
                x[r, c] = keep + h;
                double up = e.Evaluate(values)[0, 0];
                x[r, c] = keep - h;
                double down = e.Evaluate(values)[0, 0];
                x[r, c] = keep;
                result[r, c] = (up - down) / (2 * h);
            }
        return result;
    }

    // sum(w .* softmax(x)) with a = softmax(x): d/dx_k = a_k (w_k - w'a), as seed 003 Q1.2's f(1 - f) on the diagonal.
    [Fact]
    public void SoftmaxOfAVectorHasTheJacobianDiagAMinusAATransposed()
    {
        var values = new Dictionary<string, Matrix<double>> { ["x"] = V(1, 2, 3), ["w"] = V(1, 0, -1) };
        var e = ExpressionParser.Parse("sum(w .* softmax(x))");
        var result = e.Gradient(values, ["x"]);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] a = [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z];
        double wa = a[0] - a[2];
        Assert.Equal(wa, result.Value[0, 0], 1e-15);
        Close(V(a[0] * (1 - wa), a[1] * (0 - wa), a[2] * (-1 - wa)), result.Gradients["x"], 1e-14);
        Close(Numerical(e, values, "x"), result.Gradients["x"], 1e-8);
        // Large logits do not overflow: softmax([1000, 0]) = [1, e^-1000] = [1, 0].
        Assert.Equal(1.0, ExpressionParser.Parse("sum(w .* softmax(x))").Evaluate(new Dictionary<string, Matrix<double>> { ["x"] = V(1000, 0), ["w"] = V(1, 0) })[0, 0]);
    }

    // diag(v) * A scales A's rows by v: sum = sum_i v_i sum_j A_ij, so d/dv = row sums of A, d/dA_ij = v_i.
    // diag(M) is M's diagonal: sum(diag(M) .* w) = sum_i M_ii w_i, so d/dM = diag(w).
    [Fact]
    public void DiagBuildsAVectorsDiagonalMatrixAndReadsAMatrixsDiagonal()
    {
        var values = new Dictionary<string, Matrix<double>> { ["v"] = V(1, 2), ["A"] = M(new double[,] { { 1, 2 }, { 3, 4 } }), ["w"] = V(10, 20) };
        var scaled = ExpressionParser.Parse("sum(diag(v) * A)").Gradient(values, ["v", "A"]);
        Assert.Equal(17.0, scaled.Value[0, 0]);
        Close(V(3, 7), scaled.Gradients["v"]);
        Close(M(new double[,] { { 1, 1 }, { 2, 2 } }), scaled.Gradients["A"]);

        var read = ExpressionParser.Parse("sum(diag(A) .* w)");
        var diagonal = read.Gradient(values, ["A"]);
        Assert.Equal(90.0, diagonal.Value[0, 0]);
        Close(M(new double[,] { { 10, 0 }, { 0, 20 } }), diagonal.Gradients["A"]);
        Close(Numerical(read, values, "A"), diagonal.Gradients["A"], 1e-8);
        Assert.Equal(new Shape(2, 2), ExpressionParser.Parse("diag(v)").InferShapes(new Dictionary<string, Shape> { ["v"] = new(1, 2) }).Shape);
    }

    [Fact]
    public void SoftmaxOfAMatrixIsAShapeErrorNamingIt()
    {
        var error = Assert.Throws<ExpressionShapeException>(() =>
            ExpressionParser.Parse("sum(softmax(A))").InferShapes(new Dictionary<string, Shape> { ["A"] = new(2, 2) }));
        Assert.Contains("softmax needs a vector", error.Message);
    }

    // Seed 003 Q2.1: d/dx x'(Ax + z) = (A + A')x + z. By hand: A + A' = [[2,5],[5,8]], times [1,2] = [12,21], + z = [12.5, 20].
    [Fact]
    public void QuadraticFormGradientIsAPlusATransposeTimesXPlusZ()
    {
        var values = new Dictionary<string, Matrix<double>> { ["x"] = V(1, 2), ["A"] = M(new double[,] { { 1, 2 }, { 3, 4 } }), ["z"] = V(0.5, -1) };
        var result = ExpressionParser.Parse("x' * (A*x + z)").Gradient(values, ["x"]);
        Assert.Equal(25.5, result.Value[0, 0], 1e-14);
        Close(V(12.5, 20), result.Gradients["x"]);
    }

    // Seed 003 Q2.2: d/dw 1/2 (w'x - y)^2 = (w'x - y) x. By hand: w'x = 0.5 - 2 + 6 = 4.5, minus 4 is 0.5.
    [Fact]
    public void SingleExampleL2GradientIsResidualTimesX()
    {
        var values = new Dictionary<string, Matrix<double>> { ["w"] = V(0.5, -1, 2), ["x"] = V(1, 2, 3), ["y"] = S(4) };
        var result = ExpressionParser.Parse("0.5*(w'*x - y)^2").Gradient(values, ["w"]);
        Assert.Equal(0.125, result.Value[0, 0], 1e-14);
        Close(V(0.5, 1, 1.5), result.Gradients["w"]);
    }

    // Seed 003 Q2.3: d/dw 1/2 ||Xw - y||^2 = X'(Xw - y). By hand: Xw = [-0.3, -0.5, -0.7], r = [-1.3, -0.5, -2.7], X'r = [-16.3, -20.8].
    [Fact]
    public void LeastSquaresGradientIsXTransposeTimesResidual()
    {
        var values = new Dictionary<string, Matrix<double>>
        {
            ["X"] = M(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }), ["w"] = V(0.1, -0.2), ["y"] = V(1, 0, 2),
        };
        var result = ExpressionParser.Parse("0.5*norm(X*w - y)^2").Gradient(values, ["w"]);
        Assert.Equal(0.5 * (1.69 + 0.25 + 7.29), result.Value[0, 0], 1e-13);
        Close(V(-16.3, -20.8), result.Gradients["w"]);
    }

    // Seed 003 Q3: d/dW ||Wx + b - y||^2 = 2(Wx + b - y)x', m x n. By hand: Wx = [-2, 4], r = [-2.5, 2.5].
    [Fact]
    public void AffineSquaredNormGradientIsTwiceResidualTimesXTransposeWithWShape()
    {
        var values = new Dictionary<string, Matrix<double>>
        {
            ["W"] = M(new double[,] { { 1, 0, -1 }, { 2, 1, 0 } }), ["x"] = V(1, 2, 3), ["b"] = V(0.5, -0.5), ["y"] = V(1, 1),
        };
        var e = ExpressionParser.Parse("norm(W*x + b - y)^2");
        var shapes = e.InferShapes(values.ToDictionary(p => p.Key, p => Shape.Of(p.Value)));
        Assert.Equal(Shape.Scalar, shapes.Shape);
        Assert.Contains(shapes.Nodes, n => n.Node.Text == "W*x" && n.Shape == new Shape(2, 1));
        var result = e.Gradient(values, ["W", "b"]);
        Assert.Equal(12.5, result.Value[0, 0], 1e-13);
        Close(M(new double[,] { { -5, -10, -15 }, { 5, 10, 15 } }), result.Gradients["W"]);
        Close(V(-5, 5), result.Gradients["b"]);
    }

    static readonly (string Name, Func<double, double> F, double[] At)[] Elementwise =
    [
        ("exp", Math.Exp, [0.3, -0.7, 1.2]),
        ("log", Math.Log, [0.3, 0.7, 1.2]),
        ("sqrt", Math.Sqrt, [0.3, 0.7, 1.2]),
        ("abs", Math.Abs, [0.3, -0.7, 1.2]),
        ("sigmoid", v => 1 / (1 + Math.Exp(-v)), [0.3, -0.7, 1.2]),
        ("tanh", Math.Tanh, [0.3, -0.7, 1.2]),
        ("softplus", v => Math.Log(1 + Math.Exp(v)), [0.3, -0.7, 1.2]),
        ("relu", v => Math.Max(0, v), [0.3, -0.7, 1.2]),
    ];

    public static TheoryData<string> ElementwiseNames => new(Elementwise.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(ElementwiseNames))]
    public void GradientOfEachElementwiseFunctionMatchesCentralDifferences(string name)
    {
        var (_, f, at) = Elementwise.Single(e => e.Name == name);
        // sum(w .* f(x)) has gradient w .* f'(x); the weights make each component distinct.
        double[] w = [1.5, -2, 0.5];
        var values = new Dictionary<string, Matrix<double>> { ["x"] = V(at), ["w"] = V(w) };
        var gradient = ExpressionParser.Parse($"sum(w .* {name}(x))").Gradient(values, ["x"]).Gradients["x"];
        const double h = 1e-6;
        for (int i = 0; i < at.Length; i++)
        {
            double fd = w[i] * (f(at[i] + h) - f(at[i] - h)) / (2 * h);
            Assert.True(Math.Abs(gradient[i, 0] - fd) <= 1e-7 * Math.Max(1, Math.Abs(fd)), $"{name}'({at[i]}): {gradient[i, 0]:R} vs {fd:R}");
        }
    }

    [Fact]
    public void EveryOperatorGradientMatchesCentralDifferencesOfTheEvaluation()
    {
        var e = ExpressionParser.Parse("sum((A*x) ./ (1 + y.^2)) + trace(B'*B)/2 - norm(x) * c^3 + sum(x' * B .* 2) - sum(-x) / c + sum(y.^x)");
        var values = new Dictionary<string, Matrix<double>>
        {
            ["A"] = M(new double[,] { { 1, -2 }, { 0.5, 3 } }), ["x"] = V(0.4, -1.1), ["y"] = V(1.3, 0.8),
            ["B"] = M(new double[,] { { 2, -1 }, { 0.3, 0.7 } }), ["c"] = S(1.7),
        };
        var names = new[] { "A", "x", "y", "B", "c" };
        var result = e.Gradient(values, names);
        const double h = 1e-6;
        foreach (var name in names)
        {
            var m = values[name];
            for (int r = 0; r < m.RowCount; r++)
                for (int c = 0; c < m.ColumnCount; c++)
                {
                    double keep = m[r, c];
                    m[r, c] = keep + h; double up = e.Evaluate(values)[0, 0];
                    m[r, c] = keep - h; double down = e.Evaluate(values)[0, 0];
                    m[r, c] = keep;
                    double fd = (up - down) / (2 * h);
                    Assert.True(Math.Abs(result.Gradients[name][r, c] - fd) <= 1e-6 * Math.Max(1, Math.Abs(fd)),
                        $"d/d{name}[{r},{c}]: {result.Gradients[name][r, c]:R} vs {fd:R}");
                }
        }
    }

    [Theory]
    [InlineData("2^3^2", 64)]
    [InlineData("-2^2", -4)]
    [InlineData("2^-1", 0.5)]
    [InlineData("1 - 2 - 3", -4)]
    [InlineData("2 * 3 + 4 / 2", 8)]
    [InlineData("2.*3", 6)]
    [InlineData(".5 + 1e-1", 0.6)]
    public void PrecedenceAndAssociativityFollowMatlab(string text, double expected) =>
        Assert.Equal(expected, ExpressionParser.Parse(text).Evaluate(new Dictionary<string, Matrix<double>>())[0, 0], 1e-15);

    [Fact]
    public void SubexpressionTextIsTheSourceAsWrittenIncludingParentheses()
    {
        var texts = ExpressionParser.Parse("x' * (A*x + z)").Nodes().Select(n => n.Text).ToList();
        Assert.Equal(["x", "x'", "A", "x", "A*x", "z", "A*x + z", "x' * (A*x + z)"], texts);
    }

    [Fact]
    public void ACorrectClaimIsEquivalentAndTheSoftmaxClaimFOnePlusFIsNot()
    {
        var e = ExpressionParser.Parse("exp(a) / (exp(a) + exp(b))");
        var point = new List<KeyValuePair<string, Matrix<double>>> { new("a", S(1)), new("b", S(2)) };
        string f = "exp(a)/(exp(a) + exp(b))";
        var right = GradientClaims.Check(e, point, new Dictionary<string, Expression> { ["a"] = ExpressionParser.Parse($"{f}*(1 - {f})") }, 20, 1)["a"];
        Assert.Equal(ClaimVerdict.Equivalent, right.Verdict);
        Assert.Equal(20, right.Trials);
        Assert.True(right.MaxRelativeError <= 1e-12);

        var wrong = GradientClaims.Check(e, point, new Dictionary<string, Expression> { ["a"] = ExpressionParser.Parse($"{f}*(1 + {f})") }, 20, 1)["a"];
        Assert.Equal(ClaimVerdict.NotEquivalent, wrong.Verdict);
        var counter = wrong.Counterexample!;
        // The first point checked is the given one: f = 1/(1 + e) there.
        double fa = 1 / (1 + Math.E);
        Assert.Equal(fa * (1 - fa), counter.Expected[0, 0], 1e-15);
        Assert.Equal(fa * (1 + fa), counter.Claimed[0, 0], 1e-15);
    }

    [Fact]
    public void RandomPointsAreReproducibleForASeed()
    {
        var e = ExpressionParser.Parse("sum(x.^3)");
        var point = new List<KeyValuePair<string, Matrix<double>>> { new("x", V(0, 0)) };
        var claim = new Dictionary<string, Expression> { ["x"] = ExpressionParser.Parse("3*x") };   // wrong: 3 x.^2
        var one = GradientClaims.Check(e, point, claim, 5, 7)["x"].Counterexample!;
        var two = GradientClaims.Check(e, point, claim, 5, 7)["x"].Counterexample!;
        Assert.Equal(one.Variables["x"].ToColumnMajorArray(), two.Variables["x"].ToColumnMajorArray());
        // The given point x = 0 agrees (both 0); the first random point is the first draw of Random(7).
        var random = new Random(7);
        Assert.Equal(-2 + 4 * random.NextDouble(), one.Variables["x"][0, 0]);
    }
}
