using GradApi.Domain.Activations;
using GradApi.Domain.Numerics;
using GradApi.Domain.Tensors;

namespace GradApi.Domain.Training;

/// <summary>
/// Forward pass, loss, backprop and optimizer step, iteration by iteration, producing every
/// tensor of the contract. Iterations are produced lazily so a caller can stream them; every
/// tensor passes through the optional <see cref="ITraceHook"/>, which may substitute it.
/// A run that stops being finite is a result (<see cref="RunStatus.Diverged"/>), not an error.
/// The cancellation is checked per iteration and inside the passes, about every layer row and example, so a
/// stopped run ends within a fraction of a millisecond of work (OperationCanceledException).
/// </summary>
public sealed class TrainingRun
{
    readonly TrainingProblem _problem;
    readonly ITraceHook? _hook;
    readonly Mistake _mistake;
    readonly int? _mistakeLayer;
    readonly Tensor[] _weights;
    readonly Tensor?[] _biases;
    readonly double[][][] _weightState;
    readonly double[][][] _biasState;
    readonly TracePoint[] _reads = new TracePoint[8];
    readonly CancellationToken _cancel;
    // Reused tensors (reuseBuffers): the weight gradients, one per layer, and the batch's inputs.
    readonly Tensor?[]? _gradientBuffers;
    Tensor? _inputBuffer;

    // Whether the run was asked to reuse its buffers (it then holds the gradient buffers).
    bool ReusesBuffers => _gradientBuffers is not null;

    /// <param name="mistake">A slip to make throughout (grading's diagnoses); <see cref="Mistake.None"/> for the true run.</param>
    /// <param name="mistakeLayer">The one layer the slip is made in, every other layer computed right; null for every layer.</param>
    /// <param name="cancellation">Stops the run from inside its loops (a deadline or a client gone).</param>
    /// <param name="reuseBuffers">
    /// The tensors of an iteration stay valid only until the next iteration is asked for: parameters, state slots and weight
    /// gradients are then the run's own buffers, not copies (for a caller that writes each iteration before asking for the
    /// next; an MNIST-sized step otherwise copies six 800 KB tensors). Not with a hook, which may keep what it sees.
    /// </param>
    public TrainingRun(TrainingProblem problem, ITraceHook? hook = null, Mistake mistake = Mistake.None, int? mistakeLayer = null,
        CancellationToken cancellation = default, bool reuseBuffers = false)
    {
        if (reuseBuffers && hook is not null) throw new ArgumentException("a hook may keep the tensors it sees, so buffers cannot be reused", nameof(reuseBuffers));
        if (reuseBuffers) _gradientBuffers = new Tensor?[problem.Network.Layers.Count];
        _problem = problem;
        _cancel = cancellation;
        _hook = hook;
        _mistake = mistake;
        _mistakeLayer = mistakeLayer;
        var layers = problem.Network.Layers;
        int count = layers.Count;
        _weights = new Tensor[count];
        _biases = new Tensor?[count];
        _weightState = new double[count][][];
        _biasState = new double[count][][];
        var initial = new LayerParameters[count];
        for (int l = 0; l < count; l++)
        {
            var layer = layers[l];
            _weights[l] = layer.Weights.Copy();
            _biases[l] = layer.Biases?.Copy();
            _weightState[l] = problem.Optimizer.CreateState(layer.Weights.Length);
            _biasState[l] = layer.Biases is null ? [] : problem.Optimizer.CreateState(layer.Biases.Length);
            // The problem's own tensors: the run steps copies of them.
            initial[l] = new LayerParameters(layer.Name, layer.Weights, layer.Biases);
        }
        Initial = initial;
    }

    public IReadOnlyList<LayerParameters> Initial { get; }

    /// <summary>Completed, or Diverged once a loss or parameter stopped being finite. Final after enumeration.</summary>
    public RunStatus Status { get; private set; } = RunStatus.Completed;

    public int? DivergedAtIteration { get; private set; }

    /// <summary>
    /// The parameters after the last step taken: copies, or with reused buffers once the iterations have ended, the run's
    /// own tensors (no step writes them again).
    /// </summary>
    public IReadOnlyList<LayerParameters> Final => CurrentParameters(copy: !(ReusesBuffers && _ended));

    // The iterations were enumerated to their end or left: no step follows.
    bool _ended;

