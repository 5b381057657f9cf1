using System.Numerics;
using GradApi.Domain.Activations;
using GradApi.Domain.Calculus;

namespace GradApi.Tests.Calculus;

public class ActivationDerivativeTests
{
    static long[] Coefficients(DerivativePolynomial p) => p.Coefficients.Select(c => (long)c).ToArray();

    // Seed 000 and 002: sigma' = sigma(1 - sigma), sigma'' = sigma(1 - sigma)(1 - 2 sigma), sigma''' = sigma(1 - sigma)(1 - 6 sigma + 6 sigma^2).
    [Fact]
    public void SigmoidPolynomialsOfOrders1To3AreTheSeedDerivations()
    {
        Assert.Equal([0, 1], Coefficients(DerivativePolynomial.Sigmoid(0)));
        Assert.Equal([0, 1, -1], Coefficients(DerivativePolynomial.Sigmoid(1)));
        Assert.Equal([0, 1, -3, 2], Coefficients(DerivativePolynomial.Sigmoid(2)));
        Assert.Equal([0, 1, -7, 12, -6], Coefficients(DerivativePolynomial.Sigmoid(3)));
        Assert.Equal(@"\sigma - 7\sigma^{2} + 12\sigma^{3} - 6\sigma^{4}", DerivativePolynomial.Sigmoid(3).Latex);
    }

    [Fact]
    public void TanhPolynomialsOfOrders1And2AreOneMinusTSquaredAndItsDerivative()
    {
        Assert.Equal([1, 0, -1], Coefficients(DerivativePolynomial.Tanh(1)));
        Assert.Equal([0, -2, 0, 2], Coefficients(DerivativePolynomial.Tanh(2)));
        Assert.Equal(@"1 - \tanh^{2}", DerivativePolynomial.Tanh(1).Latex);
    }

    [Fact]
    public void SigmoidOrder20HasTheLeadingCoefficient20FactorialAndCoefficientsBeyondLong()
    {
        var p = DerivativePolynomial.Sigmoid(20);
        Assert.Equal(22, p.Coefficients.Count);
        Assert.Equal(BigInteger.Parse("2432902008176640000"), p.Coefficients[21]);          // 20!
        Assert.Equal(BigInteger.Parse("1140942623868343296000"), p.Coefficients[15]);       // the largest, > 2^63
        Assert.True(BigInteger.Abs(p.Coefficients[15]) > long.MaxValue);
        // p_k(1/2)... the coefficients of p_k sum to 0 for k >= 1 (sigma^(k) -> 0 as sigma -> 1).
        Assert.Equal(BigInteger.Zero, p.Coefficients.Aggregate(BigInteger.Zero, (a, b) => a + b));
    }

    // Naive Horner, independent of the library's evaluation.
    static double Naive(DerivativePolynomial p, double s)
    {
        double r = 0;
        for (int i = p.Coefficients.Count - 1; i >= 0; i--) r = r * s + (double)p.Coefficients[i];
        return r;
    }

