using FluentValidation;
using GradApi.Contracts;

namespace GradApi.Validation;

public static class AnalysisValidation
{
    /// <summary>The validators of the analysis endpoints (/v1/analysis/hessian, /v1/optimization/trajectories).</summary>
    public static IServiceCollection AddAnalysisValidators(this IServiceCollection services) => services
        .AddSingleton<IValidator<HessianRequest>, HessianRequestValidator>()
        .AddSingleton<IValidator<TrajectoryRequest>, TrajectoryRequestValidator>();
}
