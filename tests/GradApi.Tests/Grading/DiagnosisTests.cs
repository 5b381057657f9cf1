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
/// Each diagnosis code of API.md, produced by a student's value computed by hand with that mistake (written out
/// in the test from <see cref="ContractByHand"/>'s reference values), on the contract's problem unless stated.
/// </summary>
public sealed class DiagnosisTests
{
    const string OutputDelta = "/iterations/0/backward/layers/1/delta";
    const string HiddenDelta = "/iterations/0/backward/layers/0/delta";
    const string OutputWeights = "/iterations/0/update/layers/1/weights";

    static readonly HandStep First = new ContractByHand().Step();

    static string[] Codes(AnswerGrade grade) => grade.Diagnoses.Select(d => d.Code).ToArray();

    static AnswerGrade Diagnosed(string code, AnswerGrade grade)
    {
        Assert.Equal(Verdict.Incorrect, grade.Verdict);
        Assert.Contains(code, Codes(grade));
        Assert.All(grade.Diagnoses, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
        return grade;
    }

    [Fact]
    public void TheOutputDeltaWithTheSignFlippedIsSignFlipped()
    {
        // (y - a) a (1 - a) instead of (a - y) a (1 - a): +0.1311690782
        var grade = Diagnosed("sign_flipped", GradeOne(Contract(), Answer(OutputDelta, -First.Delta1)));
        Assert.DoesNotContain("factor_of_two", Codes(grade));
        Assert.DoesNotContain("transposed", Codes(grade));
        Assert.DoesNotContain("wrong_layer", Codes(grade));
        Assert.DoesNotContain("rounded_too_early", Codes(grade));
    }

    [Fact]
    public void TheSignFlippedValueOfTheStudentsOwnFollowThroughIsSignFlipped()
    {
        // a' = [0.35, 0.50] carried into dJ/dW1 = delta1' a', then negated: wrong against the reference and the
        // follow-through value alike, and the negative of the latter
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [0.35, 0.50] : v }.Step();
        var grade = Grade(Contract(), [Answer("/iterations/0/forward/layers/0/a", 0.35, 0.50),
            Answer("/iterations/0/backward/layers/1/weightGradient", carried.WeightGradient1.Select(g => -g).ToArray())]);
        Diagnosed("sign_flipped", grade.Results[1]);
    }

    [Fact]
    public void AWeightGradientWithTheSignFlippedIsSignFlipped()
    {
        // -(delta1 a0) = [0.0435, 0.0689]
        Diagnosed("sign_flipped", GradeOne(Contract(), Answer("/iterations/0/backward/layers/1/weightGradient", [First.WeightGradient1.Select(g => -g).ToArray()])));
    }

    [Fact]
    public void ANonSquareWeightGradientWrittenInOutByInTransposedIsAShapeMismatchDiagnosedTransposed()
    {
        // dJ/dW0 = delta0 x^T is [2][3]; written [in][out] it is x delta0^T, [3][2]
        double[] d = First.Delta0;
        var grade = GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/weightGradient", [[d[0], d[1]], [0, 0], [d[0], d[1]]]));
        Assert.Equal(Verdict.ShapeMismatch, grade.Verdict);
        Assert.Equal(["transposed"], Codes(grade));
        Assert.Contains("[2][3]", grade.Message);
        Assert.Contains("[3][2]", grade.Message);
    }

    [Fact]
    public void AShapeMismatchThatIsNoTransposeHasNoDiagnosis()
    {
        var grade = GradeOne(Contract(), Answer("/iterations/0/backward/layers/0/weightGradient", [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]));
        Assert.Equal(Verdict.ShapeMismatch, grade.Verdict);
        Assert.Empty(grade.Diagnoses);
    }

