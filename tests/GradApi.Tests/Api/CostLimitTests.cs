using System.Net;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>
/// The limits that price everything a request touches before it starts: claims and trials, constants, trajectory
/// evaluations, grading runs and the numbers a grading response echoes; and the bound on a 400's error list.
/// Expected work figures are derived by hand from the published rules.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CostLimitTests(GradApiFactory factory)
{
    const string GradientRoute = "/v1/expressions/gradient";
    const string TrajectoriesRoute = "/v1/optimization/trajectories";

    // sum(x) over x of 100 values: nodes x (100) and sum (100), 200 per evaluation, 600 for the gradient.
    // The claim A*A*x, A 100 x 100: A, A (10000 each), A*A (100 x 100 x 100 = 1000000), x (100), (A*A)*x (10000) = 1030100.
    // Work = 600 + (trials + 1) (600 + 1030100) + 600 trials: 49502400 at 47 trials, 50533700 at 48 (limit 50000000).
    static JsonObject ClaimRequest(int trials) => new()
    {
        ["expression"] = "sum(x)",
        ["variables"] = new JsonObject
        {
            ["A"] = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode)new JsonArray(Enumerable.Range(0, 100).Select(j => (JsonNode)(i == j ? 1.0 : 0.0)).ToArray())).ToArray()),
            ["x"] = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode)(i / 100.0)).ToArray()),
        },
        ["wrt"] = new JsonArray("x"),
        ["claims"] = new JsonObject { ["x"] = "A*A*x" },
        ["trials"] = trials,
    };

    [Fact]
    public async Task AClaimWhoseOwnEvaluationsPassMaxExpressionWorkReturnsProblemDetailsNamingTheLimit()
    {
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostJson(GradientRoute, ClaimRequest(48).ToJsonString()), "trials");
        Assert.Contains(messages, m => m.Contains("maxExpressionWork 50000000") && m.Contains("50533700"));
    }

    [Fact]
    public async Task AClaimJustWithinMaxExpressionWorkIsChecked()
    {
        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(GradientRoute, ClaimRequest(47).ToJsonString()));
        // A * A = I, so the claim I x = x is not the gradient (ones).
        Assert.Equal("not_equivalent", body["claims"]!["x"]!["verdict"]!.GetValue<string>());
    }

    // A*x, A 100 x 100, x 100: one evaluation is A 10000 + x 100 + A*x (100 x 100 x 1) 10000 = 20100; its Jacobian by x
    // makes 100 reverse passes, 3 x 20100 x 100 = 6030000. The claim A costs 10000 per evaluation.
    // Work = J + (trials + 1) (J + 10000) + trials J = (trials + 1) 12070000: 48280000 at 3 trials, 60350000 at 4.
    static JsonObject JacobianClaimRequest(int trials) => new()
    {
        ["expression"] = "A*x",
        ["variables"] = new JsonObject
        {
            ["A"] = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode)new JsonArray(Enumerable.Range(0, 100).Select(j => (JsonNode)((i + 2.0 * j) % 7)).ToArray())).ToArray()),
            ["x"] = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode)(i / 100.0)).ToArray()),
        },
        ["wrt"] = new JsonArray("x"),
        ["claims"] = new JsonObject { ["x"] = "A" },
        ["trials"] = trials,
    };

    [Fact]
    public async Task AJacobianIsChargedOnceForEveryElementOfTheExpressionBeforeAnyWork()
    {
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostJson(GradientRoute, JacobianClaimRequest(4).ToJsonString()), "trials");
        Assert.Contains(messages, m => m.Contains("maxExpressionWork 50000000") && m.Contains("60350000"));
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(GradientRoute, JacobianClaimRequest(3).ToJsonString()));
        Assert.Equal("equivalent", body["claims"]!["x"]!["verdict"]!.GetValue<string>());
        Assert.Equal(100, body["jacobians"]!["x"]!.AsArray().Count);
    }

    static JsonObject ConstantsRequest(int constants) => new()
    {
        ["objective"] = new JsonObject
        {
            ["expression"] = "w^2 + sum(C)",
            ["constants"] = new JsonObject { ["C"] = new JsonArray(Enumerable.Range(0, constants).Select(_ => (JsonNode)0.5).ToArray()) },
        },
        ["start"] = new JsonObject { ["w"] = 1.0 },
        ["runs"] = new JsonArray(new JsonObject { ["optimizer"] = new JsonObject { ["type"] = "sgd", ["learningRate"] = 0.1 } }),
        ["maxSteps"] = 1,
    };

    [Fact]
    public async Task TrajectoryConstantsCountAgainstMaxVariableValues()
    {
        using var client = factory.CreateClient();
        // w and 100000 constants: 100001 numbers, one past the limit.
        var messages = await ApiTest.ReadValidationError(await client.PostJson(TrajectoriesRoute, ConstantsRequest(100_000).ToJsonString()), "objective.constants");
        Assert.Contains(messages, m => m.Contains("maxVariableValues") && m.Contains("100000") && m.Contains("100001"));
        await ApiTest.ReadOk(await client.PostJson(TrajectoriesRoute, ConstantsRequest(99_999).ToJsonString()));
    }

    // w^2: nodes w, 2 and ^ at the floor of 64 each, 192 per evaluation; 1 run of 10 steps, 11 points:
    // (192 + 512) x (7 x 11 + 6 x 1) + 2048 x 11 = 58432 + 22528 = 80960.
    static string TrajectoryRequest() => """
        { "objective": { "expression": "w^2" }, "start": { "w": 1 },
          "runs": [{ "optimizer": { "type": "sgd", "learningRate": 0.1 } }], "maxSteps": 10, "tolerance": 0 }
        """;

    [Fact]
    public async Task ATrajectoryPastMaxTrajectoryWorkReturnsProblemDetailsNamingTheLimit()
    {
        using var host = factory.WithSettings(("Limits:MaxTrajectoryWork", "80959"));
        var messages = await ApiTest.ReadValidationError(await host.CreateClient().PostJson(TrajectoriesRoute, TrajectoryRequest()), "maxSteps");
        Assert.Contains(messages, m => m.Contains("maxTrajectoryWork 80959") && m.Contains("work 80960"));

        using var justEnough = factory.WithSettings(("Limits:MaxTrajectoryWork", "80960"));
        await ApiTest.ReadOk(await justEnough.CreateClient().PostJson(TrajectoriesRoute, TrajectoryRequest()));
    }

    // The contract's 3-2-1 problem: layer 1's a has 1 element, layer 0's updated weights 2 x 3 = 6; each result echoes
    // 4 numbers per element (expected, submitted, elements, followThroughExpected): 4 x (1 + 6) = 28. An answer that
    // cannot be read (null) still echoes expected, so it is priced the same.
    static string PricedGrade() => Grading.Request(
        Grading.Answer("/iterations/0/forward/layers/1/a", "0.4739"),
        Grading.Answer("/iterations/0/update/layers/0/weights", "null")).ToJsonString();

    [Fact]
    public async Task AGradingResponsePastMaxResponseValuesReturnsProblemDetailsNamingTheLimit()
    {
        // 4 x 1 + 4 x 6 numbers, and 40 per answer for its explanation: 108.
        using var host = factory.WithSettings(("Limits:MaxResponseValues", "107"));
        var messages = await ApiTest.ReadValidationError(await host.CreateClient().PostJson(Grading.Route, PricedGrade()), "answers");
        Assert.Contains(messages, m => m.Contains("maxResponseValues 107") && m.Contains("108 numbers"));

        using var justEnough = factory.WithSettings(("Limits:MaxResponseValues", "108"));
        var (body, _) = await ApiTest.ReadOk(await justEnough.CreateClient().PostJson(Grading.Route, PricedGrade()));
        Assert.Equal("not_a_number", body["results"]![1]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task ABatchIsPricedOverEverySubmissionsEchoedNumbers()
    {
        // Two submissions of the two answers above: 216 numbers.
        var batch = new JsonObject
        {
            ["problem"] = Grading.ContractProblem(),
            ["submissions"] = new JsonArray(new[] { "s1", "s2" }.Select(id => (JsonNode)Grading.Submission(id,
                Grading.Answer("/iterations/0/forward/layers/1/a", "0.4739"), Grading.Answer("/iterations/0/update/layers/0/weights", "null"))).ToArray()),
        };
        using var host = factory.WithSettings(("Limits:MaxResponseValues", "215"));
        var messages = await ApiTest.ReadValidationError(await host.CreateClient().PostJson(Grading.BatchRoute, batch.ToJsonString()), "submissions");
        Assert.Contains(messages, m => m.Contains("maxResponseValues 215") && m.Contains("216 numbers"));
    }

    [Fact]
    public async Task AnErrorListIsBoundedInCountAndLengthAndCountsEveryFailure()
    {
        // 50 start names the expression does not use, each message echoing the 1,503-character expression.
        string expression = "w^2" + string.Concat(Enumerable.Repeat("+0*w", 375));
        var start = new JsonObject { ["w"] = 1.0 };
        for (int i = 0; i < 50; i++) start[$"q{i}"] = 1.0;
        var request = new JsonObject
        {
            ["objective"] = new JsonObject { ["expression"] = expression },
            ["start"] = start,
            ["runs"] = new JsonArray(new JsonObject { ["optimizer"] = new JsonObject { ["type"] = "sgd", ["learningRate"] = 0.1 } }),
        };
        using var client = factory.CreateClient();
        var problem = await ApiTest.ReadProblem(await client.PostJson(TrajectoriesRoute, request.ToJsonString()), HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(20, errors.Count);
        Assert.Equal(50, problem["errorCount"]!.GetValue<int>());
        Assert.Contains("50 failures", problem["detail"]!.GetValue<string>());
        Assert.All(errors, e => Assert.All(e.Value!.AsArray(), m => Assert.InRange(m!.GetValue<string>().Length, 1, 400)));
        Assert.All(errors, e => Assert.EndsWith("...", e.Value![0]!.GetValue<string>()));
    }

    [Fact]
    public async Task ADeepNarrowNetworkPaysForItsLayersAgainstMaxWork()
    {
        // 9 parameters x 2 examples x 2 iterations = 36, within 2084; + 512 x 2 layers x 2 iterations = 2084 in all.
        using var host = factory.WithSettings(("Limits:MaxWork", "2083"));
        var messages = await ApiTest.ReadValidationError(await host.CreateClient().PostTrain(ApiTest.ValidRequest()), "iterations");
        Assert.Contains(messages, m => m.Contains("maxWork 2083") && m.Contains("= 2084"));

        using var justEnough = factory.WithSettings(("Limits:MaxWork", "2084"));
        await ApiTest.ReadOk(await justEnough.CreateClient().PostTrain(ApiTest.ValidRequest()));
    }

    [Fact]
    public async Task TheOpenApiDescriptionPublishesTheCostLimits()
    {
        using var client = factory.CreateClient();
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        string overview = document["info"]!["description"]!.GetValue<string>();
        foreach (var (limit, value) in new[]
                 {
                     ("maxTrajectoryWork", "400000000"), ("maxResponseValues", "5000000"), ("maxGradingWork", "200000000"),
                     ("maxExpressionWork", "50000000"), ("maxListedErrors / maxErrorTextLength", "20 / 400"),
                 })
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(limit)}[^\n|]*\|\s*{System.Text.RegularExpressions.Regex.Escape(value)}\s*\|", overview);
    }
}
