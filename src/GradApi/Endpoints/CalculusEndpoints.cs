using GradApi.Contracts;
using GradApi.Domain.Calculus;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Calculus.Formulas;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Vocabulary;
using GradApi.OpenApi;
using GradApi.Operations;
using GradApi.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradApi.Endpoints;

/// <summary>
/// POST /v1/activations/derivatives: derivatives of any order, and polynomials in sigma and tanh.
/// POST /v1/expressions/gradient: matrix expressions, shape check, reverse-mode gradients or Jacobians, claims.
/// POST /v1/expressions/equivalence: is a claimed formula the expected one (exactly for polynomials, else at sampled points).
/// POST /v1/optimizers/momentum/weights: the weights of past gradients under momentum.
/// </summary>
public static class CalculusEndpoints
{
    public static IEndpointRouteBuilder MapCalculus(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Calculus").WithDeadline();

        group.MapPost("/activations/derivatives", Derivatives)
            .Validate<ActivationDerivativesRequest>()
            .WithName("ActivationDerivatives")
            .WithSummary("Derivatives of order 0..k of an activation, and the k-th as a polynomial in sigma or tanh")
            .WithDescription(CalculusText.DerivativesDescription)
            .WithReferenceExamples("derivatives");

        group.MapPost("/expressions/gradient", Gradient)
            .Validate<ExpressionGradientRequest>()
            .WithName("ExpressionGradient")
            .WithSummary("Shape-check a matrix expression, take its gradient by reverse mode and check claimed gradients")
            .WithDescription(CalculusText.GradientDescription)
            .WithReferenceExamples("gradient");

        group.MapPost("/expressions/equivalence", Equivalence)
            .Validate<ExpressionEquivalenceRequest>()
            .WithName("ExpressionEquivalence")
            .WithSummary("Decide whether a claimed formula equals an expected one: exactly for polynomials, else at the given and at seeded random points")
            .WithDescription(CalculusText.EquivalenceDescription)
            .WithReferenceExamples("equivalence");

        group.MapPost("/optimizers/momentum/weights", MomentumWeightsOf)
            .Validate<MomentumWeightsRequest>()
            .WithName("MomentumWeights")
            .WithSummary("The weight of each past gradient in a momentum optimizer's state and step")
            .WithDescription(CalculusText.MomentumWeightsDescription)
            .WithReferenceExamples("momentum-weights");

        return app;
    }

    internal static Ok<ActivationDerivativesResponse> Derivatives(ActivationDerivativesRequest request, HttpContext context)
    {
        var cancel = context.WorkCancellation();
        string name = request.Activation!;
        int order = request.Order ?? 1;
        var at = context.ValidatedInput<ActivationPoints>();
        if (name == WireNames.Activation.Softmax)
        {
            var jacobians = at.Vectors!
                .Select(point =>
                {
                    cancel.ThrowIfCancellationRequested();
                    return ActivationDerivatives.Jacobian(point);
                })
                .ToArray();
            return TypedResults.Ok(new ActivationDerivativesResponse(name, order, null, jacobians, null));
        }
        var activation = ActivationOf(request);
        var values = at.Numbers!
            .Select(x =>
            {
                cancel.ThrowIfCancellationRequested();
                return new DerivativesAtPoint(x, ActivationDerivatives.At(activation, x, order));
            })
            .ToArray();
        var polynomial = name switch
        {
            WireNames.Activation.Sigmoid => DerivativePolynomial.Sigmoid(order),
            WireNames.Activation.Tanh => DerivativePolynomial.Tanh(order),
            _ => null,
        };
        var claims = at.Claims?.ToDictionary(
            c => c.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
            c => FormulaMapper.Write(DerivativeClaims.Check(activation, c.Key, c.Value, at.Numbers!, at.Trials, at.Seed, cancellation: cancel), CalculusMapper.WriteValue));
        return TypedResults.Ok(new ActivationDerivativesResponse(name, order, values, null,
            polynomial is null ? null : new DerivativePolynomialResponse(polynomial.Variable, [.. polynomial.Coefficients], polynomial.Latex), claims));
    }

    internal static Ok<ClaimCheckResponse> Equivalence(ExpressionEquivalenceRequest request, HttpContext context)
    {
        var problem = context.ValidatedInput<EquivalenceProblem>();
        var point = problem.Variables.Select(v => new KeyValuePair<string, MathNet.Numerics.LinearAlgebra.Matrix<double>>(v.Name, v.Value)).ToList();
        var result = FormulaEquivalence.Check(problem.Expected, problem.Claimed, point, problem.Trials, problem.Seed, cancellation: context.WorkCancellation());
        return TypedResults.Ok(FormulaMapper.Write(result, CalculusMapper.WriteValue, problem.Variables.ToDictionary(v => v.Name, v => v.Form)));
    }

