namespace GradApi.Tests.Grading;

/// <summary>
/// The contract's worked problem (GradingProblems.Contract) recomputed by hand, without TrainingRun: a 3-2-1
/// sigmoid network, x = (1, 0, 1), y = 1, half_sse summed over B = 1, heavy-ball momentum v = mu v - eta g,
/// theta += v with eta = mu = 0.9. Each value is the formula a student writes, in doubles. Two hooks let a test
/// play a student: <see cref="Round"/> is applied to every value as it is produced (rounding too early), and
/// <see cref="Replace"/> puts the student's own value in place of a computed one, which every later value then uses.
/// </summary>
internal sealed class ContractByHand
{
    public const double Eta = 0.9, Mu = 0.9, Y = 1;
    public static readonly double[] X = [1, 0, 1];
    public static readonly double[][] InitialW0 = [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]];
    public static readonly double[] InitialB0 = [-0.4, 0.2];
    public static readonly double[] InitialW1 = [-0.3, -0.2]; // the output layer's one row
    public const double InitialB1 = 0.1;

    readonly double[][] _w0 = InitialW0.Select(r => (double[])r.Clone()).ToArray();
    readonly double[] _b0 = (double[])InitialB0.Clone();
    double[] _w1 = (double[])InitialW1.Clone();
    double _b1 = InitialB1;
    readonly double[][] _vw0 = [[0, 0, 0], [0, 0, 0]];
    readonly double[] _vb0 = [0, 0];
    double[] _vw1 = [0, 0];
    double _vb1;
    int _index;

    /// <summary>Applied to every value as it is produced; the identity unless the student rounds early.</summary>
    public Func<double, double> Round { get; init; } = x => x;

    /// <summary>(iteration index, name, computed) to the value carried on; names are those of <see cref="HandStep"/>.</summary>
    public Func<int, string, double[], double[]>? Replace { get; init; }

    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    public HandStep Step()
    {
        // forward: z = W x + b, a = sigma(z), sigma' = a (1 - a)
        var z0 = Carry("Z0", [Dot(_w0[0], X) + _b0[0], Dot(_w0[1], X) + _b0[1]]);
        var a0 = Carry("A0", [Sigmoid(z0[0]), Sigmoid(z0[1])]);
        var s0 = Carry("Derivative0", [a0[0] * (1 - a0[0]), a0[1] * (1 - a0[1])]);
        double z1 = Carry("Z1", Dot(_w1, a0) + _b1);
        double a1 = Carry("A1", Sigmoid(z1));
        double s1 = Carry("Derivative1", a1 * (1 - a1));
        double loss = Carry("Loss", 0.5 * (a1 - Y) * (a1 - Y));

        // backward: dJ/da = a - y; delta1 = sigma'(z1) (a - y); delta0_i = sigma'(z0_i) W1_i delta1
        double dJda = Carry("OutputGradient", a1 - Y);
        double d1 = Carry("Delta1", s1 * dJda);
        var d0 = Carry("Delta0", [s0[0] * (_w1[0] * d1), s0[1] * (_w1[1] * d1)]);
        var gw1 = Carry("WeightGradient1", [d1 * a0[0], d1 * a0[1]]);
        double gb1 = Carry("BiasGradient1", d1);
        var gw0 = Carry("WeightGradient0", [d0[0] * X[0], d0[0] * X[1], d0[0] * X[2], d0[1] * X[0], d0[1] * X[1], d0[1] * X[2]]);
        var gb0 = Carry("BiasGradient0", [d0[0], d0[1]]);

        // heavy ball: v = mu v - eta g, theta += v
        var vw0 = new double[6];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) vw0[i * 3 + j] = Mu * _vw0[i][j] - Eta * gw0[i * 3 + j];
        vw0 = Carry("VW0", vw0);
        var w0 = new double[6];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) w0[i * 3 + j] = _w0[i][j] + vw0[i * 3 + j];
        w0 = Carry("W0", w0);
        var vb0 = Carry("VB0", [Mu * _vb0[0] - Eta * gb0[0], Mu * _vb0[1] - Eta * gb0[1]]);
        var b0 = Carry("B0", [_b0[0] + vb0[0], _b0[1] + vb0[1]]);
        _vw1 = Carry("VW1", [Mu * _vw1[0] - Eta * gw1[0], Mu * _vw1[1] - Eta * gw1[1]]);
        _w1 = Carry("W1", [_w1[0] + _vw1[0], _w1[1] + _vw1[1]]);
        _vb1 = Carry("VB1", Mu * _vb1 - Eta * gb1);
        _b1 = Carry("B1", _b1 + _vb1);
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++) (_vw0[i][j], _w0[i][j]) = (vw0[i * 3 + j], w0[i * 3 + j]);
            (_vb0[i], _b0[i]) = (vb0[i], b0[i]);
        }

        _index++;
        return new HandStep(z0, a0, s0, z1, a1, s1, loss, dJda, d1, d0, gw1, gb1, Rows(gw0), gb0,
            Rows(vw0), vb0, Rows(w0), b0, (double[])_vw1.Clone(), _vb1, (double[])_w1.Clone(), _b1);
    }

    double[] Carry(string name, double[] computed)
    {
        var rounded = computed.Select(Round).ToArray();
        return Replace?.Invoke(_index, name, rounded) ?? rounded;
    }

    double Carry(string name, double computed) => Carry(name, [computed])[0];

    static double Dot(double[] w, double[] x)
    {
        double sum = 0;
        for (int j = 0; j < w.Length; j++) sum += w[j] * x[j];
        return sum;
    }

    static double[][] Rows(double[] flat) => [flat[..3], flat[3..]];
}

/// <summary>One iteration by hand; the update's values are the parameters and velocities after the step.</summary>
internal sealed record HandStep(
    double[] Z0, double[] A0, double[] Derivative0, double Z1, double A1, double Derivative1, double Loss,
    double OutputGradient, double Delta1, double[] Delta0, double[] WeightGradient1, double BiasGradient1,
    double[][] WeightGradient0, double[] BiasGradient0,
    double[][] VW0, double[] VB0, double[][] W0, double[] B0, double[] VW1, double VB1, double[] W1, double B1);
