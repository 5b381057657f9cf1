using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/expressions/equivalence request: variable values, both formulas parse (errors name the field and
/// the position), the expected formula's shapes fit, the claim names only given variables, and the work limit.
/// </summary>
public sealed class ExpressionEquivalenceRequestValidator : AbstractValidator<ExpressionEquivalenceRequest>
{
    public ExpressionEquivalenceRequestValidator()
    {
        RuleFor(request => request).Custom((request, context) =>
        {
            var problem = FormulaMapper.ReadEquivalence(request, (path, message) => context.Report(path, message));
            RequestPrice.Record(context, problem?.Work, CalculusLimits.MaxExpressionWork);
            ValidatedInput.Record(context, problem);
        });
    }
}
