using System.Net;
using System.Text.Json.Nodes;
using GradApi.Tests.Fixtures;

namespace GradApi.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class HealthAndOpenApiTests(GradApiFactory factory)
{
    static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    async Task<JsonObject> Document(HttpClient client)
    {
        var response = await client.GetAsync("/swagger/v1/swagger.json");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"swagger.json answered {(int)response.StatusCode}: {ApiTest.Clip(text)}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task GettingEachHealthRouteReturns200Healthy(string route)
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(route);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("healthy", body["status"]?.GetValue<string>());
    }

    [Fact]
    public async Task EveryOperationInTheOpenApiDocumentHasASummaryAndADescription()
    {
        using var client = factory.CreateClient();
        var paths = (await Document(client))["paths"]!.AsObject();
        Assert.Contains("/v1/train", paths.Select(p => p.Key));
        Assert.Contains("/health", paths.Select(p => p.Key));

        int operations = 0;
        foreach (var (path, item) in paths)
            foreach (var (method, operation) in item!.AsObject().Where(o => Methods.Contains(o.Key)))
            {
                operations++;
                Assert.False(string.IsNullOrWhiteSpace(operation?["summary"]?.GetValue<string>()), $"{method} {path} has no summary");
                Assert.False(string.IsNullOrWhiteSpace(operation?["description"]?.GetValue<string>()), $"{method} {path} has no description");
            }
        Assert.True(operations >= 2);
    }

    [Fact]
    public async Task TheTrainRequestBodyOffersANamedExampleEqualToEveryReferenceFixtureRequest()
    {
        using var client = factory.CreateClient();
        var document = await Document(client);
        var examples = document["paths"]?["/v1/train"]?["post"]?["requestBody"]?["content"]?["application/json"]?["examples"] as JsonObject;
        Assert.True(examples is not null, "POST /v1/train's application/json request body has no examples");

        foreach (var name in ReferenceCase.Names())
        {
            Assert.True(examples.ContainsKey(name), $"no request example named '{name}'; have {string.Join(", ", examples.Select(e => e.Key))}");
            var value = examples[name]!["value"];
            var request = ReferenceCase.Load(name).Request;
            Assert.True(JsonNode.DeepEquals(request, value),
                $"example '{name}' differs from the fixture's request:\nexample: {value?.ToJsonString()}\nfixture: {request.ToJsonString()}");
            Assert.False(string.IsNullOrWhiteSpace(examples[name]!["summary"]?.GetValue<string>()), $"example '{name}' has no summary");
        }
    }

    [Fact]
    public async Task TheOpenApiDescriptionStatesTheLimitsInForce()
    {
        using var client = factory.CreateClient();
        string description = (await Document(client))["info"]!["description"]!.GetValue<string>();
        foreach (var (limit, value) in new[]
                 {
                     ("maxBodyBytes", "4194304"), ("maxParameters", "120000"), ("maxExamples", "10000"),
                     ("maxIterations", "10000"), ("maxWork", "20000000"), ("maxTraceValues", "5000000"),
                 })
        {
            Assert.Contains(limit, description);
            Assert.Matches($@"{limit}[^\n|]*\|\s*{value}\s*\|", description);
        }
    }

    [Fact]
    public async Task TheOpenApiDescriptionFollowsConfiguredLimits()
    {
        using var host = factory.WithSettings(("Limits:MaxIterations", "123"));
        using var client = host.CreateClient();
        string description = (await Document(client))["info"]!["description"]!.GetValue<string>();
        Assert.Matches(@"maxIterations[^\n|]*\|\s*123\s*\|", description);
    }

    [Fact]
    public async Task GettingTheSwaggerUiReturns200()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
