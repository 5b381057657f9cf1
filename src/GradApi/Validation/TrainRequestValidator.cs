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
            new ProblemChecks((path, message) => context.Report(path, message), limits).Problem(request));
    }
}
