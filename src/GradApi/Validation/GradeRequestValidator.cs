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
        // A problem and paths whose set-up is kept passed these checks before, which depend on nothing else: the
        // problem's checks and the price are what they found then.
        var setUps = services.GetService<Grading.GradingSetUps>();
        var key = setUps is null ? null : Grading.GradingSetUps.KeyOf(request.Problem, request.Answers);
        var kept = key is null ? null : setUps!.Find(key);
        var problem = kept is null
            ? grading.ProblemAndOptions(request.Problem, request.Tolerance, request.PartialCredit, request.FollowThrough, services, json)
            : grading.CheckedProblemAndOptions(request.Problem!.Train!, kept.ProblemWork, request.Tolerance, request.PartialCredit, request.FollowThrough);
        grading.Reveal(request.Reveal);
        grading.Format(request.Format);
        grading.Answers(request.Answers, "answers");
        if (grading.Failed) return;
        ValidatedInput.Record(context, new GradedProblem(problem.Train, problem.Named) { SetUp = key is null ? null : new(key, kept, problem.Work) });
        var price = kept is null
            ? grading.Price(problem, [request.Answers!], "answers", $"{problem.At}.iterations", "problem.request")
            : grading.KnownPrice(kept.WorkUnits, [request.Answers!]);
        if (price is not null) RequestPrice.Record(context, price.WorkUnits, price.Limit);
    }
}

/// <summary>A grade's problem as its validator read it: a /v1/train request, or another endpoint's checked request.</summary>
public sealed record GradedProblem(TrainRequest? Train, Grading.CheckedProblem? Named)
{
    /// <summary>Where a /v1/train problem's set-up is kept for the next request on it (with the set-up, when one was).</summary>
    public Grading.GradingSetUps.Slot? SetUp { get; init; }
}