    [Fact]
    public void ASquareWeightGradientWrittenTransposedIsIncorrectDiagnosedTransposed()
    {
        // one sigmoid layer 2 -> 2, x = (1, 2), y = (1, 0), W = [[0.1, -0.2], [0.3, 0.4]], b = 0, half_sse:
        // z = W x = [-0.3, 1.1], delta_i = (a_i - y_i) a_i (1 - a_i), dJ/dW[i][j] = delta_i x_j = [[d0, 2 d0], [d1, 2 d1]];
        // transposed: [[d0, d1], [2 d0, 2 d1]]
        var problem = new TrainingProblem(
            new Network(2, [new DenseLayer("out", Sigmoid.Instance, Tensor.Matrix([[0.1, -0.2], [0.3, 0.4]]), Tensor.Vector(0, 0))]),
            new TrainingData(Tensor.Matrix([[1, 2]]), Tensor.Matrix([[1, 0]])),
            new LossSpec(HalfSse.Instance, Reduction.Sum, []), new Sgd(0.5), 1, new Sampling.Full());
        double a0 = ContractByHand.Sigmoid(-0.3), a1 = ContractByHand.Sigmoid(1.1);
        double d0 = (a0 - 1) * a0 * (1 - a0), d1 = (a1 - 0) * a1 * (1 - a1);
        const string path = "/iterations/0/backward/layers/0/weightGradient";
        Assert.Equal(Verdict.Correct, GradeOne(problem, Answer(path, [[d0, 2 * d0], [d1, 2 * d1]])).Verdict);
        Diagnosed("transposed", GradeOne(problem, Answer(path, [[d0, d1], [2 * d0, 2 * d1]])));
    }

    [Fact]
    public void TheOutputDeltaOfTheSquaredErrorWithoutTheHalfIsFactorOfTwo()
    {
        // d/da (a - y)^2 = 2 (a - y): delta = 2 (a - y) a (1 - a) = -0.2623381564
        Diagnosed("factor_of_two", GradeOne(Contract(), Answer(OutputDelta, 2 * First.Delta1)));
    }

    [Fact]
    public void AHalvedOutputGradientIsFactorOfTwo()
    {
        // (a - y) / 2 = -0.2630555506
        Diagnosed("factor_of_two", GradeOne(Contract(), Answer("/iterations/0/backward/outputGradient", (First.A1 - 1) / 2)));
    }

    [Fact]
    public void TheOutputDeltaWithoutSigmaPrimeIsMissingActivationDerivative()
    {
        // delta1 = a1 - y = 0.4738889 - 1 = -0.5261111 (no a1 (1 - a1))
        var grade = Diagnosed("missing_activation_derivative", GradeOne(Contract(), Answer(OutputDelta, First.A1 - 1)));
        Assert.DoesNotContain("activation_value_for_derivative", Codes(grade));
    }

    [Fact]
    public void TheHiddenDeltaWithoutSigmaPrimeAnywhereIsMissingActivationDerivative()
    {
        // sigma' left out in both layers: delta1 = a1 - y, delta0_i = W1_i (a1 - y) = [0.1578333, 0.1052222]
        double dJda = First.A1 - 1;
        Diagnosed("missing_activation_derivative", GradeOne(Contract(), Answer(HiddenDelta, [[-0.3 * dJda, -0.2 * dJda]])));
    }

    [Fact]
    public void TheHiddenDeltaWithoutSigmaPrimeAfterARightOutputDeltaIsMissingActivationDerivative()
    {
        // the output delta right (-0.1311691), sigma' left out of the hidden layer only: delta0_i = W1_i delta1 = [0.0393507, 0.0262338]
        var grade = Grade(Contract(), [Answer(OutputDelta, First.Delta1), Answer(HiddenDelta, [[-0.3 * First.Delta1, -0.2 * First.Delta1]])]);
        Assert.Equal(Verdict.Correct, grade.Results[0].Verdict);
        Diagnosed("missing_activation_derivative", grade.Results[1]);
    }

