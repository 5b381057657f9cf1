namespace GradApi.Domain.Losses;

/// <summary>J = sum over the batch of l (Sum), or its mean (Mean, PyTorch's default).</summary>
public enum Reduction
{
    Sum,
    Mean,
}

public static class ReductionScale
{
    /// <summary>The factor J puts on the sum of l over a batch of the given size: 1, or 1 / batch for the mean.</summary>
    public static double Of(Reduction reduction, int batch) => reduction == Reduction.Mean ? 1.0 / batch : 1.0;
}
