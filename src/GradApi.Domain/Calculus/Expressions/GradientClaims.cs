using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Calculus.Expressions;

public enum ClaimVerdict { Equivalent, NotEquivalent, ShapeMismatch }

/// <summary>How a verdict was reached: at sampled points, or exactly (a polynomial identity in rational arithmetic).</summary>
public enum ClaimMethod { Numeric, Exact }

/// <summary>Where a claimed gradient (or Jacobian) differs from the true one.</summary>
public sealed record Counterexample(IReadOnlyDictionary<string, Matrix<double>> Variables, Matrix<double> Expected, Matrix<double> Claimed);

/// <summary>
/// The verdict on one claimed gradient. <see cref="Trials"/> counts the random points compared
/// (the given point is always compared as well). For a shape mismatch, ClaimedShape is null when
/// the claim's own shapes do not fit (<see cref="Detail"/> says where).
/// </summary>
public sealed record ClaimResult(
    ClaimVerdict Verdict,
    int Trials,
    double MaxRelativeError,
    Counterexample? Counterexample,
    Shape ExpectedShape,
    Shape? ClaimedShape,
    string? Detail)
{
    /// <summary>Numeric unless a formula check decided it exactly (see FormulaEquivalence).</summary>
    public ClaimMethod Method { get; init; }
}

/// <summary>
/// Checks students' gradient formulas (<see cref="Check"/>) and Jacobian formulas (<see cref="CheckJacobians"/>) against
/// reverse mode, at the given point and at seeded random points: one trial loop, one RNG, one error measure for both.
/// <para>RNG: <c>new System.Random(seed)</c> (.NET's seeded generator, stable across runtimes), one
/// stream for the whole request. Per trial, every variable in the given order, elements row by row,
/// is drawn uniformly from [-2, 2) as 4 NextDouble() - 2. When the expression or its derivative is not
/// finite there (outside the domain of log, sqrt, ./), the trial is drawn once more keeping each
/// element's sign from the given point (0 counts as +), magnitudes uniform in [0.25, 2); if that is
/// not finite either, the trial is skipped.</para>
/// <para>Error at a point: ||claimed - expected||_inf / max(||expected||_inf, ||claimed||_inf) (0 when
/// both are 0; infinite when the claim is not finite where the truth is). Equivalent when the largest
/// error is at most <see cref="DefaultTolerance"/>.</para>
/// </summary>
public static class GradientClaims
{
    public const double DefaultTolerance = 1e-8;
    public const double RandomLow = -2, RandomHigh = 2, SignedLow = 0.25;

    /// <summary>
    /// Claimed gradients of a scalar expression, per variable: each claim must have its variable's shape
    /// (denominator layout). Throws <see cref="ExpressionShapeException"/> when the expression is not scalar.
    /// </summary>
    public static IReadOnlyDictionary<string, ClaimResult> Check(
        Expression expression,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        IReadOnlyDictionary<string, Expression> claims,
        int trials,
        int seed,
        double tolerance = DefaultTolerance,
        CancellationToken cancellation = default) =>
        Run(new GradientTarget(expression), expression, point, claims, trials, seed, tolerance, cancellation);

    /// <summary>
    /// Claimed Jacobians of an expression of any shape, per variable v: each claim must have the shape
    /// numel(f) x numel(v) of d vec(f) / d vec(v) (rows for f's elements, columns for v's, both row-major), and is
    /// compared with <see cref="Expression.Jacobian"/>. Throws <see cref="ExpressionShapeException"/> when the
    /// expression's own shapes do not fit the point.
    /// </summary>
    public static IReadOnlyDictionary<string, ClaimResult> CheckJacobians(
        Expression expression,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        IReadOnlyDictionary<string, Expression> claims,
        int trials,
        int seed,
        double tolerance = DefaultTolerance,
        CancellationToken cancellation = default) =>
        Run(new JacobianTarget(expression), expression, point, claims, trials, seed, tolerance, cancellation);

