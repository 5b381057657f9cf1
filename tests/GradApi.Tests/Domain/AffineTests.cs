using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Numerics;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>z = b + sum w_j a_j, with the exact-decimal fallback when the double sum is within its own rounding error of 0.</summary>
public sealed class AffineTests
{
    [Fact]
    public void TheBriefsCancellingSumIsExactlyZero()
    {
        // -0.1 + 0.3*(-1) + 0.8*0.5 = -0.1 - 0.3 + 0.4 = 0 in decimal
        Assert.Equal(0.0, Affine.Evaluate([0.3, 0.8], [-1, 0.5], -0.1));
    }

    [Fact]
    public void ACancellationThatDoublesGetWrongIsExactlyZero()
    {
        // -0.1 + 0.8*0.5 - 0.3 = 0 in decimal; in doubles (-0.1 + 0.4) - 0.3 = 5.55e-17
        double naive = -0.1;
        naive += 0.8 * 0.5;
        naive += 0.3 * -1;
        Assert.NotEqual(0.0, naive); // guard: the case really cancels badly in doubles
        Assert.Equal(0.0, Affine.Evaluate([0.8, 0.3], [0.5, -1], -0.1));
        // -0.3 + 0.4 - 0.1 (API's own example): 2.8e-17 in doubles
        Assert.Equal(0.0, Affine.Evaluate([0.4, -0.1], [1, 1], -0.3));
    }

    [Fact]
    public void ACancellationWithATrueRemainderKeepsTheRemainder()
    {
        // -0.3 + 0.3 + 1e-17 = 1e-17 exactly in decimal (within the rounding bound of 0.6, so recomputed)
        Assert.Equal(1e-17, Affine.Evaluate([1, 1], [0.3, 1e-17], -0.3));
        Assert.Equal(-1e-17, Affine.Evaluate([1, -1], [0.3, 1e-17], -0.3));
    }

    [Fact]
    public void ASumThatIsTinyWithoutCancellationIsLeftAlone()
    {
        // 1e-30 + 2e-30 in doubles is 3.0000000000000003e-30; decimal recomputation would give 3e-30.
        // No cancellation (|sum| = sum |terms|), so the double sum stands.
        double naive = 0.0;
        naive += 1e-30 * 1;
        naive += 2e-30 * 1;
        Assert.Equal(3.0000000000000003e-30, naive);
        Assert.Equal(naive, Affine.Evaluate([1e-30, 2e-30], [1, 1], 0.0));
        Assert.Equal(1e-40, Affine.Evaluate([1e-20], [1e-20], 0.0));
    }

    [Fact]
    public void AnOrdinarySumIsThePlainDoubleSum()
    {
        double naive = 0.7;
        naive += 0.1 * 0.2;
        naive += -1.3 * 0.25;
        Assert.Equal(naive, Affine.Evaluate([0.1, -1.3], [0.2, 0.25], 0.7));
    }

    [Fact]
    public void ReluOfACancellingPreActivationHasDerivativeZero()
    {
        // z = -0.3 + 0.4*1 - 0.1*1 = 0 exactly, so relu(z) = 0 and relu'(0) = 0 (not 1 from 2.8e-17).
        var layer = new DenseLayer("h", Relu.Instance, Tensor.Matrix([[0.4, -0.1]]), Tensor.Vector(-0.3));
        var problem = new TrainingProblem(new Network(2, [layer]),
            new TrainingData(Tensor.Matrix([[1, 1]]), Tensor.Matrix([[1]])),
            new LossSpec(HalfSse.Instance, Reduction.Sum, []), new Sgd(0.1), 1, new Sampling.Full());
        var forward = new TrainingRun(problem).Iterations().Single().Forward[0];
        Assert.Equal(0.0, forward.Z[0, 0]);
        Assert.Equal(0.0, forward.A[0, 0]);
        Assert.Equal(0.0, forward.ActivationDerivative[0, 0]);
    }
}