    public IEnumerable<IterationTrace> Iterations()
    {
        _ended = false;
        try
        {
            using var batches = _problem.Sampling.Batches(_problem.Data.Count).GetEnumerator();
            for (int t = 1; t <= _problem.Iterations && batches.MoveNext(); t++)
            {
                _cancel.ThrowIfCancellationRequested();
                CurrentExamples = batches.Current;
                // A hook that has seen every tensor it needs stops the run where it stands (grading's runs on a student's numbers).
                if (Step(t, batches.Current) is not { } trace) yield break;
                yield return trace;
                if (Status == RunStatus.Diverged) yield break;
            }
        }
        finally
        {
            _ended = true;
        }
    }

    /// <summary>The examples of the iteration being computed.</summary>
    public int[] CurrentExamples { get; private set; } = [];

    bool HookDone => _hook is { Done: true };

    // One iteration, phase by phase; a hook that has all it needs stops the run between phases.
    IterationTrace? Step(int t, int[] examples)
    {
        int index = t - 1;
        var point = PointOfGradient(index);
        var forward = Forward(index, examples, point);
        if (HookDone) return null;
        var loss = Loss(index, examples, forward);
        if (HookDone) return null;
        var (outputGradient, backward) = Backward(index, t, forward, loss, point);
        if (HookDone) return null;
        var update = Update(index, t, backward, point, loss.Trace.Value);
        return new IterationTrace(t, examples, forward.Layers, loss.Trace, outputGradient, backward, update);
    }

    GradientPoint? _point;
    (bool[] Output, bool[] Derivative)? _replaced;

    // Where the gradient is taken, per layer: the parameters, and the trace points they are read from.
    readonly record struct GradientPoint(Tensor[] Weights, Tensor?[] Biases, TracePoint[] WeightsAt, TracePoint[] BiasesAt, LayerParameters?[] LookAhead);

    // The forward pass, and which layers' a and sigma' a hook replaced (a student's own, carried by hand from there on).
    readonly record struct ForwardPass(ForwardLayer[] Layers, bool[] ReplacedOutput, bool[] ReplacedDerivative);

    // The loss, with what the backward pass reads of it: targets, the reduction's scale, and whether z still stands for a.
    readonly record struct LossPass(LossTrace Trace, Tensor Targets, double Scale, bool FromLogits);

    // The parameters, or Sutskever's look-ahead theta + mu v.
    GradientPoint PointOfGradient(int index)
    {
        var layers = _problem.Network.Layers;
        var optimizer = _problem.Optimizer;
        int count = layers.Count, previous = index - 1;
        // One set of arrays for the run, filled again each step: nothing keeps them past the step (their elements are kept).
        var point = _point ??= new GradientPoint(new Tensor[count], new Tensor?[count], new TracePoint[count], new TracePoint[count], new LayerParameters?[count]);
        for (int l = 0; l < count; l++)
        {
            point.WeightsAt[l] = new(previous, TraceField.Weights, l);
            point.BiasesAt[l] = new(previous, TraceField.Biases, l);
            if (!optimizer.UsesLookAhead)
            {
                point.Weights[l] = _weights[l];
                point.Biases[l] = _biases[l];
                continue;
            }
            var velocity = new TracePoint(previous, TraceField.StateWeights, l, optimizer.StateNames[0]);
            point.Weights[l] = Emit(new(index, TraceField.LookAheadWeights, l), LookAheadOf(_weights[l], _weightState[l]), [point.WeightsAt[l], velocity]);
            point.WeightsAt[l] = new(index, TraceField.LookAheadWeights, l);
            if (_biases[l] is { } b)
            {
                var biasVelocity = new TracePoint(previous, TraceField.StateBiases, l, optimizer.StateNames[0]);
                point.Biases[l] = Emit(new(index, TraceField.LookAheadBiases, l), LookAheadOf(b, _biasState[l]), [point.BiasesAt[l], biasVelocity]);
                point.BiasesAt[l] = new(index, TraceField.LookAheadBiases, l);
            }
            point.LookAhead[l] = new LayerParameters(layers[l].Name, point.Weights[l].Copy(), point.Biases[l]?.Copy());
        }
        return point;
    }