    /// <summary>
    /// The claims on an expression's derivative, whatever its shape: gradients (<see cref="Check"/>) when it is scalar at
    /// the point, else Jacobians (<see cref="CheckJacobians"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, ClaimResult> CheckDerivatives(
        Expression expression,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        IReadOnlyDictionary<string, Expression> claims,
        int trials,
        int seed,
        double tolerance = DefaultTolerance,
        CancellationToken cancellation = default) =>
        expression.InferShapes(point.ToDictionary(p => p.Key, p => Shape.Of(p.Value))).Shape.IsScalar
            ? Check(expression, point, claims, trials, seed, tolerance, cancellation)
            : CheckJacobians(expression, point, claims, trials, seed, tolerance, cancellation);

    /// <summary>
    /// A claimed formula against an expected one (the numeric side of <c>FormulaEquivalence</c>): the same trial loop,
    /// draws and error measure, the truth being the expected formula's value. The claim's shape must be the expected's.
    /// </summary>
    public static ClaimResult CheckFormula(
        Expression expected,
        Expression claimed,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        int trials,
        int seed,
        double tolerance = DefaultTolerance,
        CancellationToken cancellation = default) =>
        Run(new FormulaTarget(expected), expected, point, new Dictionary<string, Expression> { [FormulaTarget.Name] = claimed },
            trials, seed, tolerance, cancellation)[FormulaTarget.Name];

    /// <summary>What a claim is compared with: its shape, the words of a shape mismatch, and the truth at a point.</summary>
    abstract class Target(Expression expression)
    {
        protected Expression Expression { get; } = expression;

        /// <summary>What the verdict says when not one point could be compared (null: nothing).</summary>
        public virtual string? NoPointCompared => null;

        public abstract Shape ExpectedShape(string name, IReadOnlyDictionary<string, Shape> shapes);

        public abstract string Mismatch(string name, Shape expected, Expression claim, Shape claimed);

        /// <summary>The derivative per name, or null where the expression or its derivative is not finite.</summary>
        public abstract IReadOnlyDictionary<string, Matrix<double>>? Truth(
            IReadOnlyDictionary<string, Matrix<double>> values, IEnumerable<string> wrt, CancellationToken cancellation);

        protected static bool Finite(Matrix<double> value, IEnumerable<Matrix<double>> derivatives) =>
            value.Enumerate().All(double.IsFinite) && derivatives.All(d => d.Enumerate().All(double.IsFinite));
    }

    sealed class GradientTarget(Expression expression) : Target(expression)
    {
        public override Shape ExpectedShape(string name, IReadOnlyDictionary<string, Shape> shapes) => shapes[name];

        public override string Mismatch(string name, Shape expected, Expression claim, Shape claimed) =>
            $"the gradient with respect to {name} has {name}'s shape {expected}; the claim {claim.Text} has shape {claimed}";

        public override IReadOnlyDictionary<string, Matrix<double>>? Truth(
            IReadOnlyDictionary<string, Matrix<double>> values, IEnumerable<string> wrt, CancellationToken cancellation)
        {
            var result = Expression.Gradient(values, wrt, cancellation);
            return Finite(result.Value, result.Gradients.Values) ? result.Gradients : null;
        }
    }

    sealed class JacobianTarget(Expression expression) : Target(expression)
    {
        Shape? _value;

        public override Shape ExpectedShape(string name, IReadOnlyDictionary<string, Shape> shapes)
        {
            var f = _value ??= Expression.InferShapes(shapes).Shape;
            var v = shapes[name];
            return new Shape(f.Rows * f.Columns, v.Rows * v.Columns);
        }

        public override string Mismatch(string name, Shape expected, Expression claim, Shape claimed) =>
            $"the Jacobian of {Expression.Text} with respect to {name}, d vec(f) / d vec({name}), has shape numel(f) x numel({name}) = {expected}; " +
            $"the claim {claim.Text} has shape {claimed}";

        public override IReadOnlyDictionary<string, Matrix<double>>? Truth(
            IReadOnlyDictionary<string, Matrix<double>> values, IEnumerable<string> wrt, CancellationToken cancellation)
        {
            var result = Expression.Jacobian(values, wrt, cancellation);
            return Finite(result.Value, result.Jacobians.Values) ? result.Jacobians : null;
        }
    }

    sealed class FormulaTarget(Expression expected) : Target(expected)
    {
        /// <summary>The one claim's key: the claim is about the expected formula itself, not a variable.</summary>
        public const string Name = "";

        public override string? NoPointCompared => "no point was compared: the expected formula is not finite at the given point or at any drawn one";

        public override Shape ExpectedShape(string name, IReadOnlyDictionary<string, Shape> shapes) => Expression.InferShapes(shapes).Shape;

        public override string Mismatch(string name, Shape expected, Expression claim, Shape claimed) =>
            $"the expected formula {Expression.Text} has shape {expected}; the claim {claim.Text} has shape {claimed}";

        public override IReadOnlyDictionary<string, Matrix<double>>? Truth(
            IReadOnlyDictionary<string, Matrix<double>> values, IEnumerable<string> wrt, CancellationToken cancellation)
        {
            var value = Expression.Evaluate(values, cancellation);
            return Finite(value, []) ? new Dictionary<string, Matrix<double>> { [Name] = value } : null;
        }
    }

    static Dictionary<string, ClaimResult> Run(
        Target target,
        Expression expression,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        IReadOnlyDictionary<string, Expression> claims,
        int trials,
        int seed,
        double tolerance,
        CancellationToken cancellation)
    {
        var given = point.ToDictionary(p => p.Key, p => p.Value);
        var shapes = given.ToDictionary(p => p.Key, p => Shape.Of(p.Value));
        var results = new Dictionary<string, ClaimResult>();
        var live = new Dictionary<string, Expression>();
        var expectedShapes = new Dictionary<string, Shape>();
        foreach (var (name, claim) in claims)
        {
            var expected = expectedShapes[name] = target.ExpectedShape(name, shapes);
            try
            {
                var claimed = claim.InferShapes(shapes).Shape;
                if (claimed != expected)
                    results[name] = new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, expected, claimed,
                        target.Mismatch(name, expected, claim, claimed));
                else live[name] = claim;
            }
            catch (ExpressionShapeException e)
            {
                results[name] = new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, expected, null, e.Message);
            }
        }
        if (live.Count == 0) return Ordered(claims, results);

        var worst = live.Keys.ToDictionary(k => k, _ => 0.0);
        var counter = new Dictionary<string, Counterexample>();
        var random = new Random(seed);
        int compared = 0;
        bool anyPoint = false;
        for (int trial = 0; trial <= trials; trial++)
        {
            cancellation.ThrowIfCancellationRequested();
            var values = trial == 0 ? given : Draw(point, random, signed: false);
            var truth = target.Truth(values, live.Keys, cancellation);
            if (truth is null && trial > 0)
            {
                values = Draw(point, random, signed: true);
                truth = target.Truth(values, live.Keys, cancellation);
            }
            if (truth is null) continue;
            anyPoint = true;
            if (trial > 0) compared++;
            foreach (var (name, claim) in live)
            {
                var expected = truth[name];
                var claimed = claim.Evaluate(values, cancellation);
                double error = RelativeError(expected, claimed);
                if (!(error <= worst[name])) worst[name] = error;
                if (!(error <= tolerance) && !counter.ContainsKey(name))
                    counter[name] = new Counterexample(values, expected, claimed);
            }
        }
        foreach (var (name, claim) in live)
        {
            bool bad = counter.TryGetValue(name, out var example);
            results[name] = new ClaimResult(bad ? ClaimVerdict.NotEquivalent : ClaimVerdict.Equivalent, compared, worst[name],
                example, expectedShapes[name], expectedShapes[name], anyPoint ? null : target.NoPointCompared);
        }
        return Ordered(claims, results);
    }

    static Dictionary<string, ClaimResult> Ordered(IReadOnlyDictionary<string, Expression> claims, Dictionary<string, ClaimResult> results) =>
        claims.Keys.ToDictionary(k => k, k => results[k]);

    internal static Dictionary<string, Matrix<double>> Draw(IReadOnlyList<KeyValuePair<string, Matrix<double>>> point, Random random, bool signed)
    {
        var values = new Dictionary<string, Matrix<double>>();
        foreach (var (name, m) in point)
        {
            var drawn = Matrix<double>.Build.Dense(m.RowCount, m.ColumnCount);
            for (int r = 0; r < m.RowCount; r++)
                for (int c = 0; c < m.ColumnCount; c++)
                    drawn[r, c] = signed
                        ? (m[r, c] < 0 ? -1 : 1) * (SignedLow + (RandomHigh - SignedLow) * random.NextDouble())
                        : RandomLow + (RandomHigh - RandomLow) * random.NextDouble();
            values[name] = drawn;
        }
        return values;
    }

    /// <summary>||claimed - expected||_inf / max(||expected||_inf, ||claimed||_inf).</summary>
    public static double RelativeError(Matrix<double> expected, Matrix<double> claimed)
    {
        double diff = 0, scale = 0;
        for (int r = 0; r < expected.RowCount; r++)
            for (int c = 0; c < expected.ColumnCount; c++)
            {
                double e = expected[r, c], a = claimed[r, c];
                if (!double.IsFinite(a)) return double.PositiveInfinity;
                diff = Math.Max(diff, Math.Abs(a - e));
                scale = Math.Max(scale, Math.Max(Math.Abs(e), Math.Abs(a)));
            }
        return diff == 0 ? 0 : diff / scale;
    }
}
