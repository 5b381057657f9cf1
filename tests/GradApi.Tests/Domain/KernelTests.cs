using GradApi.Domain.Numerics;
using GradApi.Domain.Optimizers;

namespace GradApi.Tests.Domain;

/// <summary>
/// The SIMD kernels against the sums as the contract writes them, left to right, each product rounded before it is
/// added: bit for bit, on shapes with whole blocks and with remainders.
/// </summary>
public sealed class KernelTests
{
    static double[] Random(Random random, int length, double scale = 1) =>
        Enumerable.Range(0, length).Select(_ => (2 * random.NextDouble() - 1) * scale).ToArray();

    [Theory]
    [InlineData(32, 128, 784)]
    [InlineData(5, 7, 61)]
    [InlineData(9, 4, 64)]
    [InlineData(3, 33, 100)]
    public void ALayersPreActivationsAreItsLeftToRightSumsBitForBit(int batch, int rows, int columns)
    {
        var random = new Random(batch * 1000 + rows);
        double[] w = Random(random, rows * columns), x = Random(random, batch * columns), bias = Random(random, rows);
        Assert.True(Kernels.Worthwhile(batch, rows, columns) || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
        var z = new double[batch * rows];
        Affine.Evaluate(w, rows, bias, x, batch, z);
        int reorderedDiffers = 0;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < rows; i++)
            {
                double sum = bias[i], reversed = 0;
                for (int j = 0; j < columns; j++) sum += w[i * columns + j] * x[b * columns + j];
                for (int j = columns - 1; j >= 0; j--) reversed += w[i * columns + j] * x[b * columns + j];
                if (bias[i] + reversed != sum) reorderedDiffers++;
                Assert.Equal(BitConverter.DoubleToInt64Bits(sum), BitConverter.DoubleToInt64Bits(z[b * rows + i]));
            }
        // Guard: another summation order would have changed last bits, so equality above is a real check.
        Assert.True(reorderedDiffers > 0);
    }

    [Fact]
    public void ACancellingSumInsideALargeLayerIsStillExactlyZero()
    {
        // Row 3, example 5: -0.3 + 0.4 x 1 - 0.1 x 1 is 2.8e-17 in doubles and 0 in decimal; the rest is ordinary.
        const int batch = 8, rows = 8, columns = 300;
        var random = new Random(13);
        double[] w = Random(random, rows * columns), x = Random(random, batch * columns), bias = Random(random, rows);
        Array.Clear(w, 3 * columns, columns);
        w[3 * columns] = 0.4;
        w[3 * columns + 1] = -0.1;
        bias[3] = -0.3;
        x[5 * columns] = 1;
        x[5 * columns + 1] = 1;
        var z = new double[batch * rows];
        Affine.Evaluate(w, rows, bias, x, batch, z);
        Assert.Equal(0.0, z[5 * rows + 3]);
        double naive = -0.3;
        naive += 0.4 * 1;
        naive += -0.1 * 1;
        Assert.NotEqual(0.0, naive); // guard: the doubles really miss it
    }

