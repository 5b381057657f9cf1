using System.Text.Json;
using System.Text.RegularExpressions;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Limits;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Contracts;

/// <summary>How a value was written in JSON, so results go back in the same form.</summary>
public enum ValueForm { Scalar, Vector, Matrix }

public sealed record ExpressionVariable(string Name, Matrix<double> Value, ValueForm Form);

/// <summary>An /v1/expressions/gradient request read, parsed and shape-checked.</summary>
public sealed record ExpressionProblem(
    Expression Expression,
    ShapeCheck Shapes,
    IReadOnlyList<ExpressionVariable> Variables,
    IReadOnlyList<string> Wrt,
    IReadOnlyDictionary<string, Expression> Claims,
    int Trials,
    int Seed,
    long Work);

/// <summary>The points of an /v1/activations/derivatives request as its validator read them: numbers, or softmax's vectors; and its claims by order.</summary>
public sealed record ActivationPoints(double[]? Numbers, double[][]? Vectors, IReadOnlyDictionary<int, Expression>? Claims = null, int Trials = 0, int Seed = 0);

/// <summary>
/// JSON values to matrices and back (a number is 1x1, a 1-D array n x 1, a 2-D array a matrix by rows),
/// and the reading of calculus requests by their validators, which hand what they read to the handlers.
/// Failures are reported by JSON path through <c>fail</c>.
/// </summary>
public static partial class CalculusMapper
{
    /// <summary>Reads and checks the whole request; null when anything failed.</summary>
    public static ExpressionProblem? ReadExpression(ExpressionGradientRequest request, Action<string, string> fail)
    {
        bool ok = true;
        void Fail(string path, string message) { ok = false; fail(path, message); }

        var variables = ReadVariables(request.Variables, Fail);
        var (trials, seed) = ReadTrials(request.Trials, request.Seed, Fail);

        var names = variables.Select(v => v.Name).ToList();
        string known = names.Count == 0 ? "no variables were given" : $"the variables are {string.Join(", ", names)}";

        var expression = ParseAt(request.Expression, "expression", Fail);
        var wrt = new List<string>();
        if (request.Wrt is { } requested)
            for (int i = 0; i < requested.Length; i++)
            {
                if (requested[i] is not { } name || !names.Contains(name)) Fail($"wrt[{i}]", $"'{requested[i]}' is not a variable; {known}");
                else if (wrt.Contains(name)) Fail($"wrt[{i}]", $"'{name}' is listed twice");
                else wrt.Add(name);
            }

        var claims = new Dictionary<string, Expression>();
        foreach (var (name, text) in request.Claims ?? [])
        {
            string path = $"claims.{name}";
            if (!names.Contains(name)) { Fail(path, $"'{name}' is not a variable; {known}"); continue; }
            if (ParseAt(text, path, Fail) is not { } claim) continue;
            var unknown = claim.Variables.Where(v => !names.Contains(v)).ToList();
            if (unknown.Count > 0) { Fail(path, $"unknown variable '{unknown[0]}' in the claim; {known}"); continue; }
            claims[name] = claim;
        }

        if (expression is null || !ok) return null;
        var shapes = variables.ToDictionary(v => v.Name, v => Shape.Of(v.Value));
        ShapeCheck check;
        try { check = expression.InferShapes(shapes); }
        catch (ExpressionShapeException e) { Fail("expression", e.Message); return null; }

        if (request.Wrt is null)
            wrt.AddRange(names.Where(n => expression.Variables.Contains(n)));
        foreach (var name in claims.Keys) if (!wrt.Contains(name)) wrt.Add(name);

        // A non-scalar expression answers Jacobians, numel(f) x numel(v) each, and a claim's counterexample echoes two of them.
        if (!check.Shape.IsScalar)
        {
            long rows = (long)check.Shape.Rows * check.Shape.Columns;
            long numbers = wrt.Sum(n => rows * Numel(shapes[n])) + claims.Keys.Sum(n => 2 * rows * Numel(shapes[n]));
            if (numbers > CalculusLimits.MaxJacobianValues)
            {
                Fail(request.Wrt is null ? "expression" : "wrt",
                    $"the Jacobians would hold {numbers} numbers (numel(f) = {rows} rows for each element of every wrt variable, twice more for a claimed one), " +
                    $"at most {CalculusLimits.MaxJacobianValues} (limit maxJacobianValues); differentiate by fewer variables with wrt, or use a smaller expression");
                return null;
            }
        }

        long work = GradientWork(check, claims.Values.Select(c => ClaimWork(c, shapes)).ToList(), trials);
        if (work > CalculusLimits.MaxExpressionWork)
        {
            string derivative = check.Shape.IsScalar ? "the gradient" : $"the Jacobian (a reverse pass for each of the expression's {Numel(check.Shape)} elements)";
            Fail("trials", $"{work} multiply-adds exceed the limit maxExpressionWork {CalculusLimits.MaxExpressionWork}: {derivative}, and with claims that " +
                "and every claim at each of the 1 + trials points (with a redraw per trial); use fewer trials, shorter claims or smaller values");
            return null;
        }
        return new ExpressionProblem(expression, check, variables, wrt, claims, trials, seed, work);
    }

