using GradApi.Contracts;
using GradApi.OpenApi;
using GradApi.Operations;
using GradApi.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradApi.Endpoints;

/// <summary>POST /v1/train: forward pass, backprop and optimizer updates, with every tensor.</summary>
public static class TrainingEndpoints
{
    public static IEndpointRouteBuilder MapTraining(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Training").WithDeadline();

        group.MapPost("/train", Train)
            .Validate<TrainRequest>()
            .WithName("Train")
            .WithSummary("Run a network for some iterations and return every intermediate tensor")
            .WithDescription(ApiText.TrainDescription)
            .WithReferenceExamples();

        return app;
    }

    static TrainTraceResult Train(TrainRequest request) =>
        new TrainTraceResult(request.ToProblem(), request);
}
