using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// Element masks, points, partial credit (proportional or all_or_nothing), the follow-through penalty and totals;
/// the shapes a value may be given in (batch axis dropped when B = 1, a scalar for one element) and element pointers.
/// Reference numbers from <see cref="ContractByHand"/>.
/// </summary>
public sealed class ScoringTests
{
    const string HiddenDelta = "/iterations/0/backward/layers/0/delta";
    const string HiddenA = "/iterations/0/forward/layers/0/a";
    const string HiddenWeightGradient = "/iterations/0/backward/layers/0/weightGradient";

    static readonly HandStep First = new ContractByHand().Step();
    static readonly GradingOptions AllOrNothing = GradingOptions.Default with { PartialCredit = PartialCredit.AllOrNothing };

    static Answer Worth(double points, string path, double[][] rows) => new(path, SubmittedValue.Of(Tensor.Matrix(rows)), points);

    [Fact]
    public void TheMaskMarksEachElementInTheSubmittedShape()
    {
        // hidden delta = [[0.0087246, 0.0065421]]; the second element is 0.1 instead
        var grade = GradeOne(Contract(), Answer(HiddenDelta, [[First.Delta0[0], 0.1]]));
        Assert.Equal(Verdict.Incorrect, grade.Verdict);
        Assert.Equal([1, 2], grade.Elements!.Shape);
        Assert.Equal([true, false], grade.Elements.Correct);
        Assert.Equal(0.1 - First.Delta0[1], grade.MaxAbsoluteError!.Value, 1e-15);
    }

    [Fact]
    public void ProportionalCreditIsPointsTimesTheFractionOfRightElements()
    {
        // one of two elements right, 2 points: 2 x 1/2 = 1
        var grade = GradeOne(Contract(), Worth(2, HiddenDelta, [[First.Delta0[0], 0.1]]));
        Assert.Equal(2, grade.Points);
        Assert.Equal(1, grade.PointsAwarded, 1e-15);
    }

    [Fact]
    public void ProportionalCreditOverSixElements()
    {
        // hidden weight gradient [[d0, 0, d0], [d1, 0, d1]]: four right (the zeros and the first row), two wrong; 3 points x 4/6 = 2
        var grade = GradeOne(Contract(), Worth(3, HiddenWeightGradient, [[First.Delta0[0], 0, First.Delta0[0]], [0.5, 0, 0.5]]));
        Assert.Equal([true, true, true, false, true, false], grade.Elements!.Correct);
        Assert.Equal(2, grade.PointsAwarded, 1e-12);
    }

    [Fact]
    public void AllOrNothingGivesNothingForOneWrongElement()
    {
        var grade = GradeOne(Contract(), Worth(2, HiddenDelta, [[First.Delta0[0], 0.1]]), AllOrNothing);
        Assert.Equal(0, grade.PointsAwarded);
        Assert.Equal([true, false], grade.Elements!.Correct);
    }

    [Fact]
    public void AllOrNothingGivesEverythingForAllRight()
    {
        var grade = GradeOne(Contract(), Worth(2, HiddenDelta, [First.Delta0]), AllOrNothing);
        Assert.Equal(Verdict.Correct, grade.Verdict);
        Assert.Equal(2, grade.PointsAwarded);
    }

    [Fact]
    public void TheFollowThroughPenaltyIsTakenOffTheCarriedElements()
    {
        // a' = [0.35, 0.50] carried into the hidden weight gradient [[g0, 0, g0], [g1, 0, g1]]: the two zeros are right
        // against the reference, the four others only given a'. Proportional, 6 points, penalty 0.25:
        // 6 x (2 + 0.75 x 4) / 6 = 5; all_or_nothing: 6 x (1 - 0.25) = 4.5
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [0.35, 0.50] : v }.Step();
        Answer[] answers = [Answer(HiddenA, [[0.35, 0.50]]), Worth(6, HiddenWeightGradient, carried.WeightGradient0)];

