using GradApi.Domain.Analysis;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Grading;
using GradApi.Domain.Losses;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Training;

namespace GradApi.Domain.Vocabulary;

/// <summary>
/// Every enumeration's wire names, spelled once: request parsing, validation messages, echoes, diagnosis messages and the
/// OpenAPI text all read them here. It lives in the domain because the domain writes some of them itself (optimizer and
/// loss names in echoes, conventions in diagnoses); the host's Vocabulary reads this table rather than spelling its own.
/// Lists are in the contract's order, which is the order messages and the OpenAPI text show them in.
/// </summary>
public static class WireNames
{
    public static class Activation
    {
        public const string Identity = "identity", Sigmoid = "sigmoid", Tanh = "tanh", Relu = "relu", LeakyRelu = "leaky_relu",
            Elu = "elu", Softplus = "softplus", Softmax = "softmax";
        public static readonly string[] All = [Identity, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Softplus, Softmax];
    }

    public static class Loss
    {
        public const string HalfSse = "half_sse", Sse = "sse", Mse = "mse", Bce = "bce", Ce = "ce";
        public static readonly string[] All = [HalfSse, Sse, Mse, Bce, Ce];
    }

    public static class Optimizer
    {
        public const string Sgd = "sgd", Momentum = "momentum", Nesterov = "nesterov", Adagrad = "adagrad", RmsProp = "rmsprop",
            Adam = "adam", AdamW = "adamw";
        public static readonly string[] All = [Sgd, Momentum, Nesterov, Adagrad, RmsProp, Adam, AdamW];
    }

    public static class Sampling
    {
        public const string Full = "full", Sequential = "sequential", Random = "random", Minibatch = "minibatch", Schedule = "schedule";
        public static readonly string[] All = [Full, Sequential, Random, Minibatch, Schedule];
    }

    /// <summary>The named test functions of /v1/optimization/trajectories (<c>objective.function</c>).</summary>
    public static class ObjectiveFunction
    {
        public const string Quadratic = "quadratic", Rosenbrock = "rosenbrock", Beale = "beale", Himmelblau = "himmelblau";
        public static readonly string[] All = [Quadratic, Rosenbrock, Beale, Himmelblau];
    }

    public static readonly WireTable<Reduction> Reductions = new((Reduction.Sum, "sum"), (Reduction.Mean, "mean"));

    public static readonly WireTable<MomentumConvention> MomentumConventions = new(
        (MomentumConvention.PyTorch, "pytorch"), (MomentumConvention.HeavyBall, "heavy_ball"),
        (MomentumConvention.VelocityStep, "velocity_step"), (MomentumConvention.Ema, "ema"));

    public static readonly WireTable<NesterovConvention> NesterovConventions = new(
        (NesterovConvention.PyTorch, "pytorch"), (NesterovConvention.Sutskever, "sutskever"));

    /// <summary>Adam's placements; RMSprop takes the first two (<see cref="RmsPropEpsilonPlacements"/>).</summary>
    public static readonly WireTable<EpsilonPlacement> AdamEpsilonPlacements = new(
        (EpsilonPlacement.OutsideSqrt, "outside_sqrt"), (EpsilonPlacement.InsideSqrt, "inside_sqrt"), (EpsilonPlacement.Keras, "keras"));

    public static readonly WireTable<EpsilonPlacement> RmsPropEpsilonPlacements = AdamEpsilonPlacements.Without(EpsilonPlacement.Keras);

    public static readonly WireTable<ToleranceKind> ToleranceTypes = new(
        (ToleranceKind.Relative, "relative"), (ToleranceKind.Absolute, "absolute"), (ToleranceKind.Decimals, "decimals"),
        (ToleranceKind.SignificantFigures, "significant_figures"));

    public static readonly WireTable<PartialCredit> PartialCredits = new(
        (PartialCredit.Proportional, "proportional"), (PartialCredit.AllOrNothing, "all_or_nothing"));

