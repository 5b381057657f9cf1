using GradApi.Domain.Calculus.Expressions;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Tests.Calculus;

/// <summary>eye and ones, Jacobians by reverse mode, and claimed Jacobians, against values worked by hand and central differences.</summary>
public class ExpressionJacobianTests
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

    static Matrix<double> Jacobian(string text, Dictionary<string, Matrix<double>> values, string wrt) =>
        ExpressionParser.Parse(text).Jacobian(values, [wrt]).Jacobians[wrt];

    // Central differences of every element of f by every element of v, both row-major: the independent check.
    static Matrix<double> Numerical(Expression e, Dictionary<string, Matrix<double>> values, string variable, double h = 1e-6)
    {
        var x = values[variable];
        var f = e.Evaluate(values);
        var result = Matrix<double>.Build.Dense(f.RowCount * f.ColumnCount, x.RowCount * x.ColumnCount);
        for (int r = 0; r < x.RowCount; r++)
            for (int c = 0; c < x.ColumnCount; c++)
            {
                double keep = x[r, c];
                x[r, c] = keep + h;
                var up = e.Evaluate(values);
                x[r, c] = keep - h;
                var down = e.Evaluate(values);
                x[r, c] = keep;
                for (int i = 0; i < f.RowCount; i++)
                    for (int j = 0; j < f.ColumnCount; j++)
                        result[i * f.ColumnCount + j, r * x.ColumnCount + c] = (up[i, j] - down[i, j]) / (2 * h);
            }
        return result;
    }

    static Dictionary<string, Matrix<double>> AX() => new()
    {
        ["A"] = M(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }),
        ["x"] = V(7, 8, 9),
    };

    // f_i = sum_j A_ij x_j: df_i/dx_j = A_ij, so the Jacobian by x is A itself.
    [Fact]
    public void TheJacobianOfAxByXIsA()
    {
        var result = ExpressionParser.Parse("A*x").Jacobian(AX(), ["x"]);
        Close(V(1 * 7 + 2 * 8 + 3 * 9, 4 * 7 + 5 * 8 + 6 * 9), result.Value);
        Close(M(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }), result.Jacobians["x"]);
    }

    // df_i/dA_kl = delta_ik x_l; columns are A11 A12 A13 A21 A22 A23 (row-major): [x' 0; 0 x'].
    [Fact]
    public void TheJacobianOfAxByAIsXTransposedOnTheBlockDiagonal() =>
        Close(M(new double[,] { { 7, 8, 9, 0, 0, 0 }, { 0, 0, 0, 7, 8, 9 } }), Jacobian("A*x", AX(), "A"));

    // a = softmax(x): da_i/dx_j = a_i (delta_ij - a_j), seed 003 Q1.2's f(1 - f) on the diagonal.
    [Fact]
    public void TheJacobianOfSoftmaxIsDiagAMinusAATransposed()
    {
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] a = [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z];
        var expected = Matrix<double>.Build.Dense(3, 3, (i, j) => (i == j ? a[i] : 0) - a[i] * a[j]);
        Close(expected, Jacobian("softmax(x)", new() { ["x"] = V(1, 2, 3) }, "x"), 1e-15);
        Assert.Equal(a[0] * (1 - a[0]), expected[0, 0], 1e-17);
    }

    // Elementwise s = sigmoid(x): ds_i/dx_j = delta_ij s_i (1 - s_i).
    [Fact]
    public void TheJacobianOfElementwiseSigmoidIsDiagonalSTimesOneMinusS()
    {
        double[] x = [-1, 0, 2];
        var s = x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
        var expected = Matrix<double>.Build.Dense(3, 3, (i, j) => i == j ? s[i] * (1 - s[i]) : 0);
        Close(expected, Jacobian("sigmoid(x)", new() { ["x"] = V(x) }, "x"), 1e-15);
        Assert.Equal(0.25, expected[1, 1]);
    }

    // f = X' for X 2x3: f is 3x2 with f_rc = X_cr. f in row order is X00 X10 X01 X11 X02 X12, X in row order
    // X00 X01 X02 X10 X11 X12: f_k is X's element 0, 3, 1, 4, 2, 5, a permutation matrix.
    [Fact]
    public void TheJacobianOfATransposeIsAPermutationMatrix()
    {
        var jacobian = Jacobian("X'", new() { ["X"] = M(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }) }, "X");
        int[] source = [0, 3, 1, 4, 2, 5];
        Close(Matrix<double>.Build.Dense(6, 6, (k, j) => source[k] == j ? 1 : 0), jacobian);
    }

    [Fact]
    public void EyeIsTheIdentityAndOnesAColumnOrAMatrixOfOnes()
    {
        var none = new Dictionary<string, Matrix<double>>();
        Close(M(new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }), ExpressionParser.Parse("eye(3)").Evaluate(none));
        Close(V(1, 1), ExpressionParser.Parse("ones(2)").Evaluate(none));
        Close(M(new double[,] { { 1, 1, 1 }, { 1, 1, 1 } }), ExpressionParser.Parse("ones(2, 3)").Evaluate(none));
        var shapes = ExpressionParser.Parse("ones(2,3)*eye(3)").InferShapes(new Dictionary<string, Shape>());
        Assert.Equal(new Shape(2, 3), shapes.Shape);
        Assert.Equal(new Shape(3, 3), shapes.Nodes.Single(n => n.Node.Text == "eye(3)").Shape);
        Assert.Equal(new Shape(2, 3), shapes.Nodes.Single(n => n.Node.Text == "ones(2,3)").Shape);
    }

    // ones(3)'*x = x1 + x2 + x3, so its gradient is a column of ones; eye(3)*x = x, whose Jacobian is I;
    // ones(2, 3)*x has the Jacobian ones(2, 3). The constants themselves have no gradient to give.
    [Fact]
    public void OnesTransposedTimesXIsTheSumAndTheConstantsCarryNoGradient()
    {
        var values = new Dictionary<string, Matrix<double>> { ["x"] = V(1, -2, 4) };
        var sum = ExpressionParser.Parse("ones(3)'*x").Gradient(values, ["x"]);
        Assert.Equal(3.0, sum.Value[0, 0]);
        Close(V(1, 1, 1), sum.Gradients["x"]);
        Close(M(new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }), Jacobian("eye(3)*x", values, "x"));
        Close(M(new double[,] { { 1, 1, 1 }, { 1, 1, 1 } }), Jacobian("ones(2, 3)*x", values, "x"));
        // sum(x + ones(3, 3) x) = sum(x) + 3 sum(x): 4 (1 - 2 + 4) = 12, gradient 4 per element.
        var both = ExpressionParser.Parse("sum((eye(3) + ones(3, 3)) * x)").Gradient(values, ["x"]);
        Assert.Equal(12.0, both.Value[0, 0]);
        Close(V(4, 4, 4), both.Gradients["x"]);
    }

    // A scalar's Jacobian is its gradient read by rows: for x'Wx (W 2x2) the gradient (W + W')x, a 2x1, as a 1x2 row.
    [Fact]
    public void AScalarsJacobianIsItsGradientByRows()
    {
        var values = new Dictionary<string, Matrix<double>> { ["W"] = M(new double[,] { { 1, 2 }, { 3, 4 } }), ["x"] = V(1, -1) };
        var result = ExpressionParser.Parse("x'*W*x").Jacobian(values, ["x", "W"]);
        // (W + W') x = [[2, 5], [5, 8]] [1, -1] = [-3, -3]; d/dW = x x' = [[1, -1], [-1, 1]].
        Close(M(new double[,] { { -3, -3 } }), result.Jacobians["x"]);
        Close(M(new double[,] { { 1, -1, -1, 1 } }), result.Jacobians["W"]);
    }

    public static TheoryData<string> JacobianExpressions => new(
        "A*x", "softmax(A*x)", "x*x'", "A'*A", "exp(x) .* y", "diag(x)*B", "tanh(A*x)/norm(x)", "X'", "sigmoid(X) .* X", "ones(2,3)*x + eye(2)*b",
        "log(softmax(x))", "x .^ 2 - 3*x", "diag(A*B)", "sum(X*X') * x");

    [Theory]
    [MemberData(nameof(JacobianExpressions))]
    public void JacobiansMatchCentralDifferencesAtRandomPoints(string text)
    {
        var random = new Random(text.Length * 7919 + text[0]);
        Matrix<double> Draw(int rows, int columns) => Matrix<double>.Build.Dense(rows, columns, (_, _) => random.NextDouble() * 2 - 1);
        var e = ExpressionParser.Parse(text);
        for (int point = 0; point < 3; point++)
        {
            var values = new Dictionary<string, Matrix<double>>
            {
                ["A"] = Draw(2, 3), ["B"] = Draw(3, 2), ["X"] = Draw(2, 3), ["x"] = Draw(3, 1), ["y"] = Draw(3, 1), ["b"] = Draw(2, 1),
            };
            var used = e.Variables;
            var result = e.Jacobian(values, used);
            foreach (var name in used)
                Close(Numerical(e, values, name), result.Jacobians[name], 1e-7);
        }
    }

    // At x = [0, 2] each f_i depends on x_i alone: the off-diagonal elements are 0, not 0 x Infinity = NaN, while the
    // diagonal keeps its infinite (or NaN) derivative at 0 and 1/(2 sqrt 2), 1/2, -1/4 at 2.
    [Fact]
    public void AnElementThatDoesNotDependOnAnotherHasAZeroDerivativeEvenWhereTheOthersIsInfinite()
    {
        var values = new Dictionary<string, Matrix<double>> { ["x"] = V(0, 2) };
        var sqrt = Jacobian("sqrt(x)", values, "x");
        Assert.Equal(double.PositiveInfinity, sqrt[0, 0]);
        Assert.Equal(0.0, sqrt[0, 1]);
        Assert.Equal(0.0, sqrt[1, 0]);
        Assert.Equal(0.5 / Math.Sqrt(2), sqrt[1, 1], 1e-16);
        var log = Jacobian("log(x)", values, "x");
        Assert.Equal(0.0, log[1, 0]);
        Assert.Equal(0.5, log[1, 1]);
        var reciprocal = Jacobian("1 ./ x", values, "x");
        Assert.Equal(0.0, reciprocal[1, 0]);
        Assert.Equal(-0.25, reciprocal[1, 1]);
        var power = Jacobian("x .^ 0.5", values, "x");
        Assert.Equal(0.0, power[1, 0]);
        Assert.Equal(0.5 / Math.Sqrt(2), power[1, 1], 1e-16);
    }

    [Fact]
    public void AVariableTheExpressionDoesNotUseHasAZeroJacobianOfTheRightShape()
    {
        var values = AX();
        values["z"] = V(1, 2);
        var jacobian = ExpressionParser.Parse("A*x").Jacobian(values, ["z"]).Jacobians["z"];
        Close(Matrix<double>.Build.Dense(2, 2), jacobian);
    }

    static KeyValuePair<string, Matrix<double>>[] Point(params (string, Matrix<double>)[] values) =>
        values.Select(v => new KeyValuePair<string, Matrix<double>>(v.Item1, v.Item2)).ToArray();

    static IReadOnlyDictionary<string, ClaimResult> Claims(string expression, KeyValuePair<string, Matrix<double>>[] point, string variable, string claim) =>
        GradientClaims.CheckJacobians(ExpressionParser.Parse(expression), point, new Dictionary<string, Expression> { [variable] = ExpressionParser.Parse(claim) }, 20, 1);

    [Fact]
    public void TheSoftmaxJacobianDiagAMinusAATransposedIsEquivalent()
    {
        var result = Claims("softmax(x)", Point(("x", V(1, 2, 3))), "x", "diag(softmax(x)) - softmax(x)*softmax(x)'")["x"];
        Assert.Equal(ClaimVerdict.Equivalent, result.Verdict);
        Assert.Equal(20, result.Trials);
        Assert.True(result.MaxRelativeError <= 1e-12, $"{result.MaxRelativeError}");
        Assert.Null(result.Counterexample);
        Assert.Equal(new Shape(3, 3), result.ExpectedShape);
    }

    // Seed 003 Q1.2's slip f(1 + f) on the diagonal, as a Jacobian: refuted at the given point, where both sides are worked by hand.
    [Fact]
    public void TheSoftmaxJacobianClaimedAsDiagFTimesOnePlusFIsNotEquivalentWithACounterexample()
    {
        var result = Claims("softmax(x)", Point(("x", V(1, 2, 3))), "x", "diag(softmax(x) .* (1 + softmax(x)))")["x"];
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        var example = result.Counterexample!;
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] a = [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z];
        Close(V(1, 2, 3), example.Variables["x"]);
        Close(Matrix<double>.Build.Dense(3, 3, (i, j) => (i == j ? a[i] : 0) - a[i] * a[j]), example.Expected, 1e-15);
        Close(Matrix<double>.Build.Dense(3, 3, (i, j) => i == j ? a[i] * (1 + a[i]) : 0), example.Claimed, 1e-15);
    }

    public static TheoryData<string, string, string> WrongClaims => new()
    {
        // The missing factor (1 - s) of sigmoid's derivative.
        { "sigmoid(x)", "x", "diag(sigmoid(x))" },
        // A transposed product: d(W x)/dx is W, not W'.
        { "W*x", "x", "W'" },
        // A sign flip: a a' - diag(a).
        { "softmax(x)", "x", "softmax(x)*softmax(x)' - diag(softmax(x))" },
    };

    [Theory]
    [MemberData(nameof(WrongClaims))]
    public void AMissingFactorATransposedProductAndASignFlipAreEachNotEquivalent(string expression, string variable, string claim)
    {
        var point = Point(("x", V(0.5, -1, 2)), ("W", M(new double[,] { { 1, 2, 0 }, { -1, 3, 1 }, { 2, 0, -2 } })));
        var result = Claims(expression, point, variable, claim)[variable];
        Assert.Equal(ClaimVerdict.NotEquivalent, result.Verdict);
        var example = result.Counterexample!;
        Assert.True(GradientClaims.RelativeError(example.Expected, example.Claimed) > 1e-3);
        // The expected side is the true Jacobian at the counterexample's point, by central differences.
        var values = example.Variables.ToDictionary(p => p.Key, p => p.Value.Clone());
        Close(Numerical(ExpressionParser.Parse(expression), values, variable), example.Expected, 1e-7);
    }

    // d(A x)/dx = A (2x3) is equivalent; for A'y (A 2x3, y 2x1) the Jacobian by y is A' (3x2), so A is a shape mismatch, not a value one.
    [Fact]
    public void TheJacobianOfAxClaimedAsAIsEquivalentAndATransposedShapeIsAMismatch()
    {
        var a = M(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var right = Claims("A*x", Point(("A", a), ("x", V(7, 8, 9))), "x", "A")["x"];
        Assert.Equal(ClaimVerdict.Equivalent, right.Verdict);
        Assert.Equal(0.0, right.MaxRelativeError);
        var transposed = Claims("A'*y", Point(("A", a), ("y", V(1, 2))), "y", "A")["y"];
        Assert.Equal(ClaimVerdict.ShapeMismatch, transposed.Verdict);
        Assert.Equal(new Shape(3, 2), transposed.ExpectedShape);
        Assert.Equal(new Shape(2, 3), transposed.ClaimedShape);
        Assert.Contains("numel(f) x numel(y) = 3x2", transposed.Detail);
    }

    [Fact]
    public void AGradientShapedClaimForAJacobianIsAShapeMismatchWithBothShapes()
    {
        var result = Claims("softmax(x)", Point(("x", V(1, 2, 3))), "x", "softmax(x)")["x"];
        Assert.Equal(ClaimVerdict.ShapeMismatch, result.Verdict);
        Assert.Equal(new Shape(3, 3), result.ExpectedShape);
        Assert.Equal(new Shape(3, 1), result.ClaimedShape);
        Assert.Equal(0, result.Trials);
    }

    // A gradient check and a Jacobian check of the same scalar expression draw the same points: one trial loop and RNG.
    [Fact]
    public void GradientAndJacobianClaimsOfAScalarShareTheirPointsAndVerdicts()
    {
        var e = ExpressionParser.Parse("sum(exp(x))");
        var point = Point(("x", V(0.1, 0.2)));
        var wrong = new Dictionary<string, Expression> { ["x"] = ExpressionParser.Parse("exp(x) + 1e-3") };
        var wrongRow = new Dictionary<string, Expression> { ["x"] = ExpressionParser.Parse("exp(x)' + 1e-3") };
        var gradient = GradientClaims.Check(e, point, wrong, 5, 3)["x"];
        var jacobian = GradientClaims.CheckJacobians(e, point, wrongRow, 5, 3)["x"];
        Assert.Equal(ClaimVerdict.NotEquivalent, gradient.Verdict);
        Assert.Equal(ClaimVerdict.NotEquivalent, jacobian.Verdict);
        Assert.Equal(gradient.MaxRelativeError, jacobian.MaxRelativeError);
        Assert.Equal(gradient.Counterexample!.Expected.Transpose(), jacobian.Counterexample!.Expected);
    }

    public static TheoryData<string, string> ConstantParseErrors => new()
    {
        { "eye(x)", "unexpected 'x' at position 5; expected a size of eye(...) at position 1: a positive integer literal such as 3" },
        { "ones(0)", "unexpected '0' at position 6; expected a size of ones(...) at position 1: a positive integer literal such as 3" },
        { "ones(2,)", "unexpected ')' at position 8; expected a size of ones(...) at position 1: a positive integer literal such as 3" },
        { "eye(2.5)", "unexpected '2.5' at position 5; expected a size of eye(...) at position 1: a positive integer literal such as 3" },
        { "x + eye(1e2)", "unexpected '1e2' at position 9; expected a size of eye(...) at position 5: a positive integer literal such as 3" },
        { "eye(2, 2)", "unexpected ',' at position 6; expected ')': eye(n) takes one size, each a positive integer literal (not an expression), to close the '(' at position 4" },
        { "ones(2, 3, 4)", "unexpected ',' at position 10; expected ')': ones takes at most two sizes, each a positive integer literal (not an expression), to close the '(' at position 5" },
        { "ones(2 + 1)", "unexpected '+' at position 8; expected ',' or ')': ones takes one or two sizes, each a positive integer literal (not an expression), to close the '(' at position 5" },
        { "eye(317)", "eye(317) at position 1 would hold 100489 numbers; a constant holds at most 100000" },
        { "ones(99999999999)", "the size 99999999999 at position 6 is too large; a constant holds at most 100000 numbers" },
        { "eye", "'eye' at position 1 is a function; write eye(...)" },
        { "sum(x, y)", "unexpected ',' at position 6; expected ')' to close the '(' at position 4, or an operator" },
    };

    [Theory]
    [MemberData(nameof(ConstantParseErrors))]
    public void BadSizesOfEyeAndOnesAreParseErrorsNamingThePosition(string text, string message)
    {
        var error = Assert.Throws<ExpressionParseException>(() => ExpressionParser.Parse(text));
        Assert.Equal(message, error.Message);
        int position = int.Parse(System.Text.RegularExpressions.Regex.Match(message, @"position (\d+)").Groups[1].Value);
        Assert.Equal(position, error.Position);
    }

    [Fact]
    public void TheLargestConstantIsAcceptedAndTheCallersLimitIsNamed()
    {
        Assert.Equal(new Shape(316, 316), ExpressionParser.Parse("eye(316)").InferShapes(new Dictionary<string, Shape>()).Shape);
        Assert.Equal(new Shape(100_000, 1), ExpressionParser.Parse("ones(100000)").InferShapes(new Dictionary<string, Shape>()).Shape);
        var error = Assert.Throws<ExpressionParseException>(() => ExpressionParser.Parse("ones(3, 4)", 10, "maxSomething"));
        Assert.Equal("ones(3, 4) at position 1 would hold 12 numbers; a constant holds at most 10 (limit maxSomething)", error.Message);
    }
}
