using GradApi.Domain.Calculus;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Calculus.Formulas;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Vocabulary;
using GradApi.Limits;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Contracts;

/// <summary>An /v1/expressions/equivalence request read, parsed and shape-checked (the expected side).</summary>
public sealed record EquivalenceProblem(Expression Expected, Expression Claimed, IReadOnlyList<ExpressionVariable> Variables, int Trials, int Seed, long Work);

/// <summary>The claims of an /v1/optimizers/momentum/weights request as read.</summary>
public sealed record MomentumClaims(Expression? StateWeights, Expression? StepWeights, int Trials, int Seed);

/// <summary>
/// Reading formula claims (the equivalence endpoint, derivative claims, momentum-weight claims) for their validators, and
/// writing verdicts. Failures are reported by JSON path through <c>fail</c>.
/// </summary>
public static class FormulaMapper
{
    public static EquivalenceProblem? ReadEquivalence(ExpressionEquivalenceRequest request, Action<string, string> fail)
    {
        bool ok = true;
        void Fail(string path, string message) { ok = false; fail(path, message); }
        var variables = CalculusMapper.ReadVariables(request.Variables, Fail);
        var (trials, seed) = CalculusMapper.ReadTrials(request.Trials, request.Seed, Fail);
        var expected = CalculusMapper.ParseAt(request.Expected, "expected", Fail);
        var claimed = CalculusMapper.ParseAt(request.Claimed, "claimed", Fail);
        if (expected is null || claimed is null || !ok) return null;

        var names = variables.Select(v => v.Name).ToList();
        string known = names.Count == 0 ? "no variables were given" : $"the variables are {string.Join(", ", names)}";
        var unknown = claimed.Variables.Where(v => !names.Contains(v)).ToList();
        if (unknown.Count > 0) { Fail("claimed", $"unknown variable '{unknown[0]}' in the claim; {known}"); return null; }
        var shapes = variables.ToDictionary(v => v.Name, v => Shape.Of(v.Value));
        ShapeCheck check;
        try { check = expected.InferShapes(shapes); }
        catch (ExpressionShapeException e) { Fail("expected", e.Message); return null; }

        long claimWork;
        try { claimWork = CalculusMapper.EvaluationWork(claimed.InferShapes(shapes)); }
        catch (ExpressionShapeException) { claimWork = 0; } // answered shape_mismatch without evaluating
        // Both sides at the given point and at each trial (the expected twice when a redraw is needed), and their expansion.
        long work = (1L + 2L * trials) * (CalculusMapper.EvaluationWork(check) + claimWork)
            + Polynomial.WorkBound(expected, variables.Count) + Polynomial.WorkBound(claimed, variables.Count);
        if (work > CalculusLimits.MaxExpressionWork)
        {
            Fail("trials", $"{work} multiply-adds exceed the limit maxExpressionWork {CalculusLimits.MaxExpressionWork}: both formulas at each of the " +
                "1 + trials points (the expected one twice per trial when a redraw is needed); use fewer trials, shorter formulas or smaller values");
            return null;
        }
        return new EquivalenceProblem(expected, claimed, variables, trials, seed, work);
    }

    /// <summary>The name of an activation's own value in claims (sigma, tanh), or null when claims are in x only.</summary>
    public static string? OwnValueName(string? activation) => activation switch
    {
        WireNames.Activation.Sigmoid => DerivativePolynomial.Sigmoid(0).Variable,
        WireNames.Activation.Tanh => DerivativePolynomial.Tanh(0).Variable,
        _ => null,
    };

