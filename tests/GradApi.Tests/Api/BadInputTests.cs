using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>Unreadable and invalid requests: 400 problem+json with errors keyed by JSON path.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(GradApiFactory factory)
{
    async Task<string[]> PostExpectingError(JsonNode request, string key)
    {
        using var client = factory.CreateClient();
        return await ApiTest.ReadValidationError(await client.PostTrain(request), key);
    }

    async Task<string[]> PostRawExpectingError(string body, string key)
    {
        using var client = factory.CreateClient();
        return await ApiTest.ReadValidationError(await client.PostRaw(body), key);
    }

    static JsonObject With(Action<JsonObject> change)
    {
        var request = ApiTest.ValidRequest();
        change(request);
        return request;
    }

    static JsonObject Layer(JsonObject request, int index) => request["network"]!["layers"]![index]!.AsObject();

    [Fact]
    public async Task TheValidRequestUsedByTheseTestsIsAccepted()
    {
        using var client = factory.CreateClient();
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
    }

    // ---- unreadable bodies ----

    [Fact]
    public async Task PostingAnUnknownFieldAtTheRootReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["colour"] = "blue"), "colour");
        Assert.Contains(messages, m => m.Contains("unknown field 'colour'"));
    }

    [Fact]
    public async Task PostingAnUnknownNestedFieldReturnsProblemDetailsKeyedByItsPath()
    {
        var messages = await PostExpectingError(With(r => Layer(r, 0)["colour"] = "blue"), "network.layers[0].colour");
        Assert.Contains(messages, m => m.Contains("unknown field 'colour'") && m.Contains("network.layers[0]"));
    }

    [Fact]
    public async Task PostingAWeightThatOverflowsADoubleReturnsProblemDetails()
    {
        string body = ApiTest.ValidRequest().ToJsonString().Replace("[[0.1,-0.2]", "[[1e400,-0.2]");
        Assert.Contains("1e400", body);
        var messages = await PostRawExpectingError(body, "network.layers[0].weights[0][0]");
        Assert.Contains(messages, m => m.Contains("finite"));
    }

    [Fact]
    public async Task PostingTheStringNaNAsAnInputReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["data"]!["inputs"]![0]![0] = "NaN"), "data.inputs[0][0]");
        Assert.Contains(messages, m => m.Contains("finite"));
    }

    [Fact]
    public async Task PostingABareNaNTokenReturnsAMalformedJsonProblem()
    {
        string body = ApiTest.ValidRequest().ToJsonString().Replace("\"inputs\":[[1,0]", "\"inputs\":[[NaN,0]");
        Assert.Contains("NaN", body);
        using var client = factory.CreateClient();
        var problem = await ApiTest.ReadProblem(await client.PostRaw(body), HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        var (key, messages) = Assert.Single(errors);
        Assert.Equal("$", key);
        Assert.Matches(@"^malformed JSON at line 1, position \d+ \(in data\.inputs\[0\]\[0\]\): 'N' cannot start a value", messages![0]!.GetValue<string>());
    }

    [Fact]
    public async Task PostingAQuotedNumberReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["optimizer"]!["learningRate"] = "0.5"), "optimizer.learningRate");
        Assert.Contains(messages, m => m.Contains("number"));
    }

    [Fact]
    public async Task PostingAQuotedWholeNumberReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["iterations"] = "2"), "iterations");
        Assert.Contains(messages, m => m.Contains("whole number"));
    }

    [Theory]
    [InlineData("iterations", "\"2\"", "iterations", "a whole number")]
    [InlineData("iterations", "2.5", "iterations", "a whole number")]
    [InlineData("network.inputSize", "\"2\"", "network.inputSize", "a whole number")]
    [InlineData("network.layers.0.name", "5", "network.layers[0].name", "a string")]
    [InlineData("network.layers.0", "5", "network.layers[0]", "a JSON object")]
    [InlineData("network.layers", "{}", "network.layers", "an array")]
    [InlineData("data.inputs", "5", "data.inputs", "an array of arrays")]
    [InlineData("data.inputs.0", "5", "data.inputs[0]", "an array")]
    [InlineData("loss.alsoReport", "\"bce\"", "loss.alsoReport", "an array of strings")]
    [InlineData("include.0", "5", "include[0]", "a string")]
    [InlineData("loss", "\"half_sse\"", "loss", "a JSON object")]
    public async Task PostingAValueOfTheWrongJsonTypeNamesTheTypeExpected(string at, string json, string key, string expected)
    {
        var request = ApiTest.ValidRequest();
        request["loss"]!["alsoReport"] = new JsonArray("bce");
        request["include"] = new JsonArray("loss");
        // Walk to the parent of the last segment and replace the value there.
        var parts = at.Split('.');
        JsonNode parent = request;
        foreach (var part in parts[..^1]) parent = int.TryParse(part, out int i) ? parent[i]! : parent[part]!;
        var value = JsonNode.Parse(json);
        if (int.TryParse(parts[^1], out int index)) parent[index] = value; else parent[parts[^1]] = value;

        var messages = await PostExpectingError(request, key);
        Assert.Equal($"expected {expected}", Assert.Single(messages));
    }

    [Fact]
    public async Task PostingMalformedJsonReturnsProblemDetailsWithAPosition()
    {
        string body = ApiTest.ValidRequest().ToJsonString();
        body = body[..(body.Length / 2)];
        using var client = factory.CreateClient();
        var problem = await ApiTest.ReadProblem(await client.PostRaw(body), HttpStatusCode.BadRequest);
        // The body as a whole is at fault, not the field the reader stopped in.
        var (key, messages) = Assert.Single(problem["errors"]!.AsObject());
        Assert.Equal("$", key);
        string message = messages![0]!.GetValue<string>();
        Assert.StartsWith("malformed JSON at line 1, position ", message);
        Assert.True(message.Contains("was the body cut off?") || message.Contains("was it cut off?"), message);
        Assert.DoesNotContain("Expected a delimiter", message);
    }

    [Fact]
    public async Task PostingTrailingCommasReturnsAMalformedJsonProblem()
    {
        string body = ApiTest.ValidRequest().ToJsonString().Replace("\"iterations\":2", "\"iterations\":2,");
        using var client = factory.CreateClient();
        var problem = await ApiTest.ReadProblem(await client.PostRaw(body), HttpStatusCode.BadRequest);
        var (key, messages) = Assert.Single(problem["errors"]!.AsObject());
        Assert.Equal("$", key);
        string message = messages![0]!.GetValue<string>();
        Assert.Contains("a trailing comma is not allowed", message);
        Assert.DoesNotContain("reader options", message);
    }

    [Fact]
    public async Task PostingASnakeCaseFieldNamesTheFieldItMeant()
    {
        string body = ApiTest.ValidRequest().ToJsonString().Replace("\"learningRate\"", "\"learning_rate\"");
        Assert.Contains("learning_rate", body);
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostRaw(body), "optimizer.learning_rate");
        Assert.Contains(messages, m => m.Contains("unknown field 'learning_rate' in optimizer (did you mean 'learningRate'?)"));
    }

    [Fact]
    public async Task AFieldNothingLikeAKnownOneGetsNoGuess()
    {
        string body = ApiTest.ValidRequest().ToJsonString().Replace("\"iterations\":2", "\"iterations\":2,\"colour\":1");
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostRaw(body), "colour");
        Assert.Contains(messages, m => m.Contains("unknown field 'colour'") && !m.Contains("did you mean"));
    }

    [Fact]
    public async Task ALayerOfTheWrongWidthIsBlamedAloneNotTheLayerAfterIt()
    {
        // Layer 0 has 2 rows of 2 columns where inputSize is 3; layer 1's rows of 2 match layer 0's 2 units.
        var request = ApiTest.ValidRequest();
        request["network"]!["inputSize"] = 3;
        request["network"]!["layers"]![0]!["weights"] = JsonNode.Parse("[[0.2, 0.4], [-0.3, 0.1]]");
        request["data"] = JsonNode.Parse("""{ "inputs": [[1, 0, 1]], "targets": [[1]] }""");
        using var client = factory.CreateClient();
        var problem = await ApiTest.ReadProblem(await client.PostRaw(request.ToJsonString()), HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["network.layers[0].weights"], errors.Select(e => e.Key));
        Assert.Contains("to match inputSize 3, got 2 in row 0", errors["network.layers[0].weights"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task PostingAnEmptyBodyReturnsProblemDetails()
    {
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostRaw(""), "body");
        Assert.Contains(messages, m => m.Contains("body is required", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task PostingJsonNullReturnsProblemDetails()
    {
        await PostRawExpectingError("null", "body");
    }

    [Fact]
    public async Task PostingWithoutAnyContentReturnsProblemDetails()
    {
        using var client = factory.CreateClient();
        var response = await client.PostAsync(ApiTest.TrainRoute, null);
        // No body and no content type: either reading is refused (415) or the body is required (400).
        var status = response.StatusCode;
        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"got {(int)status}");
        var problem = await ApiTest.ReadProblem(response, status);
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), $"no detail: {problem.ToJsonString()}");
    }

    [Fact]
    public async Task PostingAWrongContentTypeReturns415ProblemDetailsWithADetail()
    {
        using var client = factory.CreateClient();
        var response = await client.PostRaw(ApiTest.ValidRequest().ToJsonString(), "text/plain");
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.UnsupportedMediaType);
        string? detail = problem["detail"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(detail), $"no detail: {problem.ToJsonString()}");
        Assert.Contains("application/json", detail);
    }

    // ---- shapes ----

    [Fact]
    public async Task PostingANetworkWithMismatchedWeightsReturnsProblemDetails()
    {
        // The output layer needs 1 row of 2 columns (the hidden layer has 2 units); give it 2 rows of 3.
        var messages = await PostExpectingError(
            With(r => Layer(r, 1)["weights"] = JsonNode.Parse("[[0.5, -0.6, 0.1], [0.2, 0.2, 0.2]]")),
            "network.layers[1].weights");
        var message = Assert.Single(messages);
        Assert.Contains("expected", message);
        Assert.Contains("2 columns", message);
        Assert.Contains("got 3", message);
    }

    [Fact]
    public async Task PostingBiasesOfTheWrongLengthReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => Layer(r, 0)["biases"] = JsonNode.Parse("[0.1, 0.2, 0.3]")), "network.layers[0].biases");
        Assert.Contains(messages, m => m.Contains("expected 2 biases") && m.Contains("got 3"));
    }

    [Fact]
    public async Task PostingAnInputRowOfTheWrongLengthReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["data"]!["inputs"]![1] = JsonNode.Parse("[1, 2, 3]")), "data.inputs[1]");
        Assert.Contains(messages, m => m.Contains("expected 2 values") && m.Contains("got 3"));
    }

    [Fact]
    public async Task PostingFewerTargetsThanInputsReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["data"]!["targets"] = JsonNode.Parse("[[1]]")), "data.targets");
        Assert.Contains(messages, m => m.Contains("expected 2 rows") && m.Contains("got 1"));
    }

    // ---- vocabulary ----

    [Fact]
    public async Task PostingAnUnknownActivationReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => Layer(r, 0)["activation"] = "swish"), "network.layers[0].activation");
        Assert.Contains(messages, m => m.Contains("'swish'") && m.Contains("sigmoid"));
    }

    [Fact]
    public async Task PostingAnUnknownLossReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["loss"]!["type"] = "hinge"), "loss.type");
        Assert.Contains(messages, m => m.Contains("'hinge'") && m.Contains("half_sse"));
    }

    [Fact]
    public async Task PostingAnUnknownOptimizerReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["optimizer"]!["type"] = "lion"), "optimizer.type");
        Assert.Contains(messages, m => m.Contains("'lion'") && m.Contains("adam"));
    }

    [Fact]
    public async Task PostingAnUnknownMomentumConventionReturnsProblemDetails()
    {
        var messages = await PostExpectingError(
            With(r => r["optimizer"] = JsonNode.Parse("""{ "type": "momentum", "learningRate": 0.1, "momentum": 0.9, "convention": "keras" }""")),
            "optimizer.convention");
        Assert.Contains(messages, m => m.Contains("'keras'") && m.Contains("heavy_ball"));
    }

    [Fact]
    public async Task PostingAnOptimizerFieldTheTypeDoesNotUseReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["optimizer"]!["beta1"] = 0.9), "optimizer.beta1");
        Assert.Contains(messages, m => m.Contains("not used by sgd"));
    }

    [Fact]
    public async Task PostingAnOptimizerWithoutLearningRateReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["optimizer"]!.AsObject().Remove("learningRate")), "optimizer.learningRate");
        Assert.Contains(messages, m => m.Contains("required"));
    }

    [Fact]
    public async Task PostingMomentumWithoutItsMomentumReturnsProblemDetails()
    {
        var messages = await PostExpectingError(
            With(r => r["optimizer"] = JsonNode.Parse("""{ "type": "momentum", "learningRate": 0.1 }""")), "optimizer.momentum");
        Assert.Contains(messages, m => m.Contains("required for momentum"));
    }

    [Fact]
    public async Task PostingSoftmaxOnAHiddenLayerReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => Layer(r, 0)["activation"] = "softmax"), "network.layers[0].activation");
        Assert.Contains(messages, m => m.Contains("output layer only"));
    }

    [Fact]
    public async Task PostingBceWithAnIdentityOutputReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r =>
        {
            Layer(r, 1)["activation"] = "identity";
            r["loss"]!["type"] = "bce";
        }), "loss.type");
        Assert.Contains(messages, m => m.Contains("bce") && m.Contains("identity"));
    }

    [Fact]
    public async Task PostingRandomSamplingWithoutASeedReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["sampling"] = JsonNode.Parse("""{ "mode": "random" }""")), "sampling.seed");
        Assert.Contains(messages, m => m.Contains("required for random"));
    }

    [Fact]
    public async Task PostingAScheduleWithTheWrongNumberOfBatchesReturnsProblemDetails()
    {
        // iterations is 2; the schedule holds 3 batches.
        var messages = await PostExpectingError(
            With(r => r["sampling"] = JsonNode.Parse("""{ "mode": "schedule", "indices": [[0], [1], [0, 1]] }""")), "sampling.indices");
        Assert.Contains(messages, m => m.Contains("(2)") && m.Contains("got 3"));
    }

    [Fact]
    public async Task PostingAnIncludeWithAnUnknownSectionReturnsProblemDetails()
    {
        var messages = await PostExpectingError(With(r => r["include"] = JsonNode.Parse("""["loss", "gradients"]""")), "include[1]");
        Assert.Contains(messages, m => m.Contains("'gradients'") && m.Contains("forward"));
    }

    [Fact]
    public async Task PostingSeveralMistakesReportsEachUnderItsOwnPath()
    {
        using var client = factory.CreateClient();
        var request = With(r =>
        {
            Layer(r, 0)["activation"] = "swish";
            r["loss"]!["type"] = "hinge";
            r["optimizer"]!["beta1"] = 0.9;
        });
        var problem = await ApiTest.ReadProblem(await client.PostTrain(request), HttpStatusCode.BadRequest);
        var keys = problem["errors"]!.AsObject().Select(e => e.Key).ToArray();
        Assert.Contains("network.layers[0].activation", keys);
        Assert.Contains("loss.type", keys);
        Assert.Contains("optimizer.beta1", keys);
    }
}
