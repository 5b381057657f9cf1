using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>Validates a /v1/grade request: the problem with /v1/train's checks under "problem", the answers and options, and the limits.</summary>
public sealed class GradeRequestValidator : AbstractValidator<GradeRequest>
{
    public GradeRequestValidator(ServiceLimits limits)
    {
        RuleFor(request => request).Custom((request, context) =>
            RequestPrice.Record(context, Check(request, (path, message) => context.Report(path, message), limits), limits.MaxGradingWork));
    }

    static long? Check(GradeRequest request, Action<string, string> fail, ServiceLimits limits)
    {
        var grading = new GradingChecks(fail, limits);
        long? work = grading.ProblemAndOptions(request.Problem, request.Tolerance, request.PartialCredit, request.FollowThrough);
        grading.Reveal(request.Reveal);
        grading.Format(request.Format);
        grading.Answers(request.Answers, "answers");
        return !grading.Failed && work is { } w ? grading.Price(request.Problem!, w, [request.Answers!], "answers", "problem.iterations") : null;
    }
}
