using System.Text.Json;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Endpoints;
using GradApi.Errors;
using GradApi.Limits;
using GradApi.Operations;
using GradApi.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradApi.Grading;

/// <summary>
/// A POST endpoint whose response a grade's problem may name: its request read and checked exactly as the endpoint
/// checks it (null elements, its validator, its limits and price), then answered by the endpoint's own handler.
/// </summary>
public abstract class GradableEndpoint(string route, bool stepsAgain = false)
{
    public string Route { get; } = route;

    /// <summary>Follow-through steps the computation again for each submission (trajectories), which its price counts.</summary>
    public bool StepsAgain { get; } = stepsAgain;

    /// <summary>
    /// Reads and checks the request; failures are reported under <paramref name="at"/> (problem.request). Null when it fails.
    /// </summary>
    public abstract CheckedProblem? Check(JsonElement request, JsonSerializerOptions json, IServiceProvider services, Action<string, string> fail, string at);

    /// <summary>The endpoint's answer to a checked request, as its handler gives it, with the domain values grading reads beside the JSON.</summary>
    public abstract ComputedProblem Run(CheckedProblem problem, HttpContext context, JsonSerializerOptions json);
}

/// <summary>A request that passed its endpoint's checks: the request, what its validator read, and its price.</summary>
public sealed record CheckedProblem(GradableEndpoint Endpoint, object Request, ValidatedInput? Input, RequestPrice? Price);

/// <summary>An endpoint's response to a problem, as JSON, and the grading hooks it offers (functions at paths, follow-through).</summary>
public sealed record ComputedProblem(JsonElement Response, ProblemFunctions? Functions = null, TrajectoryFollowThroughSource? Trajectories = null);

/// <summary>The catalog of endpoints a grade's problem may name, with /v1/train graded by its own session.</summary>
public static class GradableEndpoints
{
    public const string Train = "/v1/train";

    public static readonly IReadOnlyList<GradableEndpoint> All =
    [
        new Handled<ActivationDerivativesRequest>("/v1/activations/derivatives",
            (request, context) => CalculusEndpoints.Derivatives(request, context).Value!, ProblemFunctions.ForDerivatives),
        new Handled<ExpressionGradientRequest>("/v1/expressions/gradient",
            (request, context) => CalculusEndpoints.Gradient(request, context).Value!, ProblemFunctions.ForGradient),
        new Handled<ExpressionEquivalenceRequest>("/v1/expressions/equivalence",
            (request, context) => CalculusEndpoints.Equivalence(request, context).Value!),
        new Handled<MomentumWeightsRequest>("/v1/optimizers/momentum/weights",
            (request, context) => CalculusEndpoints.MomentumWeightsOf(request, context).Value!, ProblemFunctions.ForMomentumWeights),
        new Handled<TrajectoryRequest>("/v1/optimization/trajectories", TrajectoriesOf, stepsAgain: true),
        new Handled<HessianRequest>("/v1/analysis/hessian",
            (request, context) => AnalysisEndpoints.Hessian(request, context.RequestServices.GetRequiredService<ServiceLimits>(), context).Value!),
    ];

    /// <summary>Every route a problem may name, /v1/train first.</summary>
    public static IReadOnlyList<string> Routes { get; } = [Train, .. All.Select(e => e.Route)];

    public static GradableEndpoint? Find(string route) => All.FirstOrDefault(e => e.Route == route);

    /// <summary>
    /// A named problem's request read as its endpoint's body is bound: JSON errors and null elements reported under
    /// <paramref name="at"/> (problem.request), as the endpoint's filters report them under the body. Null when it fails.
    /// </summary>
    public static TRequest? Read<TRequest>(JsonElement json, JsonSerializerOptions options, Action<string, string> fail, string at, string route)
        where TRequest : class
    {
        TRequest? request;
        try
        {
            request = json.Deserialize<TRequest>(options);
        }
        catch (JsonException e)
        {
            var (path, message) = ProblemSetup.Describe(e);
            fail(path == "body" ? at : $"{at}.{path}", message);
            return null;
        }
        if (request is null) { fail(at, $"is required: the body of {route}"); return null; }
        if (NullElements.Find(request, NullElements.MaxReported) is { Count: > 0 } nulls)
        {
            foreach (var path in nulls) fail($"{at}.{path}", "must not be null");
            return null;
        }
        return request;
    }

    static object TrajectoriesOf(TrajectoryRequest request, HttpContext context)
    {
        var computed = TrajectoryComputation.Run(request, context.ValidatedInput<ObjectiveInput>(), context.WorkCancellation());
        context.Features.Set(computed);
        return computed.Response;
    }

    sealed class Handled<TRequest>(string route, Func<TRequest, HttpContext, object> handler,
        Func<TRequest, ValidatedInput?, CancellationToken, ProblemFunctions>? functions = null, bool stepsAgain = false)
        : GradableEndpoint(route, stepsAgain) where TRequest : class
    {
        public override CheckedProblem? Check(JsonElement json, JsonSerializerOptions options, IServiceProvider services, Action<string, string> fail, string at)
        {
            if (Read<TRequest>(json, options, fail, at, Route) is not { } request) return null;
            var validation = new ValidationContext<TRequest>(request);
            var result = services.GetRequiredService<IValidator<TRequest>>().Validate(validation);
            foreach (var error in result.Errors)
                fail(error.PropertyName is { Length: > 0 } name && name != "request" ? $"{at}.{name}" : at, error.ErrorMessage);
            return result.IsValid ? new CheckedProblem(this, request, ValidatedInput.Of(validation), RequestPrice.Of(validation)) : null;
        }

        public override ComputedProblem Run(CheckedProblem problem, HttpContext context, JsonSerializerOptions json)
        {
            // The handler reads what it always reads from its request's context: the validated input and the work token.
            var inner = new DefaultHttpContext { RequestServices = context.RequestServices, RequestAborted = context.RequestAborted };
            if (problem.Input is { } input) inner.Features.Set(input);
            if (context.Features.Get<WorkCancellation>() is { } work) inner.Features.Set(work);
            var request = (TRequest)problem.Request;
            var response = handler(request, inner);
            var cancel = context.WorkCancellation();
            return new ComputedProblem(JsonSerializer.SerializeToElement(response, response.GetType(), json),
                functions?.Invoke(request, problem.Input, cancel), inner.Features.Get<TrajectoryComputation>() is { } runs ? new TrajectoryFollowThroughSource(runs) : null);
        }
    }
}
