using GradApi.Domain.Activations;
using GradApi.Domain.Numerics;
using GradApi.Domain.Tensors;

namespace GradApi.Domain.Training;

/// <summary>
/// Forward pass, loss, backprop and optimizer step, iteration by iteration, producing every
/// tensor of the contract. Iterations are produced lazily so a caller can stream them; every
/// tensor passes through the optional <see cref="ITraceHook"/>, which may substitute it.
/// A run that stops being finite is a result (<see cref="RunStatus.Diverged"/>), not an error.
/// </summary>
public sealed class TrainingRun
{
    readonly TrainingProblem _problem;
    readonly ITraceHook? _hook;
    readonly Tensor[] _weights;
    readonly Tensor?[] _biases;
    readonly double[][][] _weightState;
    readonly double[][][] _biasState;

    public TrainingRun(TrainingProblem problem, ITraceHook? hook = null)
    {
        _problem = problem;
        _hook = hook;
        var layers = problem.Network.Layers;
        _weights = layers.Select(l => l.Weights.Copy()).ToArray();
        _biases = layers.Select(l => l.Biases?.Copy()).ToArray();
        _weightState = layers.Select(l => problem.Optimizer.CreateState(l.Weights.Length)).ToArray();
        _biasState = layers.Select(l => l.Biases is null ? [] : problem.Optimizer.CreateState(l.Biases.Length)).ToArray();
        Initial = CurrentParameters();
    }

    public IReadOnlyList<LayerParameters> Initial { get; }

    /// <summary>Completed, or Diverged once a loss or parameter stopped being finite. Final after enumeration.</summary>
    public RunStatus Status { get; private set; } = RunStatus.Completed;

    public int? DivergedAtIteration { get; private set; }

    /// <summary>The parameters after the last step taken.</summary>
    public IReadOnlyList<LayerParameters> Final => CurrentParameters();

    public IEnumerable<IterationTrace> Iterations()
    {
        using var batches = _problem.Sampling.Batches(_problem.Data.Count).GetEnumerator();
        for (int t = 1; t <= _problem.Iterations && batches.MoveNext(); t++)
        {
            var trace = Step(t, batches.Current);
            yield return trace;
            if (Status == RunStatus.Diverged) yield break;
        }
    }

