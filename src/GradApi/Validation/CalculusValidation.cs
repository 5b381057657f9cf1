using FluentValidation;
using GradApi.Contracts;

namespace GradApi.Validation;

public static class CalculusValidation
{
    /// <summary>The validators of the calculus endpoints, one per request type.</summary>
    public static IServiceCollection AddCalculusValidation(this IServiceCollection services)
    {
        services.AddSingleton<IValidator<ActivationDerivativesRequest>, ActivationDerivativesRequestValidator>();
        services.AddSingleton<IValidator<ExpressionGradientRequest>, ExpressionGradientRequestValidator>();
        services.AddSingleton<IValidator<MomentumWeightsRequest>, MomentumWeightsRequestValidator>();
        services.AddSingleton<IValidator<ExpressionEquivalenceRequest>, ExpressionEquivalenceRequestValidator>();
        return services;
    }
}
