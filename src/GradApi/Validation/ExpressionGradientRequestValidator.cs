using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/expressions/gradient request: variable values, the expression and claims parse
/// (errors name the position), the shape check (errors name the subexpression and both shapes),
/// a scalar expression where a gradient is asked for, and the work limit.
/// </summary>
public sealed class ExpressionGradientRequestValidator : AbstractValidator<ExpressionGradientRequest>
{
    public ExpressionGradientRequestValidator()
    {
        RuleFor(request => request).Custom((request, context) =>
        {
            var problem = CalculusMapper.ReadExpression(request, (path, message) => context.Report(path, message));
            RequestPrice.Record(context, problem?.Work, CalculusLimits.MaxExpressionWork);
            // The handler computes from this read: the expression is parsed and shape-checked once.
            ValidatedInput.Record(context, problem);
        });
    }
}