    IterationTrace Step(int t, int[] examples)
    {
        var layers = _problem.Network.Layers;
        int count = layers.Count, batch = examples.Length, index = t - 1;

        // The point where the gradient is taken: the parameters, or Sutskever's look-ahead theta + mu v.
        var pointWeights = new Tensor[count];
        var pointBiases = new Tensor?[count];
        var lookAhead = new LayerParameters?[count];
        for (int l = 0; l < count; l++)
        {
            if (!_problem.Optimizer.UsesLookAhead)
            {
                pointWeights[l] = _weights[l];
                pointBiases[l] = _biases[l];
                continue;
            }
            pointWeights[l] = Emit(new(index, TraceField.LookAheadWeights, l), LookAheadOf(_weights[l], _weightState[l]));
            pointBiases[l] = _biases[l] is { } b ? Emit(new(index, TraceField.LookAheadBiases, l), LookAheadOf(b, _biasState[l])) : null;
            lookAhead[l] = new LayerParameters(layers[l].Name, pointWeights[l].Copy(), pointBiases[l]?.Copy());
        }

        // Forward: z = W a + b, a = f(z), activationDerivative = f'(z).
        var forward = new ForwardLayer[count];
        var input = Gather(_problem.Data.Inputs, examples);
        for (int l = 0; l < count; l++)
        {
            var activation = layers[l].Activation;
            input = Emit(new(index, TraceField.Input, l), input);
            var z = Emit(new(index, TraceField.Z, l), PreActivation(pointWeights[l], pointBiases[l], input));
            var a = Emit(new(index, TraceField.A, l), Activate(activation, z));
            var derivative = Emit(new(index, TraceField.ActivationDerivative, l), DerivativeOf(activation, z, a));
            forward[l] = new ForwardLayer(layers[l].Name, input, z, a, derivative);
            input = a;
        }

        // Loss: l per example, J = sum or mean over the batch.
        var output = forward[^1];
        var outputActivation = layers[^1].Activation;
        var targets = Gather(_problem.Data.Targets, examples);
        var spec = _problem.Loss;
        double scale = spec.Reduction == Losses.Reduction.Mean ? 1.0 / batch : 1.0;
        var perExample = Emit(new(index, TraceField.LossPerExample), PerExample(spec.Loss, outputActivation, output, targets));
        double value = Reduce(perExample.Data, scale);
        var also = spec.AlsoReport
            .Select(loss => KeyValuePair.Create(loss.Name, Reduce(PerExample(loss, outputActivation, output, targets).Data, scale)))
            .ToArray();

        // Backward: outputGradient = dJ/da; delta = dJ/dz from the last layer down; dJ/dW = delta^T input.
        var outputGradient = Emit(new(index, TraceField.OutputGradient), OutputGradient(spec.Loss, outputActivation, output, targets, scale));
        var backward = new BackwardLayer[count];
        Tensor? deltaAbove = null;
        for (int l = count - 1; l >= 0; l--)
        {
            var delta = l == count - 1
                ? OutputDelta(spec.Loss, outputActivation, output, targets, outputGradient, scale)
                : ChainDerivative(layers[l].Activation, forward[l].ActivationDerivative, BackThrough(pointWeights[l + 1], deltaAbove!));
            delta = Emit(new(index, TraceField.Delta, l), delta);
            var weightGradient = Emit(new(index, TraceField.WeightGradient, l), WeightGradient(delta, forward[l].Input));
            var biasGradient = layers[l].HasBiases ? Emit(new(index, TraceField.BiasGradient, l), ColumnSums(delta)) : null;
            backward[l] = new BackwardLayer(layers[l].Name, delta, weightGradient, biasGradient);
            deltaAbove = delta;
        }

        // Update: one optimizer step per parameter tensor, state slots reported beside the parameters.
        var update = new UpdateLayer[count];
        var optimizer = _problem.Optimizer;
        bool finite = double.IsFinite(value);
        for (int l = 0; l < count; l++)
        {
            optimizer.Step(_weights[l].Data, backward[l].WeightGradient.Data, _weightState[l], t, pointWeights[l].Data);
            if (_biases[l] is { } b)
                optimizer.Step(b.Data, backward[l].BiasGradient!.Data, _biasState[l], t, pointBiases[l]!.Data);

            var state = new StateSlot[optimizer.StateNames.Count];
            for (int s = 0; s < state.Length; s++)
            {
                string name = optimizer.StateNames[s];
                var weightSlot = Carry(new(index, TraceField.StateWeights, l, name), _weightState[l][s], _weights[l].Shape);
                var biasSlot = _biases[l] is { } bs ? Carry(new(index, TraceField.StateBiases, l, name), _biasState[l][s], bs.Shape) : null;
                state[s] = new StateSlot(name, weightSlot, biasSlot);
            }
            _weights[l] = Emit(new(index, TraceField.Weights, l), _weights[l]).Copy();
            if (_biases[l] is { } bias) _biases[l] = Emit(new(index, TraceField.Biases, l), bias).Copy();
            update[l] = new UpdateLayer(layers[l].Name, _weights[l].Copy(), _biases[l]?.Copy(), state, lookAhead[l]);
            finite &= _weights[l].AllFinite() && (_biases[l]?.AllFinite() ?? true);
        }

        if (!finite)
        {
            Status = RunStatus.Diverged;
            DivergedAtIteration = t;
        }
        return new IterationTrace(t, examples, forward, new LossTrace(spec.Loss.Name, value, perExample, also), outputGradient, backward, update);
    }

    Tensor Emit(TracePoint point, Tensor computed) => _hook is null ? computed : _hook.OnTensor(point, computed);

    // A state slot is reported as a copy; an override is written back so the next step uses it.
    Tensor Carry(TracePoint point, double[] slot, int[] shape)
    {
        var reported = Emit(point, new Tensor(shape, (double[])slot.Clone()));
        reported.Data.CopyTo(slot, 0);
        return reported;
    }

