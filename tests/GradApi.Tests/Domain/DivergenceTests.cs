using GradApi.Domain.Losses;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>
/// Seed 003: y = w x, x = 1, y = 100, w0 = 0, J = 1/2 (w - 100)^2, plain gradient descent.
/// w_t - 100 = (1 - eta)(w_(t-1) - 100), so w_t - 100 = (1 - eta)^t (-100), and the loss of
/// iteration t (taken at w_(t-1)) is J_t = 5000 (1 - eta)^(2(t-1)).
/// </summary>
public sealed class DivergenceTests
{
    [Fact]
    public void LearningRateTwoPointFiveDivergesAtTheFirstIterationWhoseLossOverflows()
    {
        // eta = 2.5: w_t = 100 - 100 (-1.5)^t; J_t = 5000 * 2.25^(t-1).
        // J_t > DBL_MAX = 1.7976931348623157e308 <=> (t-1) log10 2.25 > log10(DBL_MAX / 5000) = 304.5557
        // <=> t - 1 > 864.77, so t = 866 (J_865 = 9.65e307 is still finite; w_t stays finite until t = 1740).
        var run = new TrainingRun(Problems.Scalar(0, 1, 100, new Sgd(2.5), 2000));
        var trace = run.Iterations().ToList();

        Assert.Equal(RunStatus.Diverged, run.Status);
        Assert.Equal(866, run.DivergedAtIteration);
        Assert.Equal(866, trace.Count);
        Assert.Equal(866, trace[^1].Iteration);
        Assert.True(double.IsPositiveInfinity(trace[^1].Loss.Value));
        Assert.All(trace.Take(865), i => Assert.True(double.IsFinite(i.Loss.Value), $"iteration {i.Iteration}"));
        Assert.All(trace, i => Assert.True(double.IsFinite(i.Update[0].Weights[0]), $"iteration {i.Iteration}"));

        // the first steps exactly: 250, -125, 437.5, -406.25, 859.375
        Assert.Equal([250.0, -125.0, 437.5, -406.25, 859.375], trace.Take(5).Select(i => i.Update[0].Weights[0]));
        // every step against the closed form (rounding accumulates about one ulp per step)
        foreach (var i in trace)
        {
            double w = 100 - 100 * Math.Pow(-1.5, i.Iteration);
            Assert.True(Math.Abs(i.Update[0].Weights[0] - w) <= 1e-12 * Math.Abs(w), $"w_{i.Iteration}");
            if (i.Iteration < 866)
            {
                double j = 5000 * Math.Pow(2.25, i.Iteration - 1);
                Assert.True(Math.Abs(i.Loss.Value - j) <= 1e-12 * j, $"J_{i.Iteration} = {i.Loss.Value:R}, closed form {j:R}");
            }
        }
    }

    [Fact]
    public void LearningRateOneHalfConvergesToExactlyOneHundred()
    {
        // eta = 0.5: w_t = 100 - 100 * 2^-t: 50, 75, 87.5, 93.75, 96.875 ... exact in doubles while
        // 25 (2^t - 1) fits 53 bits (t <= 48). Then the distance d = 100 - w in ulps of 100 (2^-46) halves
        // with ties to even: 25, 12, 6, 3, 2, 1, 0 at t = 48..54, so w_54 = 100 exactly and stays there.
        var run = new TrainingRun(Problems.Scalar(0, 1, 100, new Sgd(0.5), 80));
        var trace = run.Iterations().ToList();
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Null(run.DivergedAtIteration);
        Assert.Equal(80, trace.Count);
        Assert.Equal([50.0, 75.0, 87.5, 93.75, 96.875], trace.Take(5).Select(i => i.Update[0].Weights[0]));
        Assert.Equal([5000.0, 1250.0, 312.5, 78.125, 19.53125], trace.Take(5).Select(i => i.Loss.Value));
        for (int t = 1; t <= 48; t++) Assert.Equal(100 - 100 * Math.Pow(2, -t), trace[t - 1].Update[0].Weights[0]);
        Assert.NotEqual(100.0, trace[52].Update[0].Weights[0]);
        for (int t = 54; t <= 80; t++) Assert.Equal(100.0, trace[t - 1].Update[0].Weights[0]);
        Assert.Equal(0.0, trace[^1].Loss.Value);
        Assert.Equal(100.0, run.Final[0].Weights[0]);
    }

    [Fact]
    public void AHalfSquaredErrorBelowTheLargestDoubleIsFinite()
    {
        // l = 1/2 (1.5e154)^2 = 1.125e308 < DBL_MAX, although (1.5e154)^2 alone is not representable.
        Assert.Equal(1.125e308, HalfSse.Instance.Value([1.5e154], [0.0]), 1e294);
        // mse over K = 2: (1/2)(1.44e308 + 1.44e308) = 1.44e308, finite
        Assert.Equal(1.44e308, Mse.Instance.Value([1.2e154, -1.2e154], [0.0, 0.0]), 1e294);
        // sse of the same really is beyond DBL_MAX
        Assert.True(double.IsPositiveInfinity(Sse.Instance.Value([1.2e154, -1.2e154], [0.0, 0.0])));
    }

    [Fact]
    public void AMeanReductionBelowTheLargestDoubleIsFinite()
    {
        // Two examples, w = 1.35e154, x = 1, y = 0: l = 1/2 (1.35e154)^2 = 9.1125e307 each, so the sum
        // 1.8225e308 exceeds DBL_MAX but J = the mean = 9.1125e307 does not. dJ/dw = mean((w x - y) x) = 1.35e154.
        // (mse, reported beside it, is (1.35e154)^2 = 1.8225e308 per example: really infinite.)
        var problem = Problems.Scalar(1.35e154, 1.0, 0.0, new Sgd(1e-3), 1) with
        {
            Data = new GradApi.Domain.Networks.TrainingData(
                GradApi.Domain.Tensors.Tensor.Matrix([[1.0], [1.0]]),
                GradApi.Domain.Tensors.Tensor.Matrix([[0.0], [0.0]])),
            Loss = new LossSpec(HalfSse.Instance, Reduction.Mean, [Mse.Instance]),
        };
        var run = new TrainingRun(problem);
        var trace = run.Iterations().Single();
        Assert.Equal(9.1125e307, trace.Loss.Value, 1e294);
        Assert.Equal(1.35e154, trace.Backward[0].WeightGradient[0, 0], 1e140);
        Assert.True(double.IsPositiveInfinity(trace.Loss.Also.Single().Value));
        Assert.Equal(RunStatus.Completed, run.Status);
    }
}
