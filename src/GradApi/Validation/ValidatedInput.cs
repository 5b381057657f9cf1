using FluentValidation;

namespace GradApi.Validation;

/// <summary>
/// The domain input a validator read while checking a request (a parsed expression, an objective's values, ...), handed
/// through the validation filter to the handler as the price is, so a request is read once.
/// </summary>
public sealed record ValidatedInput(object Value)
{
    const string Key = "GradApi.ValidatedInput";

    /// <summary>Records what the validator read; a handler of the request takes it with <see cref="ValidatedInputExtensions.ValidatedInput{T}"/>.</summary>
    public static void Record<T>(ValidationContext<T> context, object? input)
    {
        if (input is not null) context.RootContextData[Key] = new ValidatedInput(input);
    }

    /// <summary>The recorded input, or null when the validator read nothing to hand over.</summary>
    public static ValidatedInput? Of(IValidationContext context) =>
        context.RootContextData.TryGetValue(Key, out var input) ? input as ValidatedInput : null;
}

public static class ValidatedInputExtensions
{
    /// <summary>The input the request's validator read; it is always there behind the validation filter, so a missing one is a wiring fault.</summary>
    public static T ValidatedInput<T>(this HttpContext context) where T : class =>
        context.Features.Get<ValidatedInput>()?.Value as T
        ?? throw new InvalidOperationException($"no validated {typeof(T).Name} for {context.Request.Path}: the endpoint must be mapped with .Validate<...>()");
}
