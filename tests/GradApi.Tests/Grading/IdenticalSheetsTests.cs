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
        var session = Session();
        var seen = new IdenticalSheets();
        double wrongA = RightA + 0.05;
        double carried = (wrongA - 1) * wrongA * (1 - wrongA);

        var first = session.Grade(Sheet(wrongA, carried), seen);
        var again = session.Grade(Sheet(wrongA, carried), seen);

        Assert.Same(first, again);
        Assert.Equal([Verdict.Incorrect, Verdict.FollowThrough], first.Results.Select(r => r.Verdict));
        Assert.Equal(1, seen.Distinct);
    }

    [Fact]
    public void ASheetThatDiffersInOneBitOneSignThePointsOrTheToleranceIsGradedOnItsOwn()
    {
        var session = Session();
        var seen = new IdenticalSheets();
        var right = session.Grade(Sheet(RightA, RightDelta), seen);
        Answer[][] others =
        [
            Sheet(RightA, Math.BitIncrement(RightDelta)),
            Sheet(RightA, RightDelta, points: 2),
            Sheet(RightA, RightDelta, tolerance: new Tolerance(ToleranceKind.Decimals, Decimals: 4)),
            Sheet(RightA, -RightDelta),
        ];
        foreach (var sheet in others)
        {
            var grade = session.Grade(sheet, seen);
            Assert.NotSame(right, grade);
            // What the sheet earns on its own, from a session that has seen nothing else.
            var alone = Session().Grade(sheet);
            Assert.Equal(alone.Results.Select(r => (r.Verdict, r.PointsAwarded)), grade.Results.Select(r => (r.Verdict, r.PointsAwarded)));
        }
        Assert.Equal(Verdict.Incorrect, session.Grade(Sheet(RightA, -RightDelta), seen).Results[1].Verdict);
        Assert.Equal(1 + others.Length, seen.Distinct);
    }

    [Fact]
    public void AZerosSignTellsTwoSheetsApart()
    {
        var session = new GradingSession(Contract(), GradingOptions.Default, [A]);
        var seen = new IdenticalSheets();
        Answer[] Zero(double zero) => [new(A, SubmittedValue.Of(Tensor.Scalar(zero)))];

        var positive = session.Grade(Zero(0.0), seen);
        var negative = session.Grade(Zero(-0.0), seen);

        Assert.NotSame(positive, negative);
        Assert.True(double.IsNegative(negative.Results[0].Submitted!.Data[0]));
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
