using System.Collections.Concurrent;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Calculus.Formulas;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using GradApi.Validation;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Grading;

/// <summary>
/// What each answer's JSON Pointer (RFC 6901) holds in an endpoint's response: numbers (a number, the strings "NaN",
/// "Infinity", "-Infinity", or rectangular nested arrays of them), a function where the endpoint offers one at that path,
/// or nothing gradable, with the reason. Resolved once per path for a whole class.
/// </summary>
public sealed class ResponseReferences(ComputedProblem problem)
{
    readonly ConcurrentDictionary<string, ReferenceAt> _resolved = new(StringComparer.Ordinal);

    public ReferenceAt At(string path) => _resolved.GetOrAdd(path, Resolve);

    ReferenceAt Resolve(string path)
    {
        var found = Find(problem.Response, path, out string? error);
        var numbers = found is { } element ? Numbers(element, path, out error) : null;
        if (problem.Functions?.At(path) is { } function)
            return function with { Value = numbers };
        if (numbers is not null) return new NumbersAt(numbers);
        return new NowhereAt(error ?? $"{path} holds nothing gradable");
    }

    /// <summary>The element a JSON Pointer names, or null with the reason.</summary>
    public static JsonElement? Find(JsonElement root, string pointer, out string? error)
    {
        error = null;
        if (pointer.Length == 0) { error = "the empty path names the whole response; point at a number or an array of numbers in it"; return null; }
        if (pointer[0] != '/') { error = $"{pointer}: a JSON Pointer starts with '/'"; return null; }
        var at = root;
        string walked = "";
        var raws = pointer[1..].Split('/');
        var tokens = TensorPath.Tokens(pointer);
        for (int t = 0; t < tokens.Length; t++)
        {
            string token = tokens[t];
            switch (at.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!at.TryGetProperty(token, out var child))
                    {
                        var names = at.EnumerateObject().Select(p => p.Name).ToArray();
                        error = $"{pointer}: {(walked.Length == 0 ? "the response" : walked)} has no field '{token}' (it has {string.Join(", ", names)})";
                        return null;
                    }
                    at = child;
                    break;
                case JsonValueKind.Array:
                    int length = at.GetArrayLength();
                    if (!TensorPath.IsArrayIndex(token, out int index) || index >= length)
                    {
                        error = $"{pointer}: {(walked.Length == 0 ? "the response" : walked)} is an array of {length}; '{token}' is not an index in it (0 to {length - 1})";
                        return null;
                    }
                    at = at[index];
                    break;
                default:
                    error = $"{pointer}: {walked} is a single value; nothing is below it";
                    return null;
            }
            walked += "/" + raws[t];
        }
        return at;
    }

    // The numbers at a path, read as a student's value is read (the same JSON forms), or why there are none.
    static Tensor? Numbers(JsonElement element, string path, out string? error)
    {
        error = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                error = $"{path} holds an object (fields {string.Join(", ", element.EnumerateObject().Select(p => p.Name))}); point at one of its numbers";
                return null;
            case JsonValueKind.Null:
                error = $"{path} is null in this response: nothing was computed there";
                return null;
            case JsonValueKind.True or JsonValueKind.False:
                error = $"{path} holds true or false, not numbers";
                return null;
        }
        var read = AnswerValueMapper.ToSubmittedValue(element);
        if (read.Tensor is null) error = element.ValueKind == JsonValueKind.String ? $"{path} holds text (\"{element.GetString()}\"), not numbers" : $"{path}: {read.Unreadable}";
        return read.Tensor;
    }
}

/// <summary>The functions an endpoint's response holds, by path, which formula answers are checked against.</summary>
public sealed class ProblemFunctions(Func<string, FunctionAt?> at)
{
    public FunctionAt? At(string path) => at(path);

    /// <summary>/v1/expressions/gradient: <c>gradients/&lt;v&gt;</c> (or <c>jacobians/&lt;v&gt;</c>), in the problem's variables, checked as claims are.</summary>
    public static ProblemFunctions ForGradient(ExpressionGradientRequest request, ValidatedInput? input, CancellationToken cancellation)
    {
        var problem = (ExpressionProblem)input!.Value;
        var point = problem.Variables.Select(v => KeyValuePair.Create(v.Name, v.Value)).ToList();
        var forms = problem.Variables.ToDictionary(v => v.Name, v => v.Form);
        var variables = problem.Variables.Select(v => v.Name).ToArray();
        // A scalar expression has gradients, in its variable's form; any other has Jacobians, matrices by rows.
        bool scalar = problem.Shapes.Shape.IsScalar;
        string field = scalar ? "/gradients/" : "/jacobians/";
        return new(path =>
        {
            if (!path.StartsWith(field, StringComparison.Ordinal)) return null;
            string name = path[field.Length..];
            if (!forms.ContainsKey(name) || !problem.Wrt.Contains(name)) return null;
            return new FunctionAt(claim =>
            {
                var claims = new Dictionary<string, Expression> { [name] = claim };
                var result = GradientClaims.CheckDerivatives(problem.Expression, point, claims, problem.Trials, problem.Seed, cancellation: cancellation)[name];
                return Checked(result, forms, scalar ? forms[name] : ValueForm.Matrix);
            }, variables, null);
        });
    }

