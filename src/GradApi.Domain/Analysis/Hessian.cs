using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Analysis;

/// <summary>
/// The exact Hessian of J (full batch, the loss's reduction) by every weight and bias, by
/// differentiating backprop itself: Pearlmutter's R-operator carries a tangent (the derivative
/// along a parameter direction v) through the forward pass and the backward pass, giving H v in
/// one pass; H is assembled from the P unit directions. No finite differences are involved.
/// The primal (z, a, delta and dJ/da of every layer) is /v1/train's own: one full-batch iteration of
/// <see cref="TrainingRun"/> at the network's parameters. Only the tangents are computed here.
/// <para>
/// Parameter order (the rows and columns of H): layer by layer from the input; in each layer the
/// weights row-major (W[i][j], row i holds the weights into unit i), then the biases.
/// </para>
/// Forward tangent: zDot = Wdot a_in + W a_inDot + bdot, aDot = J zDot (J = f'(z), or softmax's Jacobian).
/// Backward tangent: deltaDot = f''(z) zDot * g + J gDot with g = dJ/da, gDot = Wdot_above^T delta_above
/// + W_above^T deltaDot_above; at the output gDot = l''(a) aDot, or the fused z-forms (bce after sigmoid:
/// sigma'(z) zDot; ce after softmax: (sum y) J zDot). Then (dJ/dW)dot = deltaDot a_in^T + delta a_inDot^T,
/// (dJ/db)dot = deltaDot, summed over the examples.
/// </summary>
public sealed class Hessian
{
    readonly Network _network;
    readonly TrainingData _data;
    readonly Loss _loss;
    readonly double _scale;
    readonly bool _fused;
    readonly int[] _weightOffsets;
    readonly int[] _biasOffsets;
    readonly CancellationToken _cancel;

    // The primal, per layer ([B][n] each): input, z and a from the run's forward pass, delta = dJ/dz from its backward pass,
    // and g = dJ/da of the layer's output (the run's output gradient, or W_above^T delta_above by the run's own backprop).
    readonly IReadOnlyList<ForwardLayer> _forward;
    readonly IReadOnlyList<BackwardLayer> _backward;
    readonly Tensor[] _g;

    /// <param name="cancellation">Checked inside the training run's passes and per example of each R-operator pass of <see cref="Matrix"/>.</param>
    public Hessian(Network network, TrainingData data, Loss loss, Reduction reduction, CancellationToken cancellation = default)
    {
        _network = network;
        _cancel = cancellation;
        _data = data;
        _loss = loss;
        _scale = ReductionScale.Of(reduction, data.Count);
        _fused = loss.FusesWith(network.Layers[^1].Activation);

        int count = network.Layers.Count, offset = 0;
        _weightOffsets = new int[count];
        _biasOffsets = new int[count];
        for (int l = 0; l < count; l++)
        {
            _weightOffsets[l] = offset;
            offset += network.Layers[l].Weights.Length;
            _biasOffsets[l] = offset;
            offset += network.Layers[l].Biases?.Length ?? 0;
        }
        ParameterCount = offset;

        var primal = Primal(network, data, loss, reduction, cancellation);
        _forward = primal.Forward;
        _backward = primal.Backward;
        Value = primal.Loss.Value;
        Gradient = primal.Backward.SelectMany(l => l.WeightGradient.Data.Concat(l.BiasGradient?.Data ?? [])).ToArray();
        _g = new Tensor[count];
        _g[count - 1] = primal.OutputGradient;
        for (int l = count - 2; l >= 0; l--) _g[l] = TrainingRun.BackThrough(network.Layers[l + 1].Weights, _backward[l + 1].Delta, cancellation);
    }

    public int ParameterCount { get; }

    /// <summary>J at the network's parameters.</summary>
    public double Value { get; }

    /// <summary>dJ/dtheta in <see cref="ParameterOrder"/>, from the same backward pass the tangents differentiate.</summary>
    public double[] Gradient { get; }

    /// <summary>Names of the parameters in the order of the Hessian's rows: layers[l].weights[i][j], then layers[l].biases[i].</summary>
    public static IReadOnlyList<string> ParameterOrder(Network network)
    {
        var names = new List<string>(network.ParameterCount);
        for (int l = 0; l < network.Layers.Count; l++)
        {
            var layer = network.Layers[l];
            for (int i = 0; i < layer.OutputSize; i++)
                for (int j = 0; j < layer.InputSize; j++) names.Add($"layers[{l}].weights[{i}][{j}]");
            if (layer.Biases is not null)
                for (int i = 0; i < layer.OutputSize; i++) names.Add($"layers[{l}].biases[{i}]");
        }
        return names;
    }

    /// <summary>The full P x P Hessian, one R-operator pass per unit direction, as rows. Made exactly symmetric by (H + H^T) / 2.</summary>
    public double[][] Matrix()
    {
        int p = ParameterCount;
        var h = new double[p][];
        var direction = new double[p];
        for (int c = 0; c < p; c++)
        {
            direction[c] = 1.0;
            h[c] = new double[p];
            Multiply(direction, h[c]); // column c, stored as row c and symmetrized below
            direction[c] = 0.0;
        }
        for (int i = 0; i < p; i++)
            for (int j = i + 1; j < p; j++)
            {
                double mean = 0.5 * (h[i][j] + h[j][i]);
                h[i][j] = h[j][i] = mean;
            }
        return h;
    }