    [Fact]
    public void TheHiddenDeltaWithSigmaForSigmaPrimeAfterARightOutputDeltaIsActivationValueForDerivative()
    {
        // the output delta right, sigma(z0) = a0 used for sigma'(z0) in the hidden layer only: delta0_i = a0_i W1_i delta1
        double[] delta = [First.A0[0] * -0.3 * First.Delta1, First.A0[1] * -0.2 * First.Delta1];
        var grade = Grade(Contract(), [Answer(OutputDelta, First.Delta1), Answer(HiddenDelta, [delta])]);
        Diagnosed("activation_value_for_derivative", grade.Results[1]);
        Assert.DoesNotContain("missing_activation_derivative", Codes(grade.Results[1]));
    }

    [Fact]
    public void TheOutputDeltaWithSigmaForSigmaPrimeIsActivationValueForDerivative()
    {
        // delta1 = (a1 - y) sigma(z1) = -0.5261111 x 0.4738889 = -0.2493182
        var grade = Diagnosed("activation_value_for_derivative", GradeOne(Contract(), Answer(OutputDelta, (First.A1 - 1) * First.A1)));
        Assert.DoesNotContain("missing_activation_derivative", Codes(grade));
    }

    [Fact]
    public void TheUpdatedWeightsWithoutTheLearningRateAreLearningRateNotApplied()
    {
        // heavy ball with eta left out: v = -g, W1 = W1_0 - g = [-0.3 + 0.0435235, -0.2 + 0.0688610]
        double[] w = [-0.3 - First.WeightGradient1[0], -0.2 - First.WeightGradient1[1]];
        var grade = Diagnosed("learning_rate_not_applied", GradeOne(Contract(), Answer(OutputWeights, [w])));
        Assert.DoesNotContain("step_in_wrong_direction", Codes(grade));
    }

    [Fact]
    public void TheUpdatedBiasWithoutTheLearningRateIsLearningRateNotApplied()
    {
        // b1 = 0.1 - delta1 = 0.2311691
        Diagnosed("learning_rate_not_applied", GradeOne(Contract(), Answer("/iterations/0/update/layers/1/biases", 0.1 - First.Delta1)));
    }

    [Fact]
    public void TheUpdatedWeightsStepUpTheGradientAreStepInWrongDirection()
    {
        // theta + eta g = [-0.3 + 0.9 x (-0.0435235), -0.2 + 0.9 x (-0.0688610)] = [-0.3391712, -0.2619749]
        double[] w = [-0.3 + 0.9 * First.WeightGradient1[0], -0.2 + 0.9 * First.WeightGradient1[1]];
        var grade = Diagnosed("step_in_wrong_direction", GradeOne(Contract(), Answer(OutputWeights, [w])));
        Assert.DoesNotContain("sign_flipped", Codes(grade));
        Assert.DoesNotContain("learning_rate_not_applied", Codes(grade));
        Assert.DoesNotContain("wrong_iteration", Codes(grade));
    }

    [Fact]
    public void TheHiddenDeltaThroughTheAlreadyUpdatedOutputWeightsIsUsedUpdatedWeights()
    {
        // W1 after this iteration's step: W1' = W1_0 - eta dJ/dW1 = [-0.2608288, -0.1380251];
        // delta0_i = a0_i (1 - a0_i) W1'_i delta1 = [0.0075857, 0.0045145] (reference [0.0087246, 0.0065421])
        double[] updated = [-0.3 - 0.9 * First.WeightGradient1[0], -0.2 - 0.9 * First.WeightGradient1[1]];
        double[] delta = [First.A0[0] * (1 - First.A0[0]) * updated[0] * First.Delta1, First.A0[1] * (1 - First.A0[1]) * updated[1] * First.Delta1];
        Diagnosed("used_updated_weights", GradeOne(Contract(), Answer(HiddenDelta, [delta])));
    }

