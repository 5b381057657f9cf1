using FluentValidation;
using FluentValidation.Results;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>
/// Keeps a 400's error list bounded whatever the request: the first <see cref="ServiceLimits.MaxListedErrors"/> failures
/// are kept, each path and message clipped to <see cref="ServiceLimits.MaxErrorTextLength"/> characters (a message may echo
/// an expression or a name the client sent), and the rest are only counted.
/// </summary>
public static class ErrorList
{
    const string CountKey = "GradApi.ErrorCount";

    /// <summary>Reports a failure at a JSON path: kept while the list has room, counted always.</summary>
    public static void Report<T>(this ValidationContext<T> context, string path, string message)
    {
        int count = Count(context) + 1;
        context.RootContextData[CountKey] = count;
        if (count <= ServiceLimits.MaxListedErrors) context.AddFailure(Clip(path), Clip(message));
    }

    /// <summary>Every failure reported, listed or not.</summary>
    public static int Count(IValidationContext context) =>
        context.RootContextData.TryGetValue(CountKey, out var count) && count is int n ? n : 0;

    /// <summary>The errors by path as a problem lists them (at most the first few paths, each text clipped), and how many failures there were.</summary>
    public static (Dictionary<string, string[]> Errors, int Count) Of(ValidationResult result, int reported)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var group in result.Errors.GroupBy(e => Clip(e.PropertyName)))
        {
            if (errors.Count == ServiceLimits.MaxListedErrors) break;
            errors[group.Key] = group.Select(e => Clip(e.ErrorMessage)).Distinct().Take(ServiceLimits.MaxListedErrors).ToArray();
        }
        return (errors, Math.Max(reported, result.Errors.Count));
    }

    /// <summary>Text cut to the published length, marked as cut.</summary>
    public static string Clip(string text) =>
        text.Length <= ServiceLimits.MaxErrorTextLength ? text : string.Concat(text.AsSpan(0, ServiceLimits.MaxErrorTextLength - 3), "...");
}
