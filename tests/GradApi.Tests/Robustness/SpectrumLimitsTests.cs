using GradApi.Domain.Analysis;

namespace GradApi.Tests.Robustness;

/// <summary>The eigen-decomposition at the edges of the doubles: entries near 1e308, and entries that are not numbers.</summary>
public sealed class SpectrumLimitsTests
{
    [Fact]
    public void AMatrixWithANonFiniteEntryHasNoEigenvalues()
    {
        Assert.Null(Spectrum.SymmetricEigenvalues([[1, double.PositiveInfinity], [double.PositiveInfinity, 1]]));
        Assert.Null(Spectrum.SymmetricEigenvalues([[double.NaN]]));
    }

    [Fact]
    public void EigenvaluesNearTheLargestDoubleAreFoundWithoutOverflow()
    {
        // A diagonal matrix's eigenvalues are its diagonal; [[a, a], [a, a]] has 0 and 2a, here 2a = 1.6e308.
        Assert.Equal([-1e308, 1.5e308], Spectrum.SymmetricEigenvalues([[1.5e308, 0], [0, -1e308]])!);
        // Up to rounding: a few machine epsilons of the matrix's norm.
        var pair = Spectrum.SymmetricEigenvalues([[8e307, 8e307], [8e307, 8e307]])!;
        Assert.Equal(0, pair[0], 1.6e308 * 1e-15);
        Assert.Equal(1.6e308, pair[1], 1.6e308 * 1e-15);
    }

    [Fact]
    public void TheZeroMatrixHasZeroEigenvaluesAndAnInfiniteConditionNumber()
    {
        var eigenvalues = Spectrum.SymmetricEigenvalues([[0, 0], [0, 0]])!;
        Assert.Equal([0.0, 0.0], eigenvalues);
        Assert.Equal(double.PositiveInfinity, Spectrum.ConditionNumber(eigenvalues));
    }

    [Fact]
    public void SubnormalEntriesBesideOrdinaryOnesDoNotBreakTheDecomposition()
    {
        // The Hessian of J = sum (w x + b - t)^2 at inputs x = 5e-324 (the smallest double): 2 sum x^2 underflows to 0,
        // 2 sum x = 3e-323 (subnormal), and d2J/db2 = 2 N = 6. Eigenvalues 0 and 6, up to far below rounding.
        var eigenvalues = Spectrum.SymmetricEigenvalues([[0, 3e-323], [3e-323, 6]])!;
        Assert.Equal(0, eigenvalues[0], 1e-300);
        Assert.Equal(6, eigenvalues[1], 1e-15);
        var small = Spectrum.SymmetricEigenvalues([[1, 1e-310, 0], [1e-310, 1e-300, 1e-305], [0, 1e-305, 2]])!;
        Assert.Equal(0, small[0], 1e-290);
        Assert.Equal(1, small[1], 1e-15);
        Assert.Equal(2, small[2], 1e-15);
    }
}
