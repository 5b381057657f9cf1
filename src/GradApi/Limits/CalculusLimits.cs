namespace GradApi.Limits;

/// <summary>Published limits of the calculus endpoints (fixed; stated in the OpenAPI text).</summary>
public static class CalculusLimits
{
    public const int MaxPoints = 10_000;
    public const int MaxSoftmaxJacobianValues = 1_000_000;
    public const int MaxExpressionLength = 2_000;
    public const int MaxVariableValues = 100_000;
    public const int MaxTrials = 1_000;
    public const int DefaultTrials = 20;
    /// <summary>Multiply-adds of one evaluation (a matrix product counts rows x inner x columns) x points x (1 + claims).</summary>
    public const long MaxExpressionWork = 50_000_000;
    public const int MaxMomentumSteps = 10_000;
}
