using System.Net;
using System.Text.Json.Nodes;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Grading;

/// <summary>
/// /v1/grade on other endpoints' problems (version 1.1): answers by JSON Pointer into that endpoint's response, follow-through
/// over trajectory steps, formula answers graded by equivalence. The seeds' own answers are marked; every expected value is
/// worked by hand here, never read from the service.
/// </summary>
public class EveryComputationTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    readonly HttpClient client = factory.CreateClient();

    Task<JsonObject> Post(string route, string json, HttpStatusCode status = HttpStatusCode.OK) => client.PostJson(route, json, status);

    static JsonObject Result(JsonObject grade, int i) => grade["results"]![i]!.AsObject();

    static string Verdict(JsonObject grade, int i) => Result(grade, i)["verdict"]!.GetValue<string>();

    // Seed 003 Q4: gradient descent on 1/2 (w x - y)^2 with x = 1, y = 100 from w = 0: w <- w - lr (w - 100).
    const string Seed003Problem = """
        { "endpoint": "/v1/optimization/trajectories",
          "request": { "objective": { "expression": "0.5*(w*x - y)^2", "constants": { "x": 1, "y": 100 } },
                       "start": { "w": 0 },
                       "runs": [ { "label": "lr 0.5", "optimizer": { "type": "sgd", "learningRate": 0.5 } },
                                 { "label": "lr 1.5", "optimizer": { "type": "sgd", "learningRate": 1.5 } },
                                 { "label": "lr 2.5", "optimizer": { "type": "sgd", "learningRate": 2.5 } } ],
                       "maxSteps": 4 } }
        """;

    static string Answers(params (string Path, double Value)[] answers) =>
        "[" + string.Join(", ", answers.Select(a => $$"""{ "path": "{{a.Path}}", "value": {{a.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }""")) + "]";

    [Fact]
    public async Task Seed003sRightStepsAtEveryLearningRateAreCorrect()
    {
        // lr 0.5: 50, 75, 87.5, 93.75. lr 1.5: 150, 75, 112.5, 93.75. lr 2.5: 250, -125, 437.5, -406.25 (each w - lr (w - 100)).
        var expected = new[] { new[] { 50, 75, 87.5, 93.75 }, [150, 75, 112.5, 93.75], [250, -125, 437.5, -406.25] };
        var answers = expected.SelectMany((ws, run) => ws.Select((w, k) => ($"/runs/{run}/steps/{k + 1}/parameters/w", w))).ToArray();
        var grade = await Post("/v1/grade", $$"""{ "problem": {{Seed003Problem}}, "answers": {{Answers(answers)}} }""");
        for (int i = 0; i < answers.Length; i++) Assert.Equal("correct", Verdict(grade, i));
        Assert.Equal(12.0, grade["pointsAwarded"]!.GetValue<double>());
    }

    [Fact]
    public async Task Seed003sWrongW3IsIncorrectAndItsW4FollowsThroughFromIt()
    {
        // The student's w3 = 687.5 is wrong (437.5); from it, w4 = 687.5 - 2.5 (687.5 - 100) = -781.25.
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Problem}},
              "answers": {{Answers(("/runs/2/steps/1/parameters/w", 250), ("/runs/2/steps/2/parameters/w", -125),
                  ("/runs/2/steps/3/parameters/w", 687.5), ("/runs/2/steps/4/parameters/w", -781.25))}} }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("correct", Verdict(grade, 1));
        Assert.Equal("incorrect", Verdict(grade, 2));
        Assert.Equal(437.5, Result(grade, 2)["expected"]!.GetValue<double>());
        var w4 = Result(grade, 3);
        Assert.Equal("follow_through", w4["verdict"]!.GetValue<string>());
        Assert.Equal(-406.25, w4["expected"]!.GetValue<double>());
        Assert.Equal(-781.25, w4["followThroughExpected"]!.GetValue<double>());
        Assert.Equal(["/runs/2/steps/3/parameters/w"], w4["usedAnswers"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(3.0, grade["pointsAwarded"]!.GetValue<double>());
    }

    [Fact]
    public async Task AStepRightOnlyFromAnEarlierWrongStepFollowsThroughTheChain()
    {
        // w2 wrong (-100 for -125), w3 not given, w4 from the chain: w3' = -100 - 2.5 (-200) = 400, w4' = 400 - 2.5 (300) = -350.
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Problem}},
              "answers": {{Answers(("/runs/2/steps/2/parameters/w", -100), ("/runs/2/steps/4/parameters/w", -350))}} }
            """);
        Assert.Equal("incorrect", Verdict(grade, 0));
        Assert.Equal("follow_through", Verdict(grade, 1));
        Assert.Equal(-350.0, Result(grade, 1)["followThroughExpected"]!.GetValue<double>());
    }

    [Fact]
    public async Task AGradientIsCheckedAtTheStudentsOwnParameters()
    {
        // At the student's wrong w3 = 687.5 the gradient w x - y is 587.5 (the reference's, at 437.5, is 337.5).
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Problem}},
              "answers": {{Answers(("/runs/2/steps/3/parameters/w", 687.5), ("/runs/2/steps/3/gradient/w", 587.5), ("/runs/2/steps/3/objective", 172578.125))}} }
            """);
        Assert.Equal("follow_through", Verdict(grade, 1));
        Assert.Equal(337.5, Result(grade, 1)["expected"]!.GetValue<double>());
        // 1/2 587.5^2 = 172578.125.
        Assert.Equal("follow_through", Verdict(grade, 2));
    }

    [Fact]
    public async Task TrajectoryStepsAreExplainedWithTheNumbersThatWentIn()
    {
        // w3 = w2 - eta g2 = -125 - 2.5 (-225) = 437.5 from the reference; the student's w4 from their own w3 = 687.5:
        // g3 = 687.5 - 100 = 587.5, w4 = 687.5 - 2.5 (587.5) = -781.25.
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Problem}}, "tolerance": { "type": "decimals", "decimals": 2 },
              "answers": {{Answers(("/runs/2/steps/3/parameters/w", 437.5), ("/runs/2/steps/3/parameters/w", 687.5),
                  ("/runs/2/steps/4/parameters/w", -781.25), ("/runs/2/steps/4/gradient/w", 587.5))}} }
            """);
        Assert.Equal("$w^{(3)} = w^{(2)} - \\eta\\,g^{(2)} = -125.00 - 2.50\\,(-225.00) = 437.50$", Result(grade, 0)["explanation"]!.GetValue<string>());
        // The wrong w3's own explanation comes from the student's inputs, here the reference's w2.
        Assert.Equal(Result(grade, 0)["explanation"]!.GetValue<string>(), Result(grade, 1)["explanation"]!.GetValue<string>());
        Assert.Equal("$w^{(4)} = w^{(3)} - \\eta\\,g^{(3)} = 687.50 - 2.50\\,(587.50) = -781.25$", Result(grade, 2)["explanation"]!.GetValue<string>());
        Assert.Equal("$g^{(4)} = \\nabla f(-781.25) = -881.25$", Result(grade, 3)["explanation"]!.GetValue<string>());

        var verdicts = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Problem}}, "reveal": "verdicts", "answers": {{Answers(("/runs/2/steps/3/parameters/w", 437.5))}} }
            """);
        Assert.Equal("$w^{(3)} = w^{(2)} - \\eta\\,g^{(2)}$", Result(verdicts, 0)["explanation"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnEmaMomentumStepIsExplainedSlotThenParameter()
    {
        // ema, beta 0.9, lr 0.1, on 1/2 (w - 100)^2 from 0: g0 = -100, m1 = 0.9 (0) + 0.1 (-100) = -10, w1 = 0 - 0.1 (-10) = 1.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/optimization/trajectories",
                           "request": { "objective": { "expression": "0.5*(w - 100)^2" }, "start": { "w": 0 },
                                        "runs": [ { "optimizer": { "type": "momentum", "convention": "ema", "learningRate": 0.1, "momentum": 0.9 } } ],
                                        "maxSteps": 1 } },
              "tolerance": { "type": "decimals", "decimals": 1 },
              "answers": [ { "path": "/runs/0/steps/1/state/m/w", "value": -10 }, { "path": "/runs/0/steps/1/parameters/w", "value": 1 } ] }
            """);
        Assert.Equal("$m^{(1)} = \\beta\\,m^{(0)} + (1 - \\beta)\\,g^{(0)} = 0.9\\,(0.0) + 0.1\\,(-100.0) = -10.0$", Result(grade, 0)["explanation"]!.GetValue<string>());
        Assert.Equal("$w^{(1)} = w^{(0)} - \\eta\\,m^{(1)} = 0.0 - 0.1\\,(-10.0) = 1.0$", Result(grade, 1)["explanation"]!.GetValue<string>());
    }

    [Fact]
    public async Task AWrongVelocityCarriesIntoTheParametersAndTheNextVelocity()
    {
        // Heavy ball, lr 0.1, mu 0.9, on 1/2 (w - 100)^2 from 0: g0 = -100, v1 = 0.9 (0) - 0.1 (-100) = 10, w1 = 10;
        // g1 = -90, v2 = 9 + 9 = 18, w2 = 28. The student's v1 = 20 gives w1 = 20, then g1 = -80, v2 = 18 + 8 = 26, w2 = 46.
        const string problem = """
            { "endpoint": "/v1/optimization/trajectories",
              "request": { "objective": { "expression": "0.5*(w - 100)^2" }, "start": { "w": 0 },
                           "runs": [ { "optimizer": { "type": "momentum", "convention": "heavy_ball", "learningRate": 0.1, "momentum": 0.9 } } ],
                           "maxSteps": 2 } }
            """;
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{problem}},
              "answers": {{Answers(("/runs/0/steps/1/state/v/w", 20), ("/runs/0/steps/1/parameters/w", 20),
                  ("/runs/0/steps/2/state/v/w", 26), ("/runs/0/steps/2/parameters/w", 46))}} }
            """);
        Assert.Equal("incorrect", Verdict(grade, 0));
        Assert.Equal(10.0, Result(grade, 0)["expected"]!.GetValue<double>());
        Assert.Contains(Result(grade, 0)["diagnoses"]!.AsArray(), d => d!["code"]!.GetValue<string>() == "factor_of_two");
        Assert.Equal("follow_through", Verdict(grade, 1));
        // theta + v reads the student's v1 (and the given start): usedAnswers names v1 alone.
        Assert.Equal(["/runs/0/steps/1/state/v/w"], Result(grade, 1)["usedAnswers"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal("follow_through", Verdict(grade, 2));
        Assert.Equal(18.0, Result(grade, 2)["expected"]!.GetValue<double>());
        Assert.Equal("follow_through", Verdict(grade, 3));
        Assert.Equal(28.0, Result(grade, 3)["expected"]!.GetValue<double>());
        // Explained from the student's values: v2 = 0.9 (20) - 0.1 (-80) = 26, w2 = 20 + 26 = 46.
        Assert.Equal("$v^{(2)} = \\mu\\,v^{(1)} - \\eta\\,g^{(1)} = 0.9000\\,(20.0000) - 0.1000\\,(-80.0000) = 26.0000$",
            Result(grade, 2)["explanation"]!.GetValue<string>());
        Assert.Equal("$w^{(2)} = w^{(1)} + v^{(2)} = 20.0000 + 26.0000 = 46.0000$", Result(grade, 3)["explanation"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheNextStepsValueIsDiagnosedAsTheWrongIteration()
    {
        var grade = await Post("/v1/grade", $$"""{ "problem": {{Seed003Problem}}, "answers": {{Answers(("/runs/0/steps/2/parameters/w", 87.5))}} }""");
        Assert.Equal("incorrect", Verdict(grade, 0));
        Assert.Contains(Result(grade, 0)["diagnoses"]!.AsArray(), d => d!["code"]!.GetValue<string>() == "wrong_iteration");
    }

    [Fact]
    public async Task AStepBuiltOnAWrongStartValueIsDegenerateUnlessAllowed()
    {
        // A w2 = 0 (the start, where the reference's is -125) earns nothing, and w3 = 0 - 2.5 (0 - 100) = 250 built on it
        // alone is degenerate; allowDegenerate credits it.
        string answers = Answers(("/runs/2/steps/2/parameters/w", 0), ("/runs/2/steps/3/parameters/w", 250));
        var refused = await Post("/v1/grade", $$"""{ "problem": {{Seed003Problem}}, "answers": {{answers}} }""");
        Assert.Equal("incorrect", Verdict(refused, 1));
        Assert.Equal("degenerate_follow_through", Result(refused, 1)["diagnoses"]![0]!["code"]!.GetValue<string>());
        var allowed = await Post("/v1/grade", $$"""{ "problem": {{Seed003Problem}}, "followThrough": { "allowDegenerate": true }, "answers": {{answers}} }""");
        Assert.Equal("follow_through", Verdict(allowed, 1));
    }

    [Fact]
    public async Task FollowThroughOverTrajectoriesCanBeTurnedOff()
    {
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Problem}}, "followThrough": { "enabled": false },
              "answers": {{Answers(("/runs/2/steps/3/parameters/w", 687.5), ("/runs/2/steps/4/parameters/w", -781.25))}} }
            """);
        Assert.Equal("incorrect", Verdict(grade, 1));
    }

    [Fact]
    public async Task Seed004sHessianSizeIsMarkedAndItsWrongRowCountIsIncorrect()
    {
        // 10^6 parameters: the Hessian is 10^6 x 10^6 (8 x 10^12 bytes). The student wrote 100000 x 1000000.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/analysis/hessian", "request": { "parameterCount": 1000000 } },
              "answers": [ { "path": "/dimension", "value": [100000, 1000000] },
                           { "path": "/bytes", "value": 8e12 } ] }
            """);
        var dimension = Result(grade, 0);
        Assert.Equal("incorrect", dimension["verdict"]!.GetValue<string>());
        Assert.Equal([1000000.0, 1000000.0], dimension["expected"]!.AsArray().Select(e => e!.GetValue<double>()));
        Assert.Equal([false, true], dimension["elements"]!.AsArray().Select(e => e!.GetValue<bool>()));
        Assert.Equal(0.5, dimension["pointsAwarded"]!.GetValue<double>());
        Assert.Equal("correct", Verdict(grade, 1));
    }

    const string Seed003Q2Problem = """
        { "endpoint": "/v1/expressions/gradient",
          "request": { "expression": "x' * (A*x + z)", "variables": { "x": [1, 2], "A": [[1, 2], [3, 4]], "z": [0.5, -1] }, "trials": 20, "seed": 1 } }
        """;

    [Fact]
    public async Task Seed003sMatrixGradientFormulaIsCorrectAndANearMissIsNotEquivalent()
    {
        // d/dx x'(Ax + z) = (A + A')x + z; at x = [1, 2]: (A + A')x = [[2, 5], [5, 8]] [1, 2] = [12, 21], + z = [12.5, 20].
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{Seed003Q2Problem}},
              "answers": [ { "path": "/gradients/x", "formula": "(A + A')*x + z" },
                           { "path": "/gradients/x", "formula": "2*A*x + z" },
                           { "path": "/gradients/x", "formula": "(A + A')*x - z" },
                           { "path": "/gradients/x", "value": [12.5, 20] },
                           { "path": "/gradients/x", "formula": "(A + A'*x" } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("(A + A')*x + z", Result(grade, 0)["formula"]!.GetValue<string>());
        foreach (int wrong in new[] { 1, 2 })
        {
            // 2Ax + z is right only for a symmetric A; a sign on z is wrong everywhere.
            var result = Result(grade, wrong);
            Assert.Equal("not_equivalent", result["verdict"]!.GetValue<string>());
            var counterexample = result["counterexample"]!.AsObject();
            Assert.NotEqual(counterexample["expected"]!.ToJsonString(), counterexample["claimed"]!.ToJsonString());
            Assert.Equal(0.0, result["pointsAwarded"]!.GetValue<double>());
        }
        Assert.Equal("correct", Verdict(grade, 3));
        Assert.Equal("not_a_formula", Verdict(grade, 4));
        Assert.Contains("position", Result(grade, 4)["message"]!.GetValue<string>());
    }

    static string GradientProblem(string expression, string variables) => $$"""
        { "endpoint": "/v1/expressions/gradient", "request": { "expression": "{{expression}}", "variables": {{variables}}, "trials": 20, "seed": 3 } }
        """;

    [Fact]
    public async Task Seed003sSoftplusDerivativeIsCorrect()
    {
        // d/dx (1/beta) log(1 + e^(beta x)) = e^(beta x) / (1 + e^(beta x)) = 1 / (1 + e^(-beta x)); without the 1/beta it would be beta times that.
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{GradientProblem("(1/beta)*log(1 + exp(beta*x))", """{ "x": 0.7, "beta": 2 }""")}},
              "answers": [ { "path": "/gradients/x", "formula": "1/(1 + exp(-beta*x))" },
                           { "path": "/gradients/x", "formula": "beta/(1 + exp(-beta*x))" },
                           { "path": "/gradients/x", "value": 0.8021838885585817 } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("not_equivalent", Verdict(grade, 1));
        // sigma(1.4) = 1 / (1 + e^-1.4) = 0.80218388855858...
        Assert.Equal("correct", Verdict(grade, 2));
    }

    [Fact]
    public async Task Seed003sLeastSquaresGradientsAreCorrectAndTheirSlipsAreNot()
    {
        // 1/2 (w'x - y)^2 by w: (w'x - y) x. ||W x + b - y||^2 by W: 2 (W x + b - y) x'.
        var single = await Post("/v1/grade", $$"""
            { "problem": {{GradientProblem("0.5*(w'*x - y)^2", """{ "w": [1, -2, 0.5], "x": [0.3, 1, 2], "y": 4 }""")}},
              "answers": [ { "path": "/gradients/w", "formula": "(w'*x - y)*x" },
                           { "path": "/gradients/w", "formula": "(w'*x - y)*x'" },
                           { "path": "/gradients/w", "formula": "(y - w'*x)*x" } ] }
            """);
        Assert.Equal("correct", Verdict(single, 0));
        // The transposed x' has shape 1x3 for a 3x1 gradient; the flipped difference is the negative everywhere.
        Assert.Equal("shape_mismatch", Verdict(single, 1));
        Assert.Equal("not_equivalent", Verdict(single, 2));

        var matrix = await Post("/v1/grade", $$"""
            { "problem": {{GradientProblem("norm(W*x + b - y)^2", """{ "W": [[1, 2, 0], [0, -1, 3]], "x": [1, 0.5, -1], "b": [0.1, 0.2], "y": [1, 1] }""")}},
              "answers": [ { "path": "/gradients/W", "formula": "2*(W*x + b - y)*x'" },
                           { "path": "/gradients/W", "formula": "(W*x + b - y)*x'" } ] }
            """);
        Assert.Equal("correct", Verdict(matrix, 0));
        Assert.Equal("not_equivalent", Verdict(matrix, 1));
    }

    [Fact]
    public async Task Seed003sSoftmaxDerivativeIsMarkedOnTheJacobianAndItsF1PlusFIsNotEquivalent()
    {
        // d softmax_i / d x_j = f_i (delta_ij - f_j): the Jacobian diag(f) - f f'. The diagonal is f_i (1 - f_i); the
        // seed wrote f_i (1 + f_i). Marked on the Jacobian with the true off-diagonal and the student's diagonal in place:
        // diag(f.*(1 - f)) - f f' + diag(f.^2) = diag(f) - f f' (right); with f.*(1 + f) it is 2 diag(f.^2) too many.
        const string f = "softmax(x)";
        var grade = await Post("/v1/grade", $$"""
            { "problem": {{GradientProblem(f, """{ "x": [1, 2, 0.5] }""")}},
              "answers": [ { "path": "/jacobians/x", "formula": "diag({{f}}) - {{f}}*{{f}}'" },
                           { "path": "/jacobians/x", "formula": "diag({{f}}.*(1 - {{f}})) - {{f}}*{{f}}' + diag({{f}}.^2)" },
                           { "path": "/jacobians/x", "formula": "diag({{f}}.*(1 + {{f}})) - {{f}}*{{f}}' + diag({{f}}.^2)" } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("correct", Verdict(grade, 1));
        var wrong = Result(grade, 2);
        Assert.Equal("not_equivalent", wrong["verdict"]!.GetValue<string>());
        // At the counterexample's x, claimed - expected = 2 diag(f.^2): check its diagonal by hand from x.
        var counterexample = wrong["counterexample"]!;
        var x = counterexample["variables"]!["x"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        double sum = x.Sum(Math.Exp);
        var expected = counterexample["expected"]!.AsArray();
        var claimed = counterexample["claimed"]!.AsArray();
        for (int i = 0; i < 3; i++)
        {
            double fi = Math.Exp(x[i]) / sum;
            Assert.Equal(fi * (1 - fi), expected[i]![i]!.GetValue<double>(), 12);
            Assert.Equal(fi * (1 + fi), claimed[i]![i]!.GetValue<double>(), 12);
        }
    }

    [Fact]
    public async Task Seeds000And002sThirdSigmoidDerivativeInSigmaIsCorrectExactlyAndItsNearMissesAreNot()
    {
        // sigma' = s(1 - s); sigma'' = s(1 - s)(1 - 2s); the third: s(1 - s)(1 - 6s + 6s^2) = s - 7s^2 + 12s^3 - 6s^4.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/activations/derivatives", "request": { "activation": "sigmoid", "order": 3, "at": [0, 1, 21] } },
              "answers": [ { "path": "/polynomial", "formula": "sigma*(1-sigma)*(1-6*sigma+6*sigma^2)" },
                           { "path": "/polynomial", "formula": "sigma - 7*sigma^2 + 12*sigma^3 - 6*sigma^4" },
                           { "path": "/polynomial", "formula": "sigma*(1-6*sigma+6*sigma^2)" },
                           { "path": "/polynomial", "formula": "sigma*(1-sigma)*(1+6*sigma-6*sigma^2)" },
                           { "path": "/polynomial", "formula": "sigmoid(x)*(1-sigmoid(x))*(1-6*sigmoid(x)+6*sigmoid(x)^2)" },
                           { "path": "/polynomial/coefficients", "value": [0, 1, -7, 12, -6] },
                           { "path": "/values/0/derivatives", "value": [0.5, 0.25, 0, -0.125] } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Contains("exact", Result(grade, 0)["message"]!.GetValue<string>());
        Assert.Equal("correct", Verdict(grade, 1));
        // The missing (1 - sigma), and the flipped sign inside: not equivalent, each with a point where they differ.
        foreach (int wrong in new[] { 2, 3 })
        {
            Assert.Equal("not_equivalent", Verdict(grade, wrong));
            var c = Result(grade, wrong)["counterexample"]!;
            Assert.NotEqual(c["expected"]!.GetValue<double>(), c["claimed"]!.GetValue<double>());
        }
        // In x, checked at the points and random x (not exactly: sigmoid(x) is no polynomial in x).
        Assert.Equal("correct", Verdict(grade, 4));
        // The third derivative at 0: 1/2 - 7/4 + 12/8 - 6/16 = -1/8.
        Assert.Equal("correct", Verdict(grade, 5));
        Assert.Equal("correct", Verdict(grade, 6));
    }

    [Fact]
    public async Task AThirdTanhDerivativeInTanhIsCorrect()
    {
        // tanh' = 1 - t^2, tanh'' = -2t(1 - t^2), the third = -2(1 - t^2) + 6t^2(1 - t^2) = -2 + 8t^2 - 6t^4.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/activations/derivatives", "request": { "activation": "tanh", "order": 3, "at": [0.5] } },
              "answers": [ { "path": "/polynomial", "formula": "-2 + 8*tanh^2 - 6*tanh^4" },
                           { "path": "/polynomial", "formula": "-2*(1 - tanh^2)" } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("not_equivalent", Verdict(grade, 1));
    }

    [Fact]
    public async Task Seed000sTanhIdentityIsEquivalentAndAHalvedArgumentIsNot()
    {
        // tanh x = (e^x - e^-x)/(e^x + e^-x) = (1 - e^-2x)/(1 + e^-2x) = 2/(1 + e^-2x) - 1 = 2 sigma(2x) - 1.
        var right = await Post("/v1/expressions/equivalence", """{ "expected": "tanh(x)", "claimed": "2*sigmoid(2*x) - 1", "variables": { "x": 0.3 }, "trials": 20, "seed": 1 }""");
        Assert.Equal("equivalent", right["verdict"]!.GetValue<string>());
        var wrong = await Post("/v1/expressions/equivalence", """{ "expected": "tanh(x)", "claimed": "2*sigmoid(x) - 1", "variables": { "x": 0.3 }, "trials": 20, "seed": 1 }""");
        Assert.Equal("not_equivalent", wrong["verdict"]!.GetValue<string>());
        // At x = 0.3 itself: tanh(0.3) = 0.29131..., and 2 sigma(0.3) - 1 = tanh(0.15) = 0.14888...
        var c = wrong["counterexample"]!;
        Assert.Equal(Math.Tanh(0.3), c["expected"]!.GetValue<double>(), 12);
        Assert.Equal(Math.Tanh(0.15), c["claimed"]!.GetValue<double>(), 12);

        // The same, graded: the equivalence endpoint's response is a problem like any other.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/expressions/equivalence", "request": { "expected": "tanh(x)", "claimed": "2*sigmoid(2*x) - 1", "variables": { "x": 0.3 } } },
              "answers": [ { "path": "/maxRelativeError", "value": 0, "tolerance": { "type": "absolute", "absolute": 1e-12 } } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
    }

    [Fact]
    public async Task Seed004sMomentumWeightsAsAWeightedSumAreCorrectAndAMissingOneMinusBetaIsNot()
    {
        // ema: m_T = sum_t beta^(T - t) (1 - beta) g_t; the step is -eta m_T. At beta = 0.9, T = 4: g_1's weight is 0.9^3 x 0.1 = 0.0729.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/optimizers/momentum/weights", "request": { "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 4 } },
              "answers": [ { "path": "/stateWeights", "formula": "beta^(T - t)*(1 - beta)" },
                           { "path": "/stateWeights", "formula": "beta^(T - t)" },
                           { "path": "/stepWeights", "formula": "eta*beta^(T - t)*(1 - beta)" },
                           { "path": "/stateWeights/0", "value": 0.0729 },
                           { "path": "/stateWeights", "value": [0.0729, 0.081, 0.09, 0.1] } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("not_equivalent", Verdict(grade, 1));
        Assert.Equal("correct", Verdict(grade, 2));
        Assert.Equal("correct", Verdict(grade, 3));
        Assert.Equal("correct", Verdict(grade, 4));
    }

    [Fact]
    public async Task HeavyBallWeightsCarryTheLearningRateAndTheirSign()
    {
        // heavy ball: v_T = -eta sum_t mu^(T - t) g_t, and the step is v_T itself.
        var grade = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/optimizers/momentum/weights", "request": { "convention": "heavy_ball", "momentum": 0.5, "learningRate": 0.2, "steps": 3 } },
              "answers": [ { "path": "/stateWeights", "formula": "-eta*mu^(T - t)" },
                           { "path": "/stateWeights", "formula": "eta*mu^(T - t)" } ] }
            """);
        Assert.Equal("correct", Verdict(grade, 0));
        Assert.Equal("not_equivalent", Verdict(grade, 1));
    }

    [Fact]
    public async Task AClassWritingTheSameFormulasIsMarkedAnswerByAnswer()
    {
        // Three students, two with the same right formula, one with the seed's f(1 + f): the summary counts each verdict.
        string Submission(string id, string formula) => $$"""{ "id": "{{id}}", "answers": [ { "path": "/jacobians/x", "formula": "{{formula}}" } ] }""";
        const string right = "diag(softmax(x)) - softmax(x)*softmax(x)'";
        var batch = await Post("/v1/grade/batch", $$"""
            { "problem": {{GradientProblem("softmax(x)", """{ "x": [1, 2, 0.5] }""")}},
              "submissions": [ {{Submission("a", right)}}, {{Submission("b", "diag(softmax(x).*(1 + softmax(x)))")}}, {{Submission("c", right)}} ] }
            """);
        var verdicts = batch["results"]!.AsArray().Select(r => r!["results"]![0]!["verdict"]!.GetValue<string>()).ToArray();
        Assert.Equal(["correct", "not_equivalent", "correct"], verdicts);
        var summary = batch["summary"]!["/jacobians/x"]!;
        Assert.Equal(2, summary["correct"]!.GetValue<int>());
        Assert.Equal(1, summary["notEquivalent"]!.GetValue<int>());
    }

    [Fact]
    public async Task FormulaAnswersArePricedAsTheirEndpointsClaimsBeforeAnyWork()
    {
        // 10,000 points and 1,000 trials at order 20: each distinct formula is checked at 11,000 x, its evaluation and the
        // true derivative's 21 x 22 multiply-adds each, about 5.2 million; a dozen distinct ones pass maxExpressionWork (50
        // million), while the same formula a dozen times is checked once.
        string at = "[" + string.Join(", ", Enumerable.Range(0, 10_000).Select(i => (i / 1000.0).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
        string problem = $$"""{ "endpoint": "/v1/activations/derivatives", "request": { "activation": "sigmoid", "order": 20, "at": {{at}}, "trials": 1000 } }""";
        string Answers(Func<int, string> formula) =>
            "[" + string.Join(", ", Enumerable.Range(0, 12).Select(i => $$"""{ "path": "/polynomial", "formula": "{{formula(i)}}" }""")) + "]";
        var refused = await Post("/v1/grade", $$"""{ "problem": {{problem}}, "answers": {{Answers(i => $"sigma + {i}*0")}} }""", HttpStatusCode.BadRequest);
        Assert.Contains("maxExpressionWork", refused["errors"]!["answers"]![0]!.GetValue<string>());
        var same = await Post("/v1/grade", $$"""{ "problem": {{problem}}, "answers": {{Answers(_ => "sigma")}} }""");
        Assert.All(same["results"]!.AsArray(), r => Assert.Equal("not_equivalent", r!["verdict"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AFormulaWhereTheResponseHoldsNumbersIsNotANumber()
    {
        var grade = await Post("/v1/grade", $$"""{ "problem": {{Seed003Problem}}, "answers": [ { "path": "/runs/0/steps/1/parameters/w", "formula": "w - 0.5*(w - 100)" } ] }""");
        Assert.Equal("not_a_number", Verdict(grade, 0));
    }

    [Fact]
    public async Task APathOutsideTheResponseIsAnUnknownPathNamingWhatIsThere()
    {
        var grade = await Post("/v1/grade", $$"""{ "problem": {{Seed003Problem}}, "answers": [ { "path": "/runs/7/steps/1/parameters/w", "value": 1 }, { "path": "/runs/0/label", "value": 1 } ] }""");
        Assert.Equal("unknown_path", Verdict(grade, 0));
        Assert.Contains("array of 3", Result(grade, 0)["message"]!.GetValue<string>());
        Assert.Equal("unknown_path", Verdict(grade, 1));
        Assert.Contains("text", Result(grade, 1)["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task ABareTrainProblemAndTheSameProblemNamedGradeAlike()
    {
        string train = Api.ApiTest.ValidRequest().ToJsonString();
        const string answers = """[ { "path": "/iterations/0/forward/layers/0/z", "value": [[0.15, 0.25], [-0.15, 0.35]] } ]""";
        var bare = await Post("/v1/grade", $$"""{ "problem": {{train}}, "answers": {{answers}} }""");
        var named = await Post("/v1/grade", $$"""{ "problem": { "endpoint": "/v1/train", "request": {{train}} }, "answers": {{answers}} }""");
        // z = x W' + b for x = [1, 0] and [0, 1]: [0.1 + 0.05, 0.3 - 0.05] and [-0.2 + 0.05, 0.4 - 0.05].
        Assert.Equal("correct", Verdict(bare, 0));
        Assert.Equal(bare.ToJsonString(), named.ToJsonString());
    }

    [Fact]
    public async Task ANamedProblemsOwnChecksAnswerUnderProblemRequest()
    {
        var problem = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/analysis/hessian", "request": { "parameterCount": -5 } }, "answers": [ { "path": "/dimension", "value": 1 } ] }
            """, HttpStatusCode.BadRequest);
        Assert.Contains(problem["errors"]!.AsObject(), e => e.Key.StartsWith("problem.request", StringComparison.Ordinal));

        var unknown = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/nothing", "request": {} }, "answers": [ { "path": "/x", "value": 1 } ] }
            """, HttpStatusCode.BadRequest);
        Assert.Contains("/v1/optimization/trajectories", unknown["errors"]!["problem.endpoint"]![0]!.GetValue<string>());

        var typed = await Post("/v1/grade", """
            { "problem": { "endpoint": "/v1/analysis/hessian", "request": { "parameterCount": "many" } }, "answers": [ { "path": "/dimension", "value": 1 } ] }
            """, HttpStatusCode.BadRequest);
        Assert.True(typed["errors"]!.AsObject().ContainsKey("problem.request.parameterCount"), typed.ToJsonString());
    }

    [Fact]
    public async Task ANamedTrainProblemsNullElementsAreRefusedUnderProblemRequestAsABareOnesAre()
    {
        var train = Api.ApiTest.ValidRequest();
        train["network"]!["layers"]![0]!["weights"]![1] = null;
        var named = await Post("/v1/grade", $$"""{ "problem": { "endpoint": "/v1/train", "request": {{train.ToJsonString()}} }, "answers": [ { "path": "/iterations/0/loss/value", "value": 1 } ] }""",
            HttpStatusCode.BadRequest);
        Assert.Equal(["must not be null"], named["errors"]!["problem.request.network.layers[0].weights[1]"]!.AsArray().Select(m => m!.GetValue<string>()));
        var bare = await Post("/v1/grade", $$"""{ "problem": {{train.ToJsonString()}}, "answers": [ { "path": "/iterations/0/loss/value", "value": 1 } ] }""",
            HttpStatusCode.BadRequest);
        Assert.True(bare["errors"]!.AsObject().ContainsKey("problem.network.layers[0].weights[1]"), bare.ToJsonString());
    }

    [Fact]
    public async Task AnAnswerWithBothValueAndFormulaIsRefused()
    {
        var problem = await Post("/v1/grade", $$"""{ "problem": {{Seed003Q2Problem}}, "answers": [ { "path": "/gradients/x", "value": 1, "formula": "x" } ] }""",
            HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]!.AsObject().ContainsKey("answers[0].formula"), problem.ToJsonString());
    }

    [Fact]
    public async Task ABatchOnATrajectoryProblemSummarizesEachPath()
    {
        var batch = await Post("/v1/grade/batch", $$"""
            { "problem": {{Seed003Problem}},
              "submissions": [ { "id": "right", "answers": {{Answers(("/runs/2/steps/3/parameters/w", 437.5), ("/runs/2/steps/4/parameters/w", -406.25))}} },
                               { "id": "seed003", "answers": {{Answers(("/runs/2/steps/3/parameters/w", 687.5), ("/runs/2/steps/4/parameters/w", -781.25))}} } ] }
            """);
        var summary = batch["summary"]!["/runs/2/steps/4/parameters/w"]!;
        Assert.Equal(1, summary["correct"]!.GetValue<int>());
        Assert.Equal(1, summary["followThrough"]!.GetValue<int>());
        Assert.Equal("follow_through", batch["results"]![1]!["results"]![1]!["verdict"]!.GetValue<string>());
    }
}
