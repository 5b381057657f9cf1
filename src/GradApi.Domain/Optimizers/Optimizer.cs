namespace GradApi.Domain.Optimizers;

/// <summary>
/// One optimizer with its resolved hyperparameters. <see cref="Step"/> updates one parameter
/// tensor and its state slots (named in <see cref="StateNames"/>, e.g. v, m, s) in place.
/// Every optimizer is elementwise, so weights and biases are stepped the same way.
/// </summary>
public abstract class Optimizer(double learningRate, double weightDecay)
{
    /// <summary>eta.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>lambda: added to the gradient as lambda theta (decoupled in AdamW).</summary>
    public double WeightDecay { get; } = weightDecay;

    public abstract string Type { get; }

    /// <summary>The state slots reported after each step, in order.</summary>
    public abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>True when the gradient is taken at a look-ahead point (Sutskever's Nesterov).</summary>
    public virtual bool UsesLookAhead => false;

    /// <summary>Every hyperparameter with its default filled in, in a stable order, for the echo.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, object>> Settings { get; }

    public virtual double[][] CreateState(int length)
    {
        var state = new double[StateNames.Count][];
        for (int s = 0; s < state.Length; s++) state[s] = new double[length];
        return state;
    }

    /// <summary>The point where the gradient is taken; theta itself unless <see cref="UsesLookAhead"/>.</summary>
    public virtual void LookAhead(ReadOnlySpan<double> theta, double[][] state, Span<double> point) => theta.CopyTo(point);

    /// <summary>Step t (1-based) for one parameter tensor: theta and state are updated in place.</summary>
    public virtual void Step(Span<double> theta, ReadOnlySpan<double> gradient, double[][] state, int t, ReadOnlySpan<double> gradientPoint)
    {
        if (WeightDecay == 0)
        {
            Apply(theta, gradient, state, t);
            return;
        }
        // L2 penalty: g + lambda theta, with theta where the gradient was taken.
        var g = new double[gradient.Length];
        for (int i = 0; i < g.Length; i++) g[i] = gradient[i] + WeightDecay * gradientPoint[i];
        Apply(theta, g, state, t);
    }

    /// <summary>The table row: the state update and the parameter update for gradient g.</summary>
    protected abstract void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t);

    protected static KeyValuePair<string, object> Setting(string name, object value) => new(name, value);
}

/// <summary>Where epsilon enters the denominator of RMSprop and Adam.</summary>
public enum EpsilonPlacement
{
    /// <summary>sqrt(s) + eps (PyTorch).</summary>
    OutsideSqrt,
    /// <summary>sqrt(s + eps) (Keras RMSprop).</summary>
    InsideSqrt,
    /// <summary>Adam only: eta sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps) (TensorFlow/Keras).</summary>
    Keras,
}
