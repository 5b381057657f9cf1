using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Analysis;

/// <summary>
/// The named test functions (their names in <see cref="WireNames.ObjectiveFunction"/>); each takes one vector parameter,
/// named as the caller's start names it (seed 003 writes w), p when nothing names it.
/// </summary>
public static class NamedObjectives
{
    public const string ParameterName = "p";
}

/// <summary>
/// f(p) = 1/2 p^T Q p - b^T p. Only the symmetric part S = (Q + Q^T) / 2 matters: gradient S p - b, Hessian S.
/// </summary>
public sealed class QuadraticObjective : IObjective
{
    readonly double[][] _q;
    readonly double[][] _s;
    readonly double[] _b;

    public QuadraticObjective(double[][] q, double[]? b, bool scalarParameter = false, string parameter = NamedObjectives.ParameterName)
    {
        _q = q;
        _s = Spectrum.SymmetricPart(q);
        _b = b ?? new double[q.Length];
        Parameters = [new ObjectiveParameter(parameter, scalarParameter ? [] : [q.Length])];
    }

    public string Kind => WireNames.ObjectiveFunction.Quadratic;
    public IReadOnlyList<ObjectiveParameter> Parameters { get; }
    public int Dimension => _q.Length;
    public bool HasConstantHessian => true;

    public double Value(ReadOnlySpan<double> p)
    {
        double quadratic = 0, linear = 0;
        for (int i = 0; i < _q.Length; i++)
        {
            double row = 0;
            for (int j = 0; j < _q.Length; j++) row += _q[i][j] * p[j];
            quadratic += p[i] * row;
            linear += _b[i] * p[i];
        }
        return 0.5 * quadratic - linear;
    }

    public void Gradient(ReadOnlySpan<double> p, Span<double> gradient)
    {
        for (int i = 0; i < _s.Length; i++)
        {
            double row = 0;
            for (int j = 0; j < _s.Length; j++) row += _s[i][j] * p[j];
            gradient[i] = row - _b[i];
        }
    }

    public double[][]? Hessian(ReadOnlySpan<double> p) => _s.Select(row => (double[])row.Clone()).ToArray();
}

/// <summary>f(x, y) = (a - x)^2 + b (y - x^2)^2; minimum 0 at (a, a^2). Defaults a = 1, b = 100.</summary>
public sealed class RosenbrockObjective(double a = RosenbrockObjective.DefaultA, double b = RosenbrockObjective.DefaultB,
    string parameter = NamedObjectives.ParameterName) : IObjective
{
    public const double DefaultA = 1.0;
    public const double DefaultB = 100.0;
    public double A { get; } = a;
    public double B { get; } = b;

    public string Kind => WireNames.ObjectiveFunction.Rosenbrock;
    public IReadOnlyList<ObjectiveParameter> Parameters { get; } = [new(parameter, [2])];
    public int Dimension => 2;
    public bool HasConstantHessian => false;

    public double Value(ReadOnlySpan<double> p)
    {
        double x = p[0], y = p[1], r = y - x * x;
        return (A - x) * (A - x) + B * r * r;
    }

    // df/dx = -2 (a - x) - 4 b x (y - x^2); df/dy = 2 b (y - x^2)
    public void Gradient(ReadOnlySpan<double> p, Span<double> gradient)
    {
        double x = p[0], y = p[1], r = y - x * x;
        gradient[0] = -2 * (A - x) - 4 * B * x * r;
        gradient[1] = 2 * B * r;
    }

    // d2f/dx2 = 2 - 4 b (y - x^2) + 8 b x^2; d2f/dxdy = -4 b x; d2f/dy2 = 2 b
    public double[][]? Hessian(ReadOnlySpan<double> p)
    {
        double x = p[0], y = p[1];
        double xy = -4 * B * x;
        return [[2 - 4 * B * (y - x * x) + 8 * B * x * x, xy], [xy, 2 * B]];
    }
}

/// <summary>
/// A sum of squared residuals f = sum_i u_i(x, y)^2 with gradient 2 sum u_i grad u_i and Hessian
/// 2 sum (grad u_i grad u_i^T + u_i Hess u_i), for Beale and Himmelblau.
/// </summary>
public abstract class SumOfSquaresObjective(string parameter) : IObjective
{
    public abstract string Kind { get; }
    public IReadOnlyList<ObjectiveParameter> Parameters { get; } = [new(parameter, [2])];
    public int Dimension => 2;
    public bool HasConstantHessian => false;

    /// <summary>The residuals: u, du/dx, du/dy, d2u/dx2, d2u/dxdy, d2u/dy2 for each.</summary>
    protected abstract IEnumerable<(double U, double Ux, double Uy, double Uxx, double Uxy, double Uyy)> Residuals(double x, double y);

    public double Value(ReadOnlySpan<double> p) => Residuals(p[0], p[1]).Sum(r => r.U * r.U);

    public void Gradient(ReadOnlySpan<double> p, Span<double> gradient)
    {
        double gx = 0, gy = 0;
        foreach (var r in Residuals(p[0], p[1]))
        {
            gx += 2 * r.U * r.Ux;
            gy += 2 * r.U * r.Uy;
        }
        gradient[0] = gx;
        gradient[1] = gy;
    }

    public double[][]? Hessian(ReadOnlySpan<double> p)
    {
        double hxx = 0, hxy = 0, hyy = 0;
        foreach (var r in Residuals(p[0], p[1]))
        {
            hxx += 2 * (r.Ux * r.Ux + r.U * r.Uxx);
            hxy += 2 * (r.Ux * r.Uy + r.U * r.Uxy);
            hyy += 2 * (r.Uy * r.Uy + r.U * r.Uyy);
        }
        return [[hxx, hxy], [hxy, hyy]];
    }
}

/// <summary>f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2; minimum 0 at (3, 0.5).</summary>
public sealed class BealeObjective(string parameter = NamedObjectives.ParameterName) : SumOfSquaresObjective(parameter)
{
    public override string Kind => WireNames.ObjectiveFunction.Beale;

    // u_i = c_i - x + x y^i: du/dx = y^i - 1, du/dy = i x y^(i-1), d2u/dxdy = i y^(i-1), d2u/dy2 = i (i-1) x y^(i-2)
    protected override IEnumerable<(double U, double Ux, double Uy, double Uxx, double Uxy, double Uyy)> Residuals(double x, double y)
    {
        double[] c = [1.5, 2.25, 2.625];
        for (int i = 1; i <= 3; i++)
        {
            double yi = Math.Pow(y, i), yi1 = Math.Pow(y, i - 1), yi2 = i >= 2 ? Math.Pow(y, i - 2) : 0.0;
            yield return (c[i - 1] - x + x * yi, yi - 1, i * x * yi1, 0.0, i * yi1, i * (i - 1) * x * yi2);
        }
    }
}

/// <summary>f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2; four minima of 0, one at (3, 2).</summary>
public sealed class HimmelblauObjective(string parameter = NamedObjectives.ParameterName) : SumOfSquaresObjective(parameter)
{
    public override string Kind => WireNames.ObjectiveFunction.Himmelblau;

    protected override IEnumerable<(double U, double Ux, double Uy, double Uxx, double Uxy, double Uyy)> Residuals(double x, double y)
    {
        yield return (x * x + y - 11, 2 * x, 1, 2, 0, 0);
        yield return (x + y * y - 7, 1, 2 * y, 0, 0, 2);
    }
}
