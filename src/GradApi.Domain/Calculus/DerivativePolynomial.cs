using System.Numerics;
using System.Text;

namespace GradApi.Domain.Calculus;

/// <summary>
/// The k-th derivative of a function s(x) whose own derivative is a polynomial in s
/// (sigmoid: s' = s - s^2; tanh: s' = 1 - s^2), as a polynomial in s with exact integer
/// coefficients, lowest power first. Derived by the chain-rule recurrence
/// d/dx p(s) = p'(s) s', starting from p_0(s) = s; never from a table.
/// </summary>
public sealed class DerivativePolynomial
{
    /// <summary>The largest order offered; sigmoid's order-20 coefficients reach 1.1e21, beyond long.</summary>
    public const int MaxOrder = 20;

    static readonly BigInteger[] SigmoidSlope = [0, 1, -1];
    static readonly BigInteger[] TanhSlope = [1, 0, -1];
    static readonly DerivativePolynomial[] SigmoidTable = Build(SigmoidSlope, "sigma", "\\sigma");
    static readonly DerivativePolynomial[] TanhTable = Build(TanhSlope, "tanh", "\\tanh");

    /// <summary>The k-th derivative of sigma as a polynomial in sigma.</summary>
    public static DerivativePolynomial Sigmoid(int order) => SigmoidTable[CheckOrder(order)];

    /// <summary>The k-th derivative of tanh as a polynomial in tanh.</summary>
    public static DerivativePolynomial Tanh(int order) => TanhTable[CheckOrder(order)];

    public int Order { get; }

    /// <summary>The name of the variable ("sigma", "tanh").</summary>
    public string Variable { get; }

    /// <summary>Exact integer coefficients, lowest power first.</summary>
    public IReadOnlyList<BigInteger> Coefficients { get; }

    /// <summary>Each coefficient split exactly into a double-double hi + lo (|c| &lt; 2^106).</summary>
    readonly double[] hi, lo;
    readonly string symbol;

    DerivativePolynomial(int order, string variable, string symbol, BigInteger[] coefficients)
    {
        Order = order;
        Variable = variable;
        this.symbol = symbol;
        Coefficients = coefficients;
        hi = new double[coefficients.Length];
        lo = new double[coefficients.Length];
        for (int i = 0; i < coefficients.Length; i++)
        {
            hi[i] = (double)coefficients[i];
            lo[i] = (double)(coefficients[i] - new BigInteger(hi[i]));
        }
    }

    /// <summary>p_{k+1}(s) = p_k'(s) * slope(s), for k = 0..MaxOrder - 1.</summary>
    static DerivativePolynomial[] Build(BigInteger[] slope, string variable, string symbol)
    {
        var table = new DerivativePolynomial[MaxOrder + 1];
        BigInteger[] p = [0, 1];
        for (int k = 0; k <= MaxOrder; k++)
        {
            table[k] = new DerivativePolynomial(k, variable, symbol, p);
            p = Multiply(Differentiate(p), slope);
        }
        return table;
    }

    internal static BigInteger[] Differentiate(BigInteger[] p)
    {
        if (p.Length <= 1) return [0];
        var d = new BigInteger[p.Length - 1];
        for (int i = 1; i < p.Length; i++) d[i - 1] = i * p[i];
        return d;
    }

    internal static BigInteger[] Multiply(BigInteger[] a, BigInteger[] b)
    {
        var r = new BigInteger[a.Length + b.Length - 1];
        for (int i = 0; i < a.Length; i++)
            for (int j = 0; j < b.Length; j++)
                r[i + j] += a[i] * b[j];
        int n = r.Length;
        while (n > 1 && r[n - 1].IsZero) n--;
        return r[..n];
    }

    static int CheckOrder(int order) =>
        order is >= 0 and <= MaxOrder ? order : throw new ArgumentOutOfRangeException(nameof(order), order, $"order must be 0..{MaxOrder}");

    /// <summary>
    /// p(s) by compensated Horner (Graillat, Langlou, Louvet 2005) on the exact double-double
    /// coefficients: the result is as accurate as if computed in twice the working precision,
    /// |error| &lt;= 2^-53 |p(s)| + gamma_{2n}^2 p~(|s|), with p~ the polynomial of |coefficients|.
    /// </summary>
    public double Evaluate(double s)
    {
        int n = hi.Length - 1;
        double r = hi[n], c = lo[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double p = r * s;
            double pe = Math.FusedMultiplyAdd(r, s, -p);
            double sum = p + hi[i];
            double z = sum - p;
            double se = (p - (sum - z)) + (hi[i] - z);
            c = c * s + (pe + se + lo[i]);
            r = sum;
        }
        return r + c;
    }

    /// <summary>sum |c_i| s^i: the scale of the rounding error of <see cref="Evaluate"/>.</summary>
    public double AbsoluteScale(double s)
    {
        double r = 0;
        for (int i = hi.Length - 1; i >= 0; i--) r = r * Math.Abs(s) + Math.Abs(hi[i]);
        return r;
    }

    /// <summary>LaTeX, highest power last: \sigma - 7\sigma^{2} + 12\sigma^{3} - 6\sigma^{4}.</summary>
    public string Latex
    {
        get
        {
            var text = new StringBuilder();
            for (int i = 0; i < Coefficients.Count; i++)
            {
                var c = Coefficients[i];
                if (c.IsZero) continue;
                var magnitude = BigInteger.Abs(c);
                if (text.Length > 0) text.Append(c.Sign < 0 ? " - " : " + ");
                else if (c.Sign < 0) text.Append('-');
                string power = i == 0 ? "" : i == 1 ? symbol : $"{symbol}^{{{i}}}";
                if (i == 0 || !magnitude.IsOne) text.Append(magnitude.ToString());
                text.Append(power);
            }
            return text.Length == 0 ? "0" : text.ToString();
        }
    }
}
