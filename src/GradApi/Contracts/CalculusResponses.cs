using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradApi.Contracts;

/// <param name="Activation">As requested.</param>
/// <param name="Order">k.</param>
/// <param name="Values">Per point x: f(x), f'(x), ..., f^(k)(x). Absent for softmax.</param>
/// <param name="Jacobians">softmax only: one n x n matrix da_i/dz_j per point, by rows.</param>
/// <param name="Polynomial">sigmoid and tanh: f^(k) as a polynomial in f; else null.</param>
/// <param name="Claims">Per claimed order, the verdict; null when no claims were sent.</param>
public sealed record ActivationDerivativesResponse(
    string Activation,
    int Order,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DerivativesAtPoint[]? Values,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[][][]? Jacobians,
    DerivativePolynomialResponse? Polynomial,
    Dictionary<string, ClaimCheckResponse>? Claims = null);

/// <param name="X">The point.</param>
/// <param name="Derivatives">Orders 0..k.</param>
public sealed record DerivativesAtPoint(double X, double[] Derivatives);

/// <param name="Variable">sigma or tanh.</param>
/// <param name="Coefficients">Exact integers, lowest power first (beyond 2^53 from order 14 on: read them as big integers).</param>
/// <param name="Latex">The polynomial in LaTeX.</param>
/// <param name="ExactCoefficients">The same coefficients as exact decimal strings ("-6"), for readers whose JSON numbers are doubles (JSON.parse changes sigmoid's order-20 coefficients beyond 2^53).</param>
public sealed record DerivativePolynomialResponse(
    string Variable,
    [property: JsonConverter(typeof(ExactIntegerArrayConverter))] BigInteger[] Coefficients,
    string Latex,
    string[] ExactCoefficients)
{
    public DerivativePolynomialResponse(string variable, BigInteger[] coefficients, string latex)
        : this(variable, coefficients, latex, coefficients.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()) { }
}

/// <param name="Value">A number for a scalar, else a matrix by rows.</param>
/// <param name="Shape">[rows, columns].</param>
/// <param name="Subexpressions">Every node of the parsed expression as written, with its shape, children first.</param>
/// <param name="Gradients">Scalar expression: per wrt variable, in the variable's own JSON form (denominator layout). Otherwise an empty object.</param>
/// <param name="Jacobians">Non-scalar expression: per wrt variable v, d vec(f) / d vec(v) by rows, numel(f) x numel(v) (rows for f's elements, columns for v's, both row-major), always a 2-D array. Null for a scalar expression.</param>
/// <param name="Claims">Per claimed variable, the verdict; null when no claims were sent.</param>
public sealed record ExpressionGradientResponse(
    object Value,
    int[] Shape,
    SubexpressionShape[] Subexpressions,
    Dictionary<string, object> Gradients,
    Dictionary<string, double[][]>? Jacobians,
    Dictionary<string, ClaimCheckResponse>? Claims);

public sealed record SubexpressionShape(string Text, int[] Shape);

/// <param name="Verdict">equivalent, not_equivalent or shape_mismatch.</param>
/// <param name="Method">exact (both sides are polynomials, compared in rational arithmetic) or numeric (at the given and at random points).</param>
/// <param name="Trials">Random points compared (the given point is compared too); 0 for exact.</param>
/// <param name="MaxRelativeError">Largest error over the points compared (exact: 0, or the error at the counterexample); null for shape_mismatch.</param>
/// <param name="Counterexample">not_equivalent: the first point where the claim is off.</param>
/// <param name="ExpectedShape">The shape of the true value (for a gradient, the variable's; for a Jacobian [numel(f), numel(v)]).</param>
/// <param name="ClaimedShape">The claim's shape; null when the claim's own shapes do not fit.</param>
/// <param name="Detail">shape_mismatch: what does not fit; exact: both expansions or their difference; a numeric check that could not be exact: why.</param>
public sealed record ClaimCheckResponse(
    string Verdict,
    string Method,
    int Trials,
    double? MaxRelativeError,
    CounterexampleResponse? Counterexample,
    int[] ExpectedShape,
    int[]? ClaimedShape,
    string? Detail);

/// <param name="Variables">The point, every variable in its JSON form.</param>
/// <param name="Expected">The true value there (the gradient in the variable's form, a Jacobian by rows, the derivative, the weight, the expected formula's value).</param>
/// <param name="Claimed">The claim's value there.</param>
public sealed record CounterexampleResponse(Dictionary<string, object> Variables, object Expected, object Claimed);

/// <param name="Convention">As requested (default pytorch).</param>
/// <param name="Momentum">mu (beta for ema).</param>
/// <param name="LearningRate">eta.</param>
/// <param name="Dampening">pytorch only (default 0); null for the other conventions.</param>
/// <param name="Steps">T.</param>
/// <param name="StateName">v, or m for ema.</param>
/// <param name="StateWeights">w_t: the state after step T is sum_t w_t g_t, t = 1..T.</param>
/// <param name="StepWeights">c_t: theta_T - theta_(T-1) = -sum_t c_t g_t.</param>
/// <param name="ClosedForm">Both in closed form (LaTeX).</param>
/// <param name="Claims">The verdicts on claimed stateWeights and stepWeights (the ones sent); null when no claims were sent.</param>
public sealed record MomentumWeightsResponse(
    string Convention,
    double Momentum,
    double LearningRate,
    double? Dampening,
    int Steps,
    string StateName,
    double[] StateWeights,
    double[] StepWeights,
    string ClosedForm,
    MomentumWeightClaimsResponse? Claims = null);

/// <param name="StateWeights">The verdict on the claimed state weights; null when none was sent.</param>
/// <param name="StepWeights">The verdict on the claimed step weights; null when none was sent.</param>
public sealed record MomentumWeightClaimsResponse(ClaimCheckResponse? StateWeights, ClaimCheckResponse? StepWeights);

/// <summary>Writes integers of any size as exact JSON numbers.</summary>
public sealed class ExactIntegerArrayConverter : JsonConverter<BigInteger[]>
{
    public override BigInteger[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of integers");
        var list = new List<BigInteger>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.Add(BigInteger.Parse(System.Text.Encoding.UTF8.GetString(reader.ValueSpan), System.Globalization.CultureInfo.InvariantCulture));
        return [.. list];
    }

    public override void Write(Utf8JsonWriter writer, BigInteger[] value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var v in value) writer.WriteRawValue(v.ToString(System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: true);
        writer.WriteEndArray();
    }
}
