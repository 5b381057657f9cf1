using GradApi.Domain.Activations;
using GradApi.Domain.Grading;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// The explanation of a graded tensor, against numbers worked by hand on seed 001's problem (3-2-1 sigmoid, half
/// SSE, heavy-ball momentum with eta = mu = 0.9): z1 = W1 x + b1 = [-0.7, 0.1], a1 = sigma(z1) = [0.3318, 0.5250]
/// (the seed writes 0.5245, a slip of its own), z2 = -0.3 (0.3318) - 0.2 (0.5250) + 0.1 = -0.1045, a2 = 0.4739,
/// sigma'(z2) = a2 (1 - a2) = 0.2493, J = (0.4739 - 1)^2 / 2 = 0.1384, delta2 = (a2 - y) sigma'(z2) = -0.13117
/// (-0.1312; the seed writes -0.1311), v_W2 = -0.9 delta2 a1^T = [0.0392, 0.0620], W2 = [-0.2608, -0.1380].
/// Operands come from a TrainingRun hook recording each tensor with the trace edges it was computed from.
/// </summary>
public sealed class ExplanationTests
{
    /// <summary>Every emitted tensor with its inputs, and the tensors' values; the problem's initial values for index -1.</summary>
    sealed class ComputationRecorder : ITraceHook
    {
        public List<(TracePoint Point, TracePoint[] Inputs)> Seen { get; } = [];
        public Dictionary<TracePoint, Tensor> Values { get; } = [];

        public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
        {
            Seen.Add((point, inputs.ToArray()));
            Values[point] = computed.Copy();
            return computed;
        }
    }

    static Dictionary<TracePoint, Computation> Record(TrainingProblem problem)
    {
        var recorder = new ComputationRecorder();
        var examples = new Dictionary<int, int[]>();
        foreach (var iteration in new TrainingRun(problem, recorder).Iterations()) examples[iteration.Iteration - 1] = iteration.ExampleIndices;
        var computations = new Dictionary<TracePoint, Computation>();
        foreach (var (point, inputs) in recorder.Seen)
        {
            var operands = inputs
                .Select(p => KeyValuePair.Create(p, recorder.Values.TryGetValue(p, out var v) ? v : Explanation.InitialValue(problem, p)
                    ?? throw new InvalidOperationException($"no value for {p}")))
                .ToArray();
            computations[point] = new Computation(point, operands, recorder.Values[point], examples[point.IterationIndex]);
        }
        return computations;
    }

    static TracePoint P(int iteration, TraceField field, int layer = 0, string? name = null) => new(iteration, field, layer, name);

    static string Explain(TrainingProblem problem, TracePoint point, int? decimals = 4) => Explanation.Of(problem, Record(problem)[point], decimals);

    static TrainingProblem SoftmaxCe(Optimizer? optimizer = null) => new(
        new Network(2,
        [
            new DenseLayer("hidden", Tanh.Instance, Tensor.Matrix([[0.5, -0.25], [0.1, 0.3]]), Tensor.Vector(0.0, 0.1)),
            new DenseLayer("output", Softmax.Instance, Tensor.Matrix([[0.2, -0.4], [0.3, 0.6]]), Tensor.Vector(0.05, -0.05)),
        ]),
        new TrainingData(Tensor.Matrix([[1, 2], [0.5, -1]]), Tensor.Matrix([[1, 0], [0, 1]])),
        new LossSpec(Ce.Instance, Reduction.Mean, [Bce.Instance]),
        optimizer ?? new Sgd(0.5),
        2,
        new Sampling.Full());

    // One sigmoid unit at z = 0 (a = 1/2), target 1, bce summed: dJ/da = -y/a + (1 - y)/(1 - a) = -1/0.5 + 0/0.5 = -2.
    [Fact]
    public void TheBceOutputGradientShowsBothFractionsWithTheirNumbers()
    {
        var problem = new TrainingProblem(new Network(1, [new DenseLayer("output", Sigmoid.Instance, Tensor.Matrix([[0.0]]), Tensor.Vector(0.0))]),
            new TrainingData(Tensor.Matrix([[1.0]]), Tensor.Matrix([[1.0]])), new LossSpec(Bce.Instance, Reduction.Sum, []), new Sgd(0.1), 1, new Sampling.Full());
        var text = Explain(problem, P(0, TraceField.OutputGradient));
        Assert.Contains(@"-\frac{1}{0.5000} + \frac{1 - 1}{1 - 0.5000}", text);
        Assert.EndsWith("= -2.0000$", text);
    }

