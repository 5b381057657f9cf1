namespace GradApi.Limits;

/// <summary>Published limits of the calculus endpoints (fixed; stated in the OpenAPI text).</summary>
public static class CalculusLimits
{
    public const int MaxPoints = 10_000;
    public const int MaxSoftmaxJacobianValues = 1_000_000;
    public const int MaxExpressionLength = 2_000;
    /// <summary>Numbers over all variables of /v1/expressions/gradient; also the most a constant eye(n) or ones(m, n) may hold.</summary>
    public const int MaxVariableValues = 100_000;
    /// <summary>
    /// /v1/expressions/gradient, non-scalar expressions: numbers over all Jacobians answered (numel(f) x numel(v) per wrt
    /// variable) plus, per claimed variable, the two its counterexample may echo.
    /// </summary>
    public const int MaxJacobianValues = 1_000_000;
    public const int MaxTrials = 1_000;
    public const int DefaultTrials = 20;
    /// <summary>
    /// /v1/expressions/gradient: multiply-adds of everything the request evaluates: the expression's gradient
    /// (<see cref="GradientPasses"/> evaluations) for the response and, with claims, at each of the 1 + trials points
    /// (twice per trial when a redraw is needed) plus every claim's own evaluation there.
    /// One evaluation counts a matrix product as rows x inner x columns, any other node its size, and at least <see cref="NodeWork"/> per node.
    /// </summary>
    public const long MaxExpressionWork = 50_000_000;
    /// <summary>A reverse-mode gradient costs about this many evaluations (the forward pass and the backward pass's products).</summary>
    public const int GradientPasses = 3;
    /// <summary>The least a node of an expression costs to evaluate, in multiply-adds: its dictionary lookups and allocation.</summary>
    public const int NodeWork = 64;
    public const int MaxMomentumSteps = 10_000;
}