    /// <summary>
    /// The claims of an /v1/activations/derivatives request by order (0..order), each in x or the activation's own value;
    /// null when none were sent or any failed. <paramref name="work"/> is what checking them costs at the given number of points.
    /// </summary>
    public static IReadOnlyDictionary<int, Expression>? ReadDerivativeClaims(ActivationDerivativesRequest request, int order, int points, int trials,
        Action<string, string> fail, out long work)
    {
        work = 0;
        if (request.Claims is not { Count: > 0 } claims) return null;
        if (request.Activation == WireNames.Activation.Softmax)
        {
            fail("claims", $"{WireNames.Activation.Softmax} has a Jacobian, not elementwise derivatives: claims are for the other activations");
            return null;
        }
        string? own = OwnValueName(request.Activation);
        IReadOnlyList<string> allowed = own is null ? [DerivativeClaims.X] : [DerivativeClaims.X, own];
        string names = string.Join(" or ", allowed);
        var read = new Dictionary<int, Expression>();
        bool ok = true;
        foreach (var (key, text) in claims)
        {
            string path = $"claims.{key}";
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) || k > order)
            {
                fail(path, $"a claim is keyed by its order, 0 to {order}, got '{key}'");
                ok = false;
                continue;
            }
            if (CalculusMapper.ParseAt(text, path, fail, own is null ? [] : [own]) is not { } claim) { ok = false; continue; }
            var unknown = claim.Variables.Where(v => !allowed.Contains(v)).ToList();
            if (unknown.Count > 0)
            {
                fail(path, $"unknown variable '{unknown[0]}' in the claim; a derivative of {request.Activation} is written in {names}");
                ok = false;
                continue;
            }
            var shapes = allowed.ToDictionary(n => n, _ => Shape.Scalar);
            long evaluation;
            try { evaluation = ScalarFormula.TryCompile(claim, allowed)?.Work ?? CalculusMapper.EvaluationWork(claim.InferShapes(shapes)); }
            catch (ExpressionShapeException) { evaluation = 0; }
            // The claim and the true derivative (order + 1)(order + 2) at every point and random x.
            work += ((long)points + trials) * (evaluation + (k + 1L) * (k + 2L)) + Polynomial.WorkBound(claim, 1);
            read[k] = claim;
        }
        return ok ? read : null;
    }

    /// <summary>The claims of an /v1/optimizers/momentum/weights request; null when none were sent or any failed.</summary>
    public static MomentumClaims? ReadMomentumClaims(MomentumWeightClaimsRequest? claims, MomentumConvention convention, int steps, int trials, int seed,
        Action<string, string> fail, out long work)
    {
        work = 0;
        if (claims is null || (claims.StateWeights is null && claims.StepWeights is null)) return null;
        var allowed = MomentumWeightClaims.VariablesFor(convention);
        bool ok = true;
        long spent = 0;
        Expression? Read(string? text, string path)
        {
            if (text is null) return null;
            if (CalculusMapper.ParseAt(text, path, fail) is not { } claim) { ok = false; return null; }
            var unknown = claim.Variables.Where(v => !allowed.Contains(v)).ToList();
            if (unknown.Count > 0)
            {
                string extra = convention == MomentumConvention.PyTorch ? "" : $" (d is pytorch's dampening)";
                fail(path, $"unknown variable '{unknown[0]}' in the claim; a weight of momentum/{WireNames.MomentumConventions.Name(convention)} is written in {string.Join(", ", allowed)}{extra}");
                ok = false;
                return null;
            }
            long evaluation;
            try { evaluation = ScalarFormula.TryCompile(claim, allowed)?.Work ?? CalculusMapper.EvaluationWork(claim.InferShapes(allowed.ToDictionary(n => n, _ => Shape.Scalar))); }
            catch (ExpressionShapeException) { evaluation = 0; }
            // The optimizer's weights (a few multiply-adds a step) and the claim at every t, for the given settings and each trial.
            // Exact: one expansion per t, t and T set (an exponent at most T), within the expansion cap over all t.
            long expansions = steps > MomentumWeightClaims.MaxExactSteps ? 0
                : Math.Min(Polynomial.MaxTermOperations, steps * Polynomial.WorkBound(claim, 3, maxExponent: steps)) + ReferenceWork(steps);
            spent += (trials + 1L) * steps * (evaluation + 8) + expansions;
            return claim;
        }
        var state = Read(claims.StateWeights, "claims.stateWeights");
        var step = Read(claims.StepWeights, "claims.stepWeights");
        work = spent;
        return ok ? new MomentumClaims(state, step, trials, seed) : null;
    }

    // The reference weights over polynomials: two impulses for T steps, a state of up to T terms times a map entry of a few.
    static long ReferenceWork(int steps) => 2L * steps * (4L * steps + 16);

    /// <summary>A verdict in the response's form: values as <paramref name="write"/> writes them, each variable in its own form (scalars as numbers).</summary>
    public static ClaimCheckResponse Write(ClaimResult result, Func<Matrix<double>, object> write, IReadOnlyDictionary<string, ValueForm>? forms = null) => new(
        WireNames.ClaimVerdicts.Name(result.Verdict),
        WireNames.ClaimMethods.Name(result.Method),
        result.Trials,
        result.Verdict == ClaimVerdict.ShapeMismatch ? null : result.MaxRelativeError,
        result.Counterexample is { } c
            ? new CounterexampleResponse(
                c.Variables.ToDictionary(p => p.Key, p => CalculusMapper.Write(p.Value, forms is not null && forms.TryGetValue(p.Key, out var f) ? f : ValueForm.Scalar)),
                write(c.Expected),
                write(c.Claimed))
            : null,
        CalculusMapper.ShapeArray(result.ExpectedShape),
        result.ClaimedShape is { } s ? CalculusMapper.ShapeArray(s) : null,
        result.Detail);
}
