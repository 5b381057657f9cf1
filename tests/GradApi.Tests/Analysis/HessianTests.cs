using GradApi.Domain.Activations;
using GradApi.Domain.Analysis;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Analysis;

/// <summary>
/// The R-operator Hessian against the truth: central finite differences of /v1/train's own backprop
/// gradient (TrainingRun), and the closed form 2 X~^T X~ of linear least squares.
/// </summary>
public sealed class HessianTests
{
    static readonly double[][] Inputs = [[0.5, -1.0], [1.5, 0.25], [-0.7, 0.8]];

    static DenseLayer Layer(string name, Activation activation, double[][] weights, double[]? biases) =>
        new(name, activation, Tensor.Matrix(weights), biases is null ? null : Tensor.Vector(biases));

    static Network TwoThreeOne(Activation hidden, Activation output, int outputs = 1) => new(2,
    [
        Layer("hidden", hidden, [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], [0.1, -0.2, 0.3]),
        Layer("output", output, outputs == 1 ? [[0.6, -0.8, 0.4]] : [[0.6, -0.8, 0.4], [-0.5, 0.3, 0.9], [0.2, 0.2, -0.7]],
            outputs == 1 ? [-0.1] : [-0.1, 0.2, 0.05]),
    ]);

    // The gradient of J by every parameter in the Hessian's order, from /v1/train's backprop.
    static double[] BackpropGradient(Network network, TrainingData data, Loss loss, Reduction reduction)
    {
        var problem = new TrainingProblem(network, data, new LossSpec(loss, reduction, []), new Sgd(1.0), 1, new Sampling.Full());
        var trace = new TrainingRun(problem).Iterations().First();
        return trace.Backward.SelectMany(l => l.WeightGradient.Data.Concat(l.BiasGradient?.Data ?? [])).ToArray();
    }

    static Network WithParameter(Network network, int index, double delta)
    {
        var layers = new List<DenseLayer>();
        foreach (var layer in network.Layers)
        {
            var weights = layer.Weights.Copy();
            var biases = layer.Biases?.Copy();
            if (index >= 0 && index < weights.Length) weights.Data[index] += delta;
            else if (biases is not null && index - weights.Length >= 0 && index - weights.Length < biases.Length) biases.Data[index - weights.Length] += delta;
            index -= layer.ParameterCount;
            layers.Add(layer with { Weights = weights, Biases = biases });
        }
        return network with { Layers = layers };
    }

    static void AgreesWithFiniteDifferences(Network network, double[][] targets, Loss loss, Reduction reduction)
    {
        var data = new TrainingData(Tensor.Matrix(Inputs), Tensor.Matrix(targets));
        var hessian = new Hessian(network, data, loss, reduction);
        var h = hessian.Matrix();
        int p = network.ParameterCount;
        Assert.Equal(p, hessian.ParameterCount);
        Assert.Equal(BackpropGradient(network, data, loss, reduction), hessian.Gradient, new Tolerance(1e-12, 1e-12));

        const double step = 1e-5;
        for (int c = 0; c < p; c++)
        {
            var plus = BackpropGradient(WithParameter(network, c, step), data, loss, reduction);
            var minus = BackpropGradient(WithParameter(network, c, -step), data, loss, reduction);
            for (int r = 0; r < p; r++)
            {
                double expected = (plus[r] - minus[r]) / (2 * step);
                Assert.True(Math.Abs(h[r][c] - expected) <= 1e-7 + 1e-6 * Math.Abs(expected),
                    $"H[{r}][{c}] = {h[r][c]:R}, finite differences {expected:R}");
            }
        }
    }

    sealed class Tolerance(double absolute, double relative) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= absolute + relative * Math.Abs(y);
        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void A2By3By1SigmoidNetworkWithHalfSseMatchesFiniteDifferencesOfBackprop() =>
        AgreesWithFiniteDifferences(TwoThreeOne(Sigmoid.Instance, Sigmoid.Instance), [[1], [0], [0.5]], HalfSse.Instance, Reduction.Sum);

