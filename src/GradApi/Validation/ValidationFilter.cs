using FluentValidation;

namespace GradApi.Validation;

/// <summary>
/// Runs the registered <see cref="IValidator{T}"/> on the endpoint's T argument and answers
/// 400 problem+json with errors keyed by JSON path before the handler does any work.
/// </summary>
public sealed class ValidationFilter<T> : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var argument = context.Arguments.OfType<T>().FirstOrDefault();
        if (argument is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON request body is required"] });

        var validator = context.HttpContext.RequestServices.GetRequiredService<IValidator<T>>();
        var result = await validator.ValidateAsync(argument, context.HttpContext.RequestAborted);
        if (result.IsValid) return await next(context);

        var errors = result.Errors
            .GroupBy(e => e.PropertyName)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
        return TypedResults.ValidationProblem(errors, detail: "The request has invalid fields; see errors, keyed by JSON path.");
    }
}

public static class ValidationSetup
{
    /// <summary>Validators are registered explicitly, one per request type.</summary>
    public static IServiceCollection AddGradValidation(this IServiceCollection services)
    {
        services.AddSingleton<IValidator<Contracts.TrainRequest>, TrainRequestValidator>();
        services.AddGradingValidation();
        services.AddCalculusValidation();
        services.AddAnalysisValidators();
        return services;
    }

    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<NullElementFilter<T>>().AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();
}
