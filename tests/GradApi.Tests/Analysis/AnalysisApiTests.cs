using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Analysis;

/// <summary>The analysis endpoints over HTTP: the binding contract's fields, and bad input as 400 problem+json keyed by JSON path.</summary>
public sealed class AnalysisApiTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    readonly HttpClient _client = factory.CreateClient();

    async Task<JsonObject> Ok(string route, string body)
    {
        var response = await _client.PostAsync(route, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    async Task<JsonObject> BadRequest(string route, string body, string errorKey)
    {
        var response = await _client.PostAsync(route, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.True(problem["errors"]?[errorKey] is JsonArray { Count: > 0 }, $"expected an error on {errorKey}: {text}");
        return problem;
    }

    const string SmallNetwork = """
        "network": { "inputSize": 2, "layers": [
            { "activation": "sigmoid", "weights": [[0.2, 0.4], [-0.3, 0.1]], "biases": [-0.4, 0.2] },
            { "activation": "sigmoid", "weights": [[-0.3, -0.2]], "biases": [0.1] } ] },
        "data": { "inputs": [[1, 0], [0, 1], [1, 1]], "targets": [[1], [0], [1]] },
        "loss": { "type": "half_sse", "reduction": "sum" }
        """;

    [Fact]
    public async Task Seed004sMillionParametersGiveA1e6By1e6HessianOf8e12BytesAndNoMatrix()
    {
        var r = await Ok("/v1/analysis/hessian", """{ "parameterCount": 1000000 }""");
        Assert.Equal(1000000, r["parameterCount"]!.GetValue<long>());
        Assert.Equal([1000000L, 1000000L], r["dimension"]!.AsArray().Select(d => d!.GetValue<long>()));
        Assert.Equal(8e12, r["bytes"]!.GetValue<double>());
        Assert.Null(r["hessian"]);
        Assert.Null(r["eigenvalues"]);
        Assert.Null(r["conditionNumber"]);
    }

    [Fact]
    public async Task ASmallNetworkGetsItsSymmetricHessianAscendingEigenvaluesAndNamedRows()
    {
        var r = await Ok("/v1/analysis/hessian", "{" + SmallNetwork + "}");
        Assert.Equal(9, r["parameterCount"]!.GetValue<long>());
        Assert.Equal(8.0 * 9 * 9, r["bytes"]!.GetValue<double>());
        var order = r["parameterOrder"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.Equal(["layers[0].weights[0][0]", "layers[0].weights[0][1]", "layers[0].weights[1][0]", "layers[0].weights[1][1]",
            "layers[0].biases[0]", "layers[0].biases[1]", "layers[1].weights[0][0]", "layers[1].weights[0][1]", "layers[1].biases[0]"], order);
        var h = r["hessian"]!.AsArray().Select(row => row!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray();
        Assert.Equal(9, h.Length);
        for (int i = 0; i < 9; i++)
            for (int j = 0; j < 9; j++) Assert.Equal(h[i][j], h[j][i]);
        var eigenvalues = r["eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(eigenvalues.Order(), eigenvalues);
        // The trace is the sum of the eigenvalues.
        Assert.Equal(Enumerable.Range(0, 9).Sum(i => h[i][i]), eigenvalues.Sum(), 12);
        double magnitudeRatio = eigenvalues.Max(Math.Abs) / eigenvalues.Min(Math.Abs);
        Assert.Equal(magnitudeRatio, r["conditionNumber"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task ANetworkAboveMaxHessianParametersGetsSizesAndParameterOrderButNullMatrixEigenvaluesAndCondition()
    {
        // 30 inputs into 20 units: 600 weights and 20 biases, then 21 output parameters: P = 641 > 500.
        var weights = string.Join(",", Enumerable.Repeat("[" + string.Join(",", Enumerable.Repeat("0.01", 30)) + "]", 20));
        string body = $$"""
            { "network": { "inputSize": 30, "layers": [
                { "activation": "tanh", "weights": [{{weights}}], "biases": [{{string.Join(",", Enumerable.Repeat("0", 20))}}] },
                { "activation": "identity", "weights": [[{{string.Join(",", Enumerable.Repeat("0.1", 20))}}]], "biases": [0] } ] },
              "data": { "inputs": [[{{string.Join(",", Enumerable.Repeat("1", 30))}}]], "targets": [[1]] },
              "loss": { "type": "half_sse" } }
            """;
        var r = await Ok("/v1/analysis/hessian", body);
        Assert.Equal(641, r["parameterCount"]!.GetValue<long>());
        Assert.Equal(8.0 * 641 * 641, r["bytes"]!.GetValue<double>());
        Assert.Equal(641, r["parameterOrder"]!.AsArray().Count);
        Assert.Null(r["hessian"]);
        Assert.Null(r["eigenvalues"]);
        Assert.Null(r["conditionNumber"]);
    }

    [Fact]
    public async Task ASingularHessianHasTheConditionNumberInfinityAsAString()
    {
        // One example, two parameters w and c of an identity unit: H = 2 [x, 1]'[x, 1] has rank 1.
        var r = await Ok("/v1/analysis/hessian", """
            { "network": { "inputSize": 1, "layers": [ { "activation": "identity", "weights": [[0.5]], "biases": [0] } ] },
              "data": { "inputs": [[2]], "targets": [[1]] }, "loss": { "type": "sse", "reduction": "sum" } }
            """);
        Assert.Equal("Infinity", r["conditionNumber"]!.GetValue<string>());
        Assert.Equal(8.0, r["hessian"]![0]![0]!.GetValue<double>());
        Assert.Equal(4.0, r["hessian"]![0]![1]!.GetValue<double>());
        Assert.Equal(2.0, r["hessian"]![1]![1]!.GetValue<double>());
    }

    [Fact]
    public async Task AHessianRequestWithoutNetworkOrParameterCountIs400OnNetwork() =>
        await BadRequest("/v1/analysis/hessian", "{}", "network");

    [Fact]
    public async Task AHessianRequestWithBothParameterCountAndANetworkIs400OnNetwork() =>
        await BadRequest("/v1/analysis/hessian", "{ \"parameterCount\": 9, " + SmallNetwork + "}", "network");

    [Fact]
    public async Task AHessianRequestGetsTrainSNetworkChecksUnderTheSamePaths() =>
        await BadRequest("/v1/analysis/hessian", SmallNetwork.Replace("[[-0.3, -0.2]]", "[[-0.3, -0.2, 0.5]]").Insert(0, "{") + "}",
            "network.layers[1].weights");

    const string Seed003 = """
        { "objective": { "function": "quadratic", "matrix": [[1]], "vector": [100] },
          "start": { "p": 0 },
          "runs": [ { "label": "lr 0.5", "optimizer": { "type": "sgd", "learningRate": 0.5 } },
                    { "label": "lr 1.5", "optimizer": { "type": "sgd", "learningRate": 1.5 } },
                    { "label": "lr 2", "optimizer": { "type": "sgd", "learningRate": 2 } },
                    { "label": "lr 2.5", "optimizer": { "type": "sgd", "learningRate": 2.5 } } ],
          "maxSteps": 50, "tolerance": 1e-8 }
        """;

    [Fact]
    public async Task Seed003OverHttpGivesConvergedConvergedOscillatingDivergedAndUpper2()
    {
        var r = await Ok("/v1/optimization/trajectories", Seed003);
        var runs = r["runs"]!.AsArray();
        Assert.Equal(["converged", "converged", "oscillating", "diverged"], runs.Select(x => x!["verdict"]!.GetValue<string>()));
        Assert.Equal([34, 34, 50, 50], runs.Select(x => x!["verdictStep"]!.GetValue<int>()));
        Assert.Equal(2.0, r["stableLearningRates"]!["upper"]!.GetValue<double>());
        Assert.Equal(1.0, r["stableLearningRates"]!["lambdaMax"]!.GetValue<double>());
        var steps = runs[0]!["steps"]!.AsArray();
        Assert.Equal(0, steps[0]!["step"]!.GetValue<int>());
        Assert.Equal([0.0, 50.0, 75.0, 87.5], steps.Take(4).Select(s => s!["parameters"]!["p"]!.GetValue<double>()));
        Assert.Equal(-100.0, steps[0]!["gradient"]!["p"]!.GetValue<double>());
        Assert.Equal("sgd", runs[0]!["optimizer"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task OptimizerStateIsReportedBySlotAndParameterName()
    {
        var r = await Ok("/v1/optimization/trajectories", """
            { "objective": { "function": "rosenbrock" }, "start": { "p": [-1.2, 1] },
              "runs": [ { "optimizer": { "type": "adam", "learningRate": 0.01 } } ], "maxSteps": 3 }
            """);
        var run = r["runs"]![0]!;
        Assert.Equal("run1", run["label"]!.GetValue<string>());
        Assert.Equal("max_steps", run["verdict"]!.GetValue<string>());
        var state = run["steps"]![1]!["state"]!.AsObject();
        Assert.Equal(["m", "v", "mhat", "vhat"], state.Select(s => s.Key));
        // m1 = (1 - 0.9) g0 with g0 = (-215.6, -88) at (-1.2, 1).
        Assert.Equal(-21.56, state["m"]!["p"]![0]!.GetValue<double>(), 10);
        Assert.Null(r["stableLearningRates"]);
    }

    [Fact]
    public async Task AnUnknownFunctionIs400OnObjectiveFunction() =>
        await BadRequest("/v1/optimization/trajectories", """
            { "objective": { "function": "rastrigin" }, "start": { "p": [0, 0] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ] }
            """, "objective.function");

    [Fact]
    public async Task AStartOfTheWrongShapeIs400OnStartP() =>
        await BadRequest("/v1/optimization/trajectories", """
            { "objective": { "function": "rosenbrock" }, "start": { "p": [0, 0, 0] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ] }
            """, "start.p");

    [Fact]
    public async Task AStartThatNamesASecondParameterIs400OnThatName() =>
        await BadRequest("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[1]] }, "start": { "w": 0, "v": 1 },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ] }
            """, "start.v");

    [Fact]
    public async Task ANamedFunctionTakesItsParametersNameFromStartAsSeed003WritesIt()
    {
        // Seed 003 Q4 as the named quadratic f(w) = 1/2 w^2 - 100 w (1/2 (w - 100)^2 less a constant): g = w - 100, so
        // at lr 2.5 w_t = 100 (1 - (-1.5)^t): 250, -125, 437.5 (the seed wrote 687.5), -406.25.
        var r = await Ok("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[1]], "vector": [100] }, "start": { "w": 0 },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 2.5 } } ], "maxSteps": 4 }
            """);
        var steps = r["runs"]![0]!["steps"]!.AsArray();
        double[] byHand = [0, 250, -125, 437.5, -406.25];
        foreach (var step in steps)
        {
            int t = step!["step"]!.GetValue<int>();
            Assert.Equal(byHand[t], step["parameters"]!["w"]!.GetValue<double>(), 9);
            Assert.Equal(byHand[t] - 100, step["gradient"]!["w"]!.GetValue<double>(), 9);
            Assert.Null(step["parameters"]!["p"]);
        }
        Assert.Equal(5, steps.Count);
    }

    [Fact]
    public async Task ANamedFunctionsParameterMustBeANameOfTheExpressionLanguage() =>
        await BadRequest("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[1]] }, "start": { "2w": 0 },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ] }
            """, "start.2w");

    [Fact]
    public async Task AQuadraticWhoseVectorDoesNotMatchItsMatrixIs400OnObjectiveVector() =>
        await BadRequest("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[1, 0], [0, 2]], "vector": [1] }, "start": { "p": [0, 0] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ] }
            """, "objective.vector");

    [Fact]
    public async Task TheContractsExpressionExampleFollowsSeed003sClosedFormAndGetsTheStableIntervalFromItsHessian()
    {
        // L(w) = 1/2 (w x - y)^2 with x = 1, y = 100: g = w - 100, so w_t = 100 (1 - (1 - lr)^t); the Hessian is x^2 = 1.
        var r = await Ok("/v1/optimization/trajectories", """
            { "objective": { "expression": "0.5*(w*x - y)^2", "constants": { "x": 1, "y": 100 } },
              "start": { "w": 0 },
              "runs": [ { "label": "lr 0.5", "optimizer": { "type": "sgd", "learningRate": 0.5 } },
                        { "label": "lr 2.5", "optimizer": { "type": "sgd", "learningRate": 2.5 } } ],
              "maxSteps": 50, "tolerance": 1e-8 }
            """);
        var runs = r["runs"]!.AsArray();
        Assert.Equal(["converged", "diverged"], runs.Select(x => x!["verdict"]!.GetValue<string>()));
        foreach (var (run, lr) in new[] { (runs[0]!, 0.5), (runs[1]!, 2.5) })
            foreach (var step in run["steps"]!.AsArray().Take(20))
            {
                int t = step!["step"]!.GetValue<int>();
                double w = step["parameters"]!["w"]!.GetValue<double>(), byHand = 100 * (1 - Math.Pow(1 - lr, t));
                Assert.True(Math.Abs(w - byHand) <= 1e-9 * Math.Max(1, Math.Abs(byHand)), $"lr {lr}, step {t}: {w} vs {byHand}");
                Assert.Equal(0.5 * (byHand - 100) * (byHand - 100), step["objective"]!.GetValue<double>(), 1e-6 * Math.Max(1, byHand * byHand));
                Assert.Equal(byHand - 100, step["gradient"]!["w"]!.GetValue<double>(), 1e-9 * Math.Max(1, Math.Abs(byHand)));
            }
        Assert.Equal(1.0, r["stableLearningRates"]!["lambdaMax"]!.GetValue<double>(), 12);
        Assert.Equal(2.0, r["stableLearningRates"]!["upper"]!.GetValue<double>(), 12);
        Assert.Equal("0.5*(w*x - y)^2", r["objective"]!["expression"]!.GetValue<string>());
    }

    [Fact]
    public async Task AVectorQuadraticExpressionGetsLambdaMaxOfItsSymmetricMatrix()
    {
        // f = 1/2 x'Ax - b'x with A = [[3, 1], [1, 3]]: Hessian A, eigenvalues 2 and 4, so upper = 2 / 4 = 0.5.
        var r = await Ok("/v1/optimization/trajectories", """
            { "objective": { "expression": "0.5*x'*A*x - b'*x", "constants": { "A": [[3, 1], [1, 3]], "b": [1, 2] } },
              "start": { "x": [0, 0] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.25 } } ], "maxSteps": 200, "tolerance": 1e-10 }
            """);
        Assert.Equal(2.0, r["stableLearningRates"]!["lambdaMin"]!.GetValue<double>(), 12);
        Assert.Equal(4.0, r["stableLearningRates"]!["lambdaMax"]!.GetValue<double>(), 12);
        Assert.Equal(0.5, r["stableLearningRates"]!["upper"]!.GetValue<double>(), 12);
        var run = r["runs"]![0]!;
        Assert.Equal("converged", run["verdict"]!.GetValue<string>());
        // The minimum solves A x = b: x = (1/8) [3 -1; -1 3] [1; 2] = [1/8, 5/8].
        var x = run["steps"]!.AsArray()[^1]!["parameters"]!["x"]!.AsArray();
        Assert.Equal(0.125, x[0]!.GetValue<double>(), 9);
        Assert.Equal(0.625, x[1]!.GetValue<double>(), 9);
    }

    [Fact]
    public async Task ANonQuadraticExpressionHasNoStableInterval()
    {
        var r = await Ok("/v1/optimization/trajectories", """
            { "objective": { "expression": "exp(w) - 2*w" }, "start": { "w": 0 },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ], "maxSteps": 500, "tolerance": 1e-10 }
            """);
        Assert.Null(r["stableLearningRates"]);
        // The minimum of e^w - 2w is at w = ln 2.
        var steps = r["runs"]![0]!["steps"]!.AsArray();
        Assert.Equal("converged", r["runs"]![0]!["verdict"]!.GetValue<string>());
        Assert.Equal(Math.Log(2), steps[^1]!["parameters"]!["w"]!.GetValue<double>(), 9);
    }

    [Theory]
    [InlineData("""{ "expression": "0.5*(w*x - y)^2", "constants": { "x": 1 } }""", """{ "w": 0 }""", "objective.expression", "'y' has no value")]
    [InlineData("""{ "expression": "0.5*(w - 1)^2" }""", """{ "w": 0, "v": 1 }""", "start.v", "does not appear")]
    [InlineData("""{ "expression": "w*v", "constants": { "v": 2 } }""", """{ "w": 0, "v": 1 }""", "objective.constants.v", "a name is a parameter or a constant")]
    [InlineData("""{ "expression": "A*w", "constants": { "A": [[1, 2], [3, 4]] } }""", """{ "w": [0, 0] }""", "objective.expression", "must be scalar")]
    [InlineData("""{ "expression": "A*w", "constants": { "A": [[1, 2, 3]] } }""", """{ "w": [0, 0] }""", "objective.expression", "inner dimensions")]
    [InlineData("""{ "expression": "0.5*(w - 1)^" }""", """{ "w": 0 }""", "objective.expression", "position")]
    [InlineData("""{ "expression": "w^2", "matrix": [[1]] }""", """{ "w": 0 }""", "objective.matrix", "named function")]
    public async Task AnExpressionObjectiveThatCannotBeMinimizedIs400OnTheFieldAtFault(string objective, string start, string key, string message)
    {
        var problem = await BadRequest("/v1/optimization/trajectories", $$"""
            { "objective": {{objective}}, "start": {{start}},
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.5 } } ] }
            """, key);
        Assert.Contains(message, problem["errors"]![key]![0]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EachRunSOptimizerGetsTrainSChecksUnderItsPath() =>
        await BadRequest("/v1/optimization/trajectories", """
            { "objective": { "function": "beale" }, "start": { "p": [1, 1] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } }, { "optimizer": { "type": "momentum", "learningRate": 0.1 } } ] }
            """, "runs[1].optimizer.momentum");

    [Fact]
    public async Task ARunThatOverflowsIsDivergedAndStillValidJsonWithInfinityAsAString()
    {
        var r = await Ok("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[1e300]] }, "start": { "p": [1e10] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 1 } } ] }
            """);
        var run = r["runs"]![0]!;
        Assert.Equal("diverged", run["verdict"]!.GetValue<string>());
        Assert.Equal(0, run["verdictStep"]!.GetValue<int>());
        Assert.Equal("Infinity", run["steps"]![0]!["objective"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheOpenAPIDocumentOffersTheSeedExamplesAndStatesTheRulesAndLimits()
    {
        string doc = await _client.GetStringAsync("/swagger/v1/swagger.json");
        foreach (var text in new[] { "seed003-gd-learning-rates", "seed001-optimizers-ill-conditioned", "seed004-million-parameters",
                     "small-network-2-2-1-sigmoid", "maxHessianParameters", "oscillating", "layers[0].biases[0]" })
            Assert.Contains(text, doc);
    }
}