    [Fact]
    public void A2By3By1TanhNetworkWithIdentityOutputAndMeanMseMatchesFiniteDifferencesOfBackprop() =>
        AgreesWithFiniteDifferences(TwoThreeOne(Tanh.Instance, Identity.Instance), [[0.3], [-1.2], [2.0]], Mse.Instance, Reduction.Mean);

    [Fact]
    public void ASoftmaxOutputWithCeMatchesFiniteDifferencesOfBackprop() =>
        AgreesWithFiniteDifferences(TwoThreeOne(Tanh.Instance, Softmax.Instance, outputs: 3),
            [[1, 0, 0], [0, 0, 1], [0.2, 0.5, 0.3]], Ce.Instance, Reduction.Mean);

    [Fact]
    public void ASigmoidOutputWithBceMatchesFiniteDifferencesOfBackprop() =>
        AgreesWithFiniteDifferences(TwoThreeOne(Sigmoid.Instance, Sigmoid.Instance), [[1], [0], [1]], Bce.Instance, Reduction.Sum);

    [Fact]
    public void UnfusedPairsBceAfterSoftmaxAndCeAfterSigmoidMatchFiniteDifferencesOfBackprop()
    {
        AgreesWithFiniteDifferences(TwoThreeOne(new Softplus(2.0), Softmax.Instance, outputs: 3),
            [[1, 0, 0], [0, 1, 0], [0.5, 0, 0.5]], Bce.Instance, Reduction.Mean);
        AgreesWithFiniteDifferences(TwoThreeOne(new Elu(0.7), Sigmoid.Instance), [[1], [0.4], [1]], Ce.Instance, Reduction.Sum);
    }

    [Fact]
    public void AThreeLayerNetworkWithALayerWithoutBiasesMatchesFiniteDifferencesOfBackprop()
    {
        var network = new Network(2,
        [
            Layer("first", Tanh.Instance, [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], null),
            Layer("second", new LeakyRelu(0.1), [[0.5, -0.6, 0.3], [0.4, 0.9, -0.2]], [0.05, -0.1]),
            Layer("output", Sigmoid.Instance, [[0.8, -0.5]], [0.2]),
        ]);
        AgreesWithFiniteDifferences(network, [[0.9], [0.1], [0.6]], Sse.Instance, Reduction.Mean);
    }

    [Fact]
    public void ASoftmaxHiddenLayerFeedingAReluLayerMatchesFiniteDifferencesOfBackprop()
    {
        // Softmax's curvature term reads dJ/da of a hidden layer (W_above^T delta_above); relu's z stay 0.02 or more from its kink.
        var network = new Network(2,
        [
            Layer("softmax", Softmax.Instance, [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], [0.1, -0.2, 0.3]),
            Layer("relu", Relu.Instance, [[0.5, -0.6, 0.3], [0.4, 0.9, -0.2]], [0.3, -0.1]),
            Layer("output", Identity.Instance, [[0.8, -0.5]], [0.2]),
        ]);
        AgreesWithFiniteDifferences(network, [[0.9], [0.1], [0.6]], Mse.Instance, Reduction.Sum);
    }

    [Fact]
    public void TheFusedPairsWithTheOtherReductionCeSummedAndBceAveragedMatchFiniteDifferencesOfBackprop()
    {
        AgreesWithFiniteDifferences(TwoThreeOne(Sigmoid.Instance, Softmax.Instance, outputs: 3),
            [[0, 1, 0], [1, 0, 0], [0.1, 0.1, 0.8]], Ce.Instance, Reduction.Sum);
        AgreesWithFiniteDifferences(TwoThreeOne(Tanh.Instance, Sigmoid.Instance), [[0], [1], [0.3]], Bce.Instance, Reduction.Mean);
    }

