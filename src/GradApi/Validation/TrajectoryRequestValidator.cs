using FluentValidation;
using GradApi.Contracts;
using GradApi.Domain.Analysis;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Limits;
using Function = GradApi.Domain.Vocabulary.WireNames.ObjectiveFunction;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/optimization/trajectories request: the objective and its fields, start against the
/// objective's parameters, each run's optimizer with /v1/train's checks, steps and tolerance, and the limits.
/// </summary>
public sealed class TrajectoryRequestValidator : AbstractValidator<TrajectoryRequest>
{
    /// <summary>Numbers per parameter value and step a trace may hold: parameters, gradient, look-ahead and up to 5 state slots.</summary>
    const int ValuesPerParameter = 8;

    public TrajectoryRequestValidator(ServiceLimits limits)
    {
        RuleFor(request => request).Custom((request, context) =>
        {
            RequestPrice.Record(context, Check(request, (path, message) => context.Report(path, message), limits, out var read), limits.MaxTrajectoryWork);
            // The handler runs from this read: the expression is parsed, and start and constants read, once.
            ValidatedInput.Record(context, read);
        });
    }

    /// <summary>Evaluations a step may make: the objective's value and its gradient, at the parameters and at a look-ahead point.</summary>
    public const int EvaluationsPerStep = 1 + 2 * CalculusLimits.GradientPasses;

    static long? Check(TrajectoryRequest request, Action<string, string> fail, ServiceLimits limits, out ObjectiveInput? read)
    {
        long? price = null;
        long evaluationWork = 0;
        read = null;
        int? dimension = request.Objective?.Expression is not null
            ? ExpressionObjective(request.Objective, request.Start, fail, limits, out evaluationWork, out read)
            : Objective(request.Objective, fail, limits);
        if (dimension is { } d && request.Objective!.Expression is null) evaluationWork = NamedObjectiveWork(request.Objective.Function!, d);
        if (dimension is { } n && request.Objective!.Expression is null) read = Start(request.Start, request.Objective.Function!, n, fail);
        else if (request.Start is null) fail("start", "is required: the start value of each parameter, e.g. {\"p\": [-1.2, 1]}");

        var checks = new ProblemChecks(fail, limits);
        if (request.Runs is null || request.Runs.Length == 0) fail("runs", "must hold at least one run: {\"label\": ..., \"optimizer\": {...}}");
        else if (request.Runs.Length > limits.MaxTrajectoryRuns)
            fail("runs", $"at most {limits.MaxTrajectoryRuns} runs are accepted (limit maxTrajectoryRuns), got {request.Runs.Length}");
        else
            for (int i = 0; i < request.Runs.Length; i++)
            {
                var run = request.Runs[i];
                if (run is null) { fail($"runs[{i}]", "must be a run object"); continue; }
                if (run.Label is not null && string.IsNullOrWhiteSpace(run.Label)) fail($"runs[{i}].label", "must not be empty");
                checks.Optimizer(run.Optimizer, $"runs[{i}].optimizer");
            }

        int steps = request.MaxSteps ?? AnalysisMapper.DefaultMaxSteps;
        if (steps < 1) fail("maxSteps", $"must be at least 1, got {steps}");
        else if (steps > limits.MaxTrajectorySteps)
            fail("maxSteps", $"at most {limits.MaxTrajectorySteps} steps are accepted (limit maxTrajectorySteps), got {steps}");
        else if (dimension is { } size && request.Runs is { Length: > 0 } runs)
        {
            long values = (long)runs.Length * (steps + 1) * size * ValuesPerParameter;
            if (values > limits.MaxTraceValues)
                fail("maxSteps", $"runs x (maxSteps + 1) x parameters x {ValuesPerParameter} = {values} numbers exceeds the limit maxTraceValues {limits.MaxTraceValues}; use fewer steps or runs");
            long work = Work(evaluationWork, runs.Length, steps, size);
            price = work;
            if (work > limits.MaxTrajectoryWork)
                fail("maxSteps", $"the work {work} exceeds the limit maxTrajectoryWork {limits.MaxTrajectoryWork}: (one evaluation of the objective, {evaluationWork} multiply-adds, " +
                    $"+ {EvaluationOverhead}) x ({EvaluationsPerStep} per step x runs x (maxSteps + 1) + {2 * CalculusLimits.GradientPasses} x parameters for the Hessian) " +
                    $"+ {StepOverhead} x runs x (maxSteps + 1); use fewer steps or runs, or smaller values");
        }
        if (request.Tolerance is < 0) fail("tolerance", $"must be at least 0, got {request.Tolerance}");
        return price;
    }

