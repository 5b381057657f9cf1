using System.Globalization;
using GradApi.Domain.Optimizers;

namespace GradApi.Domain.Analysis;

public enum TrajectoryVerdict
{
    Converged,
    Oscillating,
    Diverged,
    MaxSteps,
}

/// <summary>
/// One point of a run. Step 0 is the start. Parameters, gradient (at the parameters) and state slots
/// (in <see cref="Optimizer.StateNames"/> order) after step t; lookAhead is where step t's gradient was
/// taken when the optimizer looks ahead (nesterov/sutskever), else null.
/// </summary>
public sealed record TrajectoryStep(int Step, double[] Parameters, double Objective, double[] Gradient, double[][] State, double[]? LookAhead);

public sealed record TrajectoryResult(TrajectoryVerdict Verdict, int VerdictStep, string Reason, IReadOnlyList<TrajectoryStep> Steps);

/// <summary>
/// Runs an optimizer on an objective with the same <see cref="Optimizer.Step"/> /v1/train uses, and
/// classifies the run. The rules, first match wins:
/// <list type="number">
/// <item>diverged, at the first step whose parameters, objective or gradient are not finite, or whose
/// largest |parameter| exceeds <see cref="DivergenceFactor"/> max(1, largest |start parameter|); the run stops there.</item>
/// <item>converged, at the first step t (0 included) with ||gradient f(theta_t)||_2 &lt;= tolerance; the run stops there.</item>
/// <item>At maxSteps T, over the last K = min(<see cref="Window"/>, T) steps d_t = theta_t - theta_(t-1):
/// diverged when the last step is longer than the window's first, |d_T| &gt; |d_(T-K+1)|, and the objective
/// rose above both its start value and its value before the window, f_T &gt; max(f_0, f_(T-K));
/// oscillating when every step of the window reverses the one before (d_t . d_(t-1) &lt; 0) and the steps do
/// not shrink, |d_T| &gt;= |d_(T-K+1)| &gt; 0; else max_steps. Comparisons carry a relative margin of
/// <see cref="Margin"/> against rounding. verdictStep is T for these.</item>
/// </list>
/// </summary>
public static class Trajectory
{
    public const int Window = 10;
    public const double DivergenceFactor = 1e12;
    public const double Margin = 1e-9;

    /// <param name="cancellation">Checked every step; an expression objective checks its own (made with the same token) per node.</param>
    public static TrajectoryResult Run(IObjective objective, Optimizer optimizer, ReadOnlySpan<double> start, int maxSteps, double tolerance,
        CancellationToken cancellation = default)
    {
        int n = objective.Dimension;
        var theta = start.ToArray();
        var state = optimizer.CreateState(n);
        var gradient = new double[n];
        objective.Gradient(theta, gradient);
        double value = objective.Value(theta);
        var steps = new List<TrajectoryStep> { Record(0, theta, value, gradient, state, null) };
        double bound = DivergenceFactor * Math.Max(1.0, MaxAbs(theta));

        if (Stopped(0, theta, value, gradient, bound, tolerance) is { } first) return first with { Steps = steps };

        var point = new double[n];
        var pointGradient = new double[n];
        for (int t = 1; t <= maxSteps; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            double[]? lookAhead = null;
            ReadOnlySpan<double> used = gradient;
            optimizer.LookAhead(theta, state, point);
            if (optimizer.UsesLookAhead)
            {
                lookAhead = (double[])point.Clone();
                objective.Gradient(point, pointGradient);
                used = pointGradient;
            }
            optimizer.Step(theta, used, state, t, point);
            value = objective.Value(theta);
            objective.Gradient(theta, gradient);
            steps.Add(Record(t, theta, value, gradient, state, lookAhead));
            if (Stopped(t, theta, value, gradient, bound, tolerance) is { } stop) return stop with { Steps = steps };
        }
        return AtMaxSteps(steps);
    }

    static TrajectoryResult? Stopped(int t, double[] theta, double value, double[] gradient, double bound, double tolerance)
    {
        string at = t == 0 ? "at the start" : $"at step {t}";
        if (!AllFinite(theta)) return Result(TrajectoryVerdict.Diverged, t, $"a parameter stopped being finite {at}");
        if (!double.IsFinite(value)) return Result(TrajectoryVerdict.Diverged, t, $"the objective stopped being finite {at}");
        if (!AllFinite(gradient)) return Result(TrajectoryVerdict.Diverged, t, $"the gradient stopped being finite {at}");
        double largest = MaxAbs(theta);
        if (largest > bound)
            return Result(TrajectoryVerdict.Diverged, t, $"the largest |parameter| {F(largest)} passed the bound {F(bound)} {at}");
        double norm = Norm(gradient);
        if (norm <= tolerance)
            return Result(TrajectoryVerdict.Converged, t, $"the gradient norm {F(norm)} is within the tolerance {F(tolerance)} {at}");
        return null;
    }

