using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>Every error a client can provoke is problem+json free of type names, exception names and stack traces.</summary>
[Collection(ApiCollection.Name)]
public sealed class ErrorHygieneTests(GradApiFactory factory)
{
    public static TheoryData<string> UnreadableBodies()
    {
        string valid = ApiTest.ValidRequest().ToJsonString();
        return new TheoryData<string>
        {
            "{",
            "}",
            "[1, 2, 3]",
            "\"a string\"",
            "42",
            "{\"network\": {\"layers\": [{\"weights\": [[1, 2], [3]]}]}}",
            valid.Replace("\"iterations\":2", "\"iterations\":1e10"),
            valid.Replace("\"iterations\":2", "\"iterations\":-99999999999999999999"),
            valid.Replace("\"iterations\":2", "\"iterations\":true"),
            valid.Replace("\"learningRate\":0.5", "\"learningRate\":Infinity"),
            valid.Replace("\"learningRate\":0.5", "\"learningRate\":-1e999"),
            valid.Replace("\"learningRate\":0.5", "\"learningRate\":0.5 /* comment */"),
            valid + "garbage",
            new string('[', 5000) + new string(']', 5000),
            "{\"network\":" + new string('[', 100) + new string(']', 100) + "}",
        };
    }

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task NoErrorResponseRevealsTypeNamesExceptionsOrStackTraces(string body)
    {
        using var client = factory.CreateClient();
        var response = await client.PostRaw(body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"got {(int)response.StatusCode}: {ApiTest.Clip(text)}");
        var problem = await ApiTest.ReadProblem(response, response.StatusCode);
        Assert.True(problem["errors"] is JsonObject { Count: > 0 } || problem["detail"] is JsonValue, $"no errors or detail: {text}");
    }

    [Fact]
    public async Task AnUnknownRouteAnswers404ProblemDetails()
    {
        using var client = factory.CreateClient();
        await ApiTest.ReadProblem(await client.GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GettingTheTrainRouteAnswers405ProblemDetails()
    {
        using var client = factory.CreateClient();
        await ApiTest.ReadProblem(await client.GetAsync(ApiTest.TrainRoute), HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task PostingJsonWithACharsetOrAVendorJsonTypeIsAccepted()
    {
        using var client = factory.CreateClient();
        var content = new StringContent(ApiTest.ValidRequest().ToJsonString());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        await ApiTest.ReadOk(await client.PostAsync(ApiTest.TrainRoute, content));
    }
}