    [Fact]
    public void APreActivationKernelWithACancelledTokenStops()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        var z = new double[32 * 128];
        Assert.Throws<OperationCanceledException>(() =>
            Affine.Evaluate(new double[128 * 784], 128, new double[128], new double[32 * 784], 32, z, source.Token));
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(5, false)]
    [InlineData(8, false)]
    public void ATensorIsFiniteUnlessOneOfItsValuesIsInfiniteOrNaN(int at, bool finite)
    {
        // Nine values: two lane groups and a remainder; the bad value in the first group, the second, or the remainder.
        double[] values = [1e308, -2, 0, -0.0, 5e-324, 3, 4, 5, 6];
        if (at >= 0) values[at] = at == 5 ? double.NaN : at == 8 ? double.NegativeInfinity : double.PositiveInfinity;
        Assert.Equal(finite, new GradApi.Domain.Tensors.Tensor([values.Length], values).AllFinite());
    }

    [Theory]
    [InlineData(32, 128, 784)]
    [InlineData(7, 13, 37)]
    [InlineData(32, 10, 128)]
    public void AWeightGradientIsItsSumOverExamplesInOrderBitForBit(int batch, int outputs, int inputs)
    {
        var random = new Random(outputs * 31 + inputs);
        double[] delta = Random(random, batch * outputs), x = Random(random, batch * inputs);
        var gradient = new double[outputs * inputs];
        Kernels.WeightGradient(delta, outputs, x, inputs, batch, gradient, default);
        for (int i = 0; i < outputs; i++)
            for (int j = 0; j < inputs; j++)
            {
                double sum = 0;
                for (int b = 0; b < batch; b++) sum += delta[b * outputs + i] * x[b * inputs + j];
                Assert.Equal(BitConverter.DoubleToInt64Bits(sum), BitConverter.DoubleToInt64Bits(gradient[i * inputs + j]));
            }
    }

    [Theory]
    [InlineData(32, 10, 128)]
    [InlineData(5, 9, 23)]
    public void AGradientBackThroughWeightsIsItsSumOverOutputsInOrderBitForBit(int batch, int outputs, int inputs)
    {
        var random = new Random(outputs * 17 + inputs);
        double[] w = Random(random, outputs * inputs), delta = Random(random, batch * outputs);
        var gradient = new double[batch * inputs];
        Kernels.BackThrough(w, outputs, inputs, delta, batch, gradient, default);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < inputs; j++)
            {
                double sum = 0;
                for (int k = 0; k < outputs; k++) sum += w[k * inputs + j] * delta[b * outputs + k];
                Assert.Equal(BitConverter.DoubleToInt64Bits(sum), BitConverter.DoubleToInt64Bits(gradient[b * inputs + j]));
            }
    }

    [Theory]
    [InlineData(EpsilonPlacement.OutsideSqrt, false)]
    [InlineData(EpsilonPlacement.InsideSqrt, false)]
    [InlineData(EpsilonPlacement.Keras, false)]
    [InlineData(EpsilonPlacement.OutsideSqrt, true)]
    [InlineData(EpsilonPlacement.InsideSqrt, true)]
    [InlineData(EpsilonPlacement.Keras, true)]
    public void AnAdamStepIsItsScalarFormulaBitForBitOnEveryElement(EpsilonPlacement placement, bool slotBySlot)
    {
        // slotBySlot: a caller hears of each slot as it completes (one pass per slot); otherwise one fused pass.
        // 103 elements: whole lane groups and a remainder; two steps so m and v are not zero going in.
        const int n = 103;
        var random = new Random(7);
        double[] theta = Random(random, n), expected = (double[])theta.Clone();
        double[][] gradients = [Random(random, n, 0.01), Random(random, n, 0.01)];
        var adam = new Adam(0.001, epsilonPlacement: placement);
        var state = adam.CreateState(n);
        double[] m = new double[n], v = new double[n];
        for (int t = 1; t <= 2; t++)
        {
            adam.Step(theta, gradients[t - 1], state, t, theta, slotBySlot ? _ => { } : null);
            double c1 = 1 - Math.Pow(0.9, t), c2 = 1 - Math.Pow(0.999, t);
            for (int i = 0; i < n; i++)
            {
                double g = gradients[t - 1][i];
                m[i] = 0.9 * m[i] + (1 - 0.9) * g;
                v[i] = 0.999 * v[i] + (1 - 0.999) * g * g;
                expected[i] -= placement switch
                {
                    EpsilonPlacement.Keras => 0.001 * Math.Sqrt(c2) / c1 * m[i] / (Math.Sqrt(v[i]) + 1e-8),
                    EpsilonPlacement.InsideSqrt => 0.001 * (m[i] / c1) / Math.Sqrt(v[i] / c2 + 1e-8),
                    _ => 0.001 * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + 1e-8),
                };
            }
        }
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(theta[i]));
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(v[i]), BitConverter.DoubleToInt64Bits(state[1][i]));
    }

    [Theory]
    [InlineData(EpsilonPlacement.OutsideSqrt)]
    [InlineData(EpsilonPlacement.InsideSqrt)]
    [InlineData(EpsilonPlacement.Keras)]
    public void AnAdamStepOutOfPlaceIsItsScalarFormulaBitForBitAndLeavesItsInputsAsTheyWere(EpsilonPlacement placement)
    {
        const int n = 103;
        var random = new Random(11);
        double[] theta = Random(random, n), g = Random(random, n, 0.01);
        var adam = new Adam(0.001, epsilonPlacement: placement);
        Assert.True(adam.StepsOutOfPlace);
        // Step 3 from nonzero m and v.
        var state = adam.CreateState(n);
        state[0] = Random(random, n, 0.01);
        state[1] = Random(random, n, 0.0001).Select(Math.Abs).ToArray();
        var before = state.Select(s => (double[])s.Clone()).ToArray();
        double[] thetaBefore = (double[])theta.Clone(), stepped = new double[n];
        var next = state.Select(s => new double[s.Length]).ToArray();
        adam.StepInto(theta, stepped, g, state, next, 3);
        double c1 = 1 - Math.Pow(0.9, 3), c2 = 1 - Math.Pow(0.999, 3);
        for (int i = 0; i < n; i++)
        {
            double m = 0.9 * before[0][i] + (1 - 0.9) * g[i], v = 0.999 * before[1][i] + (1 - 0.999) * g[i] * g[i];
            double expected = thetaBefore[i] - placement switch
            {
                EpsilonPlacement.Keras => 0.001 * Math.Sqrt(c2) / c1 * m / (Math.Sqrt(v) + 1e-8),
                EpsilonPlacement.InsideSqrt => 0.001 * (m / c1) / Math.Sqrt(v / c2 + 1e-8),
                _ => 0.001 * (m / c1) / (Math.Sqrt(v / c2) + 1e-8),
            };
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(stepped[i]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(m), BitConverter.DoubleToInt64Bits(next[0][i]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(next[1][i]));
        }
        Assert.Equal(thetaBefore, theta);
        for (int s = 0; s < state.Length; s++) Assert.Equal(before[s], state[s]);
    }

    [Fact]
    public void AnAdamRunKeepingEveryTensorLeavesEachIterationsTensorsAsTheyWereWritten()
    {
        var problem = Problems.Random(5, [40, 24, 10], ["tanh", "softmax"], "ce", GradApi.Domain.Losses.Reduction.Mean, 40, optimizer: new Adam(0.01))
            with { Iterations = 3 };
        var first = new GradApi.Domain.Training.TrainingRun(problem with { Iterations = 1 }).Iterations().Single();
        var kept = new GradApi.Domain.Training.TrainingRun(problem).Iterations().ToArray();
        for (int l = 0; l < 2; l++)
        {
            Assert.Equal(first.Update[l].Weights.Data, kept[0].Update[l].Weights.Data);
            Assert.Equal(first.Update[l].Biases!.Data, kept[0].Update[l].Biases!.Data);
            for (int s = 0; s < first.Update[l].State.Count; s++)
                Assert.Equal(first.Update[l].State[s].Weights.Data, kept[0].Update[l].State[s].Weights.Data);
        }
        Assert.NotEqual(kept[0].Update[0].State[0].Weights.Data, kept[2].Update[0].State[0].Weights.Data);
    }

    [Theory]
    [InlineData(MomentumConvention.HeavyBall)]
    [InlineData(MomentumConvention.PyTorch)]
    [InlineData(MomentumConvention.VelocityStep)]
    [InlineData(MomentumConvention.Ema)]
    public void AMomentumStepIsItsScalarFormulaBitForBitOnEveryElement(MomentumConvention convention)
    {
        const int n = 41;
        var random = new Random(11);
        double[] theta = Random(random, n), expected = (double[])theta.Clone(), v = new double[n];
        double[][] gradients = [Random(random, n), Random(random, n)];
        const double eta = 0.3, mu = 0.9;
        var momentum = new Momentum(eta, mu, convention);
        var state = momentum.CreateState(n);
        for (int t = 1; t <= 2; t++)
        {
            momentum.Step(theta, gradients[t - 1], state, t, theta);
            for (int i = 0; i < n; i++)
            {
                double g = gradients[t - 1][i];
                v[i] = convention switch
                {
                    MomentumConvention.PyTorch => t == 1 ? g : mu * v[i] + (1 - 0.0) * g,
                    MomentumConvention.HeavyBall => mu * v[i] - eta * g,
                    MomentumConvention.VelocityStep => mu * v[i] + eta * g,
                    _ => mu * v[i] + (1 - mu) * g,
                };
                expected[i] = convention switch
                {
                    MomentumConvention.HeavyBall => expected[i] + v[i],
                    MomentumConvention.VelocityStep => expected[i] - v[i],
                    _ => expected[i] - eta * v[i],
                };
            }
        }
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(theta[i]));
    }
}

