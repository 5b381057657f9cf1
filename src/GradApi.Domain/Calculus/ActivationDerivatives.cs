using GradApi.Domain.Activations;
using GradApi.Domain.Numerics;

namespace GradApi.Domain.Calculus;

/// <summary>
/// Derivatives of order 0..k of the elementwise activations at a point, and the softmax Jacobian.
/// Sigmoid and tanh go through <see cref="DerivativePolynomial"/>, the one place their derivatives
/// are defined; the piecewise activations use the conventions of /v1/train at the kink
/// (relu'(0) = 0, leaky_relu'(0) = s, elu'(0) = alpha) and 0 for orders of 2 and more on the linear pieces.
/// </summary>
public static class ActivationDerivatives
{
    /// <summary>f(x), f'(x), ..., f^(order)(x).</summary>
    public static double[] At(Activation activation, double x, int order)
    {
        if (order is < 0 or > DerivativePolynomial.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, $"order must be 0..{DerivativePolynomial.MaxOrder}");
        if (!activation.IsElementwise) throw new ArgumentException("softmax has a Jacobian, not elementwise derivatives; use Jacobian", nameof(activation));
        var d = new double[order + 1];
        d[0] = activation.Value(x);
        for (int k = 1; k <= order; k++)
        {
            d[k] = activation switch
            {
                Sigmoid => SigmoidDerivative(x, k),
                Tanh => TanhDerivative(x, k),
                // f = (1/beta) softplus(beta x), f' = sigma(beta x), f^(k) = beta^(k-1) sigma^(k-1)(beta x)
                Softplus sp => Math.Pow(sp.Beta, k - 1) * SigmoidDerivative(sp.Beta * x, k - 1),
                Elu elu => x > 0 ? (k == 1 ? 1.0 : 0.0) : elu.Alpha * Math.Exp(x),
                _ => k == 1 ? activation.Derivative(x) : 0.0,
            };
        }
        return d;
    }

    /// <summary>
    /// sigma^(k)(x). With q = sigma(-|x|) (the smaller of sigma and 1 - sigma, computed without
    /// cancellation) and the symmetry sigma^(k)(-x) = (-1)^(k+1) sigma^(k)(x) for k &gt;= 1:
    /// sigma^(k)(x) = P_k(q) for x &lt; 0 and (-1)^(k+1) P_k(q) for x &gt;= 0, P_k evaluated by
    /// compensated Horner. q in (0, 1/2] keeps P_k's leading term q dominant in the tails, so
    /// sigma'(40) = 4.248354255291589e-18 keeps every digit.
    /// </summary>
    public static double SigmoidDerivative(double x, int order)
    {
        if (order == 0) return Precise.Sigmoid(x);
        double q = Precise.Sigmoid(-Math.Abs(x));
        double p = DerivativePolynomial.Sigmoid(order).Evaluate(q);
        // + 0.0 turns the -0 of a flipped zero (sigma''(0)) into 0.
        return (x >= 0 && order % 2 == 0 ? -p : p) + 0.0;
    }

    /// <summary>tanh^(k)(x) = 2^(k+1) sigma^(k)(2x) for k &gt;= 1 (tanh x = 2 sigma(2x) - 1); the scaling is exact.</summary>
    public static double TanhDerivative(double x, int order) =>
        order == 0 ? Math.Tanh(x) : Math.ScaleB(SigmoidDerivative(2.0 * x, order), order + 1);

    /// <summary>The softmax Jacobian da_i/dz_j = a_i (delta_ij - a_j) at z, n x n by rows.</summary>
    public static double[][] Jacobian(ReadOnlySpan<double> z)
    {
        int n = z.Length;
        var a = new double[n];
        Softmax.Instance.Forward(z, a);
        var flat = new double[n * n];
        Softmax.Instance.DerivativeOf(z, a, flat);
        var rows = new double[n][];
        for (int i = 0; i < n; i++) rows[i] = flat.AsSpan(i * n, n).ToArray();
        return rows;
    }
}
