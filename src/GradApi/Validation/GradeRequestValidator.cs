using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>Validates a /v1/grade request: the problem with /v1/train's checks under "problem", the answers and options, and the limits.</summary>
public sealed class GradeRequestValidator : AbstractValidator<GradeRequest>
{
    public GradeRequestValidator(ServiceLimits limits)
    {
        RuleFor(request => request).Custom((request, context) => Check(request, (path, message) => context.AddFailure(path, message), limits));
    }

    static void Check(GradeRequest request, Action<string, string> fail, ServiceLimits limits)
    {
        int failures = 0;
        void Fail(string path, string message) { failures++; fail(path, message); }

        long? work = null;
        if (request.Problem is null) Fail("problem", "is required: exactly a /v1/train request (network, data, loss, optimizer, ...)");
        else work = new ProblemChecks(Fail, limits).Problem(request.Problem, "problem");

        var grading = new GradingChecks(Fail, limits);
        grading.Options(request.Tolerance, request.PartialCredit, request.FollowThrough);
        grading.Answers(request.Answers, "answers");
        if (failures == 0 && work is { } w) grading.Work(w, 1, "problem.iterations");
    }
}
