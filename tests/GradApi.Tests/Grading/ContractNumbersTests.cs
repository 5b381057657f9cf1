using GradApi.Domain.Grading;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// The worked numbers printed in API.md's /v1/train response (4 decimals), against the hand re-implementation
/// the other grading tests derive from, and graded as a student would submit them.
/// </summary>
public sealed class ContractNumbersTests
{
    static readonly Tolerance FourDecimals = new(ToleranceKind.Decimals, Decimals: 4);

    [Fact]
    public void TheHandReimplementationReproducesTheContractsPrintedNumbers()
    {
        var step = new ContractByHand().Step();
        // API.md: z [-0.7, 0.1], a [0.3318, 0.5250], activationDerivative [0.2217, 0.2494], loss 0.1384,
        // outputGradient -0.5261, delta [0.0087, 0.0065] and -0.1312, weightGradient [-0.0435, -0.0689],
        // updated output weights [-0.2608, -0.1380], bias 0.2181, v [0.0392, 0.0620] and 0.1181
        AssertFourDecimals([-0.7, 0.1], step.Z0);
        AssertFourDecimals([0.3318, 0.5250], step.A0);
        AssertFourDecimals([0.2217, 0.2494], step.Derivative0);
        AssertFourDecimals([0.1384], [step.Loss]);
        AssertFourDecimals([-0.5261], [step.OutputGradient]);
        AssertFourDecimals([0.0087, 0.0065], step.Delta0);
        AssertFourDecimals([-0.1312], [step.Delta1]);
        AssertFourDecimals([-0.0435, -0.0689], step.WeightGradient1);
        AssertFourDecimals([-0.2608, -0.1380], step.W1);
        AssertFourDecimals([0.2181], [step.B1]);
        AssertFourDecimals([0.0392, 0.0620], step.VW1);
        AssertFourDecimals([0.1181], [step.VB1]);
    }

    [Fact]
    public void EveryPrintedNumberOfTheContractIsCorrectAtFourDecimals()
    {
        var answers = new[]
        {
            Answer("/iterations/0/forward/layers/0/z", [[-0.7, 0.1]]),
            Answer("/iterations/0/forward/layers/0/a", [[0.3318, 0.5250]]),
            Answer("/iterations/0/forward/layers/0/activationDerivative", [[0.2217, 0.2494]]),
            Answer("/iterations/0/loss/value", 0.1384),
            Answer("/iterations/0/loss/perExample", 0.1384),
            Answer("/iterations/0/backward/outputGradient", [[-0.5261]]),
            Answer("/iterations/0/backward/layers/0/delta", [[0.0087, 0.0065]]),
            Answer("/iterations/0/backward/layers/1/delta", [[-0.1312]]),
            Answer("/iterations/0/backward/layers/1/weightGradient", [[-0.0435, -0.0689]]),
            Answer("/iterations/0/backward/layers/1/biasGradient", -0.1312),
            Answer("/iterations/0/update/layers/1/weights", [[-0.2608, -0.1380]]),
            Answer("/iterations/0/update/layers/1/biases", 0.2181),
            Answer("/iterations/0/update/layers/1/state/v/weights", [[0.0392, 0.0620]]),
            Answer("/iterations/0/update/layers/1/state/v/biases", 0.1181),
        };
        var grade = Grade(Contract(), answers, GradingOptions.Default with { Tolerance = FourDecimals });
        Assert.All(grade.Results, r => Assert.True(r.Verdict == Verdict.Correct, $"{r.Path}: {r.Verdict}"));
        Assert.Equal(answers.Length, grade.PointsAwarded);
    }

    static void AssertFourDecimals(double[] printed, double[] computed)
    {
        Assert.Equal(printed.Length, computed.Length);
        for (int i = 0; i < printed.Length; i++)
            Assert.True(Math.Abs(printed[i] - computed[i]) < 0.51e-4, $"printed {printed[i]}, computed {computed[i]:R}");
    }
}
