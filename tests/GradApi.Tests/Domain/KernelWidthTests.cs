using GradApi.Domain.Numerics;

namespace GradApi.Tests.Domain;

/// <summary>
/// Each kernel at each lane width (256-bit and 512-bit; a width the machine lacks still runs, in software) against the
/// sums as the contract writes them, left to right, each product rounded before it is added: bit for bit, on shapes
/// with whole register blocks and with every kind of remainder (rows, examples, columns).
/// </summary>
public sealed class KernelWidthTests
{
    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        (int, int, int)[] shapes = [(32, 128, 784), (40, 13, 37), (33, 9, 50), (8, 4, 16), (1, 5, 3), (17, 21, 33), (64, 8, 32)];
        foreach (var width in new[] { 256, 512 })
            foreach (var (batch, rows, columns) in shapes) data.Add(width, batch, rows, columns);
        return data;
    }

    static double[] Random(Random random, int length) => Enumerable.Range(0, length).Select(_ => 2 * random.NextDouble() - 1).ToArray();

    static void AssertSameBits(double expected, double actual, string where) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{where}: expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PreActivationSumsAtEitherWidthAreTheLeftToRightSums(int width, int batch, int rows, int columns)
    {
        var random = new Random(width + batch * 7 + rows * 131 + columns);
        double[] w = Random(random, rows * columns), x = Random(random, batch * columns), bias = Random(random, rows);
        var z = new double[batch * rows];
        if (width == 256) Kernels.AffineSums256(w, rows, columns, bias, x, batch, z, default);
        else Kernels.AffineSums512(w, rows, columns, bias, x, batch, z, default);
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < rows; i++)
            {
                double sum = bias[i];
                for (int j = 0; j < columns; j++) sum += w[i * columns + j] * x[b * columns + j];
                AssertSameBits(sum, z[b * rows + i], $"z[{b}][{i}]");
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradientsAtEitherWidthAreTheSumsOverExamplesInOrder(int width, int batch, int outputs, int inputs)
    {
        var random = new Random(width + batch * 5 + outputs * 31 + inputs);
        double[] delta = Random(random, batch * outputs), x = Random(random, batch * inputs);
        var gradient = new double[outputs * inputs];
        if (width == 256) Kernels.WeightGradient256(delta, outputs, x, inputs, batch, gradient, default);
        else Kernels.WeightGradient512(delta, outputs, x, inputs, batch, gradient, default);
        for (int i = 0; i < outputs; i++)
            for (int j = 0; j < inputs; j++)
            {
                double sum = 0;
                for (int b = 0; b < batch; b++) sum += delta[b * outputs + i] * x[b * inputs + j];
                AssertSameBits(sum, gradient[i * inputs + j], $"g[{i}][{j}]");
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientsBackThroughWeightsAtEitherWidthAreTheSumsOverOutputsInOrder(int width, int batch, int outputs, int inputs)
    {
        var random = new Random(width + batch * 3 + outputs * 17 + inputs);
        double[] w = Random(random, outputs * inputs), delta = Random(random, batch * outputs);
        var gradient = new double[batch * inputs];
        if (width == 256) Kernels.BackThrough256(w, outputs, inputs, delta, batch, gradient, default);
        else Kernels.BackThrough512(w, outputs, inputs, delta, batch, gradient, default);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < inputs; j++)
            {
                double sum = 0;
                for (int k = 0; k < outputs; k++) sum += w[k * inputs + j] * delta[b * outputs + k];
                AssertSameBits(sum, gradient[b * inputs + j], $"g[{b}][{j}]");
            }
    }

    [Fact]
    public void TheLargestMagnitudeIsFoundWhereverItIsAndHoweverLongTheRow()
    {
        var random = new Random(5);
        for (int length = 1; length <= 100; length++)
            for (int at = 0; at < length; at++)
            {
                var x = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();
                x[at] = at % 2 == 0 ? -3.5 : 3.5;
                Assert.Equal(3.5, Kernels.MaxMagnitude(x));
            }
        Assert.Equal(0.0, Kernels.MaxMagnitude([]));
    }
}