    internal static Ok<ExpressionGradientResponse> Gradient(ExpressionGradientRequest request, HttpContext context)
    {
        var cancel = context.WorkCancellation();
        var problem = context.ValidatedInput<ExpressionProblem>();
        var values = problem.Variables.ToDictionary(v => v.Name, v => v.Value);
        var forms = problem.Variables.ToDictionary(v => v.Name, v => v.Form);

        var subexpressions = problem.Shapes.Nodes
            .DistinctBy(n => n.Node.Text)
            .Select(n => new SubexpressionShape(n.Node.Text, CalculusMapper.ShapeArray(n.Shape)))
            .ToArray();

        // A scalar expression has gradients (each in its variable's form); any other has Jacobians (always by rows) and gradients {}.
        bool scalar = problem.Shapes.Shape.IsScalar;
        MathNet.Numerics.LinearAlgebra.Matrix<double> value;
        var gradients = new Dictionary<string, object>();
        Dictionary<string, double[][]>? jacobians = null;
        if (scalar)
        {
            var result = problem.Expression.Gradient(values, problem.Wrt, cancel);
            value = result.Value;
            foreach (var name in problem.Wrt) gradients[name] = CalculusMapper.Write(result.Gradients[name], forms[name]);
        }
        else if (problem.Wrt.Count > 0)
        {
            var result = problem.Expression.Jacobian(values, problem.Wrt, cancel);
            value = result.Value;
            jacobians = problem.Wrt.ToDictionary(n => n, n => result.Jacobians[n].ToRowArrays());
        }
        else
        {
            value = problem.Expression.Evaluate(values, cancel);
            jacobians = [];
        }

        Dictionary<string, ClaimCheckResponse>? claims = null;
        if (problem.Claims.Count > 0)
        {
            var point = problem.Variables.Select(v => new KeyValuePair<string, MathNet.Numerics.LinearAlgebra.Matrix<double>>(v.Name, v.Value)).ToList();
            var verdicts = GradientClaims.CheckDerivatives(problem.Expression, point, problem.Claims, problem.Trials, problem.Seed, cancellation: cancel);
            claims = verdicts.ToDictionary(p => p.Key, p => FormulaMapper.Write(p.Value, m => CalculusMapper.Write(m, scalar ? forms[p.Key] : ValueForm.Matrix), forms));
        }
        return TypedResults.Ok(new ExpressionGradientResponse(CalculusMapper.WriteValue(value),
            CalculusMapper.ShapeArray(problem.Shapes.Shape), subexpressions, gradients, jacobians, claims));
    }

    /// <summary>The activation a validated derivatives request names, with its parameters, as /v1/train builds it.</summary>
    internal static Domain.Activations.Activation ActivationOf(ActivationDerivativesRequest request) =>
        TrainRequestMapper.ToActivation(new LayerRequest(null, request.Activation, null, null, request.NegativeSlope, request.Alpha, request.Beta));

    /// <summary>The momentum optimizer a validated weights request describes (dampening for pytorch only, default 0).</summary>
    internal static Momentum OptimizerOf(MomentumWeightsRequest request)
    {
        var convention = TrainRequestMapper.ToMomentumConvention(request.Convention);
        double dampening = convention == MomentumConvention.PyTorch ? request.Dampening ?? 0 : 0;
        return new Momentum(request.LearningRate!.Value, request.Momentum!.Value, convention, dampening);
    }

    internal static Ok<MomentumWeightsResponse> MomentumWeightsOf(MomentumWeightsRequest request, HttpContext context)
    {
        var optimizer = OptimizerOf(request);
        var convention = optimizer.Convention;
        string name = WireNames.MomentumConventions.Name(convention);
        double? dampening = convention == MomentumConvention.PyTorch ? request.Dampening ?? 0 : null;
        int steps = request.Steps!.Value;
        var cancel = context.WorkCancellation();
        var weights = Domain.Calculus.MomentumWeights.Of(optimizer, steps, cancel);
        MomentumWeightClaimsResponse? claims = null;
        if (context.Features.Get<ValidatedInput>()?.Value is MomentumClaims read)
        {
            ClaimCheckResponse? Verdict(Expression? claim, MomentumWeightKind kind) => claim is null ? null
                : FormulaMapper.Write(MomentumWeightClaims.Check(optimizer, steps, kind, claim, read.Trials, read.Seed, cancellation: cancel), CalculusMapper.WriteValue);
            claims = new MomentumWeightClaimsResponse(Verdict(read.StateWeights, MomentumWeightKind.State), Verdict(read.StepWeights, MomentumWeightKind.Step));
        }
        return TypedResults.Ok(new MomentumWeightsResponse(name, optimizer.Mu, optimizer.LearningRate, dampening, steps,
            optimizer.StateNames[0], weights.StateWeights, weights.StepWeights, weights.ClosedForm, claims));
    }
}