    // Forward: z = W a + b, a = f(z), activationDerivative = f'(z).
    ForwardPass Forward(int index, int[] examples, GradientPoint point)
    {
        var layers = _problem.Network.Layers;
        int count = layers.Count;
        // The layers go into the trace; the two flags are the step's own, one pair for the run.
        _replaced ??= (new bool[count], new bool[count]);
        var pass = new ForwardPass(new ForwardLayer[count], _replaced.Value.Output, _replaced.Value.Derivative);
        // Reused buffers and the whole data set in order (full batch): the inputs themselves, which nothing writes.
        var input = ReusesBuffers && InOrder(examples, _problem.Data.Count) ? _problem.Data.Inputs
            : Gather(_problem.Data.Inputs, examples, ReusesBuffers ? _inputBuffer : null);
        if (ReusesBuffers && !ReferenceEquals(input, _problem.Data.Inputs)) _inputBuffer = input;
        for (int l = 0; l < count; l++)
        {
            var activation = layers[l].Activation;
            input = l == 0
                ? Emit(new(index, TraceField.Input, l), input, [])
                : Emit(new(index, TraceField.Input, l), input, [new(index, TraceField.A, l - 1)]);
            var z = layers[l].HasBiases
                ? Emit(new(index, TraceField.Z, l), PreActivation(point.Weights[l], point.Biases[l], input, _cancel), [new(index, TraceField.Input, l), point.WeightsAt[l], point.BiasesAt[l]])
                : Emit(new(index, TraceField.Z, l), PreActivation(point.Weights[l], null, input, _cancel), [new(index, TraceField.Input, l), point.WeightsAt[l]]);
            var computedA = Activate(activation, z);
            var a = Emit(new(index, TraceField.A, l), computedA, [new(index, TraceField.Z, l)]);
            // A student's own a carries into sigma' by the hand form a (1 - a); softmax's Jacobian is always written in a.
            pass.ReplacedOutput[l] = !ReferenceEquals(a, computedA);
            var (computedDerivative, derivedFrom) = Slips(Mistake.ActivationValueForDerivative, l) && activation.IsElementwise
                ? (a.Copy(), TraceField.A)
                : pass.ReplacedOutput[l] || !activation.IsElementwise
                    ? (DerivativeOfOutput(activation, a), TraceField.A)
                    : (DerivativeOf(activation, z, a), TraceField.Z);
            var derivative = Emit(new(index, TraceField.ActivationDerivative, l), computedDerivative, [new(index, derivedFrom, l)]);
            pass.ReplacedDerivative[l] = !ReferenceEquals(derivative, computedDerivative);
            pass.Layers[l] = new ForwardLayer(layers[l].Name, input, z, a, derivative);
            input = a;
        }
        return pass;
    }

    // Loss: l per example, J = sum or mean over the batch. From z when the loss fuses with the output
    // activation, unless a student's own a replaced the computed one: then from that a, as by hand.
    LossPass Loss(int index, int[] examples, ForwardPass forward)
    {
        int last = forward.Layers.Length - 1;
        var output = forward.Layers[last];
        var outputActivation = _problem.Network.Layers[last].Activation;
        // As the inputs: with reused buffers and the whole data set in order, the targets themselves, which nothing writes.
        var targets = ReusesBuffers && InOrder(examples, _problem.Data.Count) ? _problem.Data.Targets : Gather(_problem.Data.Targets, examples);
        var spec = _problem.Loss;
        double scale = Losses.ReductionScale.Of(spec.Reduction, examples.Length);
        bool fromLogits = !forward.ReplacedOutput[last];
        TracePoint outputZ = new(index, TraceField.Z, last), outputA = new(index, TraceField.A, last);
        var perExample = EmitFromOutput(new(index, TraceField.LossPerExample), PerExample(spec.Loss, outputActivation, output, targets, fromLogits), spec.Loss, fromLogits, outputZ, outputA);
        double value = Reduce(perExample.Data, scale);
        if (_hook is not null) value = Emit(new(index, TraceField.LossValue), Tensor.Scalar(value), [new(index, TraceField.LossPerExample)]).Data[0];
        var also = new KeyValuePair<string, double>[spec.AlsoReport.Count];
        for (int i = 0; i < also.Length; i++)
        {
            var loss = spec.AlsoReport[i];
            double reduced = Reduce(PerExample(loss, outputActivation, output, targets, fromLogits).Data, scale);
            if (_hook is not null)
                reduced = EmitFromOutput(new(index, TraceField.LossAlso, 0, loss.Name), Tensor.Scalar(reduced), loss, fromLogits, outputZ, outputA).Data[0];
            also[i] = KeyValuePair.Create(loss.Name, reduced);
        }
        return new LossPass(new LossTrace(spec.Loss.Name, value, perExample, also), targets, scale, fromLogits);
    }

