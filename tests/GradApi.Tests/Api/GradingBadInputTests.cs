using System.Net;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>
/// Invalid grading requests: 400 problem+json with the field's JSON path as the errors key and the limit named, never
/// a 500. An unreadable answer value is not among them: it is graded not_a_number (see GradingApiTests).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GradingBadInputTests(GradApiFactory factory)
{
    const string OutputA = "/iterations/0/forward/layers/1/a";

    static JsonObject Valid() => Grading.Request(Grading.Answer(OutputA, "0.4739"));

    static JsonObject ValidBatch(params string[] ids) => new()
    {
        ["problem"] = Grading.ContractProblem(),
        ["submissions"] = new JsonArray(ids.Select(id => (JsonNode)Grading.Submission(id, Grading.Answer(OutputA, "0.4739"))).ToArray()),
    };

    static JsonObject With(JsonObject request, Action<JsonObject> change)
    {
        change(request);
        return request;
    }

    async Task<string[]> Error(string route, string body, string key, HttpClient? client = null)
    {
        using var own = client is null ? factory.CreateClient() : null;
        return await ApiTest.ReadValidationError(await (client ?? own!).PostJson(route, body), key);
    }

    Task<string[]> Error(JsonNode request, string key, HttpClient? client = null) => Error(Grading.Route, request.ToJsonString(), key, client);

    Task<string[]> BatchError(JsonNode request, string key, HttpClient? client = null) => Error(Grading.BatchRoute, request.ToJsonString(), key, client);

    [Fact]
    public async Task TheValidRequestsUsedByTheseTestsAreAccepted()
    {
        using var client = factory.CreateClient();
        await ApiTest.ReadOk(await client.PostJson(Grading.Route, Valid().ToJsonString()));
        await ApiTest.ReadOk(await client.PostJson(Grading.BatchRoute, ValidBatch("s1", "s2").ToJsonString()));
    }

    // ---- bodies and required fields ----

    [Theory]
    [InlineData(Grading.Route)]
    [InlineData(Grading.BatchRoute)]
    public async Task PostingNoBodyReturnsProblemDetails(string route) =>
        Assert.NotEmpty(await Error(route, "", "body"));

    [Fact]
    public async Task PostingWithoutAProblemReturnsProblemDetailsKeyedProblem() =>
        Assert.Contains(await Error(new JsonObject { ["answers"] = new JsonArray(Grading.Answer(OutputA, "0.4739")) }, "problem"), m => m.Contains("/v1/train"));

    [Fact]
    public async Task PostingWithoutAnswersOrWithNoneReturnsProblemDetailsKeyedAnswers()
    {
        Assert.Contains(await Error(With(Valid(), r => r.Remove("answers")), "answers"), m => m.Contains("required"));
        Assert.Contains(await Error(With(Valid(), r => r["answers"] = new JsonArray()), "answers"), m => m.Contains("at least one"));
    }

    [Fact]
    public async Task PostingAnAnswerWithoutAValueReturnsProblemDetailsWhileANullValueIsGraded()
    {
        var request = Grading.Request(Grading.Answer(OutputA, "0.4739"), new JsonObject { ["path"] = OutputA });
        Assert.Contains(await Error(request, "answers[1].value"), m => m.Contains("required"));

        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(Grading.Route, Grading.Request(Grading.Answer(OutputA, "null")).ToJsonString()));
        Assert.Equal("not_a_number", body["results"]![0]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostingAnAnswerWithoutAPathOrWithANumberForItReturnsProblemDetails()
    {
        var request = Grading.Request(Grading.Answer(OutputA, "0.4739"), new JsonObject { ["value"] = 1 });
        Assert.Contains(await Error(request, "answers[1].path"), m => m.Contains("JSON Pointer"));
        var numbered = Grading.Request(new JsonObject { ["path"] = 3, ["value"] = 1 });
        Assert.Contains(await Error(numbered, "answers[0].path"), m => m.Contains("string"));
    }

    [Fact]
    public async Task PostingAnUnknownFieldInAnAnswerReturnsProblemDetailsKeyedByItsPath()
    {
        var request = With(Valid(), r => r["answers"]![0]!["colour"] = "red");
        Assert.Contains(await Error(request, "answers[0].colour"), m => m.Contains("unknown field 'colour'"));
    }

    [Fact]
    public async Task PostingAnInvalidProblemReturnsItsErrorsKeyedUnderProblem()
    {
        var request = With(Valid(), r => r["problem"]!["network"]!["layers"]![1]!["weights"] = JsonNode.Parse("[[1, 2, 3]]"));
        Assert.Contains(await Error(request, "problem.network.layers[1].weights"), m => m.Contains("2 columns"));
    }

    [Fact]
    public async Task PostingAProblemBeyondTrainsLimitsReturnsProblemDetailsNamingTheLimit()
    {
        var request = With(Valid(), r => r["problem"]!["iterations"] = 10_001);
        Assert.Contains(await Error(request, "problem.iterations"), m => m.Contains("maxIterations"));
    }

    // ---- points, tolerance, partial credit, follow-through ----

    [Fact]
    public async Task PostingNegativePointsReturnsProblemDetails() =>
        Assert.Contains(await Error(Grading.Request(Grading.Answer(OutputA, "0.4739", points: -1)), "answers[0].points"), m => m.Contains("at least 0"));

    [Fact]
    public async Task PostingPointsThatOverflowADoubleReturnsProblemDetails()
    {
        string body = Grading.Request(Grading.Answer(OutputA, "0.4739", points: 12345)).ToJsonString().Replace("12345", "1e400");
        Assert.Contains("1e400", body);
        Assert.Contains(await Error(Grading.Route, body, "answers[0].points"), m => m.Contains("finite"));
    }

    [Fact]
    public async Task PostingAnUnknownToleranceTypeReturnsProblemDetails()
    {
        var request = With(Valid(), r => r["tolerance"] = new JsonObject { ["type"] = "close_enough" });
        Assert.Contains(await Error(request, "tolerance.type"), m => m.Contains("relative, absolute, decimals, significant_figures"));
        Assert.Contains(await Error(With(Valid(), r => r["tolerance"] = new JsonObject()), "tolerance.type"), m => m.Contains("required"));
    }

    [Theory]
    [InlineData("decimals", "\"decimals\": 3, \"relative\": 0.1", "tolerance.relative", "applies to type relative only")]
    [InlineData("significant_figures", "\"figures\": 3, \"absolute\": 0.1", "tolerance.absolute", "applies to types relative and absolute only")]
    [InlineData("relative", "\"decimals\": 3", "tolerance.decimals", "applies to type decimals only")]
    [InlineData("absolute", "\"absolute\": 0.1, \"figures\": 3", "tolerance.figures", "applies to type significant_figures only")]
    public async Task PostingAToleranceFieldOfAnotherTypeReturnsProblemDetailsNamingIt(string type, string fields, string key, string message)
    {
        var request = With(Valid(), r => r["tolerance"] = JsonNode.Parse($$"""{ "type": "{{type}}", {{fields}} }"""));
        Assert.Contains(message, await Error(request, key));
    }

    [Theory]
    [InlineData("{ \"type\": \"absolute\" }", "tolerance.absolute", "required")]
    [InlineData("{ \"type\": \"decimals\" }", "tolerance.decimals", "required")]
    [InlineData("{ \"type\": \"significant_figures\" }", "tolerance.figures", "required")]
    [InlineData("{ \"type\": \"significant_figures\", \"figures\": 0 }", "tolerance.figures", "between 1 and 17")]
    [InlineData("{ \"type\": \"significant_figures\", \"figures\": 18 }", "tolerance.figures", "between 1 and 17")]
    [InlineData("{ \"type\": \"decimals\", \"decimals\": -1 }", "tolerance.decimals", "between 0 and 15")]
    [InlineData("{ \"type\": \"decimals\", \"decimals\": 2.5 }", "tolerance.decimals", "whole number")]
    [InlineData("{ \"type\": \"relative\", \"relative\": -0.1 }", "tolerance.relative", "at least 0")]
    [InlineData("{ \"type\": \"absolute\", \"absolute\": -0.1 }", "tolerance.absolute", "at least 0")]
    public async Task PostingAToleranceWithoutItsFieldOrOutOfRangeReturnsProblemDetails(string tolerance, string key, string message)
    {
        var request = With(Valid(), r => r["tolerance"] = JsonNode.Parse(tolerance));
        Assert.Contains(await Error(request, key), m => m.Contains(message));
    }

    [Fact]
    public async Task PostingTooManyDecimalsOnTheThirdAnswerReturnsProblemDetailsKeyedByItsPath()
    {
        var third = Grading.Answer(OutputA, "0.4739");
        third["tolerance"] = Grading.Decimals(16);
        var request = Grading.Request(Grading.Answer(OutputA, "0.4739"), Grading.Answer(OutputA, "0.4739"), third);
        Assert.Contains(await Error(request, "answers[2].tolerance.decimals"), m => m.Contains("between 0 and 15") && m.Contains("16"));
    }

    [Fact]
    public async Task PostingAPenaltyOfOneAndAHalfReturnsProblemDetails()
    {
        var request = With(Valid(), r => r["followThrough"] = new JsonObject { ["penalty"] = 1.5 });
        Assert.Contains(await Error(request, "followThrough.penalty"), m => m.Contains("[0, 1]") && m.Contains("1.5"));
    }

    [Fact]
    public async Task PostingAnUnknownPartialCreditReturnsProblemDetails()
    {
        var request = With(Valid(), r => r["partialCredit"] = "generous");
        Assert.Contains(await Error(request, "partialCredit"), m => m.Contains("proportional, all_or_nothing"));
    }

    // ---- limits ----

    [Fact]
    public async Task PostingMoreAnswersThanMaxAnswersReturnsProblemDetailsNamingTheLimit()
    {
        var request = Grading.Request(Enumerable.Range(0, 1001).Select(_ => Grading.Answer(OutputA, "0.4739")).ToArray());
        Assert.Contains(await Error(request, "answers"), m => m.Contains("maxAnswers") && m.Contains("1000") && m.Contains("1001"));
    }

    [Fact]
    public async Task PostingExactlyMaxAnswersIsAcceptedAndOneMoreIsNot()
    {
        using var host = factory.WithSettings(("Limits:MaxAnswers", "2"));
        using var client = host.CreateClient();
        var two = Grading.Request(Grading.Answer(OutputA, "0.4739"), Grading.Answer(OutputA, "0.4739"));
        await ApiTest.ReadOk(await client.PostJson(Grading.Route, two.ToJsonString()));
        var three = Grading.Request(Grading.Answer(OutputA, "0.4739"), Grading.Answer(OutputA, "0.4739"), Grading.Answer(OutputA, "0.4739"));
        Assert.Contains(await Error(three, "answers", client), m => m.Contains("maxAnswers") && m.Contains("at most 2"));
        var batch = ValidBatch("s1");
        batch["submissions"]![0]!["answers"] = three["answers"]!.DeepClone();
        Assert.Contains(await BatchError(batch, "submissions[0].answers", client), m => m.Contains("maxAnswers"));
    }

    [Fact]
    public async Task PostingAProblemWhoseGradingWorkExceedsMaxGradingWorkReturnsProblemDetailsNamingTheLimit()
    {
        // The contract's problem: 11 parameters x 1 example x 2 iterations = 22 and 2 layers, so a run costs 22 + 2048 x 2 x 2 = 8214.
        // Per submission, its follow-through run and one run on its own numbers per mistake (sigma' missing, sigma for sigma',
        // eta, uphill, updated weights: 5) and convention (sse, mse, mean, 3 other momenta: 6), and 2 one-layer slips of
        // layer 1: 14 runs; once, 20 + 2 one-layer mistake runs of layer 1. One answer, at layer 1's a (1 element), compared
        // in both layers, (1 + 64) x 2 = 130: 8214 x 36 + 130 = 295834.
        using var host = factory.WithSettings(("Limits:MaxGradingWork", "295833"));
        using var client = host.CreateClient();
        Assert.Contains(await Error(Valid(), "problem.iterations", client), m => m.Contains("maxGradingWork 295833") && m.Contains("8214 x 36 + 130"));
        // A batch of 2: 8214 x (2 x 14 + 20 + 2) + (2 + 128) x 2 = 410960.
        Assert.Contains(await BatchError(ValidBatch("s1", "s2"), "submissions", client), m => m.Contains("maxGradingWork") && m.Contains("grading work 410960"));

        using var justEnough = factory.WithSettings(("Limits:MaxGradingWork", "295834"));
        await ApiTest.ReadOk(await justEnough.CreateClient().PostJson(Grading.Route, Valid().ToJsonString()));
    }

    [Fact]
    public async Task PostingMoreSubmissionsThanMaxSubmissionsReturnsProblemDetailsNamingTheLimit()
    {
        using var host = factory.WithSettings(("Limits:MaxSubmissions", "2"));
        using var client = host.CreateClient();
        await ApiTest.ReadOk(await client.PostJson(Grading.BatchRoute, ValidBatch("s1", "s2").ToJsonString()));
        Assert.Contains(await BatchError(ValidBatch("s1", "s2", "s3"), "submissions", client), m => m.Contains("maxSubmissions") && m.Contains("got 3"));
    }

    [Fact]
    public async Task PostingMoreAnswersOverAllSubmissionsThanMaxGradedAnswersReturnsProblemDetailsNamingTheLimit()
    {
        using var host = factory.WithSettings(("Limits:MaxGradedAnswers", "2"));
        using var client = host.CreateClient();
        Assert.Contains(await BatchError(ValidBatch("s1", "s2", "s3"), "submissions", client), m => m.Contains("maxGradedAnswers") && m.Contains("got 3"));
    }

    // ---- batch submissions ----

    [Fact]
    public async Task PostingADuplicateSubmissionIdReturnsProblemDetailsNamingTheFirstUse()
    {
        var messages = await BatchError(ValidBatch("s1", "s2", "s3", "s1"), "submissions[3].id");
        Assert.Contains("\"s1\" is already used by submissions[0]", messages);
    }

    [Fact]
    public async Task PostingASubmissionWithoutAnIdOrWithAnEmptyOneReturnsProblemDetails()
    {
        var request = With(ValidBatch("s1", "s2"), r => r["submissions"]![1]!.AsObject().Remove("id"));
        Assert.Contains(await BatchError(request, "submissions[1].id"), m => m.Contains("required"));
        Assert.Contains(await BatchError(ValidBatch("s1", ""), "submissions[1].id"), m => m.Contains("empty"));
    }

    [Fact]
    public async Task PostingASubmissionAnswerWithoutAPathReturnsProblemDetailsKeyedByItsPath()
    {
        var request = With(ValidBatch("s1", "s2"), r => r["submissions"]![1]!["answers"]![0]!.AsObject().Remove("path"));
        Assert.Contains(await BatchError(request, "submissions[1].answers[0].path"), m => m.Contains("required"));
    }

    [Fact]
    public async Task PostingNoSubmissionsOrNoneReturnsProblemDetails()
    {
        Assert.Contains(await BatchError(With(ValidBatch("s1"), r => r.Remove("submissions")), "submissions"), m => m.Contains("required"));
        Assert.Contains(await BatchError(With(ValidBatch("s1"), r => r["submissions"] = new JsonArray()), "submissions"), m => m.Contains("at least one"));
    }

    [Fact]
    public async Task PostingAnswersToABatchRequestReturnsProblemDetailsForTheUnknownField()
    {
        var request = With(ValidBatch("s1"), r => r["answers"] = new JsonArray());
        Assert.Contains(await BatchError(request, "answers"), m => m.Contains("unknown field 'answers'"));
    }

    // ---- never a 500 ----

    [Theory]
    [InlineData("/")]
    [InlineData("/iterations")]
    [InlineData("/iterations/-1/loss/value")]
    [InlineData("/iterations/01/loss/value")]
    [InlineData("/iterations/0/update/layers/0/state/m/weights")]
    [InlineData("/iterations/0/update/layers/0/lookAhead/weights")]
    [InlineData("/initial/layers/0/weights/5/5/5/5")]
    [InlineData("/iterations/0/loss/also/ce")]
    [InlineData("/final/layers/1/weights/~1x")]
    public async Task AnOddPointerIsGradedUnknownPathNotAnError(string path)
    {
        using var client = factory.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostJson(Grading.Route, Grading.Request(Grading.Answer(path, "[1, 2]")).ToJsonString()));
        Assert.Equal("unknown_path", body["results"]![0]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task ASparseTreeOfBadFieldsIsAnsweredWithEveryErrorAtOnce()
    {
        var request = new JsonObject
        {
            ["answers"] = new JsonArray(new JsonObject { ["points"] = -2 }),
            ["tolerance"] = new JsonObject { ["type"] = "decimals" },
            ["followThrough"] = new JsonObject { ["penalty"] = -0.1 },
        };
        using var client = factory.CreateClient();
        var problem = await ApiTest.ReadProblem(await client.PostJson(Grading.Route, request.ToJsonString()), HttpStatusCode.BadRequest);
        var keys = problem["errors"]!.AsObject().Select(e => e.Key).ToArray();
        Assert.Equal(["answers[0].path", "answers[0].points", "answers[0].value", "followThrough.penalty", "problem", "tolerance.decimals"], keys.Order(StringComparer.Ordinal));
    }
}
