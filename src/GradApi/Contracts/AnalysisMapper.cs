using System.Text.Json;
using GradApi.Domain.Analysis;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Vocabulary;
using MathNet.Numerics.LinearAlgebra;
using GradApi.Limits;

namespace GradApi.Contracts;

/// <summary>
/// An /v1/optimization/trajectories objective and start as its validator read them: an expression parsed (null for a named
/// function), its parameters in the order start gives them and its constants, and theta, the start values in turn, each row-major.
/// </summary>
public sealed record ObjectiveInput(Expression? Expression, IReadOnlyList<ObjectiveParameter> Parameters,
    IReadOnlyDictionary<string, Matrix<double>> Constants, double[] Start);

/// <summary>Maps what validated analysis requests read to the domain's inputs, and the domain's results back to the contract.</summary>
public static class AnalysisMapper
{
    public const int DefaultMaxSteps = 100;
    public const double DefaultTolerance = 1e-8;

    // ---- POST /v1/analysis/hessian ----

    /// <summary>The answer of a Hessian computed: its size and parameter names, the matrix, its eigenvalues and condition number.</summary>
    public static HessianResponse ToResponse(IReadOnlyList<string> names, double[][] hessian, double[]? eigenvalues, ServiceLimits limits) =>
        Sizes(names.Count, names, limits) with
        {
            Hessian = hessian,
            Eigenvalues = eigenvalues,
            ConditionNumber = eigenvalues is null ? null : Spectrum.ConditionNumber(eigenvalues),
        };

    /// <summary>The answer of a Hessian too large to compute (or asked for by parameterCount): its size, and its parameters when known.</summary>
    public static HessianResponse Sizes(long p, IReadOnlyList<string>? names, ServiceLimits limits) =>
        new(p, [p, p], 8.0 * p * p, names, null, null, null, limits.MaxHessianParameters);

    // ---- POST /v1/optimization/trajectories ----

    /// <summary>One run's answer: its label, the optimizer's settings, the verdict and every step with parameters, gradient and state by name.</summary>
    public static TrajectoryRunResponse ToResponse(TrajectoryRunRequest run, int index, Optimizer optimizer, IObjective objective, TrajectoryResult result)
    {
        var steps = result.Steps.Select(step => new TrajectoryStepResponse(
            step.Step,
            Named(objective, step.Parameters),
            step.Objective,
            Named(objective, step.Gradient),
            optimizer.StateNames.Select((name, s) => KeyValuePair.Create(name, Named(objective, step.State[s])))
                .ToDictionary(p => p.Key, p => p.Value),
            step.LookAhead is null ? null : Named(objective, step.LookAhead))).ToArray();
        return new TrajectoryRunResponse(run.Label ?? $"run{index + 1}", optimizer.Settings.ToDictionary(s => s.Key, s => s.Value),
            VerdictName(result.Verdict), result.VerdictStep, result.Reason, steps);
    }

    /// <summary>The whole answer: the objective echoed, the runs, and the stable learning rates when the Hessian is constant.</summary>
    public static TrajectoryResponse ToResponse(ObjectiveRequest request, IObjective objective, TrajectoryRunResponse[] runs, StableLearningRates? stable) =>
        new(Echo(request, objective), runs,
            stable is null ? null : new StableLearningRatesResponse(stable.LambdaMin, stable.LambdaMax, stable.Upper));

    public static string VerdictName(TrajectoryVerdict verdict) => WireNames.TrajectoryVerdicts.Name(verdict);

