using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>Validates a /v1/train request: shapes, vocabulary and the published limits.</summary>
public sealed class TrainRequestValidator : AbstractValidator<TrainRequest>
{
    public TrainRequestValidator(ServiceLimits limits)
    {
        RuleFor(request => request).Custom((request, context) =>
        {
            var checks = new ProblemChecks((path, message) => context.Report(path, message), limits);
            checks.Problem(request);
            RequestPrice.Record(context, checks.Price, limits.MaxWork);
        });
    }
}