    [Theory]
    [InlineData(-1.3)]
    [InlineData(0.2)]
    [InlineData(0.9)]
    [InlineData(2.5)]
    public void TheRecurrenceAgreesWithFiniteDifferencesOfThePreviousOrderUpToOrder8(double x)
    {
        const double h = 1e-5;
        static double S(double v) => 1 / (1 + Math.Exp(-v));
        static double T(double v) => Math.Tanh(v);
        for (int k = 1; k <= 8; k++)
        {
            var p = DerivativePolynomial.Sigmoid(k - 1);
            double fd = (Naive(p, S(x + h)) - Naive(p, S(x - h))) / (2 * h);
            double exact = Naive(DerivativePolynomial.Sigmoid(k), S(x));
            Assert.True(Math.Abs(fd - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)), $"sigmoid k={k} x={x}: fd {fd} vs {exact}");

            var q = DerivativePolynomial.Tanh(k - 1);
            fd = (Naive(q, T(x + h)) - Naive(q, T(x - h))) / (2 * h);
            exact = Naive(DerivativePolynomial.Tanh(k), T(x));
            Assert.True(Math.Abs(fd - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)), $"tanh k={k} x={x}: fd {fd} vs {exact}");
        }
    }

    [Fact]
    public void SigmoidPrimeAt40KeepsFullRelativePrecision()
    {
        double d = ActivationDerivatives.At(Sigmoid.Instance, 40, 1)[1];
        Assert.Equal(4.248354255291589e-18, d, 4.248354255291589e-18 * 1e-12);
    }

    // Reference values from a 50-digit evaluation (mpmath), not from this code.
    [Theory]
    [InlineData(1, 40.0, 4.248354255291589e-18)]
    [InlineData(3, 21.0, 7.5825603819157287e-10)]
    [InlineData(7, 5.0, 0.0015630537342129242)]
    [InlineData(10, 2.5, -1.4881132717183316)]
    [InlineData(19, 0.5, 21599326.089862813)]
    [InlineData(20, 0.5, -23360000.107089943)]
    [InlineData(20, 30.0, -9.3576220506534719e-14)]
    [InlineData(20, -30.0, 9.3576220506534719e-14)]
    public void HighOrderSigmoidDerivativesMatchA50DigitReference(int k, double x, double expected)
    {
        double d = ActivationDerivatives.SigmoidDerivative(x, k);
        Assert.True(Math.Abs(d - expected) <= 1e-13 * Math.Abs(expected), $"sigma^({k})({x}) = {d:R}, expected {expected:R}");
    }

    [Theory]
    [InlineData(5, 3.0, 0.1462911935802727)]
    [InlineData(2, -1.5, 0.32713259728754783)]
    [InlineData(20, 20.0, -8.9094446231535773e-12)]
    [InlineData(20, 0.3, -186136829308596.15)]
    public void HighOrderTanhDerivativesMatchA50DigitReference(int k, double x, double expected)
    {
        double d = ActivationDerivatives.TanhDerivative(x, k);
        Assert.True(Math.Abs(d - expected) <= 1e-13 * Math.Abs(expected), $"tanh^({k})({x}) = {d:R}, expected {expected:R}");
    }

    [Fact]
    public void EvenSigmoidDerivativesVanishAtZeroAsPositiveZero()
    {
        for (int k = 2; k <= 20; k += 2)
        {
            double d = ActivationDerivatives.SigmoidDerivative(0, k);
            Assert.Equal(0.0, d);
            Assert.False(double.IsNegative(d));
        }
    }

    [Fact]
    public void SoftplusWithBetaHasDerivativeSigmaOfBetaXAndSecondDerivativeBetaSigmaPrime()
    {
        // 50-digit reference: f''(1) = 4 P_2(sigma(2)) with beta = 2... that is beta sigma'(2) = 2 * 0.104993585...
        var d = ActivationDerivatives.At(new Softplus(2), 1.0, 3);
        Assert.Equal(Math.Log(1 + Math.Exp(2)) / 2, d[0], 1e-15);
        Assert.Equal(1 / (1 + Math.Exp(-2)), d[1], 1e-15);
        Assert.Equal(2 * Math.Exp(-2) / Math.Pow(1 + Math.Exp(-2), 2), d[2], 1e-15);
        Assert.Equal(-0.31985000422461225, d[3], 1e-14);
    }

    [Fact]
    public void PiecewiseActivationsFollowTheTrainConventionsAtTheKinkAndVanishBeyondOrder1()
    {
        Assert.Equal([0.0, 0.0, 0.0], ActivationDerivatives.At(Relu.Instance, 0, 2));
        Assert.Equal([-0.02, 0.01, 0.0], ActivationDerivatives.At(new LeakyRelu(0.01), -2, 2));
        Assert.Equal([3.0, 1.0, 0.0, 0.0], ActivationDerivatives.At(new Elu(1), 3, 3));
        var elu = ActivationDerivatives.At(new Elu(2), -1, 3);
        Assert.Equal(2 * (Math.Exp(-1) - 1), elu[0], 1e-15);
        Assert.All(elu.Skip(1), v => Assert.Equal(2 * Math.Exp(-1), v, 1e-15));
        Assert.Equal([1.5, 1.0, 0.0], ActivationDerivatives.At(Identity.Instance, 1.5, 2));
    }

    [Fact]
    public void SoftmaxJacobianHasFTimesOneMinusFOnTheDiagonal()
    {
        double[] z = [1, 2, 3];
        double sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] a = z.Select(v => Math.Exp(v) / sum).ToArray();
        var j = ActivationDerivatives.Jacobian(z);
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(r == c ? a[r] * (1 - a[r]) : -a[r] * a[c], j[r][c], 1e-15);
    }
}