    [Fact]
    public void TheOutputDeltaOfSeedOneShowsTheChainRuleWithItsNumbers()
    {
        var text = Explain(Contract(), P(0, TraceField.Delta, 1));
        Assert.Equal(@"$\delta^{[2]} = (a^{[2]} - y)\,\sigma'(z^{[2]}) = (0.4739 - 1)(0.2493) = -0.1312$", text);
    }

    [Fact]
    public void TheHiddenPreActivationOfSeedOneShowsTheGivenWeightsInputAndBiases()
    {
        var text = Explain(Contract(), P(0, TraceField.Z, 0));
        Assert.Equal(@"$z^{[1]} = W^{[1]} x + b^{[1]} = \begin{bmatrix} 0.2 & 0.4 & -0.5 \\ -0.3 & 0.1 & 0.2 \end{bmatrix} "
            + @"\begin{bmatrix} 1 \\ 0 \\ 1 \end{bmatrix} + \begin{bmatrix} -0.4 \\ 0.2 \end{bmatrix} = \begin{bmatrix} -0.7000 \\ 0.1000 \end{bmatrix}$", text);
    }

    [Fact]
    public void TheHiddenActivationOfSeedOneIsSigmaOfZ()
    {
        var text = Explain(Contract(), P(0, TraceField.A, 0));
        Assert.Equal(@"$a^{[1]} = \sigma(z^{[1]}) = \sigma\left(\begin{bmatrix} -0.7000 \\ 0.1000 \end{bmatrix}\right) = \begin{bmatrix} 0.3318 \\ 0.5250 \end{bmatrix}$", text);
    }

    [Fact]
    public void TheLossOfSeedOneIsHalfTheSquaredErrorOfTheOutput()
    {
        var text = Explain(Contract(), P(0, TraceField.LossValue));
        Assert.Equal(@"$J = \tfrac{1}{2}(a^{[2]} - y)^{2} = 0.1384$", text);
        Assert.Equal(@"$\ell = \tfrac{1}{2}(a^{[2]} - y)^{2} = \tfrac{1}{2}(0.4739 - 1)^{2} = 0.1384$", Explain(Contract(), P(0, TraceField.LossPerExample)));
    }

    [Fact]
    public void AStudentsOwnRoundedActivationIsWhatTheExplanationShows()
    {
        // Follow-through hands over the student's a1 = [0.3318, 0.5245] (seed 001's own numbers): z2 = -0.09954 - 0.1049 + 0.1 = -0.1044.
        var problem = Contract();
        var computation = new Computation(P(0, TraceField.Z, 1),
            [
                KeyValuePair.Create(P(0, TraceField.Input, 1), Tensor.Matrix([[0.3318, 0.5245]])),
                KeyValuePair.Create(P(-1, TraceField.Weights, 1), Tensor.Matrix([[-0.3, -0.2]])),
                KeyValuePair.Create(P(-1, TraceField.Biases, 1), Tensor.Vector(0.1)),
            ],
            Tensor.Matrix([[-0.10444]]), [0]);
        Assert.Equal(@"$z^{[2]} = W^{[2]} a^{[1]} + b^{[2]} = \begin{bmatrix} -0.3 & -0.2 \end{bmatrix} \begin{bmatrix} 0.3318 \\ 0.5245 \end{bmatrix} + 0.1 = -0.1044$",
            Explanation.Of(problem, computation, 4));
    }

    [Fact]
    public void HeavyBallVelocityAndStepShowMomentumLearningRateAndTheirNumbers()
    {
        var problem = Contract();
        // v = 0.9 (0) - 0.9 dJ/dW2, dJ/dW2 = delta2 a1^T = -0.13117 [0.33181, 0.52498] = [-0.0435, -0.0689]
        Assert.Equal(@"$v_{W}^{[2]} \leftarrow \mu\,v_{W}^{[2]} - \eta\,\frac{\partial J}{\partial W^{[2]}} = 0.9\,\begin{bmatrix} 0 & 0 \end{bmatrix} - 0.9\,"
            + @"\begin{bmatrix} -0.0435 & -0.0689 \end{bmatrix} = \begin{bmatrix} 0.0392 & 0.0620 \end{bmatrix}$",
            Explain(problem, P(0, TraceField.StateWeights, 1, "v")));
        Assert.Equal(@"$W^{[2]} \leftarrow W^{[2]} + v_{W}^{[2]} = \begin{bmatrix} -0.3 & -0.2 \end{bmatrix} + \begin{bmatrix} 0.0392 & 0.0620 \end{bmatrix} = \begin{bmatrix} -0.2608 & -0.1380 \end{bmatrix}$",
            Explain(problem, P(0, TraceField.Weights, 1)));
        // b2 = 0.1 + v_b2, v_b2 = -0.9 delta2 = 0.1181
        Assert.Equal(@"$b^{[2]} \leftarrow b^{[2]} + v_{b}^{[2]} = 0.1 + 0.1181 = 0.2181$", Explain(problem, P(0, TraceField.Biases, 1)));
    }