    Tensor LookAheadOf(Tensor theta, double[][] state)
    {
        var point = Tensor.Zeros(theta.Shape);
        _problem.Optimizer.LookAhead(theta.Data, state, point.Data);
        return point;
    }

    IReadOnlyList<LayerParameters> CurrentParameters() =>
        _problem.Network.Layers.Select((l, i) => new LayerParameters(l.Name, _weights[i].Copy(), _biases[i]?.Copy())).ToArray();

    static Tensor Gather(Tensor rows, int[] indices)
    {
        var result = Tensor.Zeros(indices.Length, rows.Columns);
        for (int b = 0; b < indices.Length; b++) rows.ReadRow(indices[b]).CopyTo(result.Row(b));
        return result;
    }

    // z[b][i] = b_i + sum_j W[i][j] input[b][j]
    static Tensor PreActivation(Tensor weights, Tensor? biases, Tensor input)
    {
        var z = Tensor.Zeros(input.Rows, weights.Rows);
        for (int b = 0; b < input.Rows; b++)
            for (int i = 0; i < weights.Rows; i++)
                z.Data[b * weights.Rows + i] = Affine.Evaluate(weights.ReadRow(i), input.ReadRow(b), biases?.Data[i] ?? 0.0);
        return z;
    }

    static Tensor Activate(Activation activation, Tensor z)
    {
        var a = Tensor.Zeros(z.Shape);
        for (int b = 0; b < z.Rows; b++) activation.Forward(z.ReadRow(b), a.Row(b));
        return a;
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

    static Tensor PerExample(Losses.Loss loss, Activation output, ForwardLayer last, Tensor targets)
    {
        var values = Tensor.Zeros(targets.Rows);
        for (int b = 0; b < targets.Rows; b++)
            values.Data[b] = loss.ValueFor(output, last.Z.ReadRow(b), last.A.ReadRow(b), targets.ReadRow(b));
        return values;
    }

    // dJ/da = scale dl/da, taken from z where the loss pairs with the output activation.
    static Tensor OutputGradient(Losses.Loss loss, Activation output, ForwardLayer last, Tensor targets, double scale)
    {
        var gradient = Tensor.Zeros(targets.Shape);
        bool fused = loss.FusesWith(output);
        for (int b = 0; b < targets.Rows; b++)
        {
            if (fused) loss.GradientFromLogits(last.Z.ReadRow(b), last.A.ReadRow(b), targets.ReadRow(b), gradient.Row(b));
            else loss.Gradient(last.A.ReadRow(b), targets.ReadRow(b), gradient.Row(b));
        }
        Scale(gradient, scale);
        return gradient;
    }

    // delta_L = f'(z) dJ/da, or for bce after sigmoid and ce after softmax the short form a - y, from z.
    static Tensor OutputDelta(Losses.Loss loss, Activation output, ForwardLayer last, Tensor targets, Tensor outputGradient, double scale)
    {
        if (!loss.FusesWith(output)) return ChainDerivative(output, last.ActivationDerivative, outputGradient);
        var delta = Tensor.Zeros(targets.Shape);
        for (int b = 0; b < targets.Rows; b++)
            loss.DeltaFromLogits(last.Z.ReadRow(b), last.A.ReadRow(b), targets.ReadRow(b), delta.Row(b));
        Scale(delta, scale);
        return delta;
    }

    // dJ/da of layer l = delta_(l+1) W_(l+1), per example: W^T delta in column form.
    static Tensor BackThrough(Tensor weightsAbove, Tensor deltaAbove)
    {
        int batch = deltaAbove.Rows, outputs = weightsAbove.Rows, inputs = weightsAbove.Columns;
        var gradient = Tensor.Zeros(batch, inputs);
        for (int b = 0; b < batch; b++)
        {
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
    static Tensor WeightGradient(Tensor delta, Tensor input)
    {
        int outputs = delta.Columns, inputs = input.Columns;
        var gradient = Tensor.Zeros(outputs, inputs);
        for (int b = 0; b < delta.Rows; b++)
            for (int i = 0; i < outputs; i++)
            {
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
