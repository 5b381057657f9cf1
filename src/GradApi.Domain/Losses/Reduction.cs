namespace GradApi.Domain.Losses;

/// <summary>J = sum over the batch of l (Sum), or its mean (Mean, PyTorch's default).</summary>
public enum Reduction
{
    Sum,
    Mean,
}
