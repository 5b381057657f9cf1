using FluentValidation;

namespace GradApi.Validation;

/// <summary>
/// The work a valid request will cost, in the units its own work limit counts (maxWork, maxGradingWork,
/// maxExpressionWork, ...), and that limit: handed from its validator through the validation filter to the
/// admission check, which sends requests that use a small share of their limit straight on and the rest through the queue.
/// </summary>
public sealed record RequestPrice(long WorkUnits, long Limit)
{
    /// <summary>The share of the largest work its endpoint accepts (1 at the limit).</summary>
    public double Share => Limit > 0 ? (double)WorkUnits / Limit : 1.0;

    const string Key = "GradApi.RequestPrice";

    /// <summary>Records the request's price against its limit (the largest share, when a validator prices more than one part).</summary>
    public static void Record<T>(ValidationContext<T> context, long? workUnits, long limit)
    {
        if (workUnits is not { } units) return;
        var price = new RequestPrice(units, limit);
        if (context.RootContextData.TryGetValue(Key, out var known) && known is RequestPrice before && before.Share >= price.Share) return;
        context.RootContextData[Key] = price;
    }

    /// <summary>The recorded price, or null when the validator priced nothing.</summary>
    public static RequestPrice? Of(IValidationContext context) =>
        context.RootContextData.TryGetValue(Key, out var price) ? price as RequestPrice : null;
}
