using System.Text.Json;

namespace GradApi.Contracts;

/// <summary>Derivatives of order 0..k of an activation at points (or the softmax Jacobian at vectors).</summary>
/// <param name="Activation">identity, sigmoid, tanh, relu, leaky_relu, elu, softplus, softmax.</param>
/// <param name="Order">k, from 0 to 20 (default 1); softmax offers order 1 (the Jacobian) only.</param>
/// <param name="At">The points: an array of numbers; for softmax an array of vectors (arrays of numbers).</param>
/// <param name="Beta">softplus only (default 1), &gt; 0.</param>
/// <param name="NegativeSlope">leaky_relu only (default 0.01).</param>
/// <param name="Alpha">elu only (default 1).</param>
/// <param name="Claims">Per order k (0..order, as a string key), a student's formula for f^(k): in the function's own value (sigma for sigmoid, tanh for tanh) or in x. Not for softmax.</param>
/// <param name="Trials">Random x at which claims in x are checked besides the points of at (default 20, at most 1000).</param>
/// <param name="Seed">Seed of the random x (default 0).</param>
public sealed record ActivationDerivativesRequest(
    string? Activation,
    int? Order,
    JsonElement? At,
    double? Beta,
    double? NegativeSlope,
    double? Alpha,
    Dictionary<string, string>? Claims = null,
    int? Trials = null,
    int? Seed = null);

/// <summary>A matrix expression, its value, shape check and gradients, and checks of claimed gradients.</summary>
/// <param name="Expression">The expression (grammar in the operation description).</param>
/// <param name="Variables">Values by name: a number is a scalar, a 1-D array a column vector, a 2-D array a matrix by rows.</param>
/// <param name="Wrt">Variables to differentiate by (default: every variable the expression uses).</param>
/// <param name="Claims">Per variable, a student's formula in the same language: for the gradient of a scalar expression, else for the Jacobian (numel(f) x numel(v)).</param>
/// <param name="Trials">Random points at which claims are checked besides the given one (default 20, at most 1000).</param>
/// <param name="Seed">Seed of the random points (default 0).</param>
public sealed record ExpressionGradientRequest(
    string? Expression,
    Dictionary<string, JsonElement>? Variables,
    string[]? Wrt,
    Dictionary<string, string>? Claims,
    int? Trials,
    int? Seed);

/// <summary>The weights of past gradients in a momentum optimizer's state and step after T steps.</summary>
/// <param name="Convention">pytorch (default), heavy_ball, velocity_step, ema: as in /v1/train.</param>
/// <param name="Momentum">mu (beta for ema), in [0, 1].</param>
/// <param name="LearningRate">eta, &gt; 0.</param>
/// <param name="Steps">T, from 1 to 10000.</param>
/// <param name="Dampening">pytorch only (default 0), in [0, 1].</param>
/// <param name="Claims">Students' formulas for the weights, in t, T, beta (or mu), eta and, for pytorch, d.</param>
/// <param name="Trials">Random settings at which claims are checked when they are not decided exactly (default 20, at most 1000).</param>
/// <param name="Seed">Seed of the random settings (default 0).</param>
public sealed record MomentumWeightsRequest(
    string? Convention,
    double? Momentum,
    double? LearningRate,
    int? Steps,
    double? Dampening,
    MomentumWeightClaimsRequest? Claims = null,
    int? Trials = null,
    int? Seed = null);

/// <summary>Claimed closed forms of the momentum weights; either may be left out.</summary>
/// <param name="StateWeights">w_t, the weight of g_t in the state after step T.</param>
/// <param name="StepWeights">c_t, the weight of g_t in the step: theta_T - theta_(T-1) = -sum_t c_t g_t.</param>
public sealed record MomentumWeightClaimsRequest(string? StateWeights, string? StepWeights);

/// <summary>Is a claimed formula the expected one?</summary>
/// <param name="Expected">The reference formula (grammar of /v1/expressions/gradient).</param>
/// <param name="Claimed">The student's formula, in the same variables.</param>
/// <param name="Variables">Values by name, as for /v1/expressions/gradient: they fix each variable's shape and the first point compared.</param>
/// <param name="Trials">Random points compared besides the given one when the check is numeric (default 20, at most 1000).</param>
/// <param name="Seed">Seed of the random points (default 0).</param>
public sealed record ExpressionEquivalenceRequest(
    string? Expected,
    string? Claimed,
    Dictionary<string, JsonElement>? Variables,
    int? Trials,
    int? Seed);