    [Fact]
    public void APyTorchVelocityForAHeavyBallProblemIsOtherConventionNamingIt()
    {
        // pytorch: v1 = g1, v2 = mu v1 + g2. The parameters follow the same path as heavy ball's (theta -= eta v with
        // v = -v_heavy/eta), so g2 is the reference's: v2 = 0.9 g1 + g2 = [-0.0787156, -0.1250035] (heavy ball: [0.0708440, 0.1125031])
        var hand = new ContractByHand();
        var g1 = hand.Step().WeightGradient1;
        var g2 = hand.Step().WeightGradient1;
        double[] v = [0.9 * g1[0] + g2[0], 0.9 * g1[1] + g2[1]];
        var grade = Diagnosed("other_convention", GradeOne(Contract(), Answer("/iterations/1/update/layers/1/state/v/weights", [v])));
        var diagnosis = Assert.Single(grade.Diagnoses, d => d.Code == "other_convention");
        Assert.Equal("momentum pytorch", diagnosis.Convention);
        Assert.Contains("pytorch", diagnosis.Message);
    }

    [Fact]
    public void AnEmaMomentumUpdateForAHeavyBallProblemIsOtherConvention()
    {
        // ema: m = (1 - mu) g = 0.1 g, W1 = W1_0 - eta m = W1_0 - 0.09 g = [-0.2960829, -0.1938025]
        double[] w = [-0.3 - 0.09 * First.WeightGradient1[0], -0.2 - 0.09 * First.WeightGradient1[1]];
        var grade = Diagnosed("other_convention", GradeOne(Contract(), Answer(OutputWeights, [w])));
        Assert.Contains(grade.Diagnoses, d => d.Convention == "momentum ema");
    }

    [Fact]
    public void TheOutputDeltaOfSseForAHalfSseProblemIsOtherConventionNamingTheLoss()
    {
        // sse: l = (a - y)^2, delta1 = 2 (a - y) a (1 - a); also a factor of two
        var grade = Diagnosed("other_convention", GradeOne(Contract(), Answer(OutputDelta, 2 * First.Delta1)));
        Assert.Contains(grade.Diagnoses, d => d.Code == "other_convention" && d.Convention == "loss sse");
        Assert.Contains("factor_of_two", Codes(grade));
    }

    [Fact]
    public void AnAdamStepWithEpsilonInsideTheSquareRootIsOtherConventionNamingIt()
    {
        // y = w x, w0 = 0.5, x = 1, y = 0.49, half_sse: g = 0.01. Adam eta = 0.1, eps = 1e-4, t = 1:
        // m = 0.1 g = 0.001, v = 0.001 g^2 = 1e-7; mhat = 0.01, vhat = 1e-4
        // outside_sqrt (the problem's): w = 0.5 - 0.1 x 0.01 / (0.01 + 1e-4) = 0.4009901
        // inside_sqrt: w = 0.5 - 0.1 x 0.01 / sqrt(1e-4 + 1e-4) = 0.4292893
        var problem = Problems.Scalar(0.5, 1, 0.49, new Adam(0.1, epsilon: 1e-4), 1);
        double g = 0.5 * 1 - 0.49;
        double mhat = 0.1 * g / 0.1, vhat = 0.001 * g * g / 0.001;
        double outside = 0.5 - 0.1 * mhat / (Math.Sqrt(vhat) + 1e-4);
        double inside = 0.5 - 0.1 * mhat / Math.Sqrt(vhat + 1e-4);
        Assert.Equal(Verdict.Correct, GradeOne(problem, Answer("/iterations/0/update/layers/0/weights", outside)).Verdict);
        var grade = Diagnosed("other_convention", GradeOne(problem, Answer("/iterations/0/update/layers/0/weights", inside)));
        Assert.Contains(grade.Diagnoses, d => d.Code == "other_convention" && d.Convention == "epsilon inside_sqrt");
        Assert.DoesNotContain(grade.Diagnoses, d => d.Convention == "epsilon keras");
    }