    /// <summary>H v, by one forward and one backward tangent pass over every example.</summary>
    public void Multiply(ReadOnlySpan<double> v, Span<double> hv)
    {
        if (v.Length != ParameterCount || hv.Length != ParameterCount) throw new ArgumentException($"expected vectors of {ParameterCount} values");
        hv.Clear();
        var layers = _network.Layers;
        int count = layers.Count;

        // Layers below the first one the direction touches have zero tangents.
        int first = 0;
        while (first < count && IsZero(v, layers[first], first)) first++;
        if (first == count) return;

        var zDot = new double[count][];
        var aDot = new double[count][];
        var deltaDot = new double[count][];
        var gDot = new double[count][];
        var curvature = new double[count][];
        for (int l = 0; l < count; l++)
        {
            int n = layers[l].OutputSize;
            zDot[l] = new double[n];
            aDot[l] = new double[n];
            deltaDot[l] = new double[n];
            gDot[l] = new double[n];
            curvature[l] = new double[n];
        }

        for (int b = 0; b < _data.Count; b++)
        {
            _cancel.ThrowIfCancellationRequested();
            // Forward tangent from the first touched layer.
            for (int l = first; l < count; l++)
            {
                var layer = layers[l];
                int rows = layer.OutputSize, columns = layer.InputSize;
                var weights = layer.Weights.Data;
                var input = _forward[l].Input.ReadRow(b);
                var weightsDot = v.Slice(_weightOffsets[l], rows * columns);
                for (int i = 0; i < rows; i++)
                {
                    double sum = layer.Biases is null ? 0.0 : v[_biasOffsets[l] + i];
                    for (int j = 0; j < columns; j++) sum += weightsDot[i * columns + j] * input[j];
                    if (l > first)
                        for (int j = 0; j < columns; j++) sum += weights[i * columns + j] * aDot[l - 1][j];
                    zDot[l][i] = sum;
                }
                // aDot = J zDot; J is diagonal or (softmax) symmetric, so Backward computes it.
                layer.Activation.Backward(_forward[l].Z.ReadRow(b), _forward[l].A.ReadRow(b), zDot[l], aDot[l]);
            }

            // Backward tangent from the output down to the input: below the first touched layer zDot and aDot
            // are 0, but deltaDot is not (the direction's weights carry delta down).
            for (int l = count - 1; l >= 0; l--)
            {
                var layer = layers[l];
                var activation = layer.Activation;
                int rows = layer.OutputSize;
                var z = _forward[l].Z.ReadRow(b);
                var a = _forward[l].A.ReadRow(b);
                if (l == count - 1 && _fused)
                {
                    _loss.DeltaFromLogitsTangent(z, a, _data.Targets.ReadRow(b), zDot[l], deltaDot[l]);
                    for (int i = 0; i < rows; i++) deltaDot[l][i] *= _scale;
                }
                else
                {
                    if (l == count - 1)
                    {
                        _loss.SecondDerivative(a, _data.Targets.ReadRow(b), gDot[l]);
                        for (int i = 0; i < rows; i++) gDot[l][i] *= _scale * aDot[l][i];
                    }
                    else
                    {
                        var above = layers[l + 1];
                        int outputs = above.OutputSize;
                        var weightsAbove = above.Weights.Data;
                        var weightsAboveDot = v.Slice(_weightOffsets[l + 1], outputs * rows);
                        var deltaAbove = _backward[l + 1].Delta.ReadRow(b);
                        Array.Clear(gDot[l]);
                        for (int k = 0; k < outputs; k++)
                            for (int j = 0; j < rows; j++)
                                gDot[l][j] += weightsAboveDot[k * rows + j] * deltaAbove[k] + weightsAbove[k * rows + j] * deltaDot[l + 1][k];
                    }
                    activation.SecondDerivativeAlong(z, a, zDot[l], _g[l].ReadRow(b), curvature[l]);
                    activation.Backward(z, a, gDot[l], deltaDot[l]);
                    for (int i = 0; i < rows; i++) deltaDot[l][i] += curvature[l][i];
                }

                var input = _forward[l].Input.ReadRow(b);
                int columns = layer.InputSize, offset = _weightOffsets[l];
                var delta = _backward[l].Delta.ReadRow(b);
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < columns; j++) hv[offset + i * columns + j] += deltaDot[l][i] * input[j];
                    if (l > first)
                        for (int j = 0; j < columns; j++) hv[offset + i * columns + j] += delta[i] * aDot[l - 1][j];
                    if (layer.Biases is not null) hv[_biasOffsets[l] + i] += deltaDot[l][i];
                }
            }
        }
    }

    // One full-batch iteration of /v1/train at the network's parameters: its forward pass, loss and backward pass are the
    // primal; the step it ends with (a learning rate of 0) is not read.
    static IterationTrace Primal(Network network, TrainingData data, Loss loss, Reduction reduction, CancellationToken cancellation)
    {
        var problem = new TrainingProblem(network, data, new LossSpec(loss, reduction, []), new Sgd(0.0), Iterations: 1, new Sampling.Full());
        return new TrainingRun(problem, cancellation: cancellation).Iterations().First();
    }

    bool IsZero(ReadOnlySpan<double> v, DenseLayer layer, int l)
    {
        foreach (var x in v.Slice(_weightOffsets[l], layer.Weights.Length)) if (x != 0) return false;
        if (layer.Biases is not null)
            foreach (var x in v.Slice(_biasOffsets[l], layer.Biases.Length)) if (x != 0) return false;
        return true;
    }
}