    /// <summary>The objective of a validated request from what its validator read: an expression over the parameters in start, or a named function.</summary>
    // The work token runs through an expression's evaluations.
    public static IObjective ToObjective(ObjectiveRequest o, ObjectiveInput read, CancellationToken cancellation = default)
    {
        if (read.Expression is { } expression) return new ExpressionObjective(expression, read.Parameters, read.Constants, cancellation);
        // The one parameter is named as start names it.
        string parameter = read.Parameters[0].Name;
        return o.Function switch
        {
            WireNames.ObjectiveFunction.Quadratic => new QuadraticObjective(o.Matrix!, o.Vector, scalarParameter: read.Parameters[0].Shape.Length == 0, parameter),
            WireNames.ObjectiveFunction.Rosenbrock => new RosenbrockObjective(o.A ?? RosenbrockObjective.DefaultA, o.B ?? RosenbrockObjective.DefaultB, parameter),
            WireNames.ObjectiveFunction.Beale => new BealeObjective(parameter),
            WireNames.ObjectiveFunction.Himmelblau => new HimmelblauObjective(parameter),
            var other => throw new ArgumentOutOfRangeException(nameof(o), other, "unknown objective"),
        };
    }

    static IReadOnlyDictionary<string, object> Echo(ObjectiveRequest request, IObjective objective)
    {
        var echo = objective is ExpressionObjective
            ? new Dictionary<string, object> { ["expression"] = request.Expression!, ["constants"] = request.Constants ?? [] }
            : new Dictionary<string, object> { ["function"] = objective.Kind };
        switch (objective)
        {
            case QuadraticObjective:
                echo["matrix"] = request.Matrix!;
                echo["vector"] = request.Vector ?? new double[request.Matrix!.Length];
                break;
            case RosenbrockObjective r:
                echo["a"] = r.A;
                echo["b"] = r.B;
                break;
        }
        echo["parameters"] = objective.Parameters.ToDictionary(p => p.Name, p => p.Shape);
        return echo;
    }

    /// <summary>theta split back into the named parameters, each in its JSON form (number, vector or matrix).</summary>
    public static IReadOnlyDictionary<string, object> Named(IObjective objective, double[] theta)
    {
        var named = new Dictionary<string, object>();
        int offset = 0;
        foreach (var parameter in objective.Parameters)
        {
            var shape = parameter.Shape;
            named[parameter.Name] = shape.Length switch
            {
                0 => theta[offset],
                1 => theta.AsSpan(offset, shape[0]).ToArray(),
                _ => Enumerable.Range(0, shape[0]).Select(r => theta.AsSpan(offset + r * shape[1], shape[1]).ToArray()).ToArray(),
            };
            offset += parameter.Length;
        }
        return named;
    }
}

/// <summary>A JSON value as the calculus endpoints read it: a number is a scalar, an array a vector, an array of rows a matrix.</summary>
public static class ParameterValue
{
    /// <summary>The value flattened row-major with its shape ([] scalar, [n] vector, [rows, columns] matrix); read by <see cref="CalculusMapper.ReadValue"/>.</summary>
    public static bool TryRead(JsonElement element, out double[] values, out int[] shape, out string error)
    {
        string? first = null;
        var read = CalculusMapper.ReadValue(element, "", (path, message) => first ??= path.Length == 0 ? message : $"{path}: {message}");
        values = [];
        shape = [];
        error = first ?? "";
        if (read is not { } value) return false;
        (values, shape) = Of(value);
        return true;
    }

    /// <summary>A value read by <see cref="CalculusMapper.ReadValue"/>, flattened row-major, with its shape.</summary>
    public static (double[] Values, int[] Shape) Of((Matrix<double> Value, ValueForm Form) read)
    {
        var m = read.Value;
        return read.Form switch
        {
            ValueForm.Scalar => (new[] { m[0, 0] }, Array.Empty<int>()),
            ValueForm.Vector => (m.Column(0).ToArray(), new[] { m.RowCount }),
            _ => (m.ToRowMajorArray(), new[] { m.RowCount, m.ColumnCount }),
        };
    }

    public static string Describe(int[] shape) => shape.Length switch
    {
        0 => "a number",
        1 => $"a vector of {shape[0]} numbers",
        _ => $"a {shape[0]} x {shape[1]} matrix",
    };
}
