using GradApi.Domain.Activations;
using GradApi.Domain.Grading;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Tests.Domain;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// Follow-through (error carried forward): an answer wrong against the reference but right given the student's
/// own earlier answers. Each expected follow-through value is recomputed by hand (<see cref="ContractByHand"/> with
/// the student's value put in, or the formulas written out), and each test checks the value is wrong against the
/// reference, so a follow_through verdict cannot come from the answer being simply right.
/// </summary>
public sealed class FollowThroughTests
{
    const string HiddenA = "/iterations/0/forward/layers/0/a";
    const string OutputWeightGradient = "/iterations/0/backward/layers/1/weightGradient";
    const string HiddenWeightGradient = "/iterations/0/backward/layers/0/weightGradient";

    static readonly HandStep First = new ContractByHand().Step();

    // The student's hidden a: [0.35, 0.50] where the reference is [0.3318, 0.5250].
    static readonly double[] WrongA = [0.35, 0.50];

    static HandStep FromWrongHiddenA() =>
        new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? WrongA : v }.Step();

    static void AssertClose(double[] expected, double[] actual, double within = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], within);
    }

    static void AssertWrongAgainstTheReference(double[] reference, double[] submitted)
    {
        bool allAccepted = reference.Zip(submitted).All(p => Tolerance.Default.Accepts(p.Second, p.First));
        Assert.False(allAccepted, "the follow-through value must differ from the reference, or the test proves nothing");
    }

    [Fact]
    public void TheOutputWeightGradientFromAWrongHiddenActivationIsFollowThrough()
    {
        // with a' = [0.35, 0.50]: z1 = W1 a' + b1 = -0.3*0.35 - 0.2*0.5 + 0.1 = -0.105, a1 = sigma(z1),
        // delta1 = a1 (1 - a1)(a1 - y), dJ/dW1 = delta1 a'
        var carried = FromWrongHiddenA();
        Assert.Equal(-0.105, carried.Z1, 1e-15);
        AssertWrongAgainstTheReference(First.WeightGradient1, carried.WeightGradient1);

        var grade = Grade(Contract(), [Answer(HiddenA, [WrongA]), Answer(OutputWeightGradient, [carried.WeightGradient1])]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        var result = grade.Results[1];
        Assert.Equal(Verdict.FollowThrough, result.Verdict);
        AssertClose(carried.WeightGradient1, result.FollowThroughExpected!.Data);
        AssertClose(First.WeightGradient1, result.Expected!.Data);
        Assert.Equal([HiddenA], result.UsedAnswers);
        Assert.Equal([true, true], result.Elements!.Correct);
        Assert.Equal(1, result.PointsAwarded);
    }

    [Fact]
    public void TheHiddenWeightGradientFromAWrongHiddenActivationIsFollowThroughThroughFourUnsubmittedTensors()
    {
        // a' -> z1 -> a1 -> delta1 -> delta0 -> dJ/dW0, none of them submitted:
        // delta0_i = a'_i (1 - a'_i) W1_i delta1 (sigma' in the student's own a), dJ/dW0 = delta0 x^T with x = (1, 0, 1)
        var carried = FromWrongHiddenA();
        double d1 = carried.Delta1;
        double[] d0 = [0.35 * 0.65 * -0.3 * d1, 0.5 * 0.5 * -0.2 * d1];
        AssertClose(d0, carried.Delta0, 1e-15);
        double[][] expected = [[d0[0], 0, d0[0]], [d0[1], 0, d0[1]]];
        AssertWrongAgainstTheReference(First.WeightGradient0.SelectMany(r => r).ToArray(), expected.SelectMany(r => r).ToArray());

        var grade = Grade(Contract(), [Answer(HiddenA, [WrongA]), Answer(HiddenWeightGradient, expected)]);
        var result = grade.Results[1];
        Assert.Equal(Verdict.FollowThrough, result.Verdict);
        AssertClose(expected.SelectMany(r => r).ToArray(), result.FollowThroughExpected!.Data);
        Assert.Equal([HiddenA], result.UsedAnswers);
    }

    [Fact]
    public void AnswersAreCarriedWhateverOrderTheyAreGivenIn()
    {
        var carried = FromWrongHiddenA();
        var grade = Grade(Contract(), [Answer(OutputWeightGradient, [carried.WeightGradient1]), Answer(HiddenA, [WrongA])]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[0].Verdict);
        Assert.Equal(Verdict.Incorrect, grade.Results[1].Verdict);
    }

    [Fact]
    public void OneWrongElementGivenByAnElementPointerIsCarriedForward()
    {
        // only a[0][1] submitted, as 0.5 (reference 0.5250); a[0][0] keeps the reference 0.3318...
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [v[0], 0.5] : v }.Step();
        AssertWrongAgainstTheReference(First.WeightGradient1, carried.WeightGradient1);
        var grade = Grade(Contract(), [Answer(HiddenA + "/0/1", 0.5), Answer(OutputWeightGradient, [carried.WeightGradient1])]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal([HiddenA + "/0/1"], grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void AWrongUpdatedWeightInIterationTwoIsCarriedIntoIterationThreesForwardPass()
    {
        // W1 after step 2 (index 1) given as the reference + (0.05, -0.05); iteration 3 (index 2) then computes
        // z1 = W1' a0 + b1 with a0 and b1 of the reference (they do not depend on W1 after step 2)
        var reference = new ContractByHand();
        reference.Step();
        var referenceSecond = reference.Step();
        var referenceThird = reference.Step();
        double[] wrongW1 = [referenceSecond.W1[0] + 0.05, referenceSecond.W1[1] - 0.05];
        var carried = new ContractByHand { Replace = (i, name, v) => i == 1 && name == "W1" ? wrongW1 : v };
        carried.Step();
        carried.Step();
        var third = carried.Step();
        Assert.Equal(wrongW1[0] * referenceThird.A0[0] + wrongW1[1] * referenceThird.A0[1] + referenceSecond.B1, third.Z1, 1e-15);
        AssertWrongAgainstTheReference([referenceThird.Z1], [third.Z1]);

        const string weights = "/iterations/1/update/layers/1/weights";
        var grade = Grade(Contract(iterations: 3), [Answer(weights, [wrongW1]), Answer("/iterations/2/forward/layers/1/z", third.Z1)]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal(third.Z1, grade.Results[1].FollowThroughExpected!.Data[0], 1e-12);
        Assert.Equal([weights], grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void AWrongUpdatedWeightIsIncorrectNotFollowThroughOfItself()
    {
        // nothing upstream was submitted, so the only expectation is the reference W1 = [-0.2608, -0.1380]
        foreach (var path in new[] { "/iterations/0/update/layers/1/weights", "/final/layers/1/weights" })
        {
            var grade = GradeOne(Contract(iterations: 1), Answer(path, [[0.5, 0.5]]));
            Assert.Equal(Verdict.Incorrect, grade.Verdict);
            Assert.Equal(0, grade.PointsAwarded);
            if (grade.FollowThroughExpected is { } recomputed) AssertClose(First.W1, recomputed.Data);
        }
        Assert.Equal(Verdict.Incorrect, GradeOne(Contract(), Answer("/iterations/0/update/layers/1/biases", 0.5)).Verdict);
    }

    [Fact]
    public void WithFollowThroughDisabledACarriedAnswerIsIncorrect()
    {
        var carried = FromWrongHiddenA();
        var grade = Grade(Contract(), [Answer(HiddenA, [WrongA]), Answer(OutputWeightGradient, [carried.WeightGradient1])],
            GradingOptions.Default with { FollowThrough = false });
        Assert.Equal(Verdict.Incorrect, grade.Results[1].Verdict);
        Assert.Null(grade.Results[1].FollowThroughExpected);
        Assert.Empty(grade.Results[1].UsedAnswers);
        Assert.Equal(0, grade.Results[1].PointsAwarded);
    }

    [Fact]
    public void AnAnswerRightAgainstTheReferenceStaysCorrectAfterAWrongEarlierAnswer()
    {
        // the student got a wrong but the weight gradient right: correct, not follow-through, whatever a' would give
        var grade = Grade(Contract(), [Answer(HiddenA, [WrongA]), Answer(OutputWeightGradient, [First.WeightGradient1])],
            GradingOptions.Default with { Penalty = 0.5 });
        Assert.Equal(Verdict.Correct, grade.Results[1].Verdict);
        Assert.Equal(1, grade.Results[1].PointsAwarded);
        Assert.Null(grade.Results[1].FollowThroughExpected);
        Assert.Empty(grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void AnAnswerWrongBothWaysIsIncorrect()
    {
        // neither the reference nor the value carried from a' = [0.35, 0.50]
        var grade = Grade(Contract(), [Answer(HiddenA, [WrongA]), Answer(OutputWeightGradient, [[-0.5, -0.5]])]);
        Assert.Equal(Verdict.Incorrect, grade.Results[1].Verdict);
        Assert.Equal(0, grade.Results[1].PointsAwarded);
    }

    [Fact]
    public void AWrongAdamFirstMomentMakesMhatAndTheWeightFollowThrough()
    {
        // y = w x, w0 = 0.5, x = 2, y = 0.3, half_sse: g = (w x - y) x = 1.4. Adam eta = 0.1, b1 = 0.9, b2 = 0.999, t = 1.
        // Reference: m = 0.1 g = 0.14; the student forgot (1 - b1): m' = 1.4.
        // mhat = m' / (1 - 0.9) = 14; v = 0.001 g^2 = 0.00196, vhat = v / (1 - 0.999) = 1.96;
        // w = w0 - eta mhat / (sqrt(vhat) + eps) = 0.5 - 0.1 * 14 / (1.4 + 1e-8) = -0.5 (reference 0.4)
        var problem = Problems.Scalar(0.5, 2, 0.3, new Adam(0.1), 1);
        double g = (0.5 * 2 - 0.3) * 2;
        double wrongM = g;
        double mhat = wrongM / (1 - 0.9);
        double vhat = (1 - 0.999) * g * g / (1 - 0.999);
        double w = 0.5 - 0.1 * mhat / (Math.Sqrt(vhat) + 1e-8);
        AssertWrongAgainstTheReference([0.4], [w]);
        const string m = "/iterations/0/update/layers/0/state/m/weights";
        const string mhatPath = "/iterations/0/update/layers/0/state/mhat/weights";
        const string weights = "/iterations/0/update/layers/0/weights";

        var grade = Grade(problem, [Answer(m, wrongM), Answer(mhatPath, mhat), Answer(weights, w)]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal([m], grade.Results[1].UsedAnswers);
        Assert.Equal(Verdict.FollowThrough, grade.Results[2].Verdict);
        Assert.Equal(w, grade.Results[2].FollowThroughExpected!.Data[0], 1e-12);
        // theta reads mhat and vhat: the student's mhat stands as written, so m no longer enters (vhat was not submitted).
        Assert.Equal([mhatPath], grade.Results[2].UsedAnswers);
    }

    [Fact]
    public void AWrongAdamFirstMomentIsCarriedThroughAnUnsubmittedMhatIntoTheWeight()
    {
        // as above, mhat not submitted: the run computes mhat = 1.4 / 0.1 from the student's m
        var problem = Problems.Scalar(0.5, 2, 0.3, new Adam(0.1), 1);
        double w = 0.5 - 0.1 * (1.4 / 0.1) / (Math.Sqrt(0.00196 / 0.001) + 1e-8);
        var grade = Grade(problem, [Answer("/iterations/0/update/layers/0/state/m/weights", 1.4), Answer("/iterations/0/update/layers/0/weights", w)]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal(["/iterations/0/update/layers/0/state/m/weights"], grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void AWrongVelocityIsCarriedIntoTheSameStepsWeights()
    {
        // heavy ball: W1 = W1_0 + v with the student's v' = [0.05, 0.07] (reference [0.0392, 0.0620])
        double[] wrongV = [0.05, 0.07];
        double[] w1 = [-0.3 + 0.05, -0.2 + 0.07];
        AssertWrongAgainstTheReference(First.W1, w1);
        const string velocity = "/iterations/0/update/layers/1/state/v/weights";
        var grade = Grade(Contract(), [Answer(velocity, [wrongV]), Answer("/iterations/0/update/layers/1/weights", [w1])]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal([velocity], grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void AWrongVelocityIsCarriedIntoTheNextIterationsVelocity()
    {
        // v2 = mu v' - eta g2, where g2 is taken at W1 = W1_0 + v' (the weights the wrong v' produced)
        double[] wrongV = [0.05, 0.07];
        var hand = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "VW1" ? wrongV : v };
        hand.Step();
        var second = hand.Step();
        var referenceHand = new ContractByHand();
        referenceHand.Step();
        AssertWrongAgainstTheReference(referenceHand.Step().VW1, second.VW1);

        const string velocity = "/iterations/0/update/layers/1/state/v/weights";
        var grade = Grade(Contract(), [Answer(velocity, [wrongV]), Answer("/iterations/1/update/layers/1/state/v/weights", [second.VW1])]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        AssertClose(second.VW1, grade.Results[1].FollowThroughExpected!.Data);
        Assert.Equal([velocity], grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void TheFinalWeightsFromAWrongVelocityAreFollowThrough()
    {
        // one step: /final is W1 after it, W1_0 + v' = [-0.25, -0.13] for the student's v' = [0.05, 0.07]
        const string velocity = "/iterations/0/update/layers/1/state/v/weights";
        var grade = Grade(Contract(iterations: 1), [Answer(velocity, [[0.05, 0.07]]), Answer("/final/layers/1/weights", [[-0.3 + 0.05, -0.2 + 0.07]])]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal([velocity], grade.Results[1].UsedAnswers);
    }

    [Fact]
    public void TheLossFromAWrongOutputActivationIsFollowThrough()
    {
        // a1' = 0.5: l = 1/2 (0.5 - 1)^2 = 0.125 (reference 0.1383964)
        var grade = Grade(Contract(), [Answer("/iterations/0/forward/layers/1/a", 0.5), Answer("/iterations/0/loss/value", 0.125)]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
    }

    [Fact]
    public void TheBceOutputDeltaFromAWrongSigmoidOutputIsItsHandFormAMinusY()
    {
        // bce after a sigmoid: delta = dJ/da sigma' = [-y/a + (1 - y)/(1 - a)] a (1 - a) = a - y; with a1' = 0.6, y = 1: -0.4
        var problem = Contract() with { Loss = new LossSpec(Bce.Instance, Reduction.Sum, []) };
        var grade = Grade(problem, [Answer("/iterations/0/forward/layers/1/a", 0.6), Answer("/iterations/0/backward/layers/1/delta", -0.4)]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal(-0.4, grade.Results[1].FollowThroughExpected!.Data[0], 1e-12);
    }

    [Fact]
    public void TheCrossEntropyDeltaFromAWrongSoftmaxOutputIsItsHandFormAMinusY()
    {
        // one softmax layer 2 -> 3, ce, one-hot y = (0, 1, 0): delta = a - y for the student's own a' = (0.2, 0.5, 0.3)
        var problem = new TrainingProblem(
            new Network(2, [new DenseLayer("out", Softmax.Instance,
                Tensor.Matrix([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]]), Tensor.Vector(0, 0, 0))]),
            new TrainingData(Tensor.Matrix([[1, 2]]), Tensor.Matrix([[0, 1, 0]])),
            new LossSpec(Ce.Instance, Reduction.Sum, []),
            new Sgd(0.1), 1, new Sampling.Full());
        var grade = Grade(problem, [Answer("/iterations/0/forward/layers/0/a", 0.2, 0.5, 0.3), Answer("/iterations/0/backward/layers/0/delta", 0.2, -0.5, 0.3)]);
        Assert.Equal(Verdict.Incorrect, grade.Results[0].Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
    }

    [Fact]
    public void AFollowThroughValueReportsTheStudentsShape()
    {
        // the output weight gradient given with its [1][2] shape as a flat [2]
        var carried = FromWrongHiddenA();
        var grade = Grade(Contract(), [Answer(HiddenA, WrongA), new Answer(OutputWeightGradient, SubmittedValue.Of(Tensor.Vector(carried.WeightGradient1)))]);
        Assert.Equal(Verdict.FollowThrough, grade.Results[1].Verdict);
        Assert.Equal([2], grade.Results[1].FollowThroughExpected!.Shape);
    }
}
