using System.Globalization;
using GradApi.Domain.Optimizers;

namespace GradApi.Domain.Analysis;

/// <summary>
/// One line of Markdown with LaTeX for a value of a trajectory step, as a marker writes it: the update's formula, the
/// numbers that went in (the student's where follow-through used them, from a replay, else the run's own) and the
/// value, e.g. <c>$w^{(4)} = w^{(3)} - \eta\,g^{(3)} = 687.5000 - 2.5000\,(587.5000) = -781.2500$</c>. Numbers are
/// left out when <c>decimals</c> is null (a response shown to a student). Written for one element at a time, for plain
/// gradient descent and the momentum conventions without weight decay, and for a step's objective and gradient;
/// null elsewhere (the other optimizers' updates have more terms than one line should carry).
/// </summary>
/// <summary>
/// The values of a trajectory's steps an explanation reads: a step's own value (for a replay, what the student's inputs
/// give), what later steps read (the student's where given), and the gradient a step's update read.
/// </summary>
public interface IStepValues
{
    /// <summary>The value at step, part and slot, as computed; null past the last step.</summary>
    double[]? Computed(int step, StepPart part, int slot);

    /// <summary>The value later steps read at step, part and slot; null past the last step.</summary>
    double[]? Read(int step, StepPart part, int slot);

    /// <summary>The gradient step t's update read; null past the last step or where it is not kept.</summary>
    double[]? GradientUsed(int step);
}

/// <summary>A run's own steps as <see cref="IStepValues"/>: every value computed is the value read.</summary>
public sealed class RecordedSteps(TrajectoryResult result) : IStepValues
{
    public double[]? Computed(int step, StepPart part, int slot) => Read(step, part, slot);

    public double[]? Read(int step, StepPart part, int slot)
    {
        if (step < 0 || step >= result.Steps.Count) return null;
        var s = result.Steps[step];
        return part switch
        {
            StepPart.Parameters => s.Parameters,
            StepPart.Objective => [s.Objective],
            StepPart.Gradient => s.Gradient,
            StepPart.State => slot < s.State.Length ? s.State[slot] : null,
            _ => s.LookAhead,
        };
    }

    // Without a look-ahead the update of step t read the gradient recorded at step t - 1; with one it is not kept.
    public double[]? GradientUsed(int step) =>
        step >= 1 && step < result.Steps.Count && result.Steps[step].LookAhead is null ? result.Steps[step - 1].Gradient : null;
}

public static class StepExplanation
{
    /// <param name="symbol">The element's name as the student knows it: w, or p_{2} for an element of p.</param>
    /// <param name="scalarProblem">The objective has one number as its parameter, so f and g can be shown at it.</param>
    public static string? Of(Optimizer optimizer, IStepValues values, StepAddress at, string symbol, bool scalarProblem, int? decimals)
    {
        if (at.Length != 1) return null;
        int t = at.Step, i = at.Offset;
        string Step(string s, int step) => $"{s}^{{({step})}}";
        string N(double x) => decimals is { } d ? x.ToString("F" + d, CultureInfo.InvariantCulture) : "";
        string P(double x) => $"({N(x)})";              // a factor: (0.9000)(20.0000), as the contract's explanations write them
        string S(double x) => x < 0 ? $"({N(x)})" : N(x); // a term: 20.0000 + (-3.0000)
        string Line(string formula, string numbers, double value) =>
            decimals is null ? $"${formula}$" : $"${formula} = {numbers} = {N(value)}$";
        double? Value(StepPart part, int step, int slot = 0) => values.Computed(step, part, slot) is { } v && i < v.Length ? v[i] : null;
        double? Effective(StepPart part, int step, int slot = 0) => values.Read(step, part, slot) is { } v && i < v.Length ? v[i] : null;

        string theta = symbol;
        switch (at.Part)
        {
            case StepPart.Objective when scalarProblem:
                if (Value(StepPart.Objective, t) is not { } f || Effective(StepPart.Parameters, t) is not { } w0) return null;
                return decimals is null ? $"$f({Step(theta, t)})$" : $"$f({Step(theta, t)}) = f({N(w0)}) = {N(f)}$";
            case StepPart.Gradient when scalarProblem:
                if (Value(StepPart.Gradient, t) is not { } g0 || Effective(StepPart.Parameters, t) is not { } w1) return null;
                return decimals is null ? $"$g^{{({t})}} = \\nabla f({Step(theta, t)})$" : $"$g^{{({t})}} = \\nabla f({N(w1)}) = {N(g0)}$";
            case StepPart.Parameters or StepPart.State when t >= 1 && optimizer.WeightDecay == 0:
                break;
            default:
                return null;
        }
        if (Value(at.Part, t, at.Slot) is not { } value || Effective(StepPart.Parameters, t - 1) is not { } before
            || values.GradientUsed(t)?[i] is not { } g) return null;
        string grad = $"g^{{({t - 1})}}";
        double eta = optimizer.LearningRate;

        if (optimizer is Sgd)
            return at.Part == StepPart.Parameters
                ? Line($"{Step(theta, t)} = {Step(theta, t - 1)} - \\eta\\,{grad}", $"{N(before)} - {N(eta)}\\,{P(g)}", value)
                : null;
        if (optimizer is not Momentum momentum) return null;

        string v = momentum.StateNames[0];
        double mu = momentum.Mu;
        if (at.Part == StepPart.State)
        {
            double previous = Effective(StepPart.State, t - 1) ?? 0;
            return momentum.Convention switch
            {
                MomentumConvention.PyTorch when t == 1 => Line($"{Step(v, 1)} = {grad}", N(g), value),
                MomentumConvention.PyTorch => Line($"{Step(v, t)} = \\mu\\,{Step(v, t - 1)} + (1 - d)\\,{grad}",
                    $"{N(mu)}\\,{P(previous)} + {N(1 - momentum.Dampening)}\\,{P(g)}", value),
                MomentumConvention.HeavyBall => Line($"{Step(v, t)} = \\mu\\,{Step(v, t - 1)} - \\eta\\,{grad}",
                    $"{N(mu)}\\,{P(previous)} - {N(eta)}\\,{P(g)}", value),
                MomentumConvention.VelocityStep => Line($"{Step(v, t)} = \\mu\\,{Step(v, t - 1)} + \\eta\\,{grad}",
                    $"{N(mu)}\\,{P(previous)} + {N(eta)}\\,{P(g)}", value),
                _ => Line($"{Step(v, t)} = \\beta\\,{Step(v, t - 1)} + (1 - \\beta)\\,{grad}",
                    $"{N(mu)}\\,{P(previous)} + {N(1 - mu)}\\,{P(g)}", value),
            };
        }
        if (Effective(StepPart.State, t) is not { } slot) return null;
        return momentum.Convention switch
        {
            MomentumConvention.HeavyBall => Line($"{Step(theta, t)} = {Step(theta, t - 1)} + {Step(v, t)}", $"{N(before)} + {S(slot)}", value),
            MomentumConvention.VelocityStep => Line($"{Step(theta, t)} = {Step(theta, t - 1)} - {Step(v, t)}", $"{N(before)} - {S(slot)}", value),
            _ => Line($"{Step(theta, t)} = {Step(theta, t - 1)} - \\eta\\,{Step(v, t)}", $"{N(before)} - {N(eta)}\\,{P(slot)}", value),
        };
    }
}
