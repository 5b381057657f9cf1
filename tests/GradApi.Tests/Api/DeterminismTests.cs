using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>The same request always gives the byte-identical response; the seed is what makes sampling differ.</summary>
[Collection(ApiCollection.Name)]
public sealed class DeterminismTests(GradApiFactory factory)
{
    static JsonObject Request(string sampling)
    {
        var request = ApiTest.ValidRequest();
        request["data"] = JsonNode.Parse("""
            { "inputs": [[1, 0], [0, 1], [1, 1], [0, 0], [0.5, -0.5], [-1, 2], [2, 1]],
              "targets": [[1], [0], [1], [0], [0.5], [0], [1]] }
            """);
        request["optimizer"] = JsonNode.Parse("""{ "type": "adam", "learningRate": 0.05 }""");
        request["iterations"] = 12;
        request["sampling"] = JsonNode.Parse(sampling);
        return request;
    }

    async Task<string> Post(HttpClient client, JsonObject request)
    {
        var (_, text) = await ApiTest.ReadOk(await client.PostTrain(request));
        return text;
    }

    static string Indices(string body) =>
        string.Join("|", JsonNode.Parse(body)!["iterations"]!.AsArray().Select(i => i!["exampleIndices"]!.ToJsonString()));

    [Theory]
    [InlineData("""{ "mode": "minibatch", "batchSize": 3, "seed": 42 }""")]
    [InlineData("""{ "mode": "random", "seed": 42 }""")]
    [InlineData("""{ "mode": "full" }""")]
    public async Task PostingTheSameRequestTwiceGivesByteIdenticalBodies(string sampling)
    {
        using var client = factory.CreateClient();
        string first = await Post(client, Request(sampling));
        string second = await Post(client, Request(sampling));
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task TheSameRequestOnAFreshHostGivesTheSameBytes()
    {
        const string sampling = """{ "mode": "minibatch", "batchSize": 2, "seed": 7 }""";
        using var client = factory.CreateClient();
        string first = await Post(client, Request(sampling));
        using var other = factory.WithSettings(("Limits:MaxIterations", "9999"));
        using var otherClient = other.CreateClient();
        Assert.Equal(first, await Post(otherClient, Request(sampling)));
    }

    [Theory]
    [InlineData("""{ "mode": "minibatch", "batchSize": 3, "seed": 1 }""", """{ "mode": "minibatch", "batchSize": 3, "seed": 2 }""")]
    [InlineData("""{ "mode": "random", "seed": 1 }""", """{ "mode": "random", "seed": 2 }""")]
    public async Task DifferentSeedsDrawDifferentExamples(string one, string two)
    {
        using var client = factory.CreateClient();
        string first = await Post(client, Request(one));
        string second = await Post(client, Request(two));
        Assert.NotEqual(first, second);
        Assert.NotEqual(Indices(first), Indices(second));
    }

    [Fact]
    public async Task MinibatchSamplingVisitsEveryExampleOncePerEpoch()
    {
        using var client = factory.CreateClient();
        var body = JsonNode.Parse(await Post(client, Request("""{ "mode": "minibatch", "batchSize": 3, "seed": 42 }""")))!;
        var batches = body["iterations"]!.AsArray().Select(i => i!["exampleIndices"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToArray();
        // 7 examples in batches of 3: 3, 3, 1 per epoch.
        Assert.Equal([3, 3, 1, 3, 3, 1, 3, 3, 1, 3, 3, 1], batches.Select(b => b.Length));
        for (int epoch = 0; epoch < 4; epoch++)
            Assert.Equal(Enumerable.Range(0, 7), batches.Skip(3 * epoch).Take(3).SelectMany(b => b).Order());
    }
}
