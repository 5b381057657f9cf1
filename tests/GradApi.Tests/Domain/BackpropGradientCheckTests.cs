using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>
/// Backprop against central differences of J, where J is the loss value of a run whose
/// parameters (or traced z / a, through a hook) were moved by +-h. The truth is the definition of
/// the derivative, never the backward code: (J(theta + h) - J(theta - h)) / 2h has error O(h^2 f''').
/// J itself is checked against the loss table of API.md, computed here from the reported a.
/// </summary>
public sealed class BackpropGradientCheckTests
{
    const double H = 1e-5;
    const double Relative = 1e-6;

    public static TheoryData<string, Reduction> ElementwiseActivations()
    {
        var data = new TheoryData<string, Reduction>();
        foreach (var name in new[] { "identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus" })
            foreach (var reduction in new[] { Reduction.Sum, Reduction.Mean })
                data.Add(name, reduction);
        return data;
    }

    [Theory]
    [MemberData(nameof(ElementwiseActivations))]
    public void BackpropThroughEveryLayerOfOneActivationMatchesCentralDifferences(string activation, Reduction reduction)
    {
        var problem = Problems.Random(seed: 11 + activation.Length, sizes: [3, 4, 3, 2],
            activations: [activation, activation, activation], loss: "half_sse", reduction, batch: 3);
        CheckBackprop(problem, "half_sse");
    }

    public static TheoryData<string, string, Reduction> LossesWithOutputs()
    {
        var data = new TheoryData<string, string, Reduction>();
        var pairs = new (string Loss, string Output)[]
        {
            ("half_sse", "identity"), ("half_sse", "softmax"),
            ("sse", "tanh"), ("sse", "softmax"),
            ("mse", "identity"), ("mse", "softmax"),
            ("bce", "sigmoid"),  // fused: computed from z
            ("bce", "softmax"),  // not fused: dl/da through the softmax Jacobian
            ("ce", "softmax"),   // fused
            ("ce", "sigmoid"),   // not fused
        };
        foreach (var (loss, output) in pairs)
            foreach (var reduction in new[] { Reduction.Sum, Reduction.Mean })
                data.Add(loss, output, reduction);
        return data;
    }

