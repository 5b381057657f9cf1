using System.Text.Json;
using GradApi.Domain.Analysis;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Vocabulary;
using MathNet.Numerics.LinearAlgebra;
using GradApi.Limits;

namespace GradApi.Contracts;

/// <summary>Maps validated analysis requests to the domain and the results back to the contract.</summary>
public static class AnalysisMapper
{
    public const int DefaultMaxSteps = 100;
    public const double DefaultTolerance = 1e-8;

    // ---- POST /v1/analysis/hessian ----

    // The request's work token runs through the R-operator passes and is checked around the eigen decomposition.
    public static HessianResponse ToResponse(this HessianRequest request, ServiceLimits limits, CancellationToken cancellation = default)
    {
        if (request.ParameterCount is { } count) return Sizes(count, null, limits);

        var network = TrainRequestMapper.ToNetwork(request.Network!);
        var names = Hessian.ParameterOrder(network);
        if (names.Count > limits.MaxHessianParameters) return Sizes(names.Count, names, limits);

        var data = TrainRequestMapper.ToData(request.Data!);
        var loss = TrainRequestMapper.ToLoss(request.Loss!.Type!);
        var hessian = new Hessian(network, data, loss, TrainRequestMapper.ToReduction(request.Loss.Reduction), cancellation).Matrix();
        // The decomposition itself cannot be interrupted; maxHessianParameters bounds it.
        cancellation.ThrowIfCancellationRequested();
        var eigenvalues = Spectrum.SymmetricEigenvalues(hessian);
        cancellation.ThrowIfCancellationRequested();
        return Sizes(names.Count, names, limits) with
        {
            Hessian = hessian,
            Eigenvalues = eigenvalues,
            ConditionNumber = eigenvalues is null ? null : Spectrum.ConditionNumber(eigenvalues),
        };
    }

    static HessianResponse Sizes(long p, IReadOnlyList<string>? names, ServiceLimits limits) =>
        new(p, [p, p], 8.0 * p * p, names, null, null, null, limits.MaxHessianParameters);

    // ---- POST /v1/optimization/trajectories ----

    // The request's work token runs through every run's steps and the expression's evaluations.
    public static TrajectoryResponse ToResponse(this TrajectoryRequest request, CancellationToken cancellation = default)
    {
        var objective = ToObjective(request, cancellation);
        var start = Flatten(objective, request.Start!);
        int maxSteps = request.MaxSteps ?? DefaultMaxSteps;
        double tolerance = request.Tolerance ?? DefaultTolerance;

        var runs = request.Runs!.Select((run, i) =>
        {
            var optimizer = TrainRequestMapper.ToOptimizer(run.Optimizer!);
            var result = Trajectory.Run(objective, optimizer, start, maxSteps, tolerance, cancellation);
            var steps = result.Steps.Select(step => new TrajectoryStepResponse(
                step.Step,
                Named(objective, step.Parameters),
                step.Objective,
                Named(objective, step.Gradient),
                optimizer.StateNames.Select((name, s) => KeyValuePair.Create(name, Named(objective, step.State[s])))
                    .ToDictionary(p => p.Key, p => p.Value),
                step.LookAhead is null ? null : Named(objective, step.LookAhead))).ToArray();
            return new TrajectoryRunResponse(run.Label ?? $"run{i + 1}", optimizer.Settings.ToDictionary(s => s.Key, s => s.Value),
                VerdictName(result.Verdict), result.VerdictStep, result.Reason, steps);
        }).ToArray();

        var stable = Trajectory.StableRates(objective, start);
        return new TrajectoryResponse(Echo(request.Objective!, objective), runs,
            stable is null ? null : new StableLearningRatesResponse(stable.LambdaMin, stable.LambdaMax, stable.Upper));
    }

    public static string VerdictName(TrajectoryVerdict verdict) => WireNames.TrajectoryVerdicts.Name(verdict);

    /// <summary>The objective of a validated request: a named function, or an expression over the parameters in start.</summary>
    public static IObjective ToObjective(TrajectoryRequest request, CancellationToken cancellation = default)
    {
        var o = request.Objective!;
        if (o.Expression is not null) return ToExpressionObjective(o, request.Start!, cancellation);
        return o.Function switch
        {
            "quadratic" => new QuadraticObjective(o.Matrix!, o.Vector, scalarParameter: request.Start![NamedObjectives.ParameterName].ValueKind == JsonValueKind.Number),
            "rosenbrock" => new RosenbrockObjective(o.A ?? RosenbrockObjective.DefaultA, o.B ?? RosenbrockObjective.DefaultB),
            "beale" => new BealeObjective(),
            "himmelblau" => new HimmelblauObjective(),
            var other => throw new ArgumentOutOfRangeException(nameof(request), other, "unknown objective"),
        };
    }

    // Parameters in the order start gives them; constants become fixed values of the expression.
    static ExpressionObjective ToExpressionObjective(ObjectiveRequest o, Dictionary<string, JsonElement> start, CancellationToken cancellation)
    {
        static Matrix<double> Read(JsonElement element) =>
            CalculusMapper.ReadValue(element, "", (_, message) => throw new ArgumentException(message))!.Value.Value;
        var parameters = start.Select(p =>
        {
            ParameterValue.TryRead(p.Value, out _, out var shape, out _);
            return new ObjectiveParameter(p.Key, shape);
        }).ToArray();
        var constants = (o.Constants ?? []).ToDictionary(c => c.Key, c => Read(c.Value));
        return new ExpressionObjective(ExpressionParser.Parse(o.Expression!), parameters, constants, cancellation);
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

    /// <summary>theta: the start values of the objective's parameters, in order, each row-major.</summary>
    public static double[] Flatten(IObjective objective, IReadOnlyDictionary<string, JsonElement> start)
    {
        var theta = new List<double>(objective.Dimension);
        foreach (var parameter in objective.Parameters)
        {
            if (!ParameterValue.TryRead(start[parameter.Name], out var values, out _, out _))
                throw new ArgumentException($"start.{parameter.Name} is not a number, vector or matrix");
            theta.AddRange(values);
        }
        return theta.ToArray();
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
        var m = value.Value;
        (values, shape) = value.Form switch
        {
            ValueForm.Scalar => (new[] { m[0, 0] }, Array.Empty<int>()),
            ValueForm.Vector => (m.Column(0).ToArray(), new[] { m.RowCount }),
            _ => (m.ToRowMajorArray(), new[] { m.RowCount, m.ColumnCount }),
        };
        return true;
    }

    public static string Describe(int[] shape) => shape.Length switch
    {
        0 => "a number",
        1 => $"a vector of {shape[0]} numbers",
        _ => $"a {shape[0]} x {shape[1]} matrix",
    };
}