    // Enumerations of the responses.

    public static readonly WireTable<RunStatus> RunStatuses = new((RunStatus.Completed, "completed"), (RunStatus.Diverged, "diverged"));

    public static readonly WireTable<Verdict> Verdicts = new(
        (Verdict.Correct, "correct"), (Verdict.FollowThrough, "follow_through"), (Verdict.Incorrect, "incorrect"),
        (Verdict.ShapeMismatch, "shape_mismatch"), (Verdict.UnknownPath, "unknown_path"), (Verdict.NotANumber, "not_a_number"),
        (Verdict.NotEquivalent, "not_equivalent"), (Verdict.NotAFormula, "not_a_formula"));

    public static readonly WireTable<TrajectoryVerdict> TrajectoryVerdicts = new(
        (TrajectoryVerdict.Converged, "converged"), (TrajectoryVerdict.Oscillating, "oscillating"),
        (TrajectoryVerdict.Diverged, "diverged"), (TrajectoryVerdict.MaxSteps, "max_steps"));

    public static readonly WireTable<ClaimVerdict> ClaimVerdicts = new(
        (ClaimVerdict.Equivalent, "equivalent"), (ClaimVerdict.NotEquivalent, "not_equivalent"), (ClaimVerdict.ShapeMismatch, "shape_mismatch"));

    public static readonly WireTable<ClaimMethod> ClaimMethods = new((ClaimMethod.Exact, "exact"), (ClaimMethod.Numeric, "numeric"));

    /// <summary>A diagnosis's <c>code</c>, stable for analytics; in the order the grading text's table lists them.</summary>
    public static class DiagnosisCode
    {
        public const string SignFlipped = "sign_flipped", Transposed = "transposed", FactorOfTwo = "factor_of_two",
            MissingActivationDerivative = "missing_activation_derivative", ActivationValueForDerivative = "activation_value_for_derivative",
            LearningRateNotApplied = "learning_rate_not_applied", StepInWrongDirection = "step_in_wrong_direction",
            UsedUpdatedWeights = "used_updated_weights", OtherConvention = "other_convention", WrongIteration = "wrong_iteration",
            WrongLayer = "wrong_layer", RoundedTooEarly = "rounded_too_early", DegenerateFollowThrough = "degenerate_follow_through";
        public static readonly string[] All = [SignFlipped, Transposed, FactorOfTwo, MissingActivationDerivative, ActivationValueForDerivative,
            LearningRateNotApplied, StepInWrongDirection, UsedUpdatedWeights, OtherConvention, WrongIteration, WrongLayer, RoundedTooEarly,
            DegenerateFollowThrough];
    }
}

/// <summary>One enumeration's values, each with the one name the wire spells it by, read both ways.</summary>
public sealed class WireTable<T> where T : struct, Enum
{
    readonly (T Value, string Name)[] _rows;

    public WireTable(params (T Value, string Name)[] rows)
    {
        _rows = rows;
        Names = rows.Select(r => r.Name).ToArray();
    }

    /// <summary>The names in the contract's order.</summary>
    public string[] Names { get; }

    public string Name(T value) => Array.Find(_rows, r => EqualityComparer<T>.Default.Equals(r.Value, value)).Name
        ?? throw new ArgumentOutOfRangeException(nameof(value), value, "no wire name");

    /// <summary>The value a validated name stands for.</summary>
    public T Parse(string name) => TryParse(name, out var value) ? value : throw new ArgumentOutOfRangeException(nameof(name), name, "unknown name");

    public bool TryParse(string? name, out T value)
    {
        foreach (var row in _rows)
            if (row.Name == name) { value = row.Value; return true; }
        value = default;
        return false;
    }

    public bool Contains(string? name) => TryParse(name, out _);

    public WireTable<T> Without(T value) => new(_rows.Where(r => !EqualityComparer<T>.Default.Equals(r.Value, value)).ToArray());
}