    /// <summary>
    /// /v1/activations/derivatives: <c>polynomial</c>, the order-th derivative (sigmoid and tanh), as a formula in the
    /// function's own value (exactly, against the integer polynomial) or in x (at the request's points and seeded random x).
    /// </summary>
    public static ProblemFunctions ForDerivatives(ActivationDerivativesRequest request, ValidatedInput? input, CancellationToken cancellation)
    {
        if (request.Activation == Domain.Vocabulary.WireNames.Activation.Softmax) return new(_ => null);
        var activation = Endpoints.CalculusEndpoints.ActivationOf(request);
        if (DerivativeClaims.OwnValueName(activation) is not { } own) return new(_ => null);
        // The points, trials and seed as the validator read them.
        var read = (ActivationPoints)input!.Value;
        int order = request.Order ?? 1;
        var function = new FunctionAt(claim => Checked(DerivativeClaims.Check(activation, order, claim, read.Numbers!, read.Trials, read.Seed,
                cancellation: cancellation)),
            DerivativeClaims.VariablesOf(activation), null, [own]);
        return new(path => path == "/polynomial" ? function : null);
    }

    /// <summary>
    /// /v1/optimizers/momentum/weights: <c>stateWeights</c> and <c>stepWeights</c> as formulas in t, T, beta (or mu),
    /// eta (and d for pytorch), checked for every t = 1..T (exactly where both sides are polynomials).
    /// </summary>
    public static ProblemFunctions ForMomentumWeights(MomentumWeightsRequest request, ValidatedInput? input, CancellationToken cancellation)
    {
        var optimizer = Endpoints.CalculusEndpoints.OptimizerOf(request);
        int steps = request.Steps!.Value;
        var variables = MomentumWeightClaims.VariablesFor(optimizer.Convention);
        var (trials, seed) = CalculusMapper.ReadTrials(request.Trials, request.Seed, Ignore);
        FunctionAt Weights(MomentumWeightKind kind) => new(claim => Checked(MomentumWeightClaims.Check(optimizer, steps, kind, claim, trials, seed,
            cancellation: cancellation)), variables, null);
        var state = Weights(MomentumWeightKind.State);
        var step = Weights(MomentumWeightKind.Step);
        return new(path => path switch { "/stateWeights" => state, "/stepWeights" => step, _ => null });
    }

    /// <summary>
    /// What checking a formula answer at a path costs, in maxExpressionWork's multiply-adds: exactly what the endpoint charges
    /// for the same formula sent as one of its claims (its own pricing, with the problem's points and trials); 0 where the
    /// path holds no function or the formula would not be checked (it does not parse).
    /// </summary>
    public static long FormulaWork(object request, string path, string formula)
    {
        switch (request)
        {
            case ActivationDerivativesRequest d when path == "/polynomial" && d.At is { ValueKind: System.Text.Json.JsonValueKind.Array } at:
            {
                int order = d.Order ?? 1;
                var claims = new Dictionary<string, string> { [order.ToString(System.Globalization.CultureInfo.InvariantCulture)] = formula };
                FormulaMapper.ReadDerivativeClaims(d with { Claims = claims }, order, at.GetArrayLength(), CalculusMapper.ReadTrials(d.Trials, d.Seed, Ignore).Trials,
                    Ignore, out long work);
                return work;
            }
            case MomentumWeightsRequest m when path is "/stateWeights" or "/stepWeights":
            {
                var claims = path == "/stateWeights" ? new MomentumWeightClaimsRequest(formula, null) : new MomentumWeightClaimsRequest(null, formula);
                var (trials, seed) = CalculusMapper.ReadTrials(m.Trials, m.Seed, Ignore);
                FormulaMapper.ReadMomentumClaims(claims, TrainRequestMapper.ToMomentumConvention(m.Convention), m.Steps!.Value, trials, seed, Ignore, out long work);
                return work;
            }
            case ExpressionGradientRequest g when path.StartsWith("/gradients/", StringComparison.Ordinal) || path.StartsWith("/jacobians/", StringComparison.Ordinal):
                return CalculusMapper.ReadExpression(g with { Claims = new() { [path[(path.IndexOf('/', 1) + 1)..]] = formula } }, Ignore)?.Work ?? 0;
            default:
                return 0;
        }
    }

    // Failures were reported by the problem's own validator already; reading again only takes the values.
    static void Ignore(string path, string message) { }

    /// <summary>A claim's verdict as grading reports it, the counterexample's matrices in their variables' JSON forms (scalars where no form is known).</summary>
    public static FormulaCheck Checked(ClaimResult result, IReadOnlyDictionary<string, ValueForm>? forms = null, ValueForm form = ValueForm.Scalar) => new(
        result.Verdict, Domain.Vocabulary.WireNames.ClaimMethods.Name(result.Method),
        result.Verdict == ClaimVerdict.ShapeMismatch ? null : result.MaxRelativeError,
        result.Counterexample is { } c
            ? new FormulaCounterexample(c.Variables.ToDictionary(p => p.Key,
                    p => ToTensor(p.Value, forms is not null && forms.TryGetValue(p.Key, out var known) ? known : FormOf(p.Value))),
                ToTensor(c.Expected, form), ToTensor(c.Claimed, form))
            : null,
        result.Detail);

    static ValueForm FormOf(Matrix<double> m) => m.RowCount == 1 && m.ColumnCount == 1 ? ValueForm.Scalar : m.ColumnCount == 1 ? ValueForm.Vector : ValueForm.Matrix;

    // A value in its variable's JSON form as a tensor: a scalar, a vector [n] or a matrix [rows, columns].
    static Tensor ToTensor(Matrix<double> m, ValueForm form)
    {
        var (values, shape) = ParameterValue.Of((m, form));
        return new Tensor(shape, values);
    }
}
