using GradApi.Contracts;
using GradApi.Domain.Analysis;
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

    // The request's work token runs through the R-operator passes and is checked around the eigen decomposition.
    internal static Ok<HessianResponse> Hessian(HessianRequest request, ServiceLimits limits, HttpContext context)
    {
        if (request.ParameterCount is { } count) return TypedResults.Ok(AnalysisMapper.Sizes(count, null, limits));

        var cancel = context.WorkCancellation();
        var network = TrainRequestMapper.ToNetwork(request.Network!);
        var names = Domain.Analysis.Hessian.ParameterOrder(network);
        if (names.Count > limits.MaxHessianParameters) return TypedResults.Ok(AnalysisMapper.Sizes(names.Count, names, limits));

        var data = TrainRequestMapper.ToData(request.Data!);
        var loss = TrainRequestMapper.ToLoss(request.Loss!.Type!);
        var hessian = new Domain.Analysis.Hessian(network, data, loss, TrainRequestMapper.ToReduction(request.Loss.Reduction), cancel).Matrix();
        // The decomposition itself cannot be interrupted; maxHessianParameters bounds it.
        cancel.ThrowIfCancellationRequested();
        var eigenvalues = Spectrum.SymmetricEigenvalues(hessian);
        cancel.ThrowIfCancellationRequested();
        return TypedResults.Ok(AnalysisMapper.ToResponse(names, hessian, eigenvalues, limits));
    }

    // The request's work token runs through every run's steps and the expression's evaluations.
    internal static Ok<TrajectoryResponse> Trajectories(TrajectoryRequest request, HttpContext context) =>
        TypedResults.Ok(TrajectoryComputation.Run(request, context.ValidatedInput<ObjectiveInput>(), context.WorkCancellation()).Response);
}
