using GradApi.Domain.Activations;
using GradApi.Domain.Calculus.Expressions;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Calculus.Formulas;

/// <summary>
/// Checks a claimed k-th derivative of an activation, written in <c>x</c> or in the function's own value
/// (<c>sigma</c> for sigmoid, <c>tanh</c> for tanh).
/// <para>A claim in the own value alone that expands to a polynomial is compared exactly with
/// <see cref="DerivativePolynomial"/>'s integer coefficients; a counterexample is the own value at the first
/// point of <c>at</c> where they differ, else a small integer value.</para>
/// <para>Any other claim is compared numerically with <see cref="ActivationDerivatives.At"/> at every point of
/// <c>at</c>, then at <c>trials</c> random x drawn as <see cref="GradientClaims"/> draws a scalar
/// (<c>new Random(seed)</c>, 4 NextDouble() - 2), the own value set to f(x); same error measure and tolerance.</para>
/// </summary>
public static class DerivativeClaims
{
    public const string X = "x";

    /// <summary>The name of the function's own value in claims ("sigma", "tanh"), or null when claims are in x only.</summary>
    public static string? OwnValueName(Activation activation) => activation switch
    {
        Sigmoid => DerivativePolynomial.Sigmoid(0).Variable,
        Tanh => DerivativePolynomial.Tanh(0).Variable,
        _ => null,
    };

    /// <summary>The variables a claim on this activation may use: x, and the own value where there is one.</summary>
    public static IReadOnlyList<string> VariablesOf(Activation activation) =>
        OwnValueName(activation) is { } own ? [X, own] : [X];

    /// <summary>The verdict on a claim for f^(order) (order 0 is f itself). The claim must use only <see cref="VariablesOf"/>.</summary>
    public static ClaimResult Check(Activation activation, int order, Expression claim, IReadOnlyList<double> points, int trials, int seed,
        double tolerance = GradientClaims.DefaultTolerance, CancellationToken cancellation = default)
    {
        if (!activation.IsElementwise) throw new ArgumentException("softmax has a Jacobian, not elementwise derivatives", nameof(activation));
        string? own = OwnValueName(activation);
        var names = VariablesOf(activation);
        var shapes = names.ToDictionary(n => n, _ => Shape.Scalar);
        Shape claimed;
        try { claimed = claim.InferShapes(shapes).Shape; }
        catch (ExpressionShapeException e) { return new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, Shape.Scalar, null, e.Message); }
        if (!claimed.IsScalar)
            return new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, Shape.Scalar, claimed,
                $"a derivative of {activation.Name} is a scalar; the claim {claim.Text} has shape {claimed}");

        string? fallback = null;
        if (own is not null && !claim.Variables.Contains(X))
        {
            var expansion = Polynomial.Expand(claim, [own]);
            if (expansion.Status == ExpansionStatus.Polynomial)
            {
                var reference = Polynomial.FromCoefficients(own, activation is Sigmoid
                    ? DerivativePolynomial.Sigmoid(order).Coefficients : DerivativePolynomial.Tanh(order).Coefficients);
                var fromPoints = new Dictionary<Rational, double>();
                foreach (var x in points) fromPoints.TryAdd(Rational.FromDouble(activation.Value(x)), x);
                return FormulaEquivalence.CompareExactly(reference, expansion.Polynomial!,
                    fromPoints.Keys.Select(s => new[] { s }),
                    at => fromPoints.TryGetValue(at[0], out var x)
                        ? new Dictionary<string, Matrix<double>> { [X] = FormulaEquivalence.Scalar(x), [own] = FormulaEquivalence.Scalar(activation.Value(x)) }
                        : new Dictionary<string, Matrix<double>> { [own] = FormulaEquivalence.Scalar(at[0].ToDouble()) });
            }
            if (expansion.Status == ExpansionStatus.TooLarge) fallback = $"checked numerically: the claim is a polynomial but {expansion.Reason}";
        }

        // The points first (the request's, then the seeded random x), with the truth at each: a claim is compared against
        // the largest derivative seen as well as its own value, because a right formula evaluated where the function
        // saturates cancels (1 - sigmoid(21) keeps 7 of its 16 digits) while the truth keeps full relative precision.
        var random = new Random(seed);
        var xs = new double[points.Count + trials];
        var truth = new double[xs.Length];
        double scale = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            if ((i & 255) == 0) cancellation.ThrowIfCancellationRequested();
            xs[i] = i < points.Count ? points[i] : GradientClaims.RandomLow + (GradientClaims.RandomHigh - GradientClaims.RandomLow) * random.NextDouble();
            truth[i] = ActivationDerivatives.At(activation, xs[i], order)[order];
            if (double.IsFinite(truth[i])) scale = Math.Max(scale, Math.Abs(truth[i]));
        }
        double worst = 0;
        Counterexample? counter = null;
        int compared = 0;
        var compiled = ScalarFormula.TryCompile(claim, names);
        var arguments = new double[names.Count];
        for (int i = 0; i < xs.Length; i++)
        {
            if ((i & 255) == 0) cancellation.ThrowIfCancellationRequested();
            double x = xs[i];
            var values = new Dictionary<string, Matrix<double>> { [X] = FormulaEquivalence.Scalar(x) };
            if (own is not null) values[own] = FormulaEquivalence.Scalar(activation.Value(x));
            var expected = FormulaEquivalence.Scalar(truth[i]);
            for (int v = 0; v < names.Count; v++) arguments[v] = values[names[v]][0, 0];
            var value = compiled is null ? claim.Evaluate(values, cancellation) : FormulaEquivalence.Scalar(compiled.Evaluate(arguments));
            if (i >= points.Count) compared++;
            double error = ScaledError(truth[i], value[0, 0], scale);
            if (!(error <= worst)) worst = error;
            if (!(error <= tolerance) && counter is null) counter = new Counterexample(values, expected, value);
        }
        return new ClaimResult(counter is null ? ClaimVerdict.Equivalent : ClaimVerdict.NotEquivalent, compared, worst, counter,
            Shape.Scalar, Shape.Scalar, fallback);
    }

    /// <summary>|claimed - expected| / max(|expected|, |claimed|, scale); 0 when both are equal, infinite when the claim is not finite where the truth is.</summary>
    public static double ScaledError(double expected, double claimed, double scale)
    {
        if (expected == claimed || double.IsNaN(expected) && double.IsNaN(claimed)) return 0;
        if (!double.IsFinite(claimed) || !double.IsFinite(expected)) return double.PositiveInfinity;
        return Math.Abs(claimed - expected) / Math.Max(scale, Math.Max(Math.Abs(expected), Math.Abs(claimed)));
    }
}