    // Backward: outputGradient = dJ/da; delta = dJ/dz from the last layer down; dJ/dW = delta^T input.
    (Tensor OutputGradient, BackwardLayer[] Layers) Backward(int index, int t, ForwardPass forward, LossPass loss, GradientPoint point)
    {
        var layers = _problem.Network.Layers;
        int last = layers.Count - 1;
        var output = forward.Layers[last];
        var outputActivation = layers[last].Activation;
        var spec = _problem.Loss;
        var (targets, scale, fromLogits) = (loss.Targets, loss.Scale, loss.FromLogits);
        TracePoint outputZ = new(index, TraceField.Z, last), outputA = new(index, TraceField.A, last);
        var computedGradient = OutputGradient(spec.Loss, outputActivation, output, targets, scale, fromLogits);
        var outputGradient = EmitFromOutput(new(index, TraceField.OutputGradient), computedGradient, spec.Loss, fromLogits, outputZ, outputA);
        var backward = new BackwardLayer[layers.Count];
        Tensor? deltaAbove = null;
        for (int l = last; l >= 0; l--)
        {
            TracePoint derivativeAt = new(index, TraceField.ActivationDerivative, l);
            Tensor delta;
            if (l == last)
            {
                // The short form a - y: from z, unless a student's own sigma' or dJ/da is to be carried through; from a
                // student's own a as a hand computation writes it (delta = a - y, however a's sigma' and dJ/da were rounded).
                bool fused = spec.Loss.FusesWith(outputActivation)
                    && !Slips(Mistake.MissingActivationDerivative, l) && !Slips(Mistake.ActivationValueForDerivative, l);
                bool shortForm = fused && fromLogits && !forward.ReplacedDerivative[l] && ReferenceEquals(outputGradient, computedGradient);
                delta = shortForm ? Emit(new(index, TraceField.Delta, l), OutputDelta(spec.Loss, output, targets, scale), [outputZ, outputA])
                    : fused && !fromLogits ? Emit(new(index, TraceField.Delta, l), OutputDeltaFromA(spec.Loss, output.A, targets, scale), [outputA])
                    : Emit(new(index, TraceField.Delta, l), Chain(l, layers[l].Activation, output.ActivationDerivative, outputGradient), [derivativeAt, new(index, TraceField.OutputGradient)]);
            }
            else
            {
                // The slip reads W above as updated this iteration: a student's own written update where there is one.
                var weightsAbove = Slips(Mistake.UsedUpdatedWeights, l)
                    ? Preview(new(index, TraceField.Weights, l + 1), UpdatedWeights(l + 1, backward[l + 1], point.Weights[l + 1], t))
                    : point.Weights[l + 1];
                delta = Emit(new(index, TraceField.Delta, l), Chain(l, layers[l].Activation, forward.Layers[l].ActivationDerivative, BackThrough(weightsAbove, deltaAbove!, _cancel)),
                    [derivativeAt, new(index, TraceField.Delta, l + 1), point.WeightsAt[l + 1]]);
            }
            var weightGradient = Emit(new(index, TraceField.WeightGradient, l), WeightGradient(delta, forward.Layers[l].Input, _cancel, _gradientBuffers, l),
                [new(index, TraceField.Delta, l), new(index, TraceField.Input, l)]);
            var biasGradient = layers[l].HasBiases
                ? Emit(new(index, TraceField.BiasGradient, l), ColumnSums(delta), [new(index, TraceField.Delta, l)])
                : null;
            backward[l] = new BackwardLayer(layers[l].Name, delta, weightGradient, biasGradient);
            deltaAbove = delta;
        }
        return (outputGradient, backward);
    }