    /// <summary>The variables' values by name (a number, a vector or a matrix each), within maxVariableValues; failures reported under variables.name.</summary>
    public static List<ExpressionVariable> ReadVariables(Dictionary<string, JsonElement>? given, Action<string, string> fail)
    {
        var variables = new List<ExpressionVariable>();
        long values = 0;
        foreach (var (name, element) in given ?? [])
        {
            string path = $"variables.{name}";
            if (!Identifier().IsMatch(name)) { fail(path, "a variable name is a letter or _ followed by letters, digits or _"); continue; }
            if (ExpressionParser.FunctionNames.Contains(name)) { fail(path, $"'{name}' is a function of the language and cannot name a variable"); continue; }
            if (ReadValue(element, path, fail) is not { } read) continue;
            values += read.Value.RowCount * (long)read.Value.ColumnCount;
            variables.Add(new ExpressionVariable(name, read.Value, read.Form));
        }
        if (values > CalculusLimits.MaxVariableValues)
            fail("variables", $"at most {CalculusLimits.MaxVariableValues} numbers are accepted over all variables (limit maxVariableValues), got {values}");
        return variables;
    }

    /// <summary>trials (default 20, 0..maxTrials) and seed (default 0, at least 0).</summary>
    public static (int Trials, int Seed) ReadTrials(int? requestedTrials, int? requestedSeed, Action<string, string> fail)
    {
        int trials = requestedTrials ?? CalculusLimits.DefaultTrials;
        if (trials < 0 || trials > CalculusLimits.MaxTrials) fail("trials", $"must be between 0 and {CalculusLimits.MaxTrials}, got {trials}");
        int seed = requestedSeed ?? 0;
        if (seed < 0) fail("seed", $"must be at least 0, got {seed}");
        return (trials, seed);
    }

    /// <summary>Parses text within the length limit, or reports the position of the error under path and returns null.</summary>
    public static Expression? ParseAt(string? text, string path, Action<string, string> fail) => ParseAt(text, path, fail, []);

    /// <summary>As <see cref="ParseAt(string?, string, Action{string, string})"/>, reading the given function names as variables where no '(' follows.</summary>
    public static Expression? ParseAt(string? text, string path, Action<string, string> fail, IReadOnlyCollection<string> functionNamesAsVariables)
    {
        if (text is null) { fail(path, "is required"); return null; }
        if (text.Length > CalculusLimits.MaxExpressionLength)
        {
            fail(path, $"at most {CalculusLimits.MaxExpressionLength} characters are accepted (limit maxExpressionLength), got {text.Length}");
            return null;
        }
        try { return ExpressionParser.Parse(text, functionNamesAsVariables, CalculusLimits.MaxVariableValues, "maxVariableValues"); }
        catch (ExpressionParseException e) { fail(path, e.Message); return null; }
    }

    /// <summary>
    /// The whole request's work: the derivative for the response, then, with claims, at each of the 1 + trials points the
    /// true derivative (drawn twice when the first draw is not finite) and every claim evaluated. The derivative is the
    /// gradient, or for a non-scalar expression the Jacobian: the gradient's price once per element of the expression
    /// (one reverse pass each, the forward pass counted each time too, which keeps the price an upper bound).
    /// Saturates at long.MaxValue rather than overflowing.
    /// </summary>
    public static long GradientWork(ShapeCheck expression, IReadOnlyCollection<long> claimWork, int trials)
    {
        long gradient = Times(Times(CalculusLimits.GradientPasses, EvaluationWork(expression)), Numel(expression.Shape));
        if (claimWork.Count == 0) return gradient;
        long points = trials + 1L, redraws = trials;
        long claimed = claimWork.Aggregate(0L, Plus);
        return Plus(Plus(gradient, Times(points, Plus(gradient, claimed))), Times(redraws, gradient));
    }

    static long Numel(Shape shape) => (long)shape.Rows * shape.Columns;