    /// <summary>What an evaluation costs beyond its nodes (the parameters' matrices, the shape check), in multiply-adds.</summary>
    public const int EvaluationOverhead = 512;

    /// <summary>What a step costs beyond its evaluations (the optimizer's step, the recorded point and its JSON), in multiply-adds.</summary>
    public const int StepOverhead = 2_048;

    /// <summary>
    /// The request's work: every step of every run evaluates the objective up to <see cref="EvaluationsPerStep"/> times and records
    /// a point, and an objective with a constant Hessian takes two gradients per parameter once more for the stable learning rates.
    /// </summary>
    public static long Work(long evaluationWork, int runs, int steps, int parameters)
    {
        long points = runs * (steps + 1L);
        return (evaluationWork + EvaluationOverhead) * (EvaluationsPerStep * points + 2L * CalculusLimits.GradientPasses * parameters) + StepOverhead * points;
    }

    // A named objective's evaluation: the quadratic's Q p (n x n), the others a few dozen operations.
    static long NamedObjectiveWork(string function, int n) =>
        function == Function.Quadratic ? (long)n * n + n + CalculusLimits.NodeWork : CalculusLimits.NodeWork;

    // Checks the objective; returns the length of p, or null when it cannot be known.
    static int? Objective(ObjectiveRequest? o, Action<string, string> fail, ServiceLimits limits)
    {
        string functions = Vocabulary.List(Vocabulary.ObjectiveFunctions);
        if (o is null) { fail("objective", $"is required: a named function ({functions}) or an expression"); return null; }
        if (o.Expression is not null && o.Function is not null) { fail("objective", "give either function or expression, not both"); return null; }
        if (o.Function is null) { fail("objective.function", $"is required: one of {functions} (or an expression)"); return null; }
        if (!Vocabulary.ObjectiveFunctions.Contains(o.Function)) { fail("objective.function", $"must be one of {functions}, got '{o.Function}'"); return null; }

        bool ok = true;
        void OnlyFor(object? value, string owner, string field)
        {
            if (value is null || o.Function == owner) return;
            fail($"objective.{field}", $"is a field of {owner}, not of {o.Function}");
            ok = false;
        }
        OnlyFor(o.Matrix, Function.Quadratic, "matrix");
        OnlyFor(o.Vector, Function.Quadratic, "vector");
        OnlyFor(o.A, Function.Rosenbrock, "a");
        OnlyFor(o.B, Function.Rosenbrock, "b");
        if (o.Constants is not null) { fail("objective.constants", "constants belong to an expression objective"); ok = false; }
        if (o.Function != Function.Quadratic) return ok ? 2 : null;

        if (o.Matrix is null || o.Matrix.Length == 0) { fail("objective.matrix", $"is required for {Function.Quadratic}: Q, an n x n matrix given by rows"); return null; }
        int n = o.Matrix.Length;
        if (n > limits.MaxTrajectoryParameters)
        {
            fail("objective.matrix", $"at most {limits.MaxTrajectoryParameters} parameters are accepted (limit maxTrajectoryParameters), got {n}");
            return null;
        }
        for (int r = 0; r < n; r++)
            if (o.Matrix[r] is null || o.Matrix[r].Length != n)
            {
                fail("objective.matrix", $"expected a square matrix: {n} rows of {n} values, got {o.Matrix[r]?.Length ?? 0} in row {r}");
                return null;
            }
        if (o.Vector is not null && o.Vector.Length != n)
        {
            fail("objective.vector", $"expected {n} values to match the {n} x {n} matrix, got {o.Vector.Length}");
            return null;
        }
        return ok ? n : null;
    }

