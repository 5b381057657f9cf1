using GradApi.Contracts;
using GradApi.Limits;
using GradApi.OpenApi;
using GradApi.Operations;
using GradApi.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradApi.Endpoints;

/// <summary>
/// POST /v1/analysis/hessian: the exact Hessian of a network's loss, or the size of one.
/// POST /v1/optimization/trajectories: optimizers side by side on a test function, with verdicts.
/// </summary>
public static class AnalysisEndpoints
{
    public static IEndpointRouteBuilder MapAnalysis(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<ServiceLimits>();
        var group = app.MapGroup("/v1").WithTags("Analysis").WithDeadline();

        group.MapPost("/analysis/hessian", Hessian)
            .Validate<HessianRequest>()
            .WithName("Hessian")
            .WithSummary("The exact Hessian of J by every parameter, its eigenvalues and condition number, or its size")
            .WithDescription(AnalysisText.Hessian(limits))
            .WithReferenceExamples("hessian");

        group.MapPost("/optimization/trajectories", Trajectories)
            .Validate<TrajectoryRequest>()
            .WithName("Trajectories")
            .WithSummary("Run optimizers step by step on a test function and classify each run")
            .WithDescription(AnalysisText.Trajectories(limits))
            .WithReferenceExamples("trajectories");

        return app;
    }

    static Ok<HessianResponse> Hessian(HessianRequest request, ServiceLimits limits, HttpContext context) =>
        TypedResults.Ok(request.ToResponse(limits, context.WorkCancellation()));

    static Ok<TrajectoryResponse> Trajectories(TrajectoryRequest request, HttpContext context) =>
        TypedResults.Ok(request.ToResponse(context.WorkCancellation()));
}