    [Theory]
    [MemberData(nameof(LossesWithOutputs))]
    public void BackpropOfEveryLossAndReductionMatchesCentralDifferences(string loss, string output, Reduction reduction)
    {
        var problem = Problems.Random(seed: 100 + loss.Length * 7 + output.Length, sizes: [2, 4, 3, 3],
            activations: ["softplus", "tanh", output], loss, reduction, batch: 4);
        CheckBackprop(problem, loss);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, true, false)]
    public void LayersWithoutBiasesHaveNoBiasGradientAndTheRestMatchesCentralDifferences(bool first, bool second, bool third)
    {
        var problem = Problems.Random(seed: 5, sizes: [3, 4, 3, 2], activations: ["relu", "leaky_relu", "sigmoid"],
            loss: "bce", Reduction.Mean, batch: 2, biases: [first, second, third]);
        var trace = Problems.First(problem);
        bool[] biases = [first, second, third];
        for (int l = 0; l < 3; l++)
        {
            Assert.Equal(biases[l], trace.Backward[l].BiasGradient is not null);
            Assert.Equal(biases[l], trace.Update[l].Biases is not null);
        }
        CheckBackprop(problem, "bce");
    }

    [Fact]
    public void SoftmaxJacobianInActivationDerivativeMatchesCentralDifferencesOfSoftmax()
    {
        // Output layer softmax with identity weights and no bias, so z is the input row.
        double[][] logits = [[0.3, -1.2, 2.0, 0.0], [5.0, 4.5, -3.0, 1.0]];
        var layer = new GradApi.Domain.Networks.DenseLayer("out", Softmax.Instance,
            Tensor.Matrix([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), null);
        var problem = new TrainingProblem(new GradApi.Domain.Networks.Network(4, [layer]),
            new GradApi.Domain.Networks.TrainingData(Tensor.Matrix(logits), Tensor.Matrix([[0, 0, 1, 0], [1, 0, 0, 0]])),
            new LossSpec(Ce.Instance, Reduction.Sum, []), new GradApi.Domain.Optimizers.Sgd(0.1), 1,
            new GradApi.Domain.Networks.Sampling.Full());
        var forward = Problems.First(problem).Forward[0];
        Assert.Equal([2, 4, 4], forward.ActivationDerivative.Shape);
        for (int b = 0; b < 2; b++)
        {
            var a = NaiveSoftmax(logits[b]);
            for (int i = 0; i < 4; i++) Assert.Equal(a[i], forward.A[b, i], 1e-15);
            for (int j = 0; j < 4; j++)
            {
                // column j of the Jacobian: d softmax(z) / d z_j, by central differences of the textbook softmax
                var plus = (double[])logits[b].Clone();
                var minus = (double[])logits[b].Clone();
                plus[j] += H;
                minus[j] -= H;
                double[] ap = NaiveSoftmax(plus), am = NaiveSoftmax(minus);
                for (int i = 0; i < 4; i++)
                {
                    double fd = (ap[i] - am[i]) / (2 * H);
                    double reported = forward.ActivationDerivative.Data[(b * 4 + i) * 4 + j];
                    Assert.True(Math.Abs(reported - fd) <= Relative * Math.Abs(fd) + 1e-10,
                        $"J[{b}][{i}][{j}]: reported {reported:R}, central difference {fd:R}");
                }
            }
        }
    }

    [Fact]
    public void TheSecondIterationDifferentiatesAtTheParametersAfterTheFirstStep()
    {
        // sgd eta = 0.1: theta1 = theta0 - 0.1 dJ/dtheta(theta0), and iteration 2's gradients are dJ/dtheta(theta1),
        // both by central differences.
        var problem = Problems.Random(seed: 21, sizes: [2, 3, 2], activations: ["tanh", "sigmoid"], loss: "bce",
            Reduction.Mean, batch: 3) with { Iterations = 2 };
        var trace = new TrainingRun(problem).Iterations().ToList();
        Assert.Equal(2, trace.Count);
        var layers = problem.Network.Layers.ToArray();
        for (int l = 0; l < layers.Length; l++)
        {
            for (int i = 0; i < layers[l].Weights.Length; i++)
            {
                double fd = (J(Problems.Perturbed(problem, l, false, i, H)) - J(Problems.Perturbed(problem, l, false, i, -H))) / (2 * H);
                AssertClose(layers[l].Weights.Data[i] - 0.1 * fd, trace[0].Update[l].Weights.Data[i], 1, $"layer {l} theta1[{i}]");
            }
            layers[l] = layers[l] with { Weights = trace[0].Update[l].Weights.Copy(), Biases = trace[0].Update[l].Biases!.Copy() };
        }
        var afterStep = problem with { Network = problem.Network with { Layers = layers }, Iterations = 1 };
        for (int l = 0; l < layers.Length; l++)
            for (int i = 0; i < layers[l].Weights.Length; i++)
            {
                double fd = (J(Problems.Perturbed(afterStep, l, false, i, H)) - J(Problems.Perturbed(afterStep, l, false, i, -H))) / (2 * H);
                AssertClose(fd, trace[1].Backward[l].WeightGradient.Data[i], 1, $"iteration 2 layer {l} dJ/dW[{i}]");
            }
    }

    static double[] NaiveSoftmax(double[] z)
    {
        var e = z.Select(Math.Exp).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>The loss table of API.md for one example, computed naively from a.</summary>
    static double TableLoss(string loss, ReadOnlySpan<double> a, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double d = a[k] - y[k];
            sum += loss switch
            {
                "half_sse" => 0.5 * d * d,
                "sse" => d * d,
                "mse" => d * d / a.Length,
                "bce" => -((y[k] == 0 ? 0 : y[k] * Math.Log(a[k])) + (y[k] == 1 ? 0 : (1 - y[k]) * Math.Log(1 - a[k]))),
                "ce" => y[k] == 0 ? 0 : -y[k] * Math.Log(a[k]),
                _ => throw new ArgumentException(loss),
            };
        }
        return sum;
    }

    static double TableJ(string loss, Reduction reduction, Tensor a, Tensor y)
    {
        double sum = 0;
        for (int b = 0; b < a.Rows; b++) sum += TableLoss(loss, a.ReadRow(b), y.ReadRow(b));
        return reduction == Reduction.Mean ? sum / a.Rows : sum;
    }

    static void AssertClose(double fd, double reported, double jScale, string what) =>
        Assert.True(Math.Abs(reported - fd) <= Relative * Math.Abs(fd) + 1e-9 * jScale,
            $"{what}: reported {reported:R}, central difference {fd:R}");

    static double J(TrainingProblem problem, ITraceHook? hook = null) => Problems.First(problem, hook).Loss.Value;

    static double Nudged(TrainingProblem problem, TraceField field, int layer, int index) =>
        (J(problem, new Nudge(field, layer, index, H)) - J(problem, new Nudge(field, layer, index, -H))) / (2 * H);

    /// <summary>Every backward tensor of iteration 1 against central differences; see the class summary.</summary>
    static void CheckBackprop(TrainingProblem problem, string lossName)
    {
        var trace = Problems.First(problem);
        var layers = problem.Network.Layers;
        int last = layers.Count - 1;
        double jScale = Math.Max(1.0, Math.Abs(trace.Loss.Value));
        var targets = problem.Data.Targets;

        // J against the loss table from the reported output (per example and reduced).
        Assert.True(Math.Abs(trace.Loss.Value - TableJ(lossName, problem.Loss.Reduction, trace.Forward[last].A, targets)) <= 1e-12 * jScale,
            $"J = {trace.Loss.Value:R}, table gives {TableJ(lossName, problem.Loss.Reduction, trace.Forward[last].A, targets):R}");
        for (int b = 0; b < targets.Rows; b++)
            Assert.Equal(TableLoss(lossName, trace.Forward[last].A.ReadRow(b), targets.ReadRow(b)), trace.Loss.PerExample[b], 1e-12 * jScale);

        double largest = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            // dJ/dW and dJ/db by moving one parameter at a time.
            var backward = trace.Backward[l];
            Assert.Equal(layers[l].Weights.Shape, backward.WeightGradient.Shape);
            for (int i = 0; i < layers[l].Weights.Length; i++)
            {
                double fd = (J(Problems.Perturbed(problem, l, false, i, H)) - J(Problems.Perturbed(problem, l, false, i, -H))) / (2 * H);
                AssertClose(fd, backward.WeightGradient.Data[i], jScale, $"layer {l} dJ/dW[{i}]");
                largest = Math.Max(largest, Math.Abs(fd));
            }
            if (layers[l].Biases is { } biases)
            {
                Assert.NotNull(backward.BiasGradient);
                for (int i = 0; i < biases.Length; i++)
                {
                    double fd = (J(Problems.Perturbed(problem, l, true, i, H)) - J(Problems.Perturbed(problem, l, true, i, -H))) / (2 * H);
                    AssertClose(fd, backward.BiasGradient!.Data[i], jScale, $"layer {l} dJ/db[{i}]");
                }
            }
            else Assert.Null(backward.BiasGradient);

            // delta = dJ/dz, by nudging one z of one example through the trace hook.
            var z = trace.Forward[l].Z;
            for (int i = 0; i < z.Length; i++)
                AssertClose(Nudged(problem, TraceField.Z, l, i), backward.Delta.Data[i], jScale, $"layer {l} delta[{i}]");

            // The reported activation derivative against differences of the layer's own a(z).
            var derivative = trace.Forward[l].ActivationDerivative;
            int n = z.Columns;
            for (int i = 0; i < z.Length; i++)
            {
                double[] plus = Problems.First(problem, new Nudge(TraceField.Z, l, i, H)).Forward[l].A.Data;
                double[] minus = Problems.First(problem, new Nudge(TraceField.Z, l, i, -H)).Forward[l].A.Data;
                if (layers[l].Activation.IsElementwise)
                {
                    AssertClose((plus[i] - minus[i]) / (2 * H), derivative.Data[i], 1, $"layer {l} sigma'[{i}]");
                    continue;
                }
                int b = i / n, j = i % n;
                for (int k = 0; k < n; k++)
                    AssertClose((plus[b * n + k] - minus[b * n + k]) / (2 * H), derivative.Data[(b * n + k) * n + j], 1, $"layer {l} Jacobian[{b}][{k}][{j}]");
            }
        }
        Assert.True(largest > 1e-2, "the check is vacuous: every weight gradient is tiny");

        // outputGradient = dJ/da of the last layer.
        var a = trace.Forward[last].A;
        Assert.Equal(a.Shape, trace.OutputGradient.Shape);
        bool fused = problem.Loss.Loss.FusesWith(layers[last].Activation);
        for (int i = 0; i < a.Length; i++)
        {
            double fd;
            if (!fused) fd = Nudged(problem, TraceField.A, last, i);
            else
            {
                // The fused loss is computed from z, so a nudged a does not move J: differentiate the table instead.
                var plus = a.Copy();
                var minus = a.Copy();
                plus.Data[i] += H;
                minus.Data[i] -= H;
                fd = (TableJ(lossName, problem.Loss.Reduction, plus, targets) - TableJ(lossName, problem.Loss.Reduction, minus, targets)) / (2 * H);
            }
            AssertClose(fd, trace.OutputGradient.Data[i], jScale, $"dJ/da[{i}]");
        }
    }
}