    [Fact]
    public void AdamsBiasCorrectedMomentDividesByOneMinusBetaOneToTheT()
    {
        var problem = Contract(optimizer: new Adam(0.1));
        // m = 0.9 (0) + 0.1 delta2 = -0.013117; mhat = m / (1 - 0.9) = -0.13117
        Assert.Equal(@"$\hat{m}_{b}^{[2]} = \frac{m_{b}^{[2]}}{1 - \beta_1^{t}} = \frac{-0.0131}{1 - 0.9^{1}} = -0.1312$",
            Explain(problem, P(0, TraceField.StateBiases, 1, "mhat")));
        Assert.Contains(@"{1 - 0.9^{2}}", Explain(problem, P(1, TraceField.StateBiases, 1, "mhat")));
    }

    [Fact]
    public void AFormulaOnlyExplanationHasNoDigitButTheLayerIndices()
    {
        var text = Explain(Contract(), P(0, TraceField.Delta, 1), decimals: null);
        Assert.Equal(@"$\delta^{[2]} = (a^{[2]} - y)\,\sigma'(z^{[2]})$", text);
        var withoutLayers = text.Replace("[2]", "");
        Assert.DoesNotContain(withoutLayers, char.IsDigit);
    }

    [Theory]
    [InlineData("sigmoid")]
    [InlineData("softmax")]
    [InlineData("adam")]
    public void NoFormulaOnlyExplanationCarriesANumber(string kind)
    {
        var problem = kind switch { "softmax" => SoftmaxCe(), "adam" => Contract(optimizer: new Adam(0.1)), _ => Contract() };
        foreach (var computation in Record(problem).Values)
        {
            var text = Explanation.Of(problem, computation, null);
            Assert.DoesNotContain('.', text);
            // digits only in layer indices [l], subscripts (beta_1) and the formulas' own constants (1/2, 1 - a)
            foreach (var value in computation.Value.Data)
                if (Math.Abs(value) > 1e-3 && Math.Abs(value - 1) > 1e-3) Assert.DoesNotContain(Math.Abs(value).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), text);
        }
    }

    [Fact]
    public void ATensorOfMoreThanEightElementsIsShownByItsSymbol()
    {
        // a 4-3-1 network: W1 has 12 elements, so z1's numbers show W^{[1]} by name, and dJ/dW1 has no value written
        var problem = new TrainingProblem(
            new Network(4,
            [
                new DenseLayer("hidden", Sigmoid.Instance, Tensor.Matrix([[0.1, 0.2, 0.3, 0.4], [-0.1, -0.2, -0.3, -0.4], [0.5, 0, 0, 0.5]]), Tensor.Vector(0, 0, 0)),
                new DenseLayer("output", Sigmoid.Instance, Tensor.Matrix([[1, -1, 0.5]]), Tensor.Vector(0)),
            ]),
            new TrainingData(Tensor.Matrix([[1, 0, 0, 1]]), Tensor.Matrix([[1]])),
            new LossSpec(HalfSse.Instance, Reduction.Sum, []),
            new Sgd(0.1), 1, new Sampling.Full());
        // z1 = W1 x = [0.1 + 0.4, -0.1 - 0.4, 0.5 + 0.5] = [0.5, -0.5, 1]
        Assert.Equal(@"$z^{[1]} = W^{[1]} x + b^{[1]} = W^{[1]} \begin{bmatrix} 1 \\ 0 \\ 0 \\ 1 \end{bmatrix} + \begin{bmatrix} 0 \\ 0 \\ 0 \end{bmatrix} "
            + @"= \begin{bmatrix} 0.5000 \\ -0.5000 \\ 1.0000 \end{bmatrix}$", Explain(problem, P(0, TraceField.Z, 0)));
        var gradient = Explain(problem, P(0, TraceField.WeightGradient, 0));
        Assert.StartsWith(@"$\frac{\partial J}{\partial W^{[1]}} = \delta^{[1]}\,x^\top = \begin{bmatrix}", gradient);
        Assert.EndsWith(@"\begin{bmatrix} 1 & 0 & 0 & 1 \end{bmatrix}$", gradient);
    }

    [Theory]
    [InlineData("sigmoid")]
    [InlineData("softmax")]
    [InlineData("adam")]
    public void EveryTracedFieldHasAShortExplanationWithItsValue(string kind)
    {
        var problem = kind switch { "softmax" => SoftmaxCe(), "adam" => Contract(optimizer: new Adam(0.1)), _ => Contract() };
        var fields = new HashSet<TraceField>();
        foreach (var computation in Record(problem).Values)
        {
            var text = Explanation.Of(problem, computation, 4);
            Assert.StartsWith("$", text);
            Assert.EndsWith("$", text);
            Assert.InRange(text.Length, 5, Explanation.MaxLength);
            Assert.Contains(" = ", text);
            Assert.False(string.IsNullOrWhiteSpace(Explanation.Of(problem, computation, null)));
            fields.Add(computation.Node.Field);
        }
        var expected = Enum.GetValues<TraceField>().Where(f => f is not (TraceField.LookAheadWeights or TraceField.LookAheadBiases)
            && (f != TraceField.LossAlso || kind == "softmax") && (f is not (TraceField.StateWeights or TraceField.StateBiases) || kind != "softmax"));
        Assert.Equal(expected.OrderBy(f => f), fields.OrderBy(f => f));
    }

    [Fact]
    public void TheSoftmaxCrossEntropyDeltaIsTheShortFormAMinusY()
    {
        var problem = SoftmaxCe();
        var text = Explain(problem, P(0, TraceField.Delta, 1));
        // mean over two examples, one-hot targets: delta2 = (a2 - y) / 2, examples as columns
        Assert.StartsWith(@"$\delta^{[2]} = \frac{1}{B}(a^{[2]} - y) = \frac{1}{2}\left(\begin{bmatrix}", text);
        Assert.Contains(@" - \begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}\right) = ", text);
    }

    [Fact]
    public void AnExplanationPastTheLengthLimitKeepsTheFormulaAndTheValueAndDropsTheNumbersThatWentIn()
    {
        // A 4-2-1 network under centered RMSprop with momentum: W1 has 8 elements, so buf_W1's numbers (g, s and gbar,
        // 8 each) would run past the limit; the value (8 numbers) is still written.
        var problem = new TrainingProblem(
            new Network(4,
            [
                new DenseLayer("hidden", Sigmoid.Instance, Tensor.Matrix([[0.1, 0.2, 0.3, 0.4], [-0.1, -0.2, -0.3, -0.4]]), Tensor.Vector(0, 0)),
                new DenseLayer("output", Sigmoid.Instance, Tensor.Matrix([[1, -1]]), Tensor.Vector(0)),
            ]),
            new TrainingData(Tensor.Matrix([[1, 2, 3, 4]]), Tensor.Matrix([[1]])),
            new LossSpec(HalfSse.Instance, Reduction.Sum, []),
            new RmsProp(0.01, centered: true, momentum: 0.5), 1, new Sampling.Full());
        var text = Explain(problem, P(0, TraceField.StateWeights, 0, "b"));
        Assert.InRange(text.Length, 1, Explanation.MaxLength);
        Assert.StartsWith(@"$\mathrm{buf}_{W}^{[1]} \leftarrow \mu\,\mathrm{buf}_{W}^{[1]} + \frac{\frac{\partial J}{\partial W^{[1]}}}{\sqrt{s_{W}^{[1]} - (\bar{g}_{W}^{[1]})^{2}} + \epsilon} = \begin{bmatrix} ", text);
        Assert.DoesNotContain("0.5", text);
        Assert.EndsWith(@" \end{bmatrix}$", text);
    }

    [Fact]
    public void ABiasGradientOverTwoExamplesIsTheSumOfTheirDeltas()
    {
        var problem = SoftmaxCe();
        var record = Record(problem);
        var delta = record[P(0, TraceField.Delta, 1)].Value;
        var text = Explanation.Of(problem, record[P(0, TraceField.BiasGradient, 1)], 4);
        // one column per example: delta rows [d00, d01] and [d10, d11]
        string F(double v) => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($@"= \begin{{bmatrix}} {F(delta[0, 0])} \\ {F(delta[0, 1])} \end{{bmatrix}} + \begin{{bmatrix}} {F(delta[1, 0])} \\ {F(delta[1, 1])} \end{{bmatrix}} = ", text);
        Assert.StartsWith(@"$\frac{\partial J}{\partial b^{[2]}} = \textstyle\sum_i \delta^{[2]}_i", text);
    }

    [Fact]
    public void NumbersAreRoundedAsInvariantFixedPointFormattingRoundsThem()
    {
        // Seeded values of every size, many of them a hair from a rounding tie, at 0 to 6 decimals.
        var random = new System.Random(3);
        var problem = Contract();
        for (int k = 0; k < 20000; k++)
        {
            double value = (random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-6, 5));
            if (k % 3 == 0) value = Math.Round(value, random.Next(0, 6)) + (random.Next(3) - 1) * 5e-5;
            int decimals = random.Next(0, 7);
            var expected = value.ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture);
            if (expected.StartsWith('-') && expected.Skip(1).All(c => c is '0' or '.')) expected = expected[1..];
            var text = Explanation.Of(problem, new Computation(P(0, TraceField.LossValue), [], Tensor.Scalar(value), [0]), decimals);
            Assert.EndsWith(" = " + expected + "$", text);
        }
    }

    [Fact]
    public void HyperparametersAreWrittenAsGiven()
    {
        // eta = 0.001, beta2 = 0.999, eps = 1e-8 (as 10^{-8}); beta1 = 0.9
        var problem = Contract(optimizer: new Adam(0.001));
        var step = Explain(problem, P(0, TraceField.Biases, 1));
        Assert.Contains(@" - 0.001\,\frac{", step);
        Assert.Contains(@"} + 10^{-8}} = ", step);
        Assert.Contains(@"0.999\,(0) + (1 - 0.999)\,(-0.1312)^{2}", Explain(problem, P(0, TraceField.StateBiases, 1, "v")));
    }

    [Fact]
    public void OperandsOfAnyShapeMissingOrNotFiniteStillGiveAShortExplanation()
    {
        // What follow-through hands over is a student's: any shape, NaN, huge, or absent. Seeded, every traced node.
        var random = new System.Random(5);
        Tensor Any()
        {
            var shape = new int[random.Next(0, 4)];
            for (int i = 0; i < shape.Length; i++) shape[i] = random.Next(0, 4);
            var data = new double[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = random.Next(10) == 0 ? double.NaN : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 20));
            return new Tensor(shape, data);
        }
        foreach (var problem in new[] { Contract(), Contract(optimizer: new Adam(0.1, amsgrad: true, weightDecay: 0.1)),
                     Contract(optimizer: new RmsProp(0.1, centered: true, momentum: 0.3)), Contract(optimizer: new Nesterov(0.1, 0.9, NesterovConvention.Sutskever)), SoftmaxCe(new Adagrad(0.5, 0.1)) })
        {
            var nodes = Record(problem).Values.ToArray();
            for (int round = 0; round < 20; round++)
                foreach (var node in nodes)
                {
                    var operands = node.Operands.Where(_ => random.Next(6) != 0).Select(o => KeyValuePair.Create(o.Key, Any())).ToArray();
                    int[] examples = random.Next(4) == 0 ? [] : random.Next(2) == 0 ? [0] : [0, 5, -1];
                    var text = Explanation.Of(problem, new Computation(node.Node, operands, Any(), examples), random.Next(3) == 0 ? null : random.Next(-2, 20));
                    Assert.InRange(text.Length, 2, Explanation.MaxLength);
                }
        }
    }

    [Fact]
    public void NegativeZeroNaNAndInfinityAreWrittenAsAMarkerWould()
    {
        var problem = Contract();
        var computation = new Computation(P(0, TraceField.A, 0),
            [KeyValuePair.Create(P(0, TraceField.Z, 0), Tensor.Matrix([[-0.00001, double.PositiveInfinity]]))],
            Tensor.Matrix([[0.5, double.NaN]]), [0]);
        Assert.Equal(@"$a^{[1]} = \sigma(z^{[1]}) = \sigma\left(\begin{bmatrix} 0.0000 \\ \infty \end{bmatrix}\right) = \begin{bmatrix} 0.5000 \\ \text{NaN} \end{bmatrix}$",
            Explanation.Of(problem, computation, 4));
    }
}
