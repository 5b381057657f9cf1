using GradApi.Domain.Numerics;
namespace GradApi.Domain.Optimizers;

/// <summary>
/// One optimizer with its resolved hyperparameters. <see cref="Step"/> updates one parameter
/// tensor and its state slots (named in <see cref="StateNames"/>, e.g. v, m, s) in place.
/// Every optimizer is elementwise, so weights and biases are stepped the same way.
/// </summary>
public abstract class Optimizer(double learningRate, double weightDecay)
{
    /// <summary>eta.</summary>
    public double LearningRate { get; private set; } = learningRate;

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

    /// <summary>
    /// The slots of the same step that a slot is computed from, beside g and (when <see cref="IsRecurrent"/>)
    /// its own previous value. The trace graph takes its edges from here; theta reads every slot.
    /// </summary>
    public virtual IReadOnlyList<int> SlotReads(int slot) => [];

    /// <summary>False for a slot recomputed from scratch each step (Adam's mhat and vhat).</summary>
    public virtual bool IsRecurrent(int slot) => true;

    /// <summary>Whether a slot reads g itself (Adam's mhat and vhat read only m and v).</summary>
    public virtual bool SlotReadsGradient(int slot) => true;

    /// <summary>
    /// The slots the parameter update itself reads (heavy-ball's theta + v reads v alone); every slot unless an
    /// optimizer says otherwise. Follow-through's usedAnswers for theta are exactly these, g if
    /// <see cref="StepReadsGradient"/>, and the previous theta.
    /// </summary>
    public virtual IReadOnlyList<int> StepReads => [.. Enumerable.Range(0, StateNames.Count)];

    /// <summary>Whether the parameter update reads g itself, beside its slots (sgd, adagrad, rmsprop without momentum).</summary>
    public virtual bool StepReadsGradient => true;

    /// <summary>The same optimizer with another eta (a diagnosis: the learning rate left out is eta = 1).</summary>
    public Optimizer WithLearningRate(double learningRate)
    {
        var copy = (Optimizer)MemberwiseClone();
        copy.LearningRate = learningRate;
        return copy;
    }

    /// <summary>
    /// Step t (1-based) for one parameter tensor: theta and state are updated in place. Slots are
    /// computed one whole tensor at a time, and <paramref name="slotComplete"/> hears of each before
    /// later slots and theta read it, so a caller can report it or carry a replacement forward.
    /// </summary>
    public virtual void Step(Span<double> theta, ReadOnlySpan<double> gradient, double[][] state, int t,
        ReadOnlySpan<double> gradientPoint, SlotComplete? slotComplete = null)
    {
        slotComplete ??= Ignore;
        if (WeightDecay == 0)
        {
            Apply(theta, gradient, state, t, slotComplete);
            return;
        }
        // L2 penalty: g + lambda theta, with theta where the gradient was taken.
        var g = System.Buffers.ArrayPool<double>.Shared.Rent(gradient.Length);
        try
        {
            Elementwise.SumScaled(gradient, gradientPoint, WeightDecay, g.AsSpan(0, gradient.Length));
            Apply(theta, g.AsSpan(0, gradient.Length), state, t, slotComplete);
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(g);
        }
    }

    /// <summary>Whether <see cref="StepInto"/> has a form for these settings (else the caller steps in place).</summary>
    public virtual bool StepsOutOfPlace => false;

    /// <summary>
    /// Step t with theta and state read and every result written to <paramref name="thetaOut"/> and
    /// <paramref name="stateOut"/> (arrays of the state's lengths), each element by exactly <see cref="Step"/>'s formulas:
    /// for a caller that reads no slot before the step ends and keeps every step's tensors, so none is copied.
    /// </summary>
    public virtual void StepInto(ReadOnlySpan<double> theta, Span<double> thetaOut, ReadOnlySpan<double> gradient, double[][] state, double[][] stateOut, int t) =>
        throw new NotSupportedException("this optimizer steps in place only");

    /// <summary>The table row: the state updates, slot by slot, then the parameter update for gradient g.</summary>
    protected abstract void Apply(Span<double> theta, ReadOnlySpan<double> g, double[][] state, int t, SlotComplete slotComplete);

    protected static readonly SlotComplete Ignore = _ => { };

    protected static KeyValuePair<string, object> Setting(string name, object value) => new(name, value);
}

/// <summary>Called when state slot <paramref name="slot"/> (an index into StateNames) holds this step's values.</summary>
public delegate void SlotComplete(int slot);

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
