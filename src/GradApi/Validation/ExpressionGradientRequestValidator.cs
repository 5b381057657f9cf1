using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/expressions/gradient request: variable values, the expression and claims parse
/// (errors name the position), the shape check (errors name the subexpression and both shapes),
/// for a non-scalar expression the size of its Jacobians (maxJacobianValues), and the work limit, which
/// charges a Jacobian as the gradient once per element of the expression.
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
