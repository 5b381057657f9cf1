using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.OpenApi;

namespace GradApi.Tests.Api;

/// <summary>
/// What Swagger UI shows a reader: described tags, and response examples that are real answers of the service.
/// The stored answers live in src/GradApi/OpenApi/Examples/responses/{route}.{status}.{example}.json: for each POST route
/// the answer (200) to its smallest request example and the answer (400) to an empty object; for each GET its answer.
/// When the service's answers change on purpose, run the tests with UPDATE_RESPONSE_EXAMPLES=1 to rewrite those files
/// from the live service (then rebuild: they are embedded), and review the diff like any other change.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiExamplesTests(GradApiFactory factory)
{
    static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>The trace identifier differs on every request; it is the only part of an answer that may.</summary>
    const string VolatileField = "traceId";

    /// <summary>Each stored answer is at most this big, so the document stays light for Swagger UI.</summary>
    const int MaxStoredBytes = 30_000;

    async Task<JsonObject> Document(HttpClient client)
    {
        var response = await client.GetAsync("/swagger/v1/swagger.json");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"swagger.json answered {(int)response.StatusCode}: {ApiTest.Clip(text)}");
        return JsonNode.Parse(text)!.AsObject();
    }

    static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document) =>
        from path in document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        where Methods.Contains(operation.Key)
        select (path.Key, operation.Key, operation.Value!.AsObject());

    static JsonObject? ServedExamples(JsonObject operation, string status) =>
        operation["responses"]?[status]?["content"]?.AsObject().FirstOrDefault(c => c.Key.Contains("json")).Value?["examples"] as JsonObject;

    /// <summary>What the stored examples of one operation answer: (status, example name, method, body or null).</summary>
    static List<(string Status, string Name, HttpMethod Method, JsonNode? Body)> Captures(string method, JsonObject operation)
    {
        if (method == "get") return [("200", ResponseExamples.Get, HttpMethod.Get, null)];
        var requests = operation["requestBody"]?["content"]?["application/json"]?["examples"] as JsonObject;
        Assert.True(requests is { Count: > 0 }, $"{method} has no request examples to answer");
        var smallest = requests.OrderBy(r => r.Value!["value"]!.ToJsonString().Length).ThenBy(r => r.Key, StringComparer.Ordinal).First();
        return
        [
            ("200", smallest.Key, HttpMethod.Post, smallest.Value!["value"]!.DeepClone()),
            ("400", ResponseExamples.EmptyObject, HttpMethod.Post, new JsonObject()),
        ];
    }

    static JsonNode WithoutVolatileFields(JsonNode node)
    {
        var copy = node.DeepClone();
        if (copy is JsonObject obj) obj.Remove(VolatileField);
        return copy;
    }

    /// <summary>Equal JSON, numbers compared as doubles to 12 significant digits (the document's writer shortens some).</summary>
    static bool SameUpToPrintedDigits(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && SameUpToPrintedDigits(p.Value, y[p.Key])),
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => SameUpToPrintedDigits(p.First, p.Second)),
        (JsonValue x, JsonValue y) when x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number =>
            Math.Abs(x.GetValue<double>() - y.GetValue<double>()) <= 1e-12 * Math.Max(Math.Abs(x.GetValue<double>()), Math.Abs(y.GetValue<double>())),
        _ => JsonNode.DeepEquals(a, b),
    };

    static string ResponsesFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GradApi.sln"))) directory = directory.Parent;
        Assert.True(directory is not null, "GradApi.sln not found above the test's output folder");
        return Path.Combine(directory.FullName, "src", "GradApi", "OpenApi", "Examples", "responses");
    }

    [Fact]
    public async Task EveryTagOfTheOpenApiDocumentIsListedWithADescription()
    {
        using var client = factory.CreateClient();
        var document = await Document(client);
        var described = (document["tags"] as JsonArray ?? [])
            .Where(t => !string.IsNullOrWhiteSpace(t?["description"]?.GetValue<string>()))
            .Select(t => t!["name"]!.GetValue<string>()).ToHashSet();
        var used = Operations(document).SelectMany(o => (o.Operation["tags"] as JsonArray ?? []).Select(t => t!.GetValue<string>())).ToHashSet();

        Assert.Superset(new HashSet<string> { "Training", "Grading", "Calculus", "Analysis", "Service" }, used);
        Assert.Empty(used.Except(described));
    }

    [Fact]
    public async Task EveryOperationShowsARealAnswerForItsSuccessAndEveryPostForItsValidationError()
    {
        using var client = factory.CreateClient();
        foreach (var (path, method, operation) in Operations(await Document(client)))
        {
            var statuses = method == "get" ? new[] { "200" } : ["200", "400"];
            foreach (var status in statuses)
            {
                var examples = ServedExamples(operation, status);
                Assert.True(examples is { Count: > 0 }, $"{method} {path} {status} has no response example: Swagger UI would show placeholders");
                foreach (var (name, example) in examples)
                {
                    var placeholder = Placeholders(example!["value"]).FirstOrDefault();
                    Assert.True(placeholder is null, $"{method} {path} {status} example '{name}' holds the placeholder {placeholder}");
                    Assert.False(string.IsNullOrWhiteSpace(example["summary"]?.GetValue<string>()), $"{method} {path} {status} example '{name}' has no summary");
                }
            }
        }
    }

    /// <summary>Schema-made filler: a property named additionalPropN, or a string whose value is "string".</summary>
    static IEnumerable<string> Placeholders(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key.StartsWith("additionalProp", StringComparison.Ordinal)
            ? [$"key '{p.Key}'"]
            : Placeholders(p.Value)),
        JsonArray array => array.SelectMany(Placeholders),
        JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == "string" => ["value \"string\""],
        _ => [],
    };

    [Fact]
    public async Task EveryStoredResponseExampleIsWhatTheServiceAnswersToItsRequestToday()
    {
        bool update = Environment.GetEnvironmentVariable("UPDATE_RESPONSE_EXAMPLES") == "1";
        string folder = ResponsesFolder();
        if (update)
        {
            Directory.CreateDirectory(folder);
            foreach (var stale in Directory.GetFiles(folder, "*.json")) File.Delete(stale);
        }

        using var client = factory.CreateClient();
        var document = await Document(client);
        var failures = new List<string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            string route = ResponseExamples.RouteKey(path);
            var captures = Captures(method, operation);
            foreach (var status in captures.Select(c => c.Status).Distinct())
            {
                var expected = captures.Where(c => c.Status == status).Select(c => c.Name).Order(StringComparer.Ordinal);
                var served = ServedExamples(operation, status)?.Select(e => e.Key).Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>();
                if (!update && !expected.SequenceEqual(served))
                    failures.Add($"{method} {path} {status}: serves the examples [{string.Join(", ", served)}], expected the answers to [{string.Join(", ", expected)}]");
            }
            foreach (var (status, name, httpMethod, body) in captures)
            {
                using var request = new HttpRequestMessage(httpMethod, path);
                if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using var response = await client.SendAsync(request);
                string text = await response.Content.ReadAsStringAsync();
                Assert.True(((int)response.StatusCode).ToString() == status,
                    $"{method} {path} with '{name}' answered {(int)response.StatusCode}, expected {status}: {ApiTest.Clip(text)}");
                var live = JsonNode.Parse(text)!;

                if (update)
                {
                    // Indented to read and diff; on one line when indenting would pass the size a document should carry.
                    string written = live.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                    if (Encoding.UTF8.GetByteCount(written) > MaxStoredBytes)
                        written = live.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                    Assert.True(Encoding.UTF8.GetByteCount(written) <= MaxStoredBytes, $"{route}.{status}.{name}: the answer is over {MaxStoredBytes} bytes; give the route a smaller request example");
                    await File.WriteAllTextAsync(Path.Combine(folder, $"{route}.{status}.{name}.json"), written + "\n");
                    continue;
                }

                // The file the document serves, read as stored: the document's writer spells some numbers in a shorter
                // decimal form (2.130910157612435E-16 as 0.0000000000000002130910157612), so it is not compared digit for digit.
                string file = Path.Combine(folder, $"{route}.{status}.{name}.json");
                if (!File.Exists(file)) { failures.Add($"{method} {path} {status}: {file} is missing"); continue; }
                var stored = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
                if (!JsonNode.DeepEquals(WithoutVolatileFields(stored), WithoutVolatileFields(live)))
                    failures.Add($"{method} {path} {status} '{name}' is stale:\nstored: {ApiTest.Clip(stored.ToJsonString())}\nlive:   {ApiTest.Clip(live.ToJsonString())}");
                var served = ServedExamples(operation, status)?[name]?["value"];
                if (served is not null && !SameUpToPrintedDigits(served, stored))
                    failures.Add($"{method} {path} {status} '{name}': the document serves another answer than {file} (rebuild: the files are embedded)");
            }
        }
        Assert.True(failures.Count == 0,
            string.Join("\n\n", failures) + "\n\nIf the answers changed on purpose, rerun with UPDATE_RESPONSE_EXAMPLES=1, rebuild, and review the diff.");
    }
}
