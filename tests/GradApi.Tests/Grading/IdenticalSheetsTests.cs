using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// A class's repeated sheets are graded once: an identical sheet (equal, not the same objects) takes the earlier grade,
/// and a sheet that differs anywhere, down to one bit of one number, a zero's sign, the points or the tolerance, is
/// graded on its own and gets the verdicts it earns.
/// </summary>
public sealed class IdenticalSheetsTests
{
    const string A = "/iterations/0/forward/layers/1/a";
    const string Delta = "/iterations/0/backward/layers/1/delta";
    static readonly double RightA = Reference(Contract(), t => t.Forward[1].A).Data[0];
    static readonly double RightDelta = Reference(Contract(), t => t.Backward[1].Delta).Data[0];

    static GradingSession Session() => new(Contract(), GradingOptions.Default, [A, Delta]);

    // A fresh sheet each call, so equal sheets never share objects.
    static Answer[] Sheet(double a, double delta, double points = 1, Tolerance? tolerance = null) =>
        [new(A, SubmittedValue.Of(Tensor.Scalar(a)), points, tolerance), Answer(Delta, delta)];

    [Fact]
    public void AnIdenticalSheetTakesTheEarlierSheetsGrade()
    {
        double wrongA = RightA + 0.05;
        double carried = (wrongA - 1) * wrongA * (1 - wrongA);
        Answer[][] sheets = [Sheet(wrongA, carried), Sheet(wrongA, carried)];

        var grades = Session().GradeAll(sheets);

        Assert.Same(grades[0], grades[1]);
        Assert.Equal([Verdict.Incorrect, Verdict.FollowThrough], grades[0].Results.Select(r => r.Verdict));
        Assert.Equal([0, 0], IdenticalSheets.FirstOfEach(sheets));
    }

    [Fact]
    public void ASheetThatDiffersInOneBitOneSignThePointsOrTheToleranceIsGradedOnItsOwn()
    {
        Answer[][] sheets =
        [
            Sheet(RightA, RightDelta),
            Sheet(RightA, Math.BitIncrement(RightDelta)),
            Sheet(RightA, RightDelta, points: 2),
            Sheet(RightA, RightDelta, tolerance: new Tolerance(ToleranceKind.Decimals, Decimals: 4)),
            Sheet(RightA, -RightDelta),
        ];
        var grades = Session().GradeAll(sheets);
        for (int s = 1; s < sheets.Length; s++)
        {
            Assert.NotSame(grades[0], grades[s]);
            // What the sheet earns on its own, from a session that has seen nothing else.
            var alone = Session().Grade(sheets[s]);
            Assert.Equal(alone.Results.Select(r => (r.Verdict, r.PointsAwarded)), grades[s].Results.Select(r => (r.Verdict, r.PointsAwarded)));
        }
        Assert.Equal(Verdict.Incorrect, grades[^1].Results[1].Verdict);
        Assert.Equal([0, 1, 2, 3, 4], IdenticalSheets.FirstOfEach(sheets));
    }

    [Fact]
    public void AZerosSignTellsTwoSheetsApart()
    {
        var session = new GradingSession(Contract(), GradingOptions.Default, [A]);
        Answer[] Zero(double zero) => [new(A, SubmittedValue.Of(Tensor.Scalar(zero)))];

        var grades = session.GradeAll([Zero(0.0), Zero(-0.0)]);

        Assert.NotSame(grades[0], grades[1]);
        Assert.True(double.IsNegative(grades[1].Results[0].Submitted!.Data[0]));
    }

    [Fact]
    public void GradingAClassAtOnceGivesRepeatedSheetsTheFirstOnesGradeAndEveryOtherSheetItsOwn()
    {
        double wrongA = RightA + 0.05;
        Answer[][] sheets = [Sheet(RightA, RightDelta), Sheet(wrongA, RightDelta), Sheet(RightA, RightDelta), Sheet(wrongA, RightDelta), Sheet(RightA, -RightDelta)];

        Assert.Equal([0, 1, 0, 1, 4], IdenticalSheets.FirstOfEach(sheets));
        var grades = Session().GradeAll(sheets);

        Assert.Same(grades[0], grades[2]);
        Assert.Same(grades[1], grades[3]);
        for (int s = 0; s < sheets.Length; s++)
            Assert.Equal(Session().Grade(sheets[s]).Results.Select(r => (r.Verdict, r.PointsAwarded)), grades[s].Results.Select(r => (r.Verdict, r.PointsAwarded)));
        Assert.Equal(Verdict.Incorrect, grades[1].Results[0].Verdict);
        Assert.Equal(Verdict.Incorrect, grades[4].Results[1].Verdict);
    }
}
