using GradApi.Domain.Grading;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Tests.Domain;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// One test per verdict of the contract (correct, follow_through, incorrect, shape_mismatch, unknown_path,
/// not_a_number), on the contract's worked problem; expected numbers from <see cref="ContractByHand"/>.
/// </summary>
public sealed class VerdictTests
{
    static readonly HandStep First = new ContractByHand().Step();

    [Fact]
    public void TheOutputDeltaDerivedByHandIsCorrect()
    {
        // delta1 = a1 (1 - a1) (a1 - y) = -0.13116907...
        var grade = GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", First.Delta1));
        Assert.Equal(Verdict.Correct, grade.Verdict);
        Assert.Equal(1, grade.PointsAwarded);
        Assert.Empty(grade.Diagnoses);
        Assert.Null(grade.FollowThroughExpected);
    }

    [Fact]
    public void AnOutputDeltaOffByOnePercentIsIncorrect()
    {
        // the default tolerance is relative 1e-3: 1% off is ten times outside it
        var grade = GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/delta", First.Delta1 * 1.01));
        Assert.Equal(Verdict.Incorrect, grade.Verdict);
        Assert.Equal(0, grade.PointsAwarded);
        Assert.Equal(First.Delta1, grade.Expected!.Data[0], 1e-12);
        Assert.Equal(Math.Abs(First.Delta1 * 0.01), grade.MaxAbsoluteError!.Value, 1e-12);
    }

