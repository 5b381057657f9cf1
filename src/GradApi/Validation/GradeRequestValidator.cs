using System.Text.Json;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/grade request: the problem (with /v1/train's checks under "problem", or the named endpoint's under
/// "problem.request"), the answers and options, and the limits. The problem as read goes on to the handler.
/// </summary>
public sealed class GradeRequestValidator : AbstractValidator<GradeRequest>
{
    public GradeRequestValidator(ServiceLimits limits, IServiceProvider services, IOptions<JsonOptions> json)
    {
        RuleFor(request => request).Custom((request, context) =>
            Check(request, (path, message) => context.Report(path, message), limits, services, json.Value.SerializerOptions, context));
    }

    static void Check(GradeRequest request, Action<string, string> fail, ServiceLimits limits, IServiceProvider services, JsonSerializerOptions json,
        ValidationContext<GradeRequest> context)
    {
        var grading = new GradingChecks(fail, limits);
        var problem = grading.ProblemAndOptions(request.Problem, request.Tolerance, request.PartialCredit, request.FollowThrough, services, json);
        grading.Reveal(request.Reveal);
        grading.Format(request.Format);
        grading.Answers(request.Answers, "answers");
        if (grading.Failed) return;
        ValidatedInput.Record(context, new GradedProblem(problem.Train, problem.Named));
        if (grading.Price(problem, [request.Answers!], "answers", $"{problem.At}.iterations", "problem.request") is { } price)
            RequestPrice.Record(context, price.WorkUnits, price.Limit);
    }
}

/// <summary>A grade's problem as its validator read it: a /v1/train request, or another endpoint's checked request.</summary>
public sealed record GradedProblem(TrainRequest? Train, Grading.CheckedProblem? Named);
