using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Tests.Api;
using Marking = GradApi.Tests.Api.Grading;

namespace GradApi.Tests.Operations;

/// <summary>reveal: "verdicts" (API 1.1 "Marking as a careful marker does"): no result carries a reference number.</summary>
[Collection(ApiCollection.Name)]
public sealed class RevealTests(GradApiFactory factory)
{
    [Theory]
    [InlineData("Your value matches the update without the learning rate: the step is multiplied by eta = 0.9.",
                "Your value matches the update without the learning rate: the step is multiplied by eta = ….")]
    [InlineData("expected -0.1311, got 1.5e-3 or 2E+5 and .25", "expected …, got … or … and …")]
    [InlineData("Wrong against the reference, right given your own earlier answers (/iterations/0/forward/layers/1/a).",
                "Wrong against the reference, right given your own earlier answers (/iterations/0/forward/layers/1/a).")]
    [InlineData("Your value is the one for iteration 2; this path is iteration 1.", "Your value is the one for iteration 2; this path is iteration 1.")]
    [InlineData("expected [2][3] (or [3] with the batch axis dropped), got [3][2]", "expected [2][3] (or [3] with the batch axis dropped), got [3][2]")]
    [InlineData("rounded to 4 decimals", "rounded to 4 decimals")]
    public void NumbersAComputationProducesAreLeftOutOfMessagesAndIndicesStay(string message, string shown) =>
        Assert.Equal(shown, VerdictsOnly.WithoutNumbers(message));

    [Fact]
    public async Task RevealVerdictsOnGradeNullsEveryReferenceAndKeepsVerdictsAndPoints()
    {
        // The student's output a = 0.5 is wrong; delta = (0.5 - 1)(0.5)(1 - 0.5) = -0.125 follows through from it.
        var request = Marking.Request(
            Marking.Answer("/iterations/0/forward/layers/1/a", "0.5"),
            Marking.Answer("/iterations/0/backward/layers/1/delta", "-0.125", points: 2));
        request["reveal"] = "verdicts";
        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(Marking.Route, request.ToJsonString()));

        var results = body["results"]!.AsArray();
        Assert.Equal(["incorrect", "follow_through"], results.Select(r => r!["verdict"]!.GetValue<string>()));
        Assert.Equal(["/iterations/0/forward/layers/1/a"], results[1]!["usedAnswers"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(2, results[1]!["pointsAwarded"]!.GetValue<double>());
        Assert.All(results, r =>
        {
            Assert.True(r!.AsObject().ContainsKey("expected"));
            Assert.Null(r["expected"]);
            Assert.Null(r["followThroughExpected"]);
            Assert.Null(r["maxAbsoluteError"]);
            // The formula alone: no number with a fraction anywhere, where reveal all writes 0.4739, -0.1250.
            Assert.StartsWith("$", r["explanation"]!.GetValue<string>());
            Assert.DoesNotMatch(@"\d\.\d", r["explanation"]!.GetValue<string>());
        });

        request["reveal"] = "all";
        var (shown, _) = await ApiTest.ReadOk(await client.PostJson(Marking.Route, request.ToJsonString()));
        Assert.Contains("(0.5000 - 1)", shown["results"]![1]!["explanation"]!.GetValue<string>());
    }

    [Fact]
    public async Task RevealAllIsTheDefaultAndShowsTheReference()
    {
        var request = Marking.Request(Marking.Answer("/iterations/0/forward/layers/1/a", "0.5"));
        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(Marking.Route, request.ToJsonString()));
        double reference = Sigmoid(-0.3 * Sigmoid(-0.7) - 0.2 * Sigmoid(0.1) + 0.1);
        Assert.Equal(reference, body["results"]![0]!["expected"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task RevealVerdictsOnABatchNullsEveryReferenceAndKeepsTheSummary()
    {
        var request = new JsonObject
        {
            ["problem"] = Marking.ContractProblem(),
            ["reveal"] = "verdicts",
            ["submissions"] = new JsonArray(
                Marking.Submission("s1", Marking.Answer("/iterations/0/forward/layers/1/a", "0.5")),
                Marking.Submission("s2", Marking.Answer("/iterations/0/forward/layers/1/a", "0.4739"))),
        };
        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(Marking.BatchRoute, request.ToJsonString()));
        var all = body["results"]!.AsArray().SelectMany(s => s!["results"]!.AsArray()).ToArray();
        Assert.Equal(["incorrect", "correct"], all.Select(r => r!["verdict"]!.GetValue<string>()));
        Assert.All(all, r => Assert.Null(r!["expected"]));
        var summary = body["summary"]!["/iterations/0/forward/layers/1/a"]!;
        Assert.Equal(1, summary["correct"]!.GetValue<int>());
        Assert.Equal(1, summary["incorrect"]!.GetValue<int>());
    }

    [Fact]
    public async Task AnUnknownRevealIs400NamingTheChoices()
    {
        var request = Marking.Request(Marking.Answer("/iterations/0/forward/layers/1/a", "0.5"));
        request["reveal"] = "some";
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostJson(Marking.Route, request.ToJsonString()), "reveal");
        Assert.Contains("all, verdicts", Assert.Single(messages));
    }

    static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
