using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GradApi.Tests.Api;

/// <summary>The service as deployed (Production environment), hosted in memory.</summary>
public sealed class GradApiFactory : WebApplicationFactory<Program>
{
    // No warm-up (WarmUpTests has one): every test host would spend its seconds.
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseEnvironment("Production").UseSetting("WarmUp:Seconds", "0");

    /// <summary>The serializer options the app reads and writes bodies with (its converters, encoder and naming).</summary>
    public JsonSerializerOptions AppJsonOptions => Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    /// <summary>A host with some limits replaced, e.g. ("Limits:MaxBodyBytes", "1000"). Dispose it.</summary>
    public WebApplicationFactory<Program> WithSettings(params (string Key, string Value)[] settings) =>
        WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });
}

/// <summary>One in-memory host shared by every API test class.</summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<GradApiFactory>
{
    public const string Name = "api";
}

public static class ApiTest
{
    public const string TrainRoute = "/v1/train";

    /// <summary>A small valid request: 2 inputs, a sigmoid hidden layer of 2 and a sigmoid output, 2 examples, sgd.</summary>
    public static JsonObject ValidRequest() => (JsonObject)JsonNode.Parse("""
        {
          "network": {
            "inputSize": 2,
            "layers": [
              { "name": "hidden", "activation": "sigmoid", "weights": [[0.1, -0.2], [0.3, 0.4]], "biases": [0.05, -0.05] },
              { "name": "output", "activation": "sigmoid", "weights": [[0.5, -0.6]], "biases": [0.1] }
            ]
          },
          "data": { "inputs": [[1, 0], [0, 1]], "targets": [[1], [0]] },
          "loss": { "type": "half_sse", "reduction": "sum" },
          "optimizer": { "type": "sgd", "learningRate": 0.5 },
          "iterations": 2
        }
        """)!;

    /// <summary>
    /// Posts a JSON body to a route, asserts the status (and problem+json for a failure) and returns the parsed body.
    /// </summary>
    public static async Task<JsonObject> PostJson(this HttpClient client, string route, string json, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = await client.PostAsync(route, new StringContent(json, Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        if (status != HttpStatusCode.OK) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>The first message of a 400's errors under a key (asserting there is one).</summary>
    public static async Task<string> ErrorFor(this HttpClient client, string route, string json, string key)
    {
        var problem = await client.PostJson(route, json, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(key), $"no error keyed {key}: {problem.ToJsonString()}");
        return errors[key]![0]!.GetValue<string>();
    }

    public static Task<HttpResponseMessage> PostTrain(this HttpClient client, JsonNode request) =>
        client.PostRaw(request.ToJsonString());

    public static Task<HttpResponseMessage> PostRaw(this HttpClient client, string body, string contentType = "application/json")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return client.PostAsync(TrainRoute, content);
    }

    /// <summary>Asserts a 200 application/json response and returns the parsed body and its raw text.</summary>
    public static async Task<(JsonObject Body, string Text)> ReadOk(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {Clip(text)}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (JsonNode.Parse(text)!.AsObject(), text);
    }

    /// <summary>
    /// Asserts an RFC 9457 problem with the status, application/problem+json, a non-empty body free of
    /// framework internals; returns the parsed problem.
    /// </summary>
    public static async Task<JsonObject> ReadProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {Clip(text)}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(text), "the problem body is empty");
        AssertNoInternals(text);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, problem["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()), $"the problem has no title: {text}");
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose errors hold the key; returns that key's messages.</summary>
    public static async Task<string[]> ReadValidationError(HttpResponseMessage response, string key)
    {
        var problem = await ReadProblem(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"] as JsonObject;
        Assert.True(errors is not null, $"the problem has no errors object: {problem.ToJsonString()}");
        Assert.True(errors.ContainsKey(key), $"expected an error keyed '{key}', got keys {string.Join(", ", errors.Select(e => e.Key))}: {problem.ToJsonString()}");
        var messages = errors[key]!.AsArray().Select(m => m!.GetValue<string>()).ToArray();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m)));
        return messages;
    }

    /// <summary>No type names, exception names or stack frames in anything a client reads.</summary>
    public static void AssertNoInternals(string text)
    {
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", text, StringComparison.Ordinal);
        Assert.DoesNotContain("GradApi.", text, StringComparison.Ordinal);
    }

    public static string Clip(string text, int length = 2000) => text.Length <= length ? text : text[..length] + "...";
}