    static TrajectoryResult AtMaxSteps(List<TrajectoryStep> steps)
    {
        int last = steps.Count - 1, k = Math.Min(Window, last);
        string fallback = $"the gradient norm {F(Norm(steps[last].Gradient))} is still above the tolerance after {last} steps";
        if (k < 2) return Result(TrajectoryVerdict.MaxSteps, last, fallback, steps);

        int firstStep = last - k + 1;
        double firstLength = Norm(Difference(steps[firstStep].Parameters, steps[firstStep - 1].Parameters));
        double lastLength = Norm(Difference(steps[last].Parameters, steps[last - 1].Parameters));
        double f0 = steps[0].Objective, fBefore = steps[firstStep - 1].Objective, fLast = steps[last].Objective;
        double reference = Math.Max(f0, fBefore);

        if (lastLength > firstLength * (1 + Margin) && fLast - reference > Margin * Math.Max(Math.Abs(fLast), Math.Abs(reference)))
            return Result(TrajectoryVerdict.Diverged, last,
                $"over the last {k} steps the step length grew from {F(firstLength)} to {F(lastLength)} and the objective rose to {F(fLast)}, above its start value {F(f0)}", steps);

        bool alternating = true;
        for (int t = firstStep + 1; t <= last && alternating; t++)
            alternating = Dot(Difference(steps[t].Parameters, steps[t - 1].Parameters), Difference(steps[t - 1].Parameters, steps[t - 2].Parameters)) < 0;
        if (alternating && lastLength > 0 && lastLength >= firstLength * (1 - Margin))
            return Result(TrajectoryVerdict.Oscillating, last,
                $"each of the last {k} steps reverses the one before and the step length does not shrink ({F(firstLength)} to {F(lastLength)})", steps);

        return Result(TrajectoryVerdict.MaxSteps, last, fallback, steps);
    }

    static TrajectoryResult Result(TrajectoryVerdict verdict, int step, string reason, IReadOnlyList<TrajectoryStep>? steps = null) =>
        new(verdict, step, reason, steps ?? []);

    static TrajectoryStep Record(int t, double[] theta, double value, double[] gradient, double[][] state, double[]? lookAhead) =>
        new(t, (double[])theta.Clone(), value, (double[])gradient.Clone(), state.Select(s => (double[])s.Clone()).ToArray(), lookAhead);

    static double[] Difference(double[] a, double[] b)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++) d[i] = a[i] - b[i];
        return d;
    }

    static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    // The 2-norm, scaled so that large finite vectors do not overflow to infinity.
    public static double Norm(ReadOnlySpan<double> v)
    {
        double scale = MaxAbs(v);
        if (scale == 0 || !double.IsFinite(scale)) return scale;
        double sum = 0;
        foreach (var x in v) sum += (x / scale) * (x / scale);
        return scale * Math.Sqrt(sum);
    }

    static double MaxAbs(ReadOnlySpan<double> v)
    {
        double max = 0;
        foreach (var x in v) max = Math.Max(max, Math.Abs(x));
        return max;
    }

    static bool AllFinite(double[] v) => v.All(double.IsFinite);

    static string F(double x) => x.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>
    /// For an objective with a constant Hessian: its eigenvalue range and the largest learning rate
    /// plain gradient descent converges below, 2 / lambdaMax (null when lambdaMax &lt;= 0). Null otherwise.
    /// </summary>
    public static StableLearningRates? StableRates(IObjective objective, ReadOnlySpan<double> at)
    {
        if (!objective.HasConstantHessian || objective.Hessian(at) is not { } hessian) return null;
        if (Spectrum.SymmetricEigenvalues(Spectrum.SymmetricPart(hessian)) is not { Length: > 0 } eigenvalues) return null;
        double max = eigenvalues[^1];
        return new StableLearningRates(eigenvalues[0], max, max > 0 ? 2.0 / max : null);
    }
}

/// <summary>Eigenvalue range of a constant Hessian and the stable interval 0 &lt; lr &lt; upper = 2 / lambdaMax of plain gradient descent.</summary>
public sealed record StableLearningRates(double LambdaMin, double LambdaMax, double? Upper);