    // Update: one optimizer step per parameter tensor, each state slot reported as soon as it is complete. A loss or
    // parameter that stopped being finite ends the run as diverged.
    UpdateLayer[] Update(int index, int t, BackwardLayer[] backward, GradientPoint point, double loss)
    {
        var layers = _problem.Network.Layers;
        var optimizer = _problem.Optimizer;
        var update = new UpdateLayer[layers.Count];
        bool finite = double.IsFinite(loss);
        for (int l = 0; l < layers.Count; l++)
        {
            // The stepped tensors are the ones reported; the next step works on copies of them.
            // Stepped out of place, the tensors are new ones that no later step writes: kept as they are.
            var (steppedWeights, weightSlots, fresh) = StepParameter(index, l, TraceField.Weights, _weights[l], backward[l].WeightGradient, _weightState[l], point.Weights[l], t);
            _weights[l] = !ReusesBuffers && !fresh ? steppedWeights.Copy() : steppedWeights;
            Tensor? steppedBiases = null;
            Tensor?[] biasSlots = [];
            if (_biases[l] is { } biases)
            {
                (steppedBiases, biasSlots, fresh) = StepParameter(index, l, TraceField.Biases, biases, backward[l].BiasGradient!, _biasState[l], point.Biases[l]!, t);
                _biases[l] = !ReusesBuffers && !fresh ? steppedBiases.Copy() : steppedBiases;
            }
            var state = new StateSlot[optimizer.StateNames.Count];
            for (int s = 0; s < state.Length; s++)
                state[s] = new StateSlot(optimizer.StateNames[s], weightSlots[s]!, steppedBiases is null ? null : biasSlots[s]);
            update[l] = new UpdateLayer(layers[l].Name, steppedWeights, steppedBiases, state, point.LookAhead[l]);
            finite &= _weights[l].AllFinite() && (_biases[l]?.AllFinite() ?? true);
        }

        if (!finite)
        {
            Status = RunStatus.Diverged;
            DivergedAtIteration = t;
        }
        return update;
    }

    // One optimizer step of one parameter tensor (weights or biases) of layer l: each state slot is emitted as the
    // optimizer completes it, so a replacement is what later slots and theta read; then theta itself is emitted.
    // Fresh: stepped out of place into new tensors (theta and the state slots), which the run's state now is.
    (Tensor Theta, Tensor?[] Slots, bool Fresh) StepParameter(int index, int l, TraceField field, Tensor theta, Tensor gradient, double[][] state, Tensor gradientPoint, int t)
    {
        var optimizer = _problem.Optimizer;
        var names = optimizer.StateNames;
        var slots = new Tensor?[names.Count];
        // Nothing to report between slots and every step's tensors kept: new tensors written once instead of copies of
        // the stepped ones (an MNIST-sized step would otherwise copy five 800 KB tensors).
        if (_hook is null && !ReusesBuffers && optimizer.StepsOutOfPlace && !Slips(Mistake.StepInWrongDirection, l))
        {
            var stepped = new Tensor(theta.Shape, GC.AllocateUninitializedArray<double>(theta.Length));
            var next = new double[state.Length][];
            for (int s = 0; s < next.Length; s++) next[s] = GC.AllocateUninitializedArray<double>(state[s].Length);
            optimizer.StepInto(theta.Data, stepped.Data, gradient.Data, state, next, t);
            for (int s = 0; s < next.Length; s++)
            {
                state[s] = next[s];
                slots[s] = new Tensor(theta.Shape, next[s]);
            }
            return (stepped, slots, true);
        }
        var (slotField, gradientField) = FieldsOf(field);
        var before = Slips(Mistake.StepInWrongDirection, l) ? (double[])theta.Data.Clone() : null;

        // Without a hook no slot can be replaced, so the optimizer may compute them all in one pass; each is carried below.
        optimizer.Step(theta.Data, gradient.Data, state, t, gradientPoint.Data, _hook is null ? null : SlotReporter(index, l, field, theta.Shape, state, slots));
        for (int s = 0; s < slots.Length; s++)
            slots[s] ??= Carry(new(index, slotField, l, names[s]), state[s], theta.Shape, [new(index, gradientField, l)]);

        // The wrong direction: theta_old - (theta_new - theta_old).
        if (before is not null)
            for (int i = 0; i < before.Length; i++) theta.Data[i] = 2 * before[i] - theta.Data[i];

        // Nothing to see the edges below: theta as stepped.
        if (_hook is null) return (theta, slots, false);
        TracePoint previousTheta = new(index - 1, field, l);

        // Edges: the previous theta, and what the update itself reads (heavy-ball's theta + v: v, not g).
        var stepReads = optimizer.StepReads;
        int gradientRead = optimizer.StepReadsGradient ? 1 : 0;
        var thetaReads = new TracePoint[1 + gradientRead + stepReads.Count];
        thetaReads[0] = previousTheta;
        if (gradientRead == 1) thetaReads[1] = new(index, gradientField, l);
        for (int s = 0; s < stepReads.Count; s++) thetaReads[1 + gradientRead + s] = new(index, slotField, l, names[stepReads[s]]);
        // What the hook returns is what the run carries on (the student's theta in follow-through); the emitted
        // tensor itself is never written again, so a hook may keep it.
        return (Emit(new(index, field, l), theta, thetaReads), slots, false);
    }

