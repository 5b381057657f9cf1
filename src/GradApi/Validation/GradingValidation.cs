using FluentValidation;
using GradApi.Contracts;

namespace GradApi.Validation;

public static class GradingValidation
{
    /// <summary>The validators of the grading endpoints (/v1/grade, /v1/grade/batch).</summary>
    public static IServiceCollection AddGradingValidation(this IServiceCollection services) => services
        .AddSingleton<IValidator<GradeRequest>, GradeRequestValidator>()
        .AddSingleton<IValidator<GradeBatchRequest>, GradeBatchRequestValidator>();
}
