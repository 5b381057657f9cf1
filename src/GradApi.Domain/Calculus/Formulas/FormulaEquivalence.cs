using GradApi.Domain.Calculus.Expressions;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Calculus.Formulas;

/// <summary>
/// Decides whether a claimed formula equals an expected one.
/// <para>Exactly (<see cref="ClaimMethod.Exact"/>) when every variable either uses is a scalar and both expand to
/// polynomials within <see cref="Polynomial"/>'s caps: they are equal as functions exactly when their expansions are
/// equal, in rational arithmetic. An exact not_equivalent comes with a point where they differ: the given point
/// when they differ there, else a point of small integers (<see cref="Polynomial.NonzeroPoint"/>).</para>
/// <para>Otherwise numerically, with the rules of <see cref="GradientClaims"/>: the given point, then seeded random
/// points (same stream, draws, redraw and error measure), equivalent when the largest error is at most the tolerance.</para>
/// </summary>
public static class FormulaEquivalence
{
    /// <summary>Longest polynomial text a detail quotes.</summary>
    public const int MaxDetailLength = 300;

    /// <summary>
    /// The verdict on <paramref name="claimed"/> against <paramref name="expected"/>. The point fixes every variable's
    /// shape and the first trial. Throws <see cref="ExpressionShapeException"/> when the expected formula's own shapes
    /// do not fit (the caller's input); a claimed formula whose shapes do not fit is a shape_mismatch.
    /// </summary>
    public static ClaimResult Check(
        Expression expected,
        Expression claimed,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        int trials,
        int seed,
        double tolerance = GradientClaims.DefaultTolerance,
        CancellationToken cancellation = default)
    {
        var given = point.ToDictionary(p => p.Key, p => p.Value);
        var shapes = given.ToDictionary(p => p.Key, p => Shape.Of(p.Value));
        var expectedShape = expected.InferShapes(shapes).Shape;
        Shape claimedShape;
        try { claimedShape = claimed.InferShapes(shapes).Shape; }
        catch (ExpressionShapeException e)
        {
            return new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, expectedShape, null, e.Message);
        }
        if (claimedShape != expectedShape)
            return new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, expectedShape, claimedShape,
                $"the expected formula {expected.Text} has shape {expectedShape}; the claim {claimed.Text} has shape {claimedShape}");

        string? fallback = null;
        var used = point.Select(p => p.Key).Where(n => expected.Variables.Contains(n) || claimed.Variables.Contains(n)).ToList();
        if (used.All(n => shapes[n].IsScalar))
        {
            var e = Polynomial.Expand(expected, used);
            var c = e.Status == ExpansionStatus.Polynomial ? Polynomial.Expand(claimed, used) : e;
            if (e.Status == ExpansionStatus.Polynomial && c.Status == ExpansionStatus.Polynomial)
            {
                var at = used.Select(n => Rational.FromDouble(given[n][0, 0])).ToArray();
                return CompareExactly(e.Polynomial!, c.Polynomial!, [at], values =>
                {
                    var variables = new Dictionary<string, Matrix<double>>(given);
                    for (int i = 0; i < used.Count; i++) variables[used[i]] = Scalar(values[i].ToDouble());
                    return variables;
                });
            }
            if (c.Status == ExpansionStatus.TooLarge)
                fallback = $"checked numerically: {(e.Status == ExpansionStatus.TooLarge ? "the expected formula" : "the claim")} is a polynomial " +
                    $"but {c.Reason} (caps: {Polynomial.MaxTerms} terms, degree {Polynomial.MaxDegree}, {Polynomial.MaxCoefficientBits}-bit coefficients)";
        }
        var numeric = Numerically(expected, claimed, point, trials, seed, tolerance, cancellation);
        return fallback is null ? numeric : numeric with { Detail = numeric.Detail is null ? fallback : $"{fallback}; {numeric.Detail}" };
    }

    /// <summary>The numeric comparison alone (the given point, then seeded random points): <see cref="GradientClaims.CheckFormula"/>.</summary>
    public static ClaimResult Numerically(
        Expression expected,
        Expression claimed,
        IReadOnlyList<KeyValuePair<string, Matrix<double>>> point,
        int trials,
        int seed,
        double tolerance = GradientClaims.DefaultTolerance,
        CancellationToken cancellation = default) =>
        GradientClaims.CheckFormula(expected, claimed, point, trials, seed, tolerance, cancellation);

    /// <summary>
    /// Exact comparison of two expansions: equivalent when equal; else the first candidate point where they differ, or
    /// a point of small integers, with both values there. <paramref name="variablesAt"/> writes a point for the response.
    /// </summary>
    internal static ClaimResult CompareExactly(Polynomial expected, Polynomial claimed, IEnumerable<Rational[]> candidates,
        Func<Rational[], IReadOnlyDictionary<string, Matrix<double>>> variablesAt)
    {
        var difference = expected - claimed;
        if (difference.IsZero)
            return new ClaimResult(ClaimVerdict.Equivalent, 0, 0, null, Shape.Scalar, Shape.Scalar, $"both expand to {Quote(expected)}")
            { Method = ClaimMethod.Exact };
        var at = candidates.FirstOrDefault(p => !difference.Evaluate(p).IsZero) ?? difference.NonzeroPoint();
        var e = Scalar(expected.Evaluate(at).ToDouble());
        var c = Scalar(claimed.Evaluate(at).ToDouble());
        return new ClaimResult(ClaimVerdict.NotEquivalent, 0, GradientClaims.RelativeError(e, c), new Counterexample(variablesAt(at), e, c),
            Shape.Scalar, Shape.Scalar, $"expanded, expected - claimed = {Quote(difference)}, not 0")
        { Method = ClaimMethod.Exact };
    }

    static string Quote(Polynomial p)
    {
        string text = p.ToString();
        return text.Length <= MaxDetailLength ? text : text[..MaxDetailLength] + $"... ({p.TermCount} terms)";
    }

    internal static Matrix<double> Scalar(double v) => Matrix<double>.Build.Dense(1, 1, v);
}