        var proportional = Grade(Contract(), answers, GradingOptions.Default with { Penalty = 0.25 }).Results[1];
        Assert.Equal(Verdict.FollowThrough, proportional.Verdict);
        Assert.Equal([true, true, true, true, true, true], proportional.Elements!.Correct);
        Assert.Equal(5, proportional.PointsAwarded, 1e-12);

        var whole = Grade(Contract(), answers, AllOrNothing with { Penalty = 0.25 }).Results[1];
        Assert.Equal(Verdict.FollowThrough, whole.Verdict);
        Assert.Equal(4.5, whole.PointsAwarded, 1e-12);
    }

    [Fact]
    public void ProportionalCreditCountsCarriedElementsOfAnAnswerThatIsStillIncorrect()
    {
        // a' = [0.35, 0.50]; the hidden weight gradient's first row carried from it, the second row wrong:
        // two zeros right outright, two carried, two wrong. 6 points, penalty 0.5: 6 x (2 + 0.5 x 2) / 6 = 3
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [0.35, 0.50] : v }.Step();
        double g = carried.WeightGradient0[0][0];
        var grade = Grade(Contract(), [Answer(HiddenA, [[0.35, 0.50]]), Worth(6, HiddenWeightGradient, [[g, 0, g], [0.5, 0, 0.5]])],
            GradingOptions.Default with { Penalty = 0.5 }).Results[1];
        Assert.Equal(Verdict.Incorrect, grade.Verdict);
        Assert.Equal([true, true, true, false, true, false], grade.Elements!.Correct);
        Assert.Equal(3, grade.PointsAwarded, 1e-12);
    }

    [Fact]
    public void WithoutAPenaltyFollowThroughEarnsFullPoints()
    {
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [0.35, 0.50] : v }.Step();
        var grade = Grade(Contract(), [Answer(HiddenA, [[0.35, 0.50]]), Worth(6, HiddenWeightGradient, carried.WeightGradient0)]);
        Assert.Equal(6, grade.Results[1].PointsAwarded, 1e-12);
    }

    [Fact]
    public void AFullPenaltyMakesFollowThroughWorthNothing()
    {
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [0.35, 0.50] : v }.Step();
        var grade = Grade(Contract(), [Answer(HiddenA, [[0.35, 0.50]]), Worth(6, HiddenWeightGradient, carried.WeightGradient0)],
            GradingOptions.Default with { Penalty = 1 });
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        // only the two zeros, right against the reference, count: 6 x 2/6
        Assert.Equal(2, grade.Results[1].PointsAwarded, 1e-12);
    }

    [Fact]
    public void TotalsAddEveryAnswersPointsAndAwards()
    {
        // 1 (correct) + 2 x 1/2 (half right) + 4 x 0 (unknown path) + 3 x 0 (not a number) of 10
        var grade = Grade(Contract(),
        [
            new Answer("/iterations/0/backward/layers/1/delta", SubmittedValue.Of(Tensor.Scalar(First.Delta1)), 1),
            Worth(2, HiddenDelta, [[First.Delta0[0], 0.1]]),
            new Answer("/iterations/0/backward/layers/5/delta", SubmittedValue.Of(Tensor.Scalar(0)), 4),
            new Answer(HiddenDelta, SubmittedValue.Unread("blank"), 3),
        ]);
        Assert.Equal(10, grade.Points);
        Assert.Equal(2, grade.PointsAwarded, 1e-12);
    }

    [Fact]
    public void TheBatchAxisMayBeDroppedWhenTheBatchHoldsOneExample()
    {
        // the hidden a is [1][2]: [[0.3318, 0.5250]] and [0.3318, 0.5250] both stand for it
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer(HiddenA, [First.A0])).Verdict);
        var dropped = GradeOne(Contract(), Answer(HiddenA, First.A0));
        Assert.Equal(Verdict.Correct, dropped.Verdict);
        Assert.Equal([2], dropped.Submitted!.Shape);
        Assert.Equal([2], dropped.Elements!.Shape);
    }

    [Fact]
    public void AOneElementTensorMayBeGivenAsAScalar()
    {
        // the output delta is [1][1]; -0.1311690782 as a bare number, as [-0.13117] and as [[-0.13117]]
        const string path = "/iterations/0/backward/layers/1/delta";
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer(path, First.Delta1)).Verdict);
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), new Answer(path, SubmittedValue.Of(Tensor.Vector(First.Delta1)))).Verdict);
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer(path, [[First.Delta1]])).Verdict);
    }

    [Fact]
    public void AScalarDoesNotStandForATensorOfTwoElements()
    {
        var grade = GradeOne(Contract(), Answer(HiddenA, First.A0[0]));
        Assert.Equal(Verdict.ShapeMismatch, grade.Verdict);
    }

    [Fact]
    public void TheBatchAxisMayNotBeDroppedWhenTheBatchHoldsTwoExamples()
    {
        // the same network on the batch x = (1, 0, 1), (0, 1, 0): z of the hidden layer is [2][2]
        var problem = Contract() with
        {
            Data = new(Tensor.Matrix([[1, 0, 1], [0, 1, 0]]), Tensor.Matrix([[1], [0]])),
        };
        // first example: z = W0 x + b0 = [-0.7, 0.1]; second: [0.4 - 0.4, 0.1 + 0.2] = [0, 0.3]
        Assert.Equal(Verdict.Correct, GradeOne(problem, Answer("/iterations/0/forward/layers/0/z", [[-0.7, 0.1], [0, 0.3]])).Verdict);
        Assert.Equal(Verdict.ShapeMismatch, GradeOne(problem, Answer("/iterations/0/forward/layers/0/z", -0.7, 0.1, 0, 0.3)).Verdict);
        Assert.Equal(Verdict.ShapeMismatch, GradeOne(problem, Answer("/iterations/0/forward/layers/0/z", -0.7, 0.1)).Verdict);
    }

    [Fact]
    public void AnElementPointerGradesOneElement()
    {
        // /a/0/1 is the second hidden unit's a = sigma(0.1) = 0.52497918747894
        var grade = GradeOne(Contract(), Answer(HiddenA + "/0/1", 1 / (1 + Math.Exp(-0.1))));
        Assert.Equal(Verdict.Correct, grade.Verdict);
        Assert.Empty(grade.Expected!.Shape);
        Assert.Equal(First.A0[1], grade.Expected.Data[0], 1e-15);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer(HiddenA + "/0/1", First.A0[0])).Verdict);
    }

    [Fact]
    public void ARowPointerGradesOneRow()
    {
        // /weightGradient/1 is the second hidden unit's row [d1 x] = [0.0065421, 0, 0.0065421]
        var grade = GradeOne(Contract(), Answer(HiddenWeightGradient + "/1", First.Delta0[1], 0, First.Delta0[1]));
        Assert.Equal(Verdict.Correct, grade.Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer(HiddenWeightGradient + "/1", First.Delta0[0], 0, First.Delta0[0])).Verdict);
        // two numbers cannot stand for a row of three
        Assert.Equal(Verdict.ShapeMismatch, GradeOne(Contract(), Answer(HiddenWeightGradient + "/1", First.Delta0[1], 0)).Verdict);
    }

    [Fact]
    public void AnElementPointerIntoAnUpdatedWeightMatrix()
    {
        // /update/layers/0/weights/1/2: W0[1][2] after step 1 = 0.2 - 0.9 x 0.0065421 = 0.1941121
        var grade = GradeOne(Contract(), Answer("/iterations/0/update/layers/0/weights/1/2", 0.2 - 0.9 * First.Delta0[1]));
        Assert.Equal(Verdict.Correct, grade.Verdict);
    }

    [Fact]
    public void ShapeMismatchesEarnNothingEvenProportionally()
    {
        var grade = GradeOne(Contract(), Worth(5, HiddenA, [[First.A0[0]], [First.A0[1]]]));
        Assert.Equal(Verdict.ShapeMismatch, grade.Verdict);
        Assert.Equal(0, grade.PointsAwarded);
        Assert.Null(grade.Elements);
    }
}