    // The state slot and gradient fields of a parameter field (weights or biases).
    static (TraceField Slot, TraceField Gradient) FieldsOf(TraceField field) => field == TraceField.Weights
        ? (TraceField.StateWeights, TraceField.WeightGradient)
        : (TraceField.StateBiases, TraceField.BiasGradient);

    // Each state slot emitted as the optimizer completes it, so a replacement is what later slots and theta read. Apart
    // from StepParameter, so a run without a hook makes no closure.
    Optimizers.SlotComplete SlotReporter(int index, int l, TraceField field, int[] shape, double[][] state, Tensor?[] slots)
    {
        var optimizer = _problem.Optimizer;
        var names = optimizer.StateNames;
        var (slotField, gradientField) = FieldsOf(field);
        TracePoint previousTheta = new(index - 1, field, l);
        return slot =>
        {
            // Edges: g, the slot's own previous value, the slots of this step it reads, theta under weight decay.
            var reads = _reads;
            int n = 0;
            if (optimizer.SlotReadsGradient(slot)) reads[n++] = new(index, gradientField, l);
            if (optimizer.IsRecurrent(slot)) reads[n++] = new(index - 1, slotField, l, names[slot]);
            foreach (var read in optimizer.SlotReads(slot)) reads[n++] = new(index, slotField, l, names[read]);
            if (optimizer.WeightDecay != 0) reads[n++] = previousTheta;
            slots[slot] = Carry(new(index, slotField, l, names[slot]), state[slot], shape, reads.AsSpan(0, n));
        };
    }

    // Backprop's slip: W of the layer above after this iteration's step, taken on copies of it and its state.
    Tensor UpdatedWeights(int l, BackwardLayer gradients, Tensor gradientPoint, int t)
    {
        var weights = _weights[l].Copy();
        var state = _weightState[l].Select(s => (double[])s.Clone()).ToArray();
        _problem.Optimizer.Step(weights.Data, gradients.WeightGradient.Data, state, t, gradientPoint.Data);
        return weights;
    }

    // delta = D dJ/da, or with the derivative left out (a diagnosis) dJ/da itself.
    Tensor Chain(int l, Activation activation, Tensor derivative, Tensor dJda) =>
        Slips(Mistake.MissingActivationDerivative, l) ? dJda.Copy() : ChainDerivative(activation, derivative, dJda);

    bool Slips(Mistake mistake, int layer) => _mistake == mistake && (_mistakeLayer is null || _mistakeLayer == layer);

    Tensor Emit(TracePoint point, Tensor computed, ReadOnlySpan<TracePoint> inputs) =>
        _hook is null ? computed : _hook.OnTensor(point, inputs, computed);

    Tensor Preview(TracePoint point, Tensor computed) => _hook is null ? computed : _hook.Preview(point, computed);

    // A tensor computed from the output layer: from z and a when the fused form was used, else from a.
    Tensor EmitFromOutput(TracePoint point, Tensor computed, Losses.Loss loss, bool fromLogits, TracePoint z, TracePoint a) =>
        fromLogits && loss.FusesWith(_problem.Network.Layers[^1].Activation) ? Emit(point, computed, [z, a]) : Emit(point, computed, [a]);

    // A state slot is reported as a copy; an override is written back so the rest of the run uses it.
    Tensor Carry(TracePoint point, double[] slot, int[] shape, ReadOnlySpan<TracePoint> inputs)
    {
        // Reused buffers: the slot itself, valid until the next step writes it.
        if (ReusesBuffers) return new Tensor(shape, slot);
        var copy = GC.AllocateUninitializedArray<double>(slot.Length);
        slot.CopyTo(copy, 0);
        var computed = new Tensor(shape, copy);
        var reported = Emit(point, computed, inputs);
        if (!ReferenceEquals(reported, computed)) reported.Data.CopyTo(slot, 0);
        return reported;
    }

    Tensor LookAheadOf(Tensor theta, double[][] state)
    {
        var point = Tensor.Zeros(theta.Shape);
        _problem.Optimizer.LookAhead(theta.Data, state, point.Data);
        return point;
    }