    // An expression over the parameters named in start, with constants for its other names; returns the length of theta.
    static int? ExpressionObjective(ObjectiveRequest o, Dictionary<string, System.Text.Json.JsonElement>? start, Action<string, string> fail,
        ServiceLimits limits, out long evaluationWork, out ObjectiveInput? read)
    {
        evaluationWork = 0;
        read = null;
        bool ok = true;
        foreach (var (value, field) in new (object?, string)[] { (o.Matrix, "matrix"), (o.Vector, "vector"), (o.A, "a"), (o.B, "b") })
            if (value is not null) { fail($"objective.{field}", "is a field of a named function, not of an expression"); ok = false; }
        var expression = CalculusMapper.ParseAt(o.Expression, "objective.expression", fail);
        if (expression is null) return null;
        if (start is null || start.Count == 0)
        {
            fail("start", "is required: the start value of each parameter of the expression, e.g. {\"w\": 0}");
            return null;
        }

        var variables = expression.Variables.ToHashSet();
        var shapes = new Dictionary<string, Shape>();
        // Parameters in the order start gives them, theta their values in turn (each row-major); constants are fixed values of the expression.
        var parameters = new List<ObjectiveParameter>();
        var theta = new List<double>();
        var constants = new Dictionary<string, MathNet.Numerics.LinearAlgebra.Matrix<double>>();
        int dimension = 0;
        long numbers = 0;
        void Read(Dictionary<string, System.Text.Json.JsonElement> values, string at, bool isParameter)
        {
            foreach (var (name, element) in values)
            {
                if (!variables.Contains(name)) { fail($"{at}.{name}", $"'{name}' does not appear in the expression {o.Expression}"); ok = false; continue; }
                if (shapes.ContainsKey(name)) { fail($"{at}.{name}", $"'{name}' is given in start and in objective.constants; a name is a parameter or a constant"); ok = false; continue; }
                if (CalculusMapper.ReadValue(element, $"{at}.{name}", fail) is not { } value) { ok = false; continue; }
                shapes[name] = Shape.Of(value.Value);
                numbers += value.Value.RowCount * (long)value.Value.ColumnCount;
                if (isParameter)
                {
                    dimension += value.Value.RowCount * value.Value.ColumnCount;
                    var (flat, shape) = ParameterValue.Of(value);
                    parameters.Add(new ObjectiveParameter(name, shape));
                    theta.AddRange(flat);
                }
                else constants[name] = value.Value;
            }
        }
        Read(start, "start", isParameter: true);
        if (o.Constants is not null) Read(o.Constants, "objective.constants", isParameter: false);
        foreach (var name in variables.Where(v => !shapes.ContainsKey(v) && ok))
        {
            fail("objective.expression", $"'{name}' has no value: give it in start (a parameter) or in objective.constants");
            ok = false;
        }
        if (!ok) return null;
        // Constants are evaluated at every step as parameters are, so they count as /v1/expressions/gradient's variables do.
        if (numbers > CalculusLimits.MaxVariableValues)
        {
            fail("objective.constants", $"at most {CalculusLimits.MaxVariableValues} numbers are accepted over start and constants (limit maxVariableValues), got {numbers}");
            return null;
        }
        if (dimension > limits.MaxTrajectoryParameters)
        {
            fail("start", $"at most {limits.MaxTrajectoryParameters} parameters are accepted (limit maxTrajectoryParameters), got {dimension}");
            return null;
        }
        try
        {
            var check = expression.InferShapes(shapes);
            var shape = check.Shape;
            if (!shape.IsScalar) { fail("objective.expression", $"must be scalar to be minimized, got {shape.Rows}x{shape.Columns}"); return null; }
            evaluationWork = CalculusMapper.EvaluationWork(check);
        }
        catch (ExpressionShapeException e)
        {
            fail("objective.expression", e.Message);
            return null;
        }
        read = new ObjectiveInput(expression, parameters, constants, theta.ToArray());
        return dimension;
    }

    // Checks start against a named function's one parameter, named as start names it; returns what was read, or null when it does not fit.
    static ObjectiveInput? Start(Dictionary<string, System.Text.Json.JsonElement>? start, string function, int n, Action<string, string> fail)
    {
        string example = NamedObjectives.ParameterName;
        string expected = n == 1 ? "a number or a vector of 1 number" : $"a vector of {n} numbers";
        if (start is null || start.Count == 0)
        {
            fail("start", $"is required: named functions take one vector parameter, named as you like, e.g. {{\"{example}\": [...]}} with {expected}");
            return null;
        }
        string name = start.Keys.First();
        foreach (var key in start.Keys.Skip(1))
            fail($"start.{key}", $"named functions take one vector parameter; start already names it '{name}', so '{key}' is not a parameter of {function}");
        if (!IsParameterName(name))
        {
            fail($"start.{name}", "a parameter name is a letter or underscore followed by letters, digits or underscores, as in the expression language");
            return null;
        }
        var value = start[name];
        if (!ParameterValue.TryRead(value, out var theta, out var shape, out var error)) { fail($"start.{name}", error); return null; }
        bool fits = shape.Length == 1 && shape[0] == n || shape.Length == 0 && n == 1 && function == Function.Quadratic;
        if (!fits) { fail($"start.{name}", $"expected {expected} for {function}, got {ParameterValue.Describe(shape)}"); return null; }
        return new ObjectiveInput(null, [new ObjectiveParameter(name, shape)], new Dictionary<string, MathNet.Numerics.LinearAlgebra.Matrix<double>>(), theta);
    }

    // The expression language's names: an ASCII letter or underscore, then letters, digits or underscores.
    static bool IsParameterName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
