using FluentValidation;

namespace GradApi.Validation;

/// <summary>
/// The checks before a request's work, in one endpoint filter: a missing body, then null elements anywhere in the
/// request (keyed by JSON path: the reader accepts null for every element of reference type, and no validator or
/// mapper after it should have to expect one), then the registered <see cref="IValidator{T}"/> (errors keyed by JSON path),
/// each answered 400 problem+json before the handler does any work; then admission by the price the validator set
/// (<see cref="Operations.Admission"/>). A valid request's price and the input its validator read go on as request features.
/// <para>One filter, not one per check: each filter of an endpoint is one more delegate, argument lookup and ValueTask
/// on every request, and none of these checks is ever used without the others.</para>
/// </summary>
public sealed class ValidationFilter<T>(IValidator<T> validator, Operations.Admission admission) : IEndpointFilter where T : class
{
    // Not async: a request that passes goes on as the handler's own ValueTask, without a state machine of this one's.
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Argument(context) is not { } request)
            return Refuse(TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON request body is required"] }));

        if (request is not Contracts.IReadWithoutNullElements { ReadWithoutNullElements: true }
            && NullElements.Find(request, NullElements.MaxReported) is { Count: > 0 } paths)
            return Refuse(TypedResults.ValidationProblem(paths.ToDictionary(p => p, _ => new[] { "must not be null" }),
                detail: "The request has null elements; see errors, keyed by JSON path."));

        var validation = new ValidationContext<T>(request);
        // Every rule here is synchronous (the checks read the parsed body only); the synchronous path skips
        // FluentValidation's async state machines on every request.
        var result = validator.Validate(validation);
        if (!result.IsValid)
        {
            var (errors, count) = ErrorList.Of(result, ErrorList.Count(validation));
            string detail = "The request has invalid fields; see errors, keyed by JSON path.";
            if (count > errors.Sum(e => e.Value.Length))
                detail += $" {count} failures were found; the first ones are listed (limit maxListedErrors {Limits.ServiceLimits.MaxListedErrors}).";
            return Refuse(TypedResults.ValidationProblem(errors, detail: detail, extensions: [new("errorCount", count)]));
        }

        var price = RequestPrice.Of(validation);
        if (price is not null) context.HttpContext.Features.Set(price);
        if (ValidatedInput.Of(validation) is { } input) context.HttpContext.Features.Set(input);
        return admission.Admit(context, next, price);
    }

    static T? Argument(EndpointFilterInvocationContext context)
    {
        var arguments = context.Arguments;
        for (int i = 0; i < arguments.Count; i++)
            if (arguments[i] is T request) return request;
        return null;
    }

    static ValueTask<object?> Refuse(IResult problem) => ValueTask.FromResult<object?>(problem);
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
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) where T : class =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();
}
