using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Analysis;

/// <summary>Eigenvalues and condition numbers of symmetric matrices (MathNet's symmetric eigen-decomposition).</summary>
public static class Spectrum
{
    /// <summary>The eigenvalues of a symmetric matrix given by rows, ascending.</summary>
    public static double[] SymmetricEigenvalues(double[][] rows)
    {
        if (rows.Length == 0) return [];
        var matrix = Matrix<double>.Build.DenseOfRowArrays(rows);
        var values = matrix.Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).ToArray();
        Array.Sort(values);
        return values;
    }

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
