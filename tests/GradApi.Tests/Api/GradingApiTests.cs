using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>
/// POST /v1/grade and /v1/grade/batch over HTTP, on the contract's 3-2-1 sigmoid problem (half_sse sum, heavy-ball
/// momentum, eta = mu = 0.9). Expected numbers are the contract's own (4 decimals) or worked by hand below, never
/// the service's output.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GradingApiTests(GradApiFactory factory)
{
    const string HiddenA = "/iterations/0/forward/layers/0/a";
    const string OutputZ = "/iterations/0/forward/layers/1/z";
    const string OutputA = "/iterations/0/forward/layers/1/a";
    const string OutputDelta = "/iterations/0/backward/layers/1/delta";
    const string HiddenDelta = "/iterations/0/backward/layers/0/delta";
    const string OutputWeightGradient = "/iterations/0/backward/layers/1/weightGradient";
    const string HiddenWeightGradient = "/iterations/0/backward/layers/0/weightGradient";
    const string OutputVelocity = "/iterations/0/update/layers/1/state/v/weights";
    const string OutputWeightsAfter = "/iterations/0/update/layers/1/weights";

    static readonly string[] ResultKeys =
    [
        "path", "verdict", "expected", "submitted", "elements", "maxAbsoluteError", "points", "pointsAwarded",
        "diagnoses", "followThroughExpected", "usedAnswers", "tolerance", "message", "explanation", "formula", "counterexample",
    ];

    // ---- the contract's iteration 1 by hand: x = (1, 0, 1), y = 1 ----

    static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>z = W x + b = (0.2 - 0.5 - 0.4, -0.3 + 0.2 + 0.2) = (-0.7, 0.1); a = sigma(z).</summary>
    static readonly double[] HandHiddenA = [Sigmoid(-0.7), Sigmoid(0.1)];

    /// <summary>z = -0.3 a1 - 0.2 a2 + 0.1; a = sigma(z).</summary>
    static readonly double HandOutputA = Sigmoid(-0.3 * HandHiddenA[0] - 0.2 * HandHiddenA[1] + 0.1);

    /// <summary>delta = (a - y) a (1 - a) for half_sse after a sigmoid.</summary>
    static readonly double HandOutputDelta = (HandOutputA - 1) * HandOutputA * (1 - HandOutputA);

    [Fact]
    public void TheHandWorkedNumbersAgreeWithTheContractsFourDecimals()
    {
        Assert.Equal(0.3318, HandHiddenA[0], 4);
        Assert.Equal(0.5250, HandHiddenA[1], 4);
        Assert.Equal(-0.1312, HandOutputDelta, 4);
    }

    // ---- verdicts ----

    [Fact]
    public async Task AFullyCorrectWorkedAnswerToFourDecimalsIsCorrectEverywhere()
    {
        var request = Grading.Request(
            Grading.Answer(HiddenA, "[[0.3318, 0.5250]]"),
            Grading.Answer(OutputDelta, "[[-0.1312]]", points: 2),
            Grading.Answer(HiddenDelta, "[[0.0087, 0.0065]]", points: 2),
            Grading.Answer(OutputWeightGradient, "[[-0.0435, -0.0689]]", points: 2),
            Grading.Answer("/iterations/0/backward/layers/1/biasGradient", "[-0.1312]"),
            Grading.Answer(OutputWeightsAfter, "[[-0.2608, -0.1380]]"),
            Grading.Answer("/iterations/0/update/layers/1/biases", "[0.2181]"),
            Grading.Answer(OutputVelocity, "[[0.0392, 0.0620]]"),
            Grading.Answer("/iterations/0/update/layers/1/state/v/biases", "[0.1181]"),
            Grading.Answer("/iterations/0/loss/value", "0.1384"),
            Grading.Answer("/iterations/0/loss/also/bce", "0.7468"));
        request["tolerance"] = Grading.Decimals(4);

        var body = await Grade(request);
        foreach (var result in Results(body))
            Assert.True(Verdict(result) == "correct", $"{result!["path"]} is {Verdict(result)}: {result.ToJsonString()}");
        Assert.Equal(14, body["points"]!.GetValue<double>());
        Assert.Equal(14, body["pointsAwarded"]!.GetValue<double>());
    }

    [Fact]
    public async Task TheBatchAxisMayBeDroppedAndAOneElementTensorGivenAsAScalar()
    {
        var request = Grading.Request(
            Grading.Answer(HiddenA, "[[0.3318, 0.5250]]"),
            Grading.Answer(HiddenA, "[0.3318, 0.5250]"),
            Grading.Answer(OutputDelta, "[[-0.1312]]"),
            Grading.Answer(OutputDelta, "[-0.1312]"),
            Grading.Answer(OutputDelta, "-0.1312"));
        request["tolerance"] = Grading.Decimals(4);

        var results = Results(await Grade(request));
        Assert.All(results, r => Assert.Equal("correct", Verdict(r)));
        // expected, submitted and the mask are written in the shape the student used.
        Assert.Equal(2, results[0]!["expected"]!.AsArray()[0]!.AsArray().Count);
        Assert.Equal(HandHiddenA[1], results[1]!["expected"]!.AsArray()[1]!.GetValue<double>(), 12);
        Assert.Equal(-0.1312, results[4]!["submitted"]!.GetValue<double>());
        Assert.Equal(HandOutputDelta, results[4]!["expected"]!.GetValue<double>(), 12);
        Assert.True(results[4]!["elements"]!.GetValue<bool>());
        Assert.Single(results[3]!["elements"]!.AsArray());
    }

    [Fact]
    public async Task AWrongElementMakesTheAnswerIncorrectWithAMaskOfTheRightElements()
    {
        var result = Results(await Grade(Grading.Request(Grading.Answer(HiddenA, "[0.3318, 0.9]", points: 2))))[0]!;
        Assert.Equal("incorrect", Verdict(result));
        Assert.Equal([true, false], result["elements"]!.AsArray().Select(e => e!.GetValue<bool>()));
        Assert.Equal(0.9 - HandHiddenA[1], result["maxAbsoluteError"]!.GetValue<double>(), 12);
        Assert.Equal(1, result["pointsAwarded"]!.GetValue<double>());
    }

    [Fact]
    public async Task AValueOfAnotherShapeIsAShapeMismatchNamingBothShapes()
    {
        var result = Results(await Grade(Grading.Request(Grading.Answer(HiddenA, "[0.3318, 0.5250, 0.1]"))))[0]!;
        Assert.Equal("shape_mismatch", Verdict(result));
        Assert.Contains("[1][2]", result["message"]!.GetValue<string>());
        Assert.Contains("[3]", result["message"]!.GetValue<string>());
        Assert.Null(result["elements"]);
        Assert.Null(result["maxAbsoluteError"]);
        Assert.Equal(0, result["pointsAwarded"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("/iterations/2/forward/layers/0/a", "2 iteration")]
    [InlineData("/iterations/0/forward/layers/2/a", "2 layer")]
    [InlineData("/iterations/0/forward/layers/0/q", "'q'")]
    [InlineData("iterations/0/forward/layers/0/a", "must start with '/'")]
    [InlineData("/iterations/0/forward/layers/0/a/0/2", "past its end")]
    [InlineData("", "not a JSON Pointer")]
    [InlineData("/iterations/99999999999/loss/value", "array index")]
    public async Task APathTheResponseDoesNotHaveIsUnknownPathSayingWhy(string path, string reason)
    {
        var result = Results(await Grade(Grading.Request(Grading.Answer(path, "1"))))[0]!;
        Assert.Equal("unknown_path", Verdict(result));
        Assert.Contains(reason, result["message"]!.GetValue<string>());
        Assert.Null(result["expected"]);
        Assert.Null(result["submitted"]);
        Assert.Equal(0, result["pointsAwarded"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("\"abc\"", "\"abc\" is not a number")]
    [InlineData("\"0.5\"", "without quotes")]
    [InlineData("\"nan\"", "\"NaN\"")]
    [InlineData("null", "null is not a number")]
    [InlineData("true", "true is not a number")]
    [InlineData("{\"a\": 1}", "an object is not a number")]
    [InlineData("[]", "empty")]
    [InlineData("[[0.3318, 0.5250], [0.1]]", "row 1 has 1 numbers, row 0 has 2")]
    [InlineData("[[0.3318, \"x\"]]", "element [0][1]: \"x\" is not a number")]
    [InlineData("[[[[0.3318]]]]", "more than 3 deep")]
    [InlineData("1e400", "beyond the range of a double")]
    [InlineData("[0.3318, -1e400]", "element [1]: -1e400 is beyond the range of a double")]
    public async Task AnUnreadableValueIsGradedNotANumberWithAReasonInsteadOfRefused(string value, string reason)
    {
        var request = Grading.Request(Grading.Answer(HiddenA, value));
        Assert.Contains(value.Replace(" ", ""), request.ToJsonString());
        var result = Results(await Grade(request))[0]!;
        Assert.Equal("not_a_number", Verdict(result));
        Assert.Contains(reason, result["message"]!.GetValue<string>());
        Assert.Null(result["submitted"]);
        Assert.Equal(0, result["pointsAwarded"]!.GetValue<double>());
    }

    [Fact]
    public void JsonElementTryGetDoubleReadsAnOverflowingNumberAsInfinityAndSaysItSucceeded()
    {
        // Why the answer reader checks double.IsFinite itself: TryGetDouble alone would let 1e400 through as Infinity.
        var element = System.Text.Json.JsonDocument.Parse("1e400").RootElement;
        Assert.True(element.TryGetDouble(out double value));
        Assert.Equal(double.PositiveInfinity, value);
    }

    // ---- follow-through ----

    [Fact]
    public async Task AWrongOutputActivationCarriesIntoTheDeltaAsFollowThrough()
    {
        // By hand from the student's a = 0.5: delta = (0.5 - 1)(0.5)(1 - 0.5) = -0.125.
        var body = await Grade(Grading.Request(Grading.Answer(OutputA, "0.5"), Grading.Answer(OutputDelta, "-0.125", points: 2)));
        var (a, delta) = (Results(body)[0]!, Results(body)[1]!);
        Assert.Equal("incorrect", Verdict(a));
        Assert.Equal("follow_through", Verdict(delta));
        Assert.Equal(-0.125, delta["followThroughExpected"]!.GetValue<double>(), 12);
        Assert.Equal([OutputA], delta["usedAnswers"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(HandOutputDelta, delta["expected"]!.GetValue<double>(), 12);
        Assert.Equal(2, delta["pointsAwarded"]!.GetValue<double>());
        Assert.Contains(OutputA, delta["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task AWrongHiddenActivationCarriesIntoTheOutputPreActivation()
    {
        // By hand from the student's a = (0.5, 0.5): z = -0.3 (0.5) - 0.2 (0.5) + 0.1 = -0.15.
        var body = await Grade(Grading.Request(Grading.Answer(HiddenA, "[0.5, 0.5]"), Grading.Answer(OutputZ, "-0.15")));
        Assert.Equal("follow_through", Verdict(Results(body)[1]));
        Assert.Equal(-0.15, Results(body)[1]!["followThroughExpected"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task FollowThroughSwitchedOffLeavesTheCarriedAnswerIncorrect()
    {
        var request = Grading.Request(Grading.Answer(OutputA, "0.5"), Grading.Answer(OutputDelta, "-0.125"));
        request["followThrough"] = new JsonObject { ["enabled"] = false };
        var body = await Grade(request);
        Assert.Equal("incorrect", Verdict(Results(body)[1]));
        Assert.Null(Results(body)[1]!["followThroughExpected"]);
        Assert.False(body["followThrough"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task APenaltyWithholdsThatFractionOfAFollowThroughAnswersPoints()
    {
        var request = Grading.Request(Grading.Answer(OutputA, "0.5"), Grading.Answer(OutputDelta, "-0.125", points: 2));
        request["followThrough"] = new JsonObject { ["penalty"] = 0.25 };
        var body = await Grade(request);
        Assert.Equal("follow_through", Verdict(Results(body)[1]));
        Assert.Equal(1.5, Results(body)[1]!["pointsAwarded"]!.GetValue<double>(), 12);
        Assert.Equal(0.25, body["followThrough"]!["penalty"]!.GetValue<double>());

        request["partialCredit"] = "all_or_nothing";
        body = await Grade(request);
        Assert.Equal(1.5, Results(body)[1]!["pointsAwarded"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task AWrongUpdatedWeightWithNothingUpstreamGivenIsIncorrectNotFollowThrough()
    {
        // The contract's updated output weights are (-0.2608, -0.1380); (7, 8) follows from nothing the student wrote.
        var result = Results(await Grade(Grading.Request(Grading.Answer(OutputWeightsAfter, "[[7, 8]]"))))[0]!;
        Assert.Equal("incorrect", Verdict(result));
        Assert.Equal(-0.2608, result["followThroughExpected"]![0]![0]!.GetValue<double>(), 4);
    }

    // ---- order, totals, partial credit, tolerance ----

    [Fact]
    public async Task ResultsComeInTheOrderOfTheAnswersAndTheTotalsAddUp()
    {
        string[] paths = [OutputDelta, HiddenA, "/nowhere", OutputA, HiddenA];
        var request = Grading.Request(
            Grading.Answer(paths[0], "-0.1312", points: 3),
            Grading.Answer(paths[1], "[0.3318, 0.9]", points: 2),
            Grading.Answer(paths[2], "1", points: 5),
            Grading.Answer(paths[3], "0.4739", points: 0.5),
            Grading.Answer(paths[4], "\"abc\"", points: 1));
        request["tolerance"] = Grading.Decimals(4);
        var body = await Grade(request);
        var results = Results(body);
        Assert.Equal(paths, results.Select(r => r!["path"]!.GetValue<string>()));
        Assert.Equal(["correct", "incorrect", "unknown_path", "correct", "not_a_number"], results.Select(Verdict));
        Assert.Equal(3 + 2 + 5 + 0.5 + 1, body["points"]!.GetValue<double>());
        Assert.Equal(3 + 1 + 0 + 0.5 + 0, body["pointsAwarded"]!.GetValue<double>());
    }

    [Fact]
    public async Task ProportionalCreditCountsTheRightElementsAndAllOrNothingOnlyAWholeAnswer()
    {
        var request = Grading.Request(Grading.Answer(HiddenA, "[0.3318, 0.9]", points: 4), Grading.Answer(HiddenA, "[0.3318, 0.5250]", points: 4));
        request["tolerance"] = Grading.Decimals(4);
        var proportional = await Grade(request);
        Assert.Equal("proportional", proportional["partialCredit"]!.GetValue<string>());
        Assert.Equal([2.0, 4.0], Results(proportional).Select(r => r!["pointsAwarded"]!.GetValue<double>()));

        request["partialCredit"] = "all_or_nothing";
        var allOrNothing = await Grade(request);
        Assert.Equal("all_or_nothing", allOrNothing["partialCredit"]!.GetValue<string>());
        Assert.Equal([0.0, 4.0], Results(allOrNothing).Select(r => r!["pointsAwarded"]!.GetValue<double>()));
    }

    [Fact]
    public async Task TheDefaultToleranceIsRelativeOneThousandthWithAnAbsoluteFloorOfOneHundredMillionth()
    {
        // |r| = 0.13117, so the default accepts |s - r| <= 1e-8 + 1.3117e-4: -0.1312 is 3.1e-5 away, -0.1315 is 3.3e-4 away.
        var body = await Grade(Grading.Request(Grading.Answer(OutputDelta, "-0.1312"), Grading.Answer(OutputDelta, "-0.1315")));
        Assert.Equal(["correct", "incorrect"], Results(body).Select(Verdict));
        var tolerance = body["tolerance"]!.AsObject();
        Assert.Equal("relative", tolerance["type"]!.GetValue<string>());
        Assert.Equal(1e-3, tolerance["relative"]!.GetValue<double>());
        Assert.Equal(1e-8, tolerance["absolute"]!.GetValue<double>());
        Assert.True(tolerance.ContainsKey("decimals") && tolerance["decimals"] is null);
        Assert.True(tolerance.ContainsKey("figures") && tolerance["figures"] is null);
        Assert.True(JsonNode.DeepEquals(tolerance, Results(body)[0]!["tolerance"]));
    }

    [Fact]
    public async Task AnAnswersOwnToleranceOverridesTheRequestsAndIsEchoedInItsResult()
    {
        var own = Grading.Answer(OutputDelta, "-0.13");
        own["tolerance"] = Grading.Decimals(2);
        var body = await Grade(Grading.Request(own, Grading.Answer(OutputDelta, "-0.13")));
        Assert.Equal(["correct", "incorrect"], Results(body).Select(Verdict));
        Assert.Equal("decimals", Results(body)[0]!["tolerance"]!["type"]!.GetValue<string>());
        Assert.Equal(2, Results(body)[0]!["tolerance"]!["decimals"]!.GetValue<int>());
        Assert.Equal("relative", body["tolerance"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task SignificantFiguresCountFromTheReferencesFirstDigit()
    {
        // r = -0.13117: 3 figures ask for 3 decimals, |s - r| < 0.00051. -0.131 is 0.00017 away; -0.132 is 0.00083 away.
        var request = Grading.Request(Grading.Answer(OutputDelta, "-0.131"), Grading.Answer(OutputDelta, "-0.132"));
        request["tolerance"] = new JsonObject { ["type"] = "significant_figures", ["figures"] = 3 };
        var body = await Grade(request);
        Assert.Equal(["correct", "incorrect"], Results(body).Select(Verdict));
        Assert.Equal(3, body["tolerance"]!["figures"]!.GetValue<int>());
        Assert.Null(body["tolerance"]!["relative"]);
    }

    [Fact]
    public async Task AnAbsoluteToleranceAcceptsWithinItsBoundAndRejectsBeyond()
    {
        // The initial hidden biases are given: (-0.4, 0.2). 0.04 away in each is within absolute 0.05; 0.06 is not.
        var request = Grading.Request(Grading.Answer("/initial/layers/0/biases", "[-0.36, 0.24]"), Grading.Answer("/initial/layers/0/biases", "[-0.46, 0.2]"));
        request["tolerance"] = new JsonObject { ["type"] = "absolute", ["absolute"] = 0.05 };
        var body = await Grade(request);
        Assert.Equal(["correct", "incorrect"], Results(body).Select(Verdict));
        Assert.Equal(0.05, body["tolerance"]!["absolute"]!.GetValue<double>());
    }

    [Fact]
    public async Task AnAbsoluteToleranceAcceptsAValueExactlyOnItsBound()
    {
        // |s - r| <= absolute: each of these is exactly 0.05 from the given biases (-0.4, 0.2).
        var request = Grading.Request(
            Grading.Answer("/initial/layers/0/biases", "[-0.35, 0.2]"), Grading.Answer("/initial/layers/0/biases", "[-0.4, 0.25]"),
            Grading.Answer("/initial/layers/0/biases", "[-0.45, 0.2]"), Grading.Answer("/initial/layers/0/biases", "[-0.4, 0.15]"));
        request["tolerance"] = new JsonObject { ["type"] = "absolute", ["absolute"] = 0.05 };
        Assert.All(Results(await Grade(request)), r => Assert.Equal("correct", Verdict(r)));
    }

    [Fact]
    public async Task ElementPointersGradeARowOrASingleElement()
    {
        var request = Grading.Request(
            Grading.Answer(HiddenA + "/0/1", "0.5250"),
            Grading.Answer(OutputWeightsAfter + "/0", "[-0.2608, -0.1380]"),
            Grading.Answer("/iterations/1/exampleIndices", "[0]"),
            Grading.Answer("/iterations/0/forward/layers/0/z/0", "[-0.7, 0.1]"));
        request["tolerance"] = Grading.Decimals(4);
        var results = Results(await Grade(request));
        Assert.All(results, r => Assert.Equal("correct", Verdict(r)));
        Assert.Equal(HandHiddenA[1], results[0]!["expected"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task EveryResultHasEveryKeyWhateverItsVerdict()
    {
        var body = await Grade(Grading.Request(
            Grading.Answer(OutputA, "0.5"), Grading.Answer(OutputDelta, "-0.125"), Grading.Answer(OutputDelta, "-0.1312"),
            Grading.Answer(HiddenA, "[1, 2, 3]"), Grading.Answer("/x", "1"), Grading.Answer(HiddenA, "null")));
        Assert.Equal(["incorrect", "follow_through", "correct", "shape_mismatch", "unknown_path", "not_a_number"], Results(body).Select(Verdict));
        foreach (var result in Results(body))
        {
            Assert.Equal(ResultKeys, result!.AsObject().Select(p => p.Key));
            Assert.Equal(["type", "relative", "absolute", "decimals", "figures"], result["tolerance"]!.AsObject().Select(p => p.Key));
            Assert.IsType<JsonArray>(result["diagnoses"]);
            Assert.IsType<JsonArray>(result["usedAnswers"]);
        }
        Assert.Equal(["results", "points", "pointsAwarded", "tolerance", "partialCredit", "followThrough"], body.Select(p => p.Key));
    }

    // ---- diagnoses ----

    [Fact]
    public async Task CommonMistakesAreDiagnosedWithTheirCodes()
    {
        // The contract's output gradient a - y is -0.5261 (delta without sigma'); its weight gradient is (-0.0435, -0.0689).
        var request = Grading.Request(
            Grading.Answer(OutputDelta, "-0.5261"),
            Grading.Answer(OutputWeightGradient, "[[0.0435, 0.0689]]"),
            Grading.Answer(HiddenWeightGradient, "[[0.0087, 0.0065], [0, 0], [0.0087, 0.0065]]"),
            Grading.Answer(OutputVelocity, "[[-0.0435, -0.0689]]"));
        request["tolerance"] = Grading.Decimals(4);
        request["followThrough"] = new JsonObject { ["enabled"] = false };
        var results = Results(await Grade(request));

        Assert.Equal(["incorrect", "incorrect", "shape_mismatch", "incorrect"], results.Select(Verdict));
        Assert.Contains("missing_activation_derivative", Codes(results[0]));
        Assert.Contains("sign_flipped", Codes(results[1]));
        Assert.Contains("transposed", Codes(results[2]));
        // PyTorch's momentum keeps v = g at the first step; heavy-ball's v = -eta g.
        var convention = Assert.Single(results[3]!["diagnoses"]!.AsArray(), d => d!["code"]!.GetValue<string>() == "other_convention");
        Assert.Equal("momentum pytorch", convention!["convention"]!.GetValue<string>());
        Assert.All(results.SelectMany(r => r!["diagnoses"]!.AsArray()), d => Assert.False(string.IsNullOrWhiteSpace(d!["message"]!.GetValue<string>())));
        Assert.Null(results[0]!["diagnoses"]![0]!["convention"]);
    }

    [Fact]
    public async Task TheValueOfTheNeighbouringIterationIsDiagnosedAsWrongIteration()
    {
        // Iteration 1's output a, 0.4739 (the contract), given for iteration 2.
        var request = Grading.Request(Grading.Answer("/iterations/1/forward/layers/1/a", "0.4739"));
        request["tolerance"] = Grading.Decimals(4);
        var result = Results(await Grade(request))[0]!;
        Assert.Equal("incorrect", Verdict(result));
        Assert.Contains("wrong_iteration", Codes(result));
    }

    // ---- divergence ----

    /// <summary>
    /// z = 1e308 + 1e308 = Infinity in IEEE arithmetic, so a = Infinity, the loss is Infinity, delta = a - y = Infinity, and
    /// dJ/dW = delta x = (Infinity, Infinity, Infinity x 0 = NaN): the run diverges at iteration 1.
    /// </summary>
    const string DivergingProblem = """
        { "network": { "inputSize": 3, "layers": [ { "activation": "identity", "weights": [[1e308, 1e308, 0]] } ] },
          "data": { "inputs": [[1, 1, 0]], "targets": [[0]] },
          "loss": { "type": "half_sse", "reduction": "sum" },
          "optimizer": { "type": "sgd", "learningRate": 0.1 },
          "iterations": 3 }
        """;

    [Fact]
    public async Task AProblemThatDivergesStillGradesAndNaNMatchesNaN()
    {
        var request = new JsonObject
        {
            ["problem"] = JsonNode.Parse(DivergingProblem),
            ["answers"] = new JsonArray(
                Grading.Answer("/iterations/0/loss/value", "\"Infinity\""),
                Grading.Answer("/iterations/0/backward/layers/0/weightGradient", "[\"Infinity\", \"Infinity\", \"NaN\"]"),
                Grading.Answer("/iterations/0/backward/layers/0/weightGradient/0/2", "\"NaN\""),
                Grading.Answer("/iterations/0/backward/layers/0/weightGradient", "[\"Infinity\", \"Infinity\", 0]"),
                Grading.Answer("/iterations/0/backward/layers/0/weightGradient", "[\"-Infinity\", \"Infinity\", \"NaN\"]"),
                Grading.Answer("/iterations/1/loss/value", "1")),
        };
        var (body, text) = await GradeText(request.ToJsonString());
        var results = Results(body);
        Assert.Equal(["correct", "correct", "correct", "incorrect", "incorrect", "unknown_path"], results.Select(Verdict));
        Assert.Equal("NaN", results[2]!["expected"]!.GetValue<string>());
        Assert.Equal([true, true, false], results[3]!["elements"]!.AsArray().Select(e => e!.GetValue<bool>()));
        Assert.Equal("Infinity", results[3]!["maxAbsoluteError"]!.GetValue<string>());
        Assert.Contains("diverged at iteration 1", results[5]!["message"]!.GetValue<string>());
        Assert.Contains("\"NaN\"", text);
    }

    // ---- batch ----

    [Fact]
    public async Task ABatchGradesEachSubmissionInOrderWithItsIdAndSummarizesEachPathInTheOrderItFirstAppears()
    {
        var request = new JsonObject
        {
            ["problem"] = Grading.ContractProblem(),
            ["tolerance"] = Grading.Decimals(4),
            ["submissions"] = new JsonArray(
                Grading.Submission("zoe", Grading.Answer(OutputA, "0.4739"), Grading.Answer(OutputDelta, "-0.1312", points: 2)),
                Grading.Submission("adam", Grading.Answer(OutputA, "0.5"), Grading.Answer(OutputDelta, "-0.125", points: 2), Grading.Answer(HiddenA, "[0.3318, 0.5250]")),
                Grading.Submission("mia", Grading.Answer(OutputA, "0.4739"), Grading.Answer(OutputDelta, "-0.5261", points: 2), Grading.Answer(HiddenA, "\"?\""))),
        };
        var body = await Post(Grading.BatchRoute, request);

        var submissions = body["results"]!.AsArray();
        Assert.Equal(["zoe", "adam", "mia"], submissions.Select(s => s!["id"]!.GetValue<string>()));
        Assert.Equal(["correct", "correct"], submissions[0]!["results"]!.AsArray().Select(Verdict));
        Assert.Equal(["incorrect", "follow_through", "correct"], submissions[1]!["results"]!.AsArray().Select(Verdict));
        Assert.Equal(["correct", "incorrect", "not_a_number"], submissions[2]!["results"]!.AsArray().Select(Verdict));
        Assert.Equal([3.0, 4.0, 4.0], submissions.Select(s => s!["points"]!.GetValue<double>()));
        Assert.Equal([3.0, 3.0, 1.0], submissions.Select(s => s!["pointsAwarded"]!.GetValue<double>()));

        var summary = body["summary"]!.AsObject();
        Assert.Equal([OutputA, OutputDelta, HiddenA], summary.Select(p => p.Key));
        AssertCounts(summary[OutputA]!, correct: 2, incorrect: 1);
        AssertCounts(summary[OutputDelta]!, correct: 1, followThrough: 1, incorrect: 1);
        AssertCounts(summary[HiddenA]!, correct: 1, notANumber: 1);
        var diagnosis = Assert.Single(summary[OutputDelta]!["diagnoses"]!.AsArray());
        Assert.Equal("missing_activation_derivative", diagnosis!["code"]!.GetValue<string>());
        Assert.Equal(1, diagnosis["count"]!.GetValue<int>());

        Assert.Equal("decimals", body["tolerance"]!["type"]!.GetValue<string>());
        Assert.Equal("proportional", body["partialCredit"]!.GetValue<string>());
        Assert.True(body["followThrough"]!["enabled"]!.GetValue<bool>());
        Assert.Equal(["results", "summary", "tolerance", "partialCredit", "followThrough"], body.Select(p => p.Key));
    }

    static void AssertCounts(JsonNode path, int correct = 0, int followThrough = 0, int incorrect = 0, int shapeMismatch = 0, int unknownPath = 0, int notANumber = 0)
    {
        int[] expected = [correct, followThrough, incorrect, shapeMismatch, unknownPath, notANumber];
        string[] keys = ["correct", "followThrough", "incorrect", "shapeMismatch", "unknownPath", "notANumber"];
        Assert.Equal(expected, keys.Select(k => path[k]!.GetValue<int>()));
    }

    // ---- OpenAPI ----

    [Fact]
    public async Task TheOpenApiDocumentStatesTheDefaultToleranceAndOffersTheGradingExamples()
    {
        using var client = factory.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var grade = document["paths"]!["/v1/grade"]!["post"]!;
        string description = grade["description"]!.GetValue<string>();
        Assert.Contains("relative 1e-3 with absolute 1e-8", description);
        foreach (var code in new[] { "sign_flipped", "transposed", "factor_of_two", "missing_activation_derivative", "activation_value_for_derivative",
                     "learning_rate_not_applied", "step_in_wrong_direction", "used_updated_weights", "other_convention", "wrong_iteration",
                     "wrong_layer", "rounded_too_early" })
            Assert.Contains(code, description);
        Assert.Equal("Grading", grade["tags"]![0]!.GetValue<string>());

        var examples = grade["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject();
        Assert.Equal(["contract-1-correct-worked-answer", "contract-2-slip-carried-forward", "contract-3-mistakes-diagnosed",
            "gradescope-slip-carried-forward", "seed003-formula-gradient", "seed003-trajectory-follow-through", "seed004-hessian-size"],
            examples.Select(e => e.Key));
        var batchExamples = document["paths"]!["/v1/grade/batch"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject();
        Assert.Equal(["contract-class-of-three", "prairielearn-class-of-three"], batchExamples.Select(e => e.Key));
        Assert.Contains("relative 1e-3 with absolute 1e-8", document["paths"]!["/v1/grade/batch"]!["post"]!["description"]!.GetValue<string>());

        string overview = document["info"]!["description"]!.GetValue<string>();
        foreach (var (limit, value) in new[] { ("maxAnswers", "1000"), ("maxSubmissions", "10000"), ("maxGradedAnswers", "200000"), ("maxGradingWork", "200000000"), ("maxResponseValues", "5000000") })
            Assert.Matches($@"{limit}[^\n|]*\|\s*{value}\s*\|", overview);
    }

    [Fact]
    public async Task ABiasGradientBuiltOnADeltaLeftAtZeroEarnsNothingUnlessDegenerateFollowThroughIsAllowed()
    {
        // The output delta written 0 (it is -0.1312), then db = sum delta = 0 from it: right given the student's delta,
        // but built on nothing. With allowDegenerate the same answer is follow_through.
        var request = Grading.Request(
            Grading.Answer("/iterations/0/backward/layers/1/delta", "0"),
            Grading.Answer("/iterations/0/backward/layers/1/biasGradient", "0"));
        request["tolerance"] = Grading.Decimals(4);
        var refused = Results(await Grade(request));
        Assert.Equal(["incorrect", "incorrect"], refused.Select(Verdict));
        Assert.Equal(["degenerate_follow_through"], Codes(refused[1]));

        request["followThrough"] = new JsonObject { ["allowDegenerate"] = true };
        var body = await Grade(request);
        Assert.Equal("follow_through", Verdict(Results(body)[1]));
        Assert.True(body["followThrough"]!["allowDegenerate"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TheGradingExamplesGradeAsTheirDescriptionsSay()
    {
        using var client = factory.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        JsonNode Example(string route, string name) =>
            document["paths"]![route]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]![name]!["value"]!;

        var correct = await Post(Grading.Route, Example(Grading.Route, "contract-1-correct-worked-answer"));
        Assert.All(Results(correct), r => Assert.Equal("correct", Verdict(r)));
        Assert.Equal(12, correct["pointsAwarded"]!.GetValue<double>());

        var slip = Results(await Post(Grading.Route, Example(Grading.Route, "contract-2-slip-carried-forward")));
        Assert.Equal("incorrect", Verdict(slip[0]));
        Assert.All(slip.Skip(1), r => Assert.Equal("follow_through", Verdict(r)));

        var mistakes = Results(await Post(Grading.Route, Example(Grading.Route, "contract-3-mistakes-diagnosed")));
        Assert.Equal(["missing_activation_derivative", "sign_flipped", "transposed"], mistakes.Take(3).Select(r => Codes(r).Single()));
        // v = -g: PyTorch's v = g against the reference's g, and on the student's own (sign-flipped) g the step without eta.
        Assert.Equal(["learning_rate_not_applied", "other_convention"], Codes(mistakes[3]));

        var batch = await Post(Grading.BatchRoute, Example(Grading.BatchRoute, "contract-class-of-three"));
        Assert.Equal([8.0, 7.5, 4.0], batch["results"]!.AsArray().Select(s => s!["pointsAwarded"]!.GetValue<double>()));
    }

    // ---- helpers ----

    async Task<JsonObject> Grade(JsonNode request) => await Post(Grading.Route, request);

    async Task<JsonObject> Post(string route, JsonNode request)
    {
        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(route, request.ToJsonString()));
        return body;
    }

    async Task<(JsonObject Body, string Text)> GradeText(string request)
    {
        using var client = factory.CreateClient();
        return await ApiTest.ReadOk(await client.PostJson(Grading.Route, request));
    }

    static JsonArray Results(JsonObject body) => body["results"]!.AsArray();

    static string Verdict(JsonNode? result) => result!["verdict"]!.GetValue<string>();

    static string[] Codes(JsonNode? result) => result!["diagnoses"]!.AsArray().Select(d => d!["code"]!.GetValue<string>()).ToArray();
}

/// <summary>Requests for the grading endpoints on the contract's problem.</summary>
internal static class Grading
{
    public const string Route = "/v1/grade";
    public const string BatchRoute = "/v1/grade/batch";

    /// <summary>The contract's /v1/train request: 3-2-1 sigmoid, half_sse sum with bce reported, heavy-ball momentum, 2 iterations.</summary>
    public static JsonObject ContractProblem() => (JsonObject)JsonNode.Parse("""
        {
          "network": {
            "inputSize": 3,
            "layers": [
              { "name": "hidden", "activation": "sigmoid",
                "weights": [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], "biases": [-0.4, 0.2] },
              { "name": "output", "activation": "sigmoid",
                "weights": [[-0.3, -0.2]], "biases": [0.1] }
            ]
          },
          "data": { "inputs": [[1, 0, 1]], "targets": [[1]] },
          "loss": { "type": "half_sse", "reduction": "sum", "alsoReport": ["bce"] },
          "optimizer": { "type": "momentum", "convention": "heavy_ball", "learningRate": 0.9, "momentum": 0.9 },
          "iterations": 2,
          "sampling": { "mode": "full" }
        }
        """)!;

    /// <summary>An answer whose value is the given JSON text (kept as written: "1e400" stays 1e400).</summary>
    public static JsonObject Answer(string path, string value, double? points = null)
    {
        var answer = new JsonObject { ["path"] = path, ["value"] = JsonNode.Parse(value) };
        if (points is { } p) answer["points"] = p;
        return answer;
    }

    public static JsonObject Request(params JsonObject[] answers) =>
        new() { ["problem"] = ContractProblem(), ["answers"] = new JsonArray(answers) };

    public static JsonObject Submission(string id, params JsonObject[] answers) =>
        new() { ["id"] = id, ["answers"] = new JsonArray(answers) };

    public static JsonObject Decimals(int decimals) => new() { ["type"] = "decimals", ["decimals"] = decimals };

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string route, string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(route, content);
    }
}