    [Fact]
    public void IterationTwosValueForIterationOnesPathIsWrongIteration()
    {
        // delta1 of iteration 2 (index 1): -0.1210753, given for index 0 (-0.1311691)
        var hand = new ContractByHand();
        hand.Step();
        double second = hand.Step().Delta1;
        var grade = Diagnosed("wrong_iteration", GradeOne(Contract(iterations: 2), Answer(OutputDelta, second)));
        Assert.Contains("iteration 2", Assert.Single(grade.Diagnoses, d => d.Code == "wrong_iteration").Message);
        Assert.DoesNotContain("wrong_layer", Codes(grade));
        Assert.DoesNotContain("sign_flipped", Codes(grade));
    }

    [Fact]
    public void IterationOnesValueForIterationTwosPathIsWrongIteration()
    {
        var grade = Diagnosed("wrong_iteration", GradeOne(Contract(iterations: 2), Answer("/iterations/1/backward/layers/1/delta", First.Delta1)));
        Assert.Contains("iteration 1", Assert.Single(grade.Diagnoses, d => d.Code == "wrong_iteration").Message);
    }

    [Fact]
    public void TheHiddenLayersActivationForTheOutputLayersIsWrongLayer()
    {
        // /forward/layers/1/a/0/0 is a1 = 0.4738889; the student gave the hidden unit's a0[0] = sigma(-0.7) = 0.3318122
        var grade = Diagnosed("wrong_layer", GradeOne(Contract(), Answer("/iterations/0/forward/layers/1/a/0/0", ContractByHand.Sigmoid(-0.7))));
        Assert.Contains("layer 0", Assert.Single(grade.Diagnoses, d => d.Code == "wrong_layer").Message);
        Assert.DoesNotContain("wrong_iteration", Codes(grade));
    }

    [Fact]
    public void AnAnswerComputedFromIntermediatesRoundedToTwoDecimalsIsRoundedTooEarly()
    {
        // The student rounds every value to 2 decimals as they go (z0 = [-0.70, 0.10], a0 = [0.33, 0.52], ...)
        // and so gets b1 after step 2 = 0.44; the reference is 0.4332669, which is 0.43 to 2 decimals
        var rounded = new ContractByHand { Round = x => Math.Round(x, 2, MidpointRounding.AwayFromZero) };
        rounded.Step();
        double student = rounded.Step().B1;
        var reference = new ContractByHand();
        reference.Step();
        double exact = reference.Step().B1;
        Assert.Equal(0.44, student, 1e-12);
        Assert.Equal(0.43, Math.Round(exact, 2), 1e-12);

        var twoDecimals = GradingOptions.Default with { Tolerance = new Tolerance(ToleranceKind.Decimals, Decimals: 2) };
        var grade = Diagnosed("rounded_too_early", GradeOne(Contract(iterations: 2), Answer("/iterations/1/update/layers/1/biases", student), twoDecimals));
        Assert.Contains("2 decimals", Assert.Single(grade.Diagnoses, d => d.Code == "rounded_too_early").Message);
    }

    [Fact]
    public void AWrongAnswerWithTwoDecimalsIsNotRoundedTooEarly()
    {
        // 0.50 is neither 0.43 nor 0.44
        var twoDecimals = GradingOptions.Default with { Tolerance = new Tolerance(ToleranceKind.Decimals, Decimals: 2) };
        var grade = GradeOne(Contract(iterations: 2), Answer("/iterations/1/update/layers/1/biases", 0.50), twoDecimals);
        Assert.Equal(Verdict.Incorrect, grade.Verdict);
        Assert.DoesNotContain("rounded_too_early", Codes(grade));
    }

    [Fact]
    public void AnUnexplainedWrongAnswerHasNoDiagnosis()
    {
        Assert.Empty(GradeOne(Contract(), Answer(OutputDelta, 0.777)).Diagnoses);
    }

    [Fact]
    public void TheDecimalsAStudentWroteAreCounted()
    {
        Assert.Equal(4, Diagnoses.DecimalsWritten([0.0087]));
        Assert.Equal(2, Diagnoses.DecimalsWritten([0.44, 1.5]));
        Assert.Equal(5, Diagnoses.DecimalsWritten([1e-5]));
        Assert.Equal(0, Diagnoses.DecimalsWritten([12, double.NaN]));
    }
}