    IReadOnlyList<LayerParameters> CurrentParameters(bool copy)
    {
        var layers = _problem.Network.Layers;
        var parameters = new LayerParameters[layers.Count];
        for (int l = 0; l < parameters.Length; l++)
            parameters[l] = copy ? new(layers[l].Name, _weights[l].Copy(), _biases[l]?.Copy()) : new(layers[l].Name, _weights[l], _biases[l]);
        return parameters;
    }

    static bool InOrder(int[] examples, int count)
    {
        if (examples.Length != count) return false;
        for (int b = 0; b < examples.Length; b++) if (examples[b] != b) return false;
        return true;
    }

    static Tensor Gather(Tensor rows, int[] indices, Tensor? reused = null)
    {
        var result = reused is not null && reused.Rows == indices.Length ? reused : Tensor.Zeros(indices.Length, rows.Columns);
        for (int b = 0; b < indices.Length; b++) rows.ReadRow(indices[b]).CopyTo(result.Row(b));
        return result;
    }

    // z[b][i] = b_i + sum_j W[i][j] input[b][j]
    static Tensor PreActivation(Tensor weights, Tensor? biases, Tensor input, CancellationToken cancel)
    {
        var z = Tensor.Zeros(input.Rows, weights.Rows);
        Affine.Evaluate(weights.Data, weights.Rows, biases is null ? default : biases.Data, input.Data, input.Rows, z.Data, cancel);
        return z;
    }

    static Tensor Activate(Activation activation, Tensor z)
    {
        var a = Tensor.Zeros(z.Shape);
        for (int b = 0; b < z.Rows; b++) activation.Forward(z.ReadRow(b), a.Row(b));
        return a;
    }

    static Tensor DerivativeOfOutput(Activation activation, Tensor a)
    {
        int n = a.Columns, width = activation.DerivativeWidth(n);
        var derivative = activation.IsElementwise ? Tensor.Zeros(a.Rows, n) : Tensor.Zeros(a.Rows, n, n);
        for (int b = 0; b < a.Rows; b++)
            activation.DerivativeOfOutput(a.ReadRow(b), derivative.Data.AsSpan(b * width, width));
        return derivative;
    }

    static Tensor DerivativeOf(Activation activation, Tensor z, Tensor a)
    {
        int n = z.Columns, width = activation.DerivativeWidth(n);
        var derivative = activation.IsElementwise ? Tensor.Zeros(z.Rows, n) : Tensor.Zeros(z.Rows, n, n);
        for (int b = 0; b < z.Rows; b++)
            activation.DerivativeOf(z.ReadRow(b), a.ReadRow(b), derivative.Data.AsSpan(b * width, width));
        return derivative;
    }

    // J = scale * sum of l; when the sum overflows but the mean need not, scale each term first.
    static double Reduce(double[] perExample, double scale)
    {
        double value = scale * perExample.Sum();
        if (!double.IsInfinity(value) || scale == 1.0) return value;
        double scaled = 0;
        foreach (var l in perExample) scaled += scale * l;
        return scaled;
    }

    static Tensor PerExample(Losses.Loss loss, Activation output, ForwardLayer last, Tensor targets, bool fromLogits)
    {
        var values = Tensor.Zeros(targets.Rows);
        for (int b = 0; b < targets.Rows; b++)
            values.Data[b] = fromLogits
                ? loss.ValueFor(output, last.Z.ReadRow(b), last.A.ReadRow(b), targets.ReadRow(b))
                : loss.Value(last.A.ReadRow(b), targets.ReadRow(b));
        return values;
    }

    // dJ/da = scale dl/da, taken from z where the loss pairs with the output activation.
    static Tensor OutputGradient(Losses.Loss loss, Activation output, ForwardLayer last, Tensor targets, double scale, bool fromLogits)
    {
        var gradient = Tensor.Zeros(targets.Shape);
        bool fused = fromLogits && loss.FusesWith(output);
        for (int b = 0; b < targets.Rows; b++)
        {
            if (fused) loss.GradientFromLogits(last.Z.ReadRow(b), last.A.ReadRow(b), targets.ReadRow(b), gradient.Row(b));
            else loss.Gradient(last.A.ReadRow(b), targets.ReadRow(b), gradient.Row(b));
        }
        Scale(gradient, scale);
        return gradient;
    }

