using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Numerics;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>
/// Values where the textbook formula cancels or overflows. Expected values are the closed forms
/// evaluated to 60 digits (Python decimal, offline) and rounded to double; the forms are in the comments.
/// </summary>
public sealed class PrecisionTests
{
    static void Relative(double expected, double actual, double tolerance = 1e-12) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected),
            $"expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData(40.0)]
    [InlineData(-40.0)]
    public void SigmoidDerivativeKeepsFullRelativePrecisionInTheTails(double z)
    {
        // sigma'(z) = e^-|z| / (1 + e^-|z|)^2 = e^-40 (1 - 2e^-40 + ...) = 4.24835425529158895923e-18
        Relative(4.248354255291589e-18, Sigmoid.Instance.Derivative(z));
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(-20.0)]
    public void TanhDerivativeIsSechSquaredInTheTails(double z)
    {
        // sech^2(20) = 4 e^-40 / (1 + e^-40)^2 = 1.69934170211663558369e-17 (1 - tanh^2 would be 0)
        Relative(1.6993417021166355e-17, Tanh.Instance.Derivative(z));
    }

    [Fact]
    public void SoftplusIsExactInBothTails()
    {
        // softplus(-50) = ln(1 + e^-50) = e^-50 - e^-100/2 + ... = 1.92874984796391778302e-22
        Relative(1.9287498479639178e-22, new Softplus(1).Value(-50));
        // softplus(50) = 50 + ln(1 + e^-50) = 50 + 1.9e-22, which is 50 in double
        Assert.Equal(50.0, new Softplus(1).Value(50));
        // beta = 2: softplus(-30) = ln(1 + e^-60) / 2 = 4.37825538134826e-27
        Relative(4.37825538134826e-27, new Softplus(2).Value(-30));
        // softplus'(z) = sigma(beta z): sigma(-50) = e^-50 / (1 + e^-50) = 1.9287498479639178e-22
        Relative(1.9287498479639178e-22, new Softplus(1).Derivative(-50));
        Relative(1.9287498479639178e-22, new Softplus(2).Derivative(-25));
    }

    [Fact]
    public void BceFromLogitsKeepsTheTinyLossAndTheLargeOne()
    {
        // z = 40, y = 1: l = ln(1 + e^-40) = 4.24835425529158898630e-18, not 0 (ln sigma(40) rounds to 0)
        Relative(4.248354255291589e-18, Bce.Instance.ValueFromLogits([40.0], [1.0]));
        // z = -800, y = 1: l = 800 + ln(1 + e^-800) = 800 (sigma(-800) underflows, ln would give infinity)
        Assert.Equal(800.0, Bce.Instance.ValueFromLogits([-800.0], [1.0]));
        Assert.Equal(800.0, Bce.Instance.ValueFromLogits([800.0], [0.0]));
    }

    [Fact]
    public void BceAfterSigmoidInARunReportsTheTinyLossAndItsDelta()
    {
        // One sigmoid unit, z = w x with x = 1: examples z = 40 and z = -800, both y = 1, reduction sum.
        // l1 = ln(1 + e^-40) = 4.248354255291589e-18; l2 = 800; delta = a - y = -sigma(-z): -4.248354255291589e-18, -1.
        var layer = new DenseLayer("out", Sigmoid.Instance, Tensor.Matrix([[1.0]]), null);
        var problem = new TrainingProblem(new Network(1, [layer]),
            new TrainingData(Tensor.Matrix([[40.0], [-800.0]]), Tensor.Matrix([[1.0], [1.0]])),
            new LossSpec(Bce.Instance, Reduction.Sum, []), new Sgd(0.0), 1, new Sampling.Full());
        var run = new TrainingRun(problem);
        var trace = run.Iterations().Single();
        Relative(4.248354255291589e-18, trace.Loss.PerExample[0]);
        Assert.Equal(800.0, trace.Loss.PerExample[1]);
        Relative(-4.248354255291589e-18, trace.Backward[0].Delta[0, 0]);
        Assert.Equal(-1.0, trace.Backward[0].Delta[1, 0]);
        // sigma'(40) in the forward trace keeps its digits too
        Relative(4.248354255291589e-18, trace.Forward[0].ActivationDerivative[0, 0]);
        Assert.Equal(RunStatus.Completed, run.Status);
    }

    // Expected: -sum_k y_k ln softmax(z)_k evaluated as logsumexp(z) - z_k with Python decimal at 800 digits, rounded to double.
    [Theory]
    [InlineData(new[] { 30.0, 0, 0 }, new[] { 1.0, 0, 0 }, 1.8715245937678598e-13)]   // ln(1 + 2e^-30); logsumexp - z_k gave 1.8829e-13
    [InlineData(new[] { 40.0, 0, -1 }, new[] { 1.0, 0, 0 }, 5.8112364446265777e-18)]  // ln(1 + e^-40 + e^-41); it gave 0
    [InlineData(new[] { 50.0, 0, 0 }, new[] { 1.0, 0, 0 }, 3.8574996959278356e-22)]
    [InlineData(new[] { 700.0, 0, 0 }, new[] { 1.0, 0, 0 }, 1.9719353087519542e-304)]
    [InlineData(new[] { 20.0, 0, 0 }, new[] { 1.0, 0, 0 }, 4.1223072363804075e-09)]
    [InlineData(new[] { 10.0, 0, 0 }, new[] { 1.0, 0, 0 }, 9.0795737467244444e-05)]
    [InlineData(new[] { 1.0, 0, 0 }, new[] { 1.0, 0, 0 }, 0.55144471393205108)]
    [InlineData(new[] { 30.0, 0, 0 }, new[] { 0.0, 1, 0 }, 30.000000000000188)]       // a confident wrong answer
    [InlineData(new[] { 5.0, 4.9, -3 }, new[] { 0.5, 0.5, 0 }, 0.69457275546569297)]  // a distribution as target
    [InlineData(new[] { -2.0, 3, 0.5 }, new[] { 0.0, 0, 1 }, 2.58509724636431)]
    public void CrossEntropyAfterSoftmaxKeepsFullRelativePrecisionAtEveryLogit(double[] z, double[] y, double expected) =>
        Relative(expected, Ce.Instance.ValueFromLogits(z, y));

    [Fact]
    public void CrossEntropyAfterSoftmaxWithExtremeLogitsIsFinite()
    {
        // z = (1000, -1000, 0), y = (0, 1, 0): l = logsumexp(z) - z_2 = 1000 + ln(1 + e^-1000 + e^-2000) + 1000 = 2000.
        // delta = a - y = (1 - tiny, tiny - 1, e^-1000) = (1, -1, 0) in double.
        // z = (0, -700), y = (0, 1): l = 700 + ln(1 + e^-700) = 700; a_2 = 9.85967654375977e-305.
        var layer = new DenseLayer("out", Softmax.Instance, Tensor.Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), null);
        var problem = new TrainingProblem(new Network(3, [layer]),
            new TrainingData(Tensor.Matrix([[1000, -1000, 0], [0, -700, 0]]), Tensor.Matrix([[0, 1, 0], [0, 1, 0]])),
            new LossSpec(Ce.Instance, Reduction.Sum, []), new Sgd(1e-6), 1, new Sampling.Full());
        var run = new TrainingRun(problem);
        var trace = run.Iterations().Single();
        Assert.Equal(2000.0, trace.Loss.PerExample[0]);
        Relative(700.0 + Math.Log(2), trace.Loss.PerExample[1]); // the third logit is 0 too: ln(e^0 + e^-700 + e^0) = ln 2
        Assert.Equal([1.0, -1.0, 0.0], trace.Backward[0].Delta.Data[..3]);
        Relative(9.85967654375977e-305 / 2, trace.Forward[0].A[1, 1], 1e-12);
        Assert.True(double.IsFinite(trace.Loss.Value));
        Assert.True(trace.Backward[0].WeightGradient.AllFinite());
        Assert.True(trace.Forward[0].ActivationDerivative.AllFinite());
        Assert.Equal(RunStatus.Completed, run.Status);
    }

    [Theory]
    // expm1(x) = x + x^2/2 + x^3/6 + ..., to 60 digits
    [InlineData(1e-20, 1e-20)]
    [InlineData(-1e-20, -1e-20)]
    [InlineData(1e-10, 1.00000000005e-10)]
    [InlineData(9.9e-6, 9.900049005161716e-06)]
    [InlineData(1e-5, 1.0000050000166668e-05)]
    [InlineData(-1e-5, -9.999950000166666e-06)]
    [InlineData(2e-5, 2.000020000133334e-05)]
    [InlineData(1e-3, 0.0010005001667083417)]
    [InlineData(-1e-3, -0.0009995001666250085)]
    [InlineData(0.5, 0.6487212707001282)]
    [InlineData(-0.5, -0.3934693402873666)]
    [InlineData(3.0, 19.085536923187668)]
    [InlineData(-3.0, -0.950212931632136)]
    [InlineData(-40.0, -1.0)]
    public void Expm1KeepsFullRelativePrecision(double x, double expected) => Relative(expected, Precise.Expm1(x), 1e-15);

    [Theory]
    // log1p(x) = x - x^2/2 + x^3/3 - ..., to 60 digits
    [InlineData(1e-20, 1e-20)]
    [InlineData(-1e-20, -1e-20)]
    [InlineData(1e-10, 9.999999999500001e-11)]
    [InlineData(1e-3, 0.0009995003330835331)]
    [InlineData(-1e-3, -0.0010005003335835335)]
    [InlineData(0.5, 0.4054651081081644)]
    [InlineData(-0.5, -0.6931471805599453)]
    [InlineData(10.0, 2.3978952727983707)]
    [InlineData(-0.999, -6.907755278982136)]
    [InlineData(1e300, 690.7755278982137)]
    public void Log1pKeepsFullRelativePrecision(double x, double expected) => Relative(expected, Precise.Log1p(x), 1e-15);

    [Fact]
    public void EluNearZeroKeepsItsDigits()
    {
        // elu(z) = alpha (e^z - 1) for z <= 0: e^-1e-8 - 1 = -9.9999999500000001667e-9; 1 + z rounding would leave 8 digits
        Relative(-9.999999950000001e-09, new Elu(1).Value(-1e-8), 1e-15);
        Relative(-1.4999999925e-08, new Elu(1.5).Value(-1e-8), 1e-15);
        Assert.Equal(-1e-300, new Elu(1).Value(-1e-300));
        // elu'(z) = alpha e^z: e^-1e-8 = 0.99999999000000005
        Relative(0.9999999900000001, new Elu(1).Derivative(-1e-8), 1e-15);
        // at 0: elu(0) = 0, elu'(0) = alpha (PyTorch)
        Assert.Equal(0.0, new Elu(1.5).Value(0));
        Assert.Equal(1.5, new Elu(1.5).Derivative(0));
        Assert.Equal(1.0, new Elu(1.5).Derivative(1e-300));
    }

    [Fact]
    public void KinkDerivativesAtZeroAreTheContractValues()
    {
        // relu'(0) = 0 and leaky_relu'(0) = negativeSlope (API.md)
        Assert.Equal(0.0, Relu.Instance.Derivative(0));
        Assert.Equal(1.0, Relu.Instance.Derivative(1e-300));
        Assert.Equal(0.2, new LeakyRelu(0.2).Derivative(0));
        Assert.Equal(-0.2 * 3, new LeakyRelu(0.2).Value(-3));
    }
}
