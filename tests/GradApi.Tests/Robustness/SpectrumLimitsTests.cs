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
}