    [Fact]
    public void LinearLeastSquaresHasTheValueOfItsSquaredResidualsAndTheGradient2XtildeTransposeR()
    {
        // J = ||X~ theta - y||^2 with theta = (0.3, -0.2, 0.7): r_b = 0.3 x_b0 - 0.2 x_b1 + 0.7 - y_b, dJ/dtheta = 2 X~^T r.
        var network = new Network(2, [Layer("linear", Identity.Instance, [[0.3, -0.2]], [0.7])]);
        double[] y = [1, 2, 3];
        var data = new TrainingData(Tensor.Matrix(Inputs), Tensor.Matrix(y.Select(v => new[] { v }).ToArray()));
        double[][] xTilde = Inputs.Select(x => new[] { x[0], x[1], 1.0 }).ToArray();
        double[] r = xTilde.Select((x, b) => 0.3 * x[0] - 0.2 * x[1] + 0.7 * x[2] - y[b]).ToArray();
        double[] gradient = Enumerable.Range(0, 3).Select(k => 2 * xTilde.Select((x, b) => x[k] * r[b]).Sum()).ToArray();

        var sum = new Hessian(network, data, Sse.Instance, Reduction.Sum);
        Assert.Equal(r.Sum(v => v * v), sum.Value, 12);
        Assert.Equal(gradient, sum.Gradient, new Tolerance(1e-12, 1e-12));

        var mean = new Hessian(network, data, Sse.Instance, Reduction.Mean);
        Assert.Equal(r.Sum(v => v * v) / 3, mean.Value, 12);
        Assert.Equal(gradient.Select(g => g / 3), mean.Gradient, new Tolerance(1e-12, 1e-12));
    }

    [Fact]
    public void LinearLeastSquaresWithSseSumHasTheHessian2XtildeTransposeXtilde()
    {
        // J = sum_b (w . x_b + c - y_b)^2 = ||X~ theta - y||^2 with X~ = [X, 1] and theta = (w, c) in parameter order
        // (weights, then the bias), so H = 2 X~^T X~, whatever the parameters and targets are.
        var network = new Network(2, [Layer("linear", Identity.Instance, [[0.3, -0.2]], [0.7])]);
        var data = new TrainingData(Tensor.Matrix(Inputs), Tensor.Matrix([[1], [2], [3]]));
        var h = new Hessian(network, data, Sse.Instance, Reduction.Sum).Matrix();
        double[][] xTilde = Inputs.Select(x => new[] { x[0], x[1], 1.0 }).ToArray();
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(2 * xTilde.Sum(x => x[r] * x[c]), h[r][c], 12);

        // Mean reduction divides by N.
        var mean = new Hessian(network, data, Sse.Instance, Reduction.Mean).Matrix();
        Assert.Equal(2.0 / 3.0 * xTilde.Sum(x => x[0] * x[2]), mean[0][2], 12);
    }

    [Fact]
    public void TheParameterOrderIsLayerByLayerWeightsRowMajorThenBiases()
    {
        var order = Hessian.ParameterOrder(TwoThreeOne(Sigmoid.Instance, Sigmoid.Instance));
        Assert.Equal(13, order.Count);
        Assert.Equal("layers[0].weights[0][0]", order[0]);
        Assert.Equal("layers[0].weights[0][1]", order[1]);
        Assert.Equal("layers[0].weights[1][0]", order[2]);
        Assert.Equal("layers[0].biases[0]", order[6]);
        Assert.Equal("layers[1].weights[0][2]", order[11]);
        Assert.Equal("layers[1].biases[0]", order[12]);
    }

    [Fact]
    public void EigenvaluesAreAscendingAndTheConditionNumberIsTheRatioOfExtremeMagnitudes()
    {
        var eigenvalues = Spectrum.SymmetricEigenvalues([[2, 1], [1, 2]])!;
        Assert.Equal(1.0, eigenvalues[0], 12);
        Assert.Equal(3.0, eigenvalues[1], 12);
        Assert.Equal(3.0, Spectrum.ConditionNumber(eigenvalues), 12);
        Assert.Equal(4.0, Spectrum.ConditionNumber(Spectrum.SymmetricEigenvalues([[-4, 0], [0, 1]])!), 12);
        Assert.Equal(double.PositiveInfinity, Spectrum.ConditionNumber(Spectrum.SymmetricEigenvalues([[1, 1], [1, 1]])!));
    }
}
