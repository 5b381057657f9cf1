using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>The published limits: 400 naming the limit, 413 for the body, before any work is done.</summary>
[Collection(ApiCollection.Name)]
public sealed class LimitTests(GradApiFactory factory)
{
    [Fact]
    public async Task PostingMoreIterationsThanMaxIterationsReturnsProblemDetailsNamingTheLimit()
    {
        using var client = factory.CreateClient();
        var request = ApiTest.ValidRequest();
        request["iterations"] = 10_001;
        var messages = await ApiTest.ReadValidationError(await client.PostTrain(request), "iterations");
        Assert.Contains(messages, m => m.Contains("maxIterations") && m.Contains("10000") && m.Contains("10001"));
    }

    [Fact]
    public async Task PostingExactlyMaxIterationsIsAccepted()
    {
        using var host = factory.WithSettings(("Limits:MaxIterations", "3"));
        using var client = host.CreateClient();
        var request = ApiTest.ValidRequest();
        request["iterations"] = 3;
        request["include"] = new JsonArray("loss");
        var (body, _) = await ApiTest.ReadOk(await client.PostTrain(request));
        Assert.Equal(3, body["iterations"]!.AsArray().Count);

        request["iterations"] = 4;
        var messages = await ApiTest.ReadValidationError(await client.PostTrain(request), "iterations");
        Assert.Contains(messages, m => m.Contains("maxIterations") && m.Contains("at most 3"));
    }

