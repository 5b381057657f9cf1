using FluentValidation;

namespace GradApi.Validation;

/// <summary>
/// Runs the registered <see cref="IValidator{T}"/> on the endpoint's T argument and answers
/// 400 problem+json with errors keyed by JSON path before the handler does any work; a valid request's
/// price and the input its validator read go on as request features.
/// </summary>
public sealed class ValidationFilter<T> : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var argument = context.Arguments.OfType<T>().FirstOrDefault();
        if (argument is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON request body is required"] });

        var validator = context.HttpContext.RequestServices.GetRequiredService<IValidator<T>>();
        var validation = new ValidationContext<T>(argument);
        // Every rule here is synchronous (the checks read the parsed body only); the synchronous path skips
        // FluentValidation's async state machines on every request.
        var result = validator.Validate(validation);
        if (result.IsValid)
        {
            if (RequestPrice.Of(validation) is { } price) context.HttpContext.Features.Set(price);
            if (ValidatedInput.Of(validation) is { } input) context.HttpContext.Features.Set(input);
            return await next(context);
        }

        var (errors, count) = ErrorList.Of(result, ErrorList.Count(validation));
        string detail = "The request has invalid fields; see errors, keyed by JSON path.";
        if (count > errors.Sum(e => e.Value.Length))
            detail += $" {count} failures were found; the first ones are listed (limit maxListedErrors {Limits.ServiceLimits.MaxListedErrors}).";
        return TypedResults.ValidationProblem(errors, detail: detail, extensions: [new("errorCount", count)]);
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

    /// <summary>
    /// Null elements, then the validator (which prices the request), then admission by that price: a request is
    /// checked and priced before it may wait for, or take, a CPU slot.
    /// </summary>
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<NullElementFilter<T>>().AddEndpointFilter<ValidationFilter<T>>()
            .AddEndpointFilter<Operations.AdmissionFilter>().ProducesValidationProblem();
}