    static long Times(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    static long Plus(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    // A claim whose shapes do not fit is answered shape_mismatch without being evaluated.
    static long ClaimWork(Expression claim, IReadOnlyDictionary<string, Shape> shapes)
    {
        try { return EvaluationWork(claim.InferShapes(shapes)); }
        catch (ExpressionShapeException) { return 0; }
    }

    /// <summary>
    /// Multiply-adds of one evaluation: a matrix product costs rows x inner x columns, anything else its size, and
    /// every node at least <see cref="CalculusLimits.NodeWork"/> (what visiting it costs, however small its value).
    /// </summary>
    public static long EvaluationWork(ShapeCheck check)
    {
        var shapes = new Dictionary<Expression, Shape>(ReferenceEqualityComparer.Instance);
        foreach (var n in check.Nodes) shapes[n.Node] = n.Shape;
        long work = 0;
        foreach (var (node, shape) in check.Nodes)
        {
            long cost;
            if (node is BinaryExpression { Operator: BinaryOperator.Multiply } product
                && !shapes[product.Left].IsScalar && !shapes[product.Right].IsScalar)
                cost = (long)shapes[product.Left].Rows * shapes[product.Left].Columns * shapes[product.Right].Columns;
            else
                cost = Math.Max((long)shape.Rows * shape.Columns, node.Children.Sum(c => (long)shapes[c].Rows * shapes[c].Columns));
            work += Math.Max(cost, CalculusLimits.NodeWork);
        }
        return work;
    }

    /// <summary>A number, a 1-D array (column vector) or a 2-D array (rows of equal length) of finite numbers.</summary>
    public static (Matrix<double> Value, ValueForm Form)? ReadValue(JsonElement element, string path, Action<string, string> fail)
    {
        const string Expected = "expected a number, an array of numbers (a column vector) or an array of equal-length arrays of numbers (a matrix by rows)";
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                return Number(element, path, fail) is { } scalar ? (Matrix<double>.Build.Dense(1, 1, scalar), ValueForm.Scalar) : null;
            case JsonValueKind.Array when element.GetArrayLength() == 0:
                fail(path, "must hold at least one number");
                return null;
            case JsonValueKind.Array when element[0].ValueKind == JsonValueKind.Array:
            {
                int rows = element.GetArrayLength(), columns = element[0].GetArrayLength();
                if (columns == 0) { fail($"{path}[0]", "must hold at least one number"); return null; }
                var m = Matrix<double>.Build.Dense(rows, columns);
                for (int r = 0; r < rows; r++)
                {
                    var row = element[r];
                    if (row.ValueKind != JsonValueKind.Array) { fail($"{path}[{r}]", "expected an array of numbers: every row of a matrix is an array"); return null; }
                    if (row.GetArrayLength() != columns) { fail($"{path}[{r}]", $"expected {columns} numbers like row 0, got {row.GetArrayLength()}"); return null; }
                    for (int c = 0; c < columns; c++)
                    {
                        if (Number(row[c], $"{path}[{r}][{c}]", fail) is not { } v) return null;
                        m[r, c] = v;
                    }
                }
                return (m, ValueForm.Matrix);
            }
            case JsonValueKind.Array:
            {
                var numbers = Numbers(element, path, fail);
                return numbers is null ? null : (Matrix<double>.Build.Dense(numbers.Length, 1, numbers), ValueForm.Vector);
            }
            default:
                fail(path, Expected);
                return null;
        }
    }

    /// <summary>An array of finite numbers, or null after reporting.</summary>
    public static double[]? Numbers(JsonElement element, string path, Action<string, string> fail)
    {
        if (element.ValueKind != JsonValueKind.Array) { fail(path, "expected an array of numbers"); return null; }
        var numbers = new double[element.GetArrayLength()];
        for (int i = 0; i < numbers.Length; i++)
        {
            if (Number(element[i], $"{path}[{i}]", fail) is not { } v) return null;
            numbers[i] = v;
        }
        return numbers;
    }

    static double? Number(JsonElement element, string path, Action<string, string> fail)
    {
        if (element.ValueKind != JsonValueKind.Number) { fail(path, "expected a number"); return null; }
        if (!element.TryGetDouble(out double v) || !double.IsFinite(v)) { fail(path, Json.FiniteDoubleConverter.NotFiniteMessage); return null; }
        return v;
    }

    /// <summary>A matrix in the given JSON form: a number, an array (column vector) or an array of rows.</summary>
    public static object Write(Matrix<double> m, ValueForm form) => form switch
    {
        ValueForm.Scalar => m[0, 0],
        ValueForm.Vector => m.Column(0).ToArray(),
        _ => m.ToRowArrays(),
    };

    /// <summary>The form of an expression's value: a number when 1x1, else a matrix by rows.</summary>
    public static object WriteValue(Matrix<double> m) =>
        Write(m, m.RowCount == 1 && m.ColumnCount == 1 ? ValueForm.Scalar : ValueForm.Matrix);

    public static int[] ShapeArray(Shape shape) => [shape.Rows, shape.Columns];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
