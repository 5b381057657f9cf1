namespace GradApi.Contracts;

// Numbers that stop being finite are written as the strings "NaN", "Infinity", "-Infinity".

/// <summary>
/// The size of the Hessian and, up to maxHessianParameters, the Hessian itself, its eigenvalues (ascending) and
/// condition number. parameterOrder names the rows (null when only parameterCount was given).
/// </summary>
public sealed record HessianResponse(
    long ParameterCount,
    long[] Dimension,
    double Bytes,
    IReadOnlyList<string>? ParameterOrder,
    double[][]? Hessian,
    double[]? Eigenvalues,
    double? ConditionNumber,
    int MaxHessianParameters);

/// <summary>The resolved objective, one entry per run, and the stable learning rates of a constant Hessian.</summary>
public sealed record TrajectoryResponse(
    IReadOnlyDictionary<string, object> Objective,
    IReadOnlyList<TrajectoryRunResponse> Runs,
    StableLearningRatesResponse? StableLearningRates);

/// <summary>verdict: converged, oscillating, diverged, max_steps; verdictStep the step it was reached; reason in words.</summary>
public sealed record TrajectoryRunResponse(
    string Label,
    IReadOnlyDictionary<string, object> Optimizer,
    string Verdict,
    int VerdictStep,
    string Reason,
    IReadOnlyList<TrajectoryStepResponse> Steps);

/// <summary>
/// Step 0 is the start. parameters and gradient (at the parameters) keyed by parameter name, in start's form;
/// state keyed by slot name (v, m, s, ...) then parameter name; lookAhead where this step's gradient was taken
/// (nesterov/sutskever only, else null).
/// </summary>
public sealed record TrajectoryStepResponse(
    int Step,
    IReadOnlyDictionary<string, object> Parameters,
    double Objective,
    IReadOnlyDictionary<string, object> Gradient,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> State,
    IReadOnlyDictionary<string, object>? LookAhead);

/// <summary>Eigenvalues of the constant Hessian; plain gradient descent converges for 0 &lt; lr &lt; upper = 2 / lambdaMax.</summary>
public sealed record StableLearningRatesResponse(double LambdaMin, double LambdaMax, double? Upper);