    [Fact]
    public async Task PostingANetworkWithTooManyParametersReturnsProblemDetailsNamingTheLimit()
    {
        // The request network has 2x2 + 2 + 1x2 + 1 = 9 parameters.
        using var host = factory.WithSettings(("Limits:MaxParameters", "8"));
        using var client = host.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostTrain(ApiTest.ValidRequest()), "network");
        Assert.Contains(messages, m => m.Contains("maxParameters") && m.Contains("got 9"));
    }

    [Fact]
    public async Task PostingANetworkWithTooManyParametersAtTheDefaultLimitReturnsProblemDetails()
    {
        // 347 x 347 weights and 347 biases: 120,756 parameters, above the default 120,000.
        const int n = 347;
        var row = "[" + string.Join(",", Enumerable.Repeat("0", n)) + "]";
        var weights = "[" + string.Join(",", Enumerable.Repeat(row, n)) + "]";
        var body = $$"""
            { "network": { "inputSize": {{n}}, "layers": [ { "activation": "identity", "weights": {{weights}}, "biases": {{row}} } ] },
              "data": { "inputs": [{{row}}], "targets": [{{row}}] },
              "loss": { "type": "half_sse" }, "optimizer": { "type": "sgd", "learningRate": 0.1 } }
            """;
        using var client = factory.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostRaw(body), "network");
        Assert.Contains(messages, m => m.Contains("maxParameters") && m.Contains("120000") && m.Contains("120756"));
    }

    [Theory]
    [InlineData(6, 200)]
    [InlineData(7, 400)]
    public async Task AnMnistSizedNetworkRunsAtTheDefaultLimitsForAsManyIterationsAsMaxWorkAdmits(int iterations, int status)
    {
        // 784-128-10, sigmoid then softmax with ce, Adam, a batch of 32: 101,770 parameters. maxWork admits
        // 101,770 x 32 x 6 + 512 x 2 x 6 = 19,545,984 of 20,000,000; the trace holds about 6 x 758,406 numbers, under 5,000,000.
        string Rows(int rows, int columns, string value) =>
            "[" + string.Join(",", Enumerable.Repeat("[" + string.Join(",", Enumerable.Repeat(value, columns)) + "]", rows)) + "]";
        string Zeros(int n) => "[" + string.Join(",", Enumerable.Repeat("0", n)) + "]";
        var targets = "[" + string.Join(",", Enumerable.Range(0, 32).Select(b => "[" + string.Join(",", Enumerable.Range(0, 10).Select(k => k == b % 10 ? "1" : "0")) + "]")) + "]";
        var body = $$"""
            { "network": { "inputSize": 784, "layers": [
                { "activation": "sigmoid", "weights": {{Rows(128, 784, "0")}}, "biases": {{Zeros(128)}} },
                { "activation": "softmax", "weights": {{Rows(10, 128, "0")}}, "biases": {{Zeros(10)}} } ] },
              "data": { "inputs": {{Rows(32, 784, "0.5")}}, "targets": {{targets}} },
              "loss": { "type": "ce", "reduction": "mean" }, "optimizer": { "type": "adam", "learningRate": 0.001 },
              "iterations": {{iterations}}, "include": ["loss"] }
            """;
        using var client = factory.CreateClient();
        var response = await client.PostRaw(body);
        Assert.Equal(status, (int)response.StatusCode);
        if (status == 400)
        {
            var messages = await ApiTest.ReadValidationError(response, "iterations");
            Assert.Contains(messages, m => m.Contains("maxWork"));
            return;
        }
        var trace = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var steps = trace["iterations"]!.AsArray();
        Assert.Equal(6, steps.Count);
        // Zero weights and biases: every output is softmax(0) = 1/10, so the first loss is ln 10 for every example.
        Assert.Equal(Math.Log(10), steps[0]!["loss"]!["value"]!.GetValue<double>(), 12);
        Assert.True(steps[5]!["loss"]!["value"]!.GetValue<double>() < Math.Log(10));
    }

    [Fact]
    public async Task PostingMoreWorkThanMaxWorkReturnsProblemDetailsNamingTheLimit()
    {
        // 9 parameters x 2 examples x 2 iterations = 36.
        using var host = factory.WithSettings(("Limits:MaxWork", "35"));
        using var client = host.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostTrain(ApiTest.ValidRequest()), "iterations");
        Assert.Contains(messages, m => m.Contains("maxWork") && m.Contains("36"));
    }

    [Fact]
    public async Task PostingMoreExamplesThanMaxExamplesReturnsProblemDetailsNamingTheLimit()
    {
        using var host = factory.WithSettings(("Limits:MaxExamples", "1"));
        using var client = host.CreateClient();
        var messages = await ApiTest.ReadValidationError(await client.PostTrain(ApiTest.ValidRequest()), "data.inputs");
        Assert.Contains(messages, m => m.Contains("maxExamples"));
    }

    [Fact]
    public async Task PostingABodyLargerThanMaxBodyBytesReturns413ProblemDetails()
    {
        using var host = factory.WithSettings(("Limits:MaxBodyBytes", "1000"));
        using var client = host.CreateClient();
        var request = ApiTest.ValidRequest();
        request["network"]!["layers"]![0]!["name"] = new string('h', 1200);
        var problem = await ApiTest.ReadProblem(await client.PostTrain(request), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("maxBodyBytes", problem["detail"]!.GetValue<string>());
        Assert.Contains("1000", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostingAChunkedBodyLargerThanMaxBodyBytesToKestrelReturns413ProblemDetails()
    {
        // The in-memory TestServer does not enforce a request body size; Kestrel does, as in production.
        using var host = factory.WithSettings(("Limits:MaxBodyBytes", "1000"));
        host.UseKestrel(0);
        host.StartServer();
        using var client = host.CreateClient();
        var request = ApiTest.ValidRequest();
        request["network"]!["layers"]![0]!["name"] = new string('h', 1200);
        // No Content-Length: the limit must hold while the body is read.
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(request.ToJsonString())));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, ApiTest.TrainRoute) { Content = content };
        message.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(message);
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.RequestEntityTooLarge);
        string? detail = problem["detail"]?.GetValue<string>();
        Assert.True(detail is not null && detail.Contains("maxBodyBytes") && detail.Contains("1000"), $"the detail does not name the limit: {problem.ToJsonString()}");
    }

    [Fact]
    public async Task PostingABodyWithinMaxBodyBytesIsAccepted()
    {
        using var host = factory.WithSettings(("Limits:MaxBodyBytes", "1000"));
        using var client = host.CreateClient();
        var request = ApiTest.ValidRequest();
        Assert.True(Encoding.UTF8.GetByteCount(request.ToJsonString()) < 1000);
        await ApiTest.ReadOk(await client.PostTrain(request));
    }
}
