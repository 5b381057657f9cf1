using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Numerics;
using GradApi.Domain.Training;

namespace GradApi.Domain.Analysis;

/// <summary>
/// The exact Hessian of J (full batch, the loss's reduction) by every weight and bias, by
/// differentiating backprop itself: Pearlmutter's R-operator carries a tangent (the derivative
/// along a parameter direction v) through the forward pass and the backward pass, giving H v in
/// one pass; H is assembled from the P unit directions. No finite differences are involved.
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

    // Per layer l and example b: the layer's input, z, a, g = dJ/da (of the layer's output) and delta = dJ/dz.
    readonly double[][][] _input, _z, _a, _g, _delta;

    /// <param name="cancellation">Checked per example of every pass (the first, and each R-operator pass of <see cref="Matrix"/>).</param>
    public Hessian(Network network, TrainingData data, Loss loss, Reduction reduction, CancellationToken cancellation = default)
    {
        _network = network;
        _cancel = cancellation;
        _data = data;
        _loss = loss;
        _scale = reduction == Reduction.Mean ? 1.0 / data.Count : 1.0;
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

        int examples = data.Count;
        _input = Jagged(count, examples);
        _z = Jagged(count, examples);
        _a = Jagged(count, examples);
        _g = Jagged(count, examples);
        _delta = Jagged(count, examples);
        Gradient = new double[ParameterCount];
        for (int b = 0; b < examples; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            ForwardBackward(b);
        }
    }

    public int ParameterCount { get; }

    /// <summary>J at the network's parameters.</summary>
    public double Value { get; private set; }

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
                var input = _input[l][b];
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
                layer.Activation.Backward(_z[l][b], _a[l][b], zDot[l], aDot[l]);
            }

            // Backward tangent from the output down to the input: below the first touched layer zDot and aDot
            // are 0, but deltaDot is not (the direction's weights carry delta down).
            for (int l = count - 1; l >= 0; l--)
            {
                var layer = layers[l];
                var activation = layer.Activation;
                int rows = layer.OutputSize;
                var z = _z[l][b];
                var a = _a[l][b];
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
                        var deltaAbove = _delta[l + 1][b];
                        Array.Clear(gDot[l]);
                        for (int k = 0; k < outputs; k++)
                            for (int j = 0; j < rows; j++)
                                gDot[l][j] += weightsAboveDot[k * rows + j] * deltaAbove[k] + weightsAbove[k * rows + j] * deltaDot[l + 1][k];
                    }
                    activation.SecondDerivativeAlong(z, a, zDot[l], _g[l][b], curvature[l]);
                    activation.Backward(z, a, gDot[l], deltaDot[l]);
                    for (int i = 0; i < rows; i++) deltaDot[l][i] += curvature[l][i];
                }

                var input = _input[l][b];
                int columns = layer.InputSize, offset = _weightOffsets[l];
                var delta = _delta[l][b];
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

    // The forward pass and backprop for example b, as /v1/train computes them, kept for the tangents.
    void ForwardBackward(int b)
    {
        var layers = _network.Layers;
        int count = layers.Count;
        double[] input = _data.Inputs.ReadRow(b).ToArray();
        for (int l = 0; l < count; l++)
        {
            var layer = layers[l];
            var z = new double[layer.OutputSize];
            for (int i = 0; i < z.Length; i++)
                z[i] = Affine.Evaluate(layer.Weights.ReadRow(i), input, layer.Biases?.Data[i] ?? 0.0, _cancel);
            var a = new double[z.Length];
            layer.Activation.Forward(z, a);
            _input[l][b] = input;
            _z[l][b] = z;
            _a[l][b] = a;
            input = a;
        }

        var output = layers[^1];
        var y = _data.Targets.ReadRow(b);
        Value += _scale * _loss.ValueFor(output.Activation, _z[^1][b], _a[^1][b], y);
        for (int l = count - 1; l >= 0; l--)
        {
            var layer = layers[l];
            var z = _z[l][b];
            var a = _a[l][b];
            var g = new double[layer.OutputSize];
            var delta = new double[layer.OutputSize];
            if (l == count - 1 && _fused)
            {
                _loss.DeltaFromLogits(z, a, y, delta);
                for (int i = 0; i < delta.Length; i++) delta[i] *= _scale;
            }
            else
            {
                if (l == count - 1)
                {
                    _loss.Gradient(a, y, g);
                    for (int i = 0; i < g.Length; i++) g[i] *= _scale;
                }
                else
                {
                    var above = layers[l + 1];
                    var deltaAbove = _delta[l + 1][b];
                    for (int k = 0; k < above.OutputSize; k++)
                    {
                        var w = above.Weights.ReadRow(k);
                        for (int j = 0; j < g.Length; j++) g[j] += w[j] * deltaAbove[k];
                    }
                }
                layer.Activation.Backward(z, a, g, delta);
            }
            _g[l][b] = g;
            _delta[l][b] = delta;

            var layerInput = _input[l][b];
            int columns = layer.InputSize;
            for (int i = 0; i < delta.Length; i++)
            {
                for (int j = 0; j < columns; j++) Gradient[_weightOffsets[l] + i * columns + j] += delta[i] * layerInput[j];
                if (layer.Biases is not null) Gradient[_biasOffsets[l] + i] += delta[i];
            }
        }
    }

    bool IsZero(ReadOnlySpan<double> v, DenseLayer layer, int l)
    {
        foreach (var x in v.Slice(_weightOffsets[l], layer.Weights.Length)) if (x != 0) return false;
        if (layer.Biases is not null)
            foreach (var x in v.Slice(_biasOffsets[l], layer.Biases.Length)) if (x != 0) return false;
        return true;
    }

    static double[][][] Jagged(int layers, int examples)
    {
        var result = new double[layers][][];
        for (int l = 0; l < layers; l++) result[l] = new double[examples][];
        return result;
    }
}
