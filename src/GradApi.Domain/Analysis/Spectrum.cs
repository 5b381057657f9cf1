using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Analysis;

/// <summary>Eigenvalues and condition numbers of symmetric matrices (MathNet's symmetric eigen-decomposition).</summary>
public static class Spectrum
{
    /// <summary>
    /// The eigenvalues of a symmetric matrix given by rows, ascending; null when an entry is not finite (a loss
    /// that overflowed has no spectrum, and the decomposition must not see NaN: it runs off its arrays).
    /// </summary>
    public static double[]? SymmetricEigenvalues(double[][] rows)
    {
        if (rows.Length == 0) return [];
        double largest = 0;
        foreach (var row in rows)
            foreach (double x in row)
            {
                if (!double.IsFinite(x)) return null;
                largest = Math.Max(largest, Math.Abs(x));
            }
        if (largest == 0) return new double[rows.Length];
        // Scaled by a power of two to entries below 1, which is exact, so the decomposition's sums of squares
        // cannot overflow for entries near 1e308; the eigenvalues are scaled back. Off-diagonal entries below
        // 2^-500 of the largest are taken as 0: they move no eigenvalue by more than the decomposition's own
        // rounding (about 1e-16 of the largest), and left in they underflow to 0 in its divisions (0 / 0 is NaN).
        // The diagonal is kept as it is, so a diagonal matrix still has exactly its diagonal as eigenvalues.
        int exponent = Math.ILogB(largest) + 1;
        var matrix = Matrix<double>.Build.Dense(rows.Length, rows.Length, (i, j) =>
        {
            double x = Math.ScaleB(rows[i][j], -exponent);
            return i != j && Math.Abs(x) < Negligible ? 0 : x;
        });
        var values = matrix.Evd(Symmetricity.Symmetric).EigenValues.Select(c => Math.ScaleB(c.Real, exponent)).ToArray();
        Array.Sort(values);
        return values;
    }

    const double Negligible = 3.054936363499605e-151; // 2^-500

    /// <summary>(Q + Q^T) / 2, the part of Q a quadratic form sees.</summary>
    public static double[][] SymmetricPart(double[][] q)
    {
        int n = q.Length;
        var s = new double[n][];
        for (int i = 0; i < n; i++)
        {
            s[i] = new double[n];
            for (int j = 0; j < n; j++) s[i][j] = i == j ? q[i][i] : 0.5 * (q[i][j] + q[j][i]);
        }
        return s;
    }

    /// <summary>
    /// |lambda|max / |lambda|min of a symmetric matrix (its 2-norm condition number), whatever the signs.
    /// Infinity when the matrix is singular to working precision: |lambda|min &lt;= n eps |lambda|max
    /// (numpy.linalg.matrix_rank's tolerance), which includes the zero matrix.
    /// </summary>
    public static double ConditionNumber(IReadOnlyList<double> eigenvalues)
    {
        if (eigenvalues.Count == 0) return double.PositiveInfinity;
        double largest = eigenvalues.Max(Math.Abs), smallest = eigenvalues.Min(Math.Abs);
        if (largest == 0 || smallest <= eigenvalues.Count * MachineEpsilon * largest) return double.PositiveInfinity;
        return largest / smallest;
    }

    /// <summary>2^-52, the spacing of doubles at 1 (numpy's finfo(float).eps).</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;
}
