using GradApi.Domain.Grading;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

public class GradingSmokeTests
{
    [Fact]
    public void TheContractsDeltaWithFourDecimalsIsCorrect()
    {
        var grade = GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", -0.1312),
            GradingOptions.Default with { Tolerance = new Tolerance(ToleranceKind.Decimals, Decimals: 4) });
        Assert.Equal(Verdict.Correct, grade.Verdict);
    }

    [Fact]
    public void AWrongOutputActivationCarriesIntoTheDelta()
    {
        var problem = Contract();
        var a = Reference(problem, t => t.Forward[1].A).Data[0];
        var wrongA = a + 0.05;
        // delta = (a - y) a (1 - a) with the student's own a
        double carried = (wrongA - 1) * wrongA * (1 - wrongA);
        var grade = Grade(problem, [Answer("/iterations/0/forward/layers/1/a", wrongA), Answer("/iterations/0/backward/layers/1/delta", carried)]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal(["/iterations/0/forward/layers/1/a"], grade.Results[1].UsedAnswers);
    }
}