    [Fact]
    public void AWeightGradientComputedFromTheStudentsOwnWrongActivationIsFollowThrough()
    {
        // the student's output a is 0.5 instead of 0.47389; delta1 = (a - y) a (1 - a) = -0.5 * 0.25 = -0.125
        var grade = Grade(Contract(), [Answer("/iterations/0/forward/layers/1/a", 0.5), Answer("/iterations/0/backward/layers/1/delta", -0.125)]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal(-0.125, grade.Results[1].FollowThroughExpected!.Data[0], 1e-15);
        Assert.Equal(1, grade.Results[1].PointsAwarded);
    }

    [Fact]
    public void AVectorOfTheWrongLengthIsAShapeMismatchNamingBothShapes()
    {
        // the hidden delta is [1][2] (B = 1, two units); three numbers fit neither [1][2] nor [2]
        var grade = GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/delta", 0.0087, 0.0065, 0.0));
        Assert.Equal(Verdict.ShapeMismatch, grade.Verdict);
        Assert.Equal(0, grade.PointsAwarded);
        Assert.Contains("[1][2]", grade.Message);
        Assert.Contains("[3]", grade.Message);
    }

    [Fact]
    public void AMatrixForAVectorIsAShapeMismatch()
    {
        // the output bias is [1]; [[0.2181, 0]] is [1][2]
        var grade = GradeOne(Contract(), Answer("/iterations/0/update/layers/1/biases", [[0.2181, 0.0]]));
        Assert.Equal(Verdict.ShapeMismatch, grade.Verdict);
        Assert.Contains("[1]", grade.Message);
        Assert.Contains("[1][2]", grade.Message);
    }

    [Theory]
    [InlineData("iterations/0/forward/layers/0/a")]            // no leading '/'
    [InlineData("/iterations/x/forward/layers/0/a")]           // not an array index
    [InlineData("/iterations/01/forward/layers/0/a")]          // RFC 6901: no leading zero
    [InlineData("/iterations/0/forward/layers/0/a/x")]         // an element index that is not a number
    [InlineData("/iterations/0/forward/layers/0/q")]           // no such field
    [InlineData("/results/0")]                                 // not a part of the /v1/train response
    public void AMalformedPointerIsAnUnknownPath(string path)
    {
        var grade = GradeOne(Contract(), Answer(path, 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Equal(0, grade.PointsAwarded);
        Assert.False(string.IsNullOrWhiteSpace(grade.Message));
    }

    [Fact]
    public void ALayerPastTheEndIsAnUnknownPathThatSaysHowManyLayersThereAre()
    {
        var grade = GradeOne(Contract(), Answer("/iterations/0/forward/layers/2/z", 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Contains("2 layer", grade.Message);
    }

    [Theory]
    [InlineData("/iterations/0/update/layers/0/biases")]
    [InlineData("/iterations/0/backward/layers/0/biasGradient")]
    [InlineData("/initial/layers/0/biases")]
    [InlineData("/final/layers/0/biases")]
    public void TheBiasesOfALayerWithoutBiasesAreAnUnknownPath(string path)
    {
        // y = w x: one layer, no bias term
        var problem = Problems.Scalar(0.5, 2, 1, new Sgd(0.1), 1);
        var grade = GradeOne(problem, Answer(path, 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Contains("no bias", grade.Message);
    }

    [Fact]
    public void AnIterationPastTheEndIsAnUnknownPath()
    {
        // two iterations: indices 0 and 1
        var grade = GradeOne(Contract(iterations: 2), Answer("/iterations/2/forward/layers/0/z", 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Contains("2 iteration", grade.Message);
    }

    [Fact]
    public void AnIterationAfterTheRunDivergedIsAnUnknownPath()
    {
        // y = w x, w0 = 1, x = 1, y = 0, sgd with eta = 1e300: g1 = 1, w1 = 1 - 1e300; at t = 2 the loss
        // 1/2 (1e300)^2 overflows, so the run stops after iteration 2 and /iterations has 2 entries of the 3 asked
        var problem = Problems.Scalar(1, 1, 0, new Sgd(1e300), 3);
        var grade = GradeOne(problem, Answer("/iterations/2/forward/layers/0/z", 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Contains("diverged", grade.Message);
    }

    [Theory]
    [InlineData("/iterations/0/forward/layers/0/a/1")]      // B = 1: row 1 does not exist
    [InlineData("/iterations/0/forward/layers/0/a/0/2")]    // two units: element 2 does not exist
    [InlineData("/iterations/0/forward/layers/0/a/0/0/0")]  // past the tensor's rank
    public void AnElementIndexPastTheEndIsAnUnknownPath(string path)
    {
        var grade = GradeOne(Contract(), Answer(path, 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Contains("[1][2]", grade.Message);
    }

    [Theory]
    [InlineData("/iterations/0/forward/layers/0")]
    [InlineData("/iterations/0/backward")]
    [InlineData("/iterations/0/update/layers/1/state/v")]
    [InlineData("/iterations/0")]
    [InlineData("")]
    public void APathToAnObjectIsAnUnknownPath(string path)
    {
        var grade = GradeOne(Contract(), Answer(path, 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Equal(0, grade.PointsAwarded);
    }

    [Fact]
    public void AStateSlotTheOptimizerDoesNotKeepIsAnUnknownPath()
    {
        // heavy-ball momentum keeps v only: the message names the slot asked for
        var grade = GradeOne(Contract(), Answer("/iterations/0/update/layers/1/state/m/weights", 0.5));
        Assert.Equal(Verdict.UnknownPath, grade.Verdict);
        Assert.Contains("'m'", grade.Message);
    }

    [Fact]
    public void AnUnreadableValueIsNotANumberAndNotAWrongAnswer()
    {
        var answer = new Answer("/iterations/0/backward/layers/1/delta", SubmittedValue.Unread("'-0,1312' is not a number"), Points: 3);
        var grade = GradeOne(Contract(), answer);
        Assert.Equal(Verdict.NotANumber, grade.Verdict);
        Assert.Equal(3, grade.Points);
        Assert.Equal(0, grade.PointsAwarded);
        Assert.Contains("-0,1312", grade.Message);
        Assert.Empty(grade.Diagnoses);
        Assert.Null(grade.Submitted);
        // the expected value is still given, so a student sees what was asked for
        Assert.Equal(First.Delta1, grade.Expected!.Data[0], 1e-12);
    }

    [Fact]
    public void AnUnreadableAnswerIsNotCarriedIntoFollowThrough()
    {
        // an unread a1 is not used: the delta computed from a made-up a1 = 0.5 stays incorrect
        var grade = Grade(Contract(),
        [
            new Answer("/iterations/0/forward/layers/1/a", SubmittedValue.Unread("empty")),
            Answer("/iterations/0/backward/layers/1/delta", -0.125),
        ]);
        Assert.Equal(Verdict.NotANumber, grade.Results[0].Verdict);
        Assert.Equal(Verdict.Incorrect, grade.Results[1].Verdict);
    }

    [Fact]
    public void VerdictsComeInTheOrderOfTheAnswers()
    {
        var grade = Grade(Contract(),
        [
            new Answer("/iterations/0/backward/layers/1/delta", SubmittedValue.Unread("blank")),
            Answer("/iterations/0/backward/layers/9/delta", 0.1),
            Answer("/iterations/0/backward/layers/1/delta", 1.0, 2.0),
            Answer("/iterations/0/backward/layers/1/delta", 0.5),
            Answer("/iterations/0/backward/layers/1/delta", First.Delta1),
        ]);
        Assert.Equal([Verdict.NotANumber, Verdict.UnknownPath, Verdict.ShapeMismatch, Verdict.Incorrect, Verdict.Correct],
            grade.Results.Select(r => r.Verdict));
    }

    [Fact]
    public void AnAnswerForTheInitialWeightsIsGradedAgainstTheProblem()
    {
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/initial/layers/1/weights", [[-0.3, -0.2]])).Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer("/initial/layers/1/weights", [[-0.2, -0.3]])).Verdict);
    }

    [Fact]
    public void AnAnswerForTheFinalWeightsIsGradedAgainstTheLastStep()
    {
        // two steps by hand: /final is the parameters after the second
        var hand = new ContractByHand();
        hand.Step();
        var second = hand.Step();
        var grade = GradeOne(Contract(iterations: 2), Answer("/final/layers/1/weights", [second.W1]));
        Assert.Equal(Verdict.Correct, grade.Verdict);
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(iterations: 2), Answer("/final/layers/1/weights", [First.W1])).Verdict);
    }

    [Fact]
    public void AnAnswerNamingTheSampledExamplesIsGraded()
    {
        // full batch of one example: exampleIndices = [0]. 1 is wrong, and nothing computes it from the student's
        // other answers (it is the first element of layer 0's input x = (1, 0, 1), which must not count)
        Assert.Equal(Verdict.Correct, GradeOne(Contract(), Answer("/iterations/0/exampleIndices", 0.0)).Verdict);
        var wrong = GradeOne(Contract(), Answer("/iterations/0/exampleIndices", 1.0));
        Assert.Equal(Verdict.Incorrect, wrong.Verdict);
        Assert.Null(wrong.FollowThroughExpected);
    }

    [Fact]
    public void ASessionRefusesAPathItWasNotMadeFor()
    {
        var session = new GradingSession(Contract(), GradingOptions.Default, ["/iterations/0/forward/layers/0/a"]);
        Assert.Throws<ArgumentException>(() => session.Grade([Answer("/iterations/0/forward/layers/0/z", 0.5)]));
    }

    [Fact]
    public void TheExpectedTensorIsTheReferenceInTheSubmittedShape()
    {
        // the hidden a with the batch axis dropped: expected, submitted and mask are all [2]
        var grade = GradeOne(Contract(), new Answer("/iterations/0/forward/layers/0/a", SubmittedValue.Of(Tensor.Vector(First.A0))));
        Assert.Equal(Verdict.Correct, grade.Verdict);
        Assert.Equal([2], grade.Expected!.Shape);
        Assert.Equal([2], grade.Elements!.Shape);
        Assert.Equal(First.A0[0], grade.Expected.Data[0], 1e-15);
        Assert.Equal(First.A0[1], grade.Expected.Data[1], 1e-15);
    }
}