    // delta_L for bce after sigmoid and ce after softmax: the short form a - y, from z.
    static Tensor OutputDelta(Losses.Loss loss, ForwardLayer last, Tensor targets, double scale)
    {
        var delta = Tensor.Zeros(targets.Shape);
        for (int b = 0; b < targets.Rows; b++)
            loss.DeltaFromLogits(last.Z.ReadRow(b), last.A.ReadRow(b), targets.ReadRow(b), delta.Row(b));
        Scale(delta, scale);
        return delta;
    }

    // The same short form from a given a alone (a student's own): a - y, or a sum(y) - y after softmax.
    static Tensor OutputDeltaFromA(Losses.Loss loss, Tensor a, Tensor targets, double scale)
    {
        var delta = Tensor.Zeros(targets.Shape);
        for (int b = 0; b < targets.Rows; b++) loss.DeltaFromOutput(a.ReadRow(b), targets.ReadRow(b), delta.Row(b));
        Scale(delta, scale);
        return delta;
    }

    // dJ/da of layer l = delta_(l+1) W_(l+1), per example: W^T delta in column form. The Hessian's primal reads it too.
    internal static Tensor BackThrough(Tensor weightsAbove, Tensor deltaAbove, CancellationToken cancel)
    {
        int batch = deltaAbove.Rows, outputs = weightsAbove.Rows, inputs = weightsAbove.Columns;
        var gradient = Tensor.Zeros(batch, inputs);
        if (Kernels.Worthwhile(batch, outputs, inputs))
        {
            Kernels.BackThrough(weightsAbove.Data, outputs, inputs, deltaAbove.Data, batch, gradient.Data, cancel);
            return gradient;
        }
        for (int b = 0; b < batch; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var row = gradient.Row(b);
            for (int k = 0; k < outputs; k++)
            {
                double d = deltaAbove.Data[b * outputs + k];
                var w = weightsAbove.ReadRow(k);
                for (int j = 0; j < inputs; j++) row[j] += w[j] * d;
            }
        }
        return gradient;
    }

    // dJ/dz = D dJ/da with the reported derivative D: a diagonal (elementwise) or a Jacobian per example.
    static Tensor ChainDerivative(Activation activation, Tensor derivative, Tensor dJda)
    {
        int batch = dJda.Rows, n = dJda.Columns;
        var delta = Tensor.Zeros(batch, n);
        for (int b = 0; b < batch; b++)
        {
            if (activation.IsElementwise)
            {
                for (int i = 0; i < n; i++) delta.Data[b * n + i] = derivative.Data[b * n + i] * dJda.Data[b * n + i];
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += derivative.Data[(b * n + j) * n + i] * dJda.Data[b * n + j];
                delta.Data[b * n + i] = sum;
            }
        }
        return delta;
    }

    // dJ/dW[i][j] = sum_b delta[b][i] input[b][j]
    static Tensor WeightGradient(Tensor delta, Tensor input, CancellationToken cancel, Tensor?[]? buffers = null, int layer = 0)
    {
        int outputs = delta.Columns, inputs = input.Columns;
        if (Kernels.Worthwhile(delta.Rows, outputs, inputs))
        {
            // The kernel writes every element: no zeros first, and a reused buffer as it stands.
            var written = buffers?[layer] ?? new Tensor([outputs, inputs], GC.AllocateUninitializedArray<double>(outputs * inputs));
            if (buffers is not null) buffers[layer] = written;
            Kernels.WeightGradient(delta.Data, outputs, input.Data, inputs, delta.Rows, written.Data, cancel);
            return written;
        }
        var gradient = Tensor.Zeros(outputs, inputs);
        for (int b = 0; b < delta.Rows; b++)
            for (int i = 0; i < outputs; i++)
            {
                if (i == 0) cancel.ThrowIfCancellationRequested();
                double d = delta.Data[b * outputs + i];
                var row = gradient.Row(i);
                var x = input.ReadRow(b);
                for (int j = 0; j < inputs; j++) row[j] += d * x[j];
            }
        return gradient;
    }

    // dJ/db[i] = sum_b delta[b][i]
    static Tensor ColumnSums(Tensor delta)
    {
        var sums = Tensor.Zeros(delta.Columns);
        for (int b = 0; b < delta.Rows; b++)
            for (int i = 0; i < delta.Columns; i++) sums.Data[i] += delta.Data[b * delta.Columns + i];
        return sums;
    }

    static void Scale(Tensor tensor, double factor)
    {
        if (factor == 1.0) return;
        for (int i = 0; i < tensor.Length; i++) tensor.Data[i] *= factor;
    }
}
