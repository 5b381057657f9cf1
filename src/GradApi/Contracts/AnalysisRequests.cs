using System.Text.Json;

namespace GradApi.Contracts;

/// <summary>
/// The Hessian of a /v1/train problem's J by every parameter: give network, data and loss exactly as in
/// /v1/train, or only parameterCount to get the size of the Hessian of a model that large.
/// </summary>
/// <param name="Network">As in /v1/train.</param>
/// <param name="Data">As in /v1/train; the Hessian is of J over all examples (full batch).</param>
/// <param name="Loss">As in /v1/train (type and reduction; alsoReport is accepted and ignored).</param>
/// <param name="ParameterCount">P alone (without network, data and loss): only the sizes are returned.</param>
public sealed record HessianRequest(NetworkRequest? Network, DataRequest? Data, LossRequest? Loss, long? ParameterCount);

/// <summary>Optimizers run side by side on one objective from one start.</summary>
/// <param name="Objective">A named function, or an expression over the parameters named in start.</param>
/// <param name="Start">Parameter name to its start value. Named functions take one vector, named as start names it:
/// {"p": [x, y]} (a 1-dimensional quadratic also takes {"w": x}).</param>
/// <param name="Runs">One per optimizer, each with a label and the /v1/train optimizer object.</param>
/// <param name="MaxSteps">Steps per run (default 100).</param>
/// <param name="Tolerance">A run has converged once the gradient's 2-norm is at most this (default 1e-8).</param>
public sealed record TrajectoryRequest(
    ObjectiveRequest? Objective,
    Dictionary<string, JsonElement>? Start,
    TrajectoryRunRequest[]? Runs,
    int? MaxSteps,
    double? Tolerance);

/// <summary>Either function (with its fields) or expression (with constants).</summary>
/// <param name="Function">quadratic, rosenbrock, beale, himmelblau.</param>
/// <param name="Matrix">quadratic: Q, n x n (only its symmetric part matters).</param>
/// <param name="Vector">quadratic: b, n values (default zeros).</param>
/// <param name="A">rosenbrock: a (default 1).</param>
/// <param name="B">rosenbrock: b (default 100).</param>
/// <param name="Expression">A scalar expression over the parameters named in start (the language of /v1/expressions/gradient).</param>
/// <param name="Constants">expression: values of the other names in the expression.</param>
public sealed record ObjectiveRequest(
    string? Function,
    double[][]? Matrix,
    double[]? Vector,
    double? A,
    double? B,
    string? Expression,
    Dictionary<string, JsonElement>? Constants);

/// <param name="Label">Names the run in the response (default run1, run2, ...).</param>
/// <param name="Optimizer">Exactly the /v1/train optimizer object, run by the same code.</param>
public sealed record TrajectoryRunRequest(string? Label, OptimizerRequest? Optimizer);