/// <summary>A run that reuses its buffers (the service's /v1/train) computes what a run keeping every tensor does.</summary>
public sealed class ReusedBufferTests
{
    [Fact]
    public void ARunReusingItsBuffersWritesTheSameIterationsAsOneKeepingEveryTensor()
    {
        // 40-24-10, Adam, minibatches of 16 from 40 examples: batches of 16, 16 and 8, so the batch's input buffer changes size.
        var problem = Problems.Random(5, [40, 24, 10], ["tanh", "softmax"], "ce", GradApi.Domain.Losses.Reduction.Mean, 40, optimizer: new Adam(0.01))
            with { Iterations = 6, Sampling = new GradApi.Domain.Networks.Sampling.Minibatch(16, 3) };
        var kept = new GradApi.Domain.Training.TrainingRun(problem).Iterations().ToArray();
        var reused = new GradApi.Domain.Training.TrainingRun(problem, reuseBuffers: true);
        int t = 0;
        foreach (var iteration in reused.Iterations())
        {
            // Read as the service writes it: each iteration before the next is asked for.
            var expected = kept[t++];
            Assert.Equal(expected.ExampleIndices, iteration.ExampleIndices);
            Assert.Equal(expected.Forward[0].Input.Data, iteration.Forward[0].Input.Data);
            Assert.Equal(expected.Loss.Value, iteration.Loss.Value);
            for (int l = 0; l < 2; l++)
            {
                Assert.Equal(expected.Backward[l].WeightGradient.Data, iteration.Backward[l].WeightGradient.Data);
                Assert.Equal(expected.Update[l].Weights.Data, iteration.Update[l].Weights.Data);
                for (int s = 0; s < expected.Update[l].State.Count; s++)
                    Assert.Equal(expected.Update[l].State[s].Weights.Data, iteration.Update[l].State[s].Weights.Data);
            }
        }
        Assert.Equal(6, t);
        Assert.Equal(kept[^1].Update[0].Weights.Data, reused.Final[0].Weights.Data);
        // Guard: the kept run's tensors really are separate from one iteration to the next.
        Assert.NotEqual(kept[0].Update[0].Weights.Data, kept[1].Update[0].Weights.Data);
    }

    [Fact]
    public void AHookedRunCannotReuseItsBuffers()
    {
        var problem = Problems.Random(5, [4, 3], ["tanh"], "mse", GradApi.Domain.Losses.Reduction.Mean, 2);
        Assert.Throws<ArgumentException>(() => new GradApi.Domain.Training.TrainingRun(problem, new Observer(), reuseBuffers: true));
    }

    sealed class Observer : GradApi.Domain.Training.ITraceHook
    {
        public GradApi.Domain.Tensors.Tensor OnTensor(GradApi.Domain.Training.TracePoint point, ReadOnlySpan<GradApi.Domain.Training.TracePoint> inputs,
            GradApi.Domain.Tensors.Tensor computed) => computed;
    }
}
