using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Domain.Vocabulary;
using GradApi.Tests.Api;

namespace GradApi.Tests.OpenApi;

/// <summary>
/// The rules of docs/API.md "The OpenAPI document is the client's contract", checked on the served document:
/// required lists, enums equal to the wire-name table, the nine problem statuses on every /v1 operation, a server.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DocumentRulesTests(GradApiFactory factory)
{
    const string ComponentsPrefix = "#/components/schemas/";

    /// <summary>Response properties the service leaves out rather than sends as null (so they are optional, never null).</summary>
    static readonly HashSet<string> LeftOutWhenAbsent =
    [
        "IterationResponse.forward", "IterationResponse.loss", "IterationResponse.backward", "IterationResponse.update", // include
        "LayerParametersResponse.biases", "SlotParametersResponse.biases", "BackwardLayerResponse.biasGradient", "LossResponse.also",
        "UpdateLayerResponse.weights", "UpdateLayerResponse.biases", "UpdateLayerResponse.state", "UpdateLayerResponse.lookAhead",
        "ActivationDerivativesResponse.values", "ActivationDerivativesResponse.jacobians", // values, or softmax's jacobians
        // The echoes list the settings of the optimizer's type, and of the objective's kind.
        "OptimizerEcho.convention", "OptimizerEcho.momentum", "OptimizerEcho.dampening", "OptimizerEcho.beta1", "OptimizerEcho.beta2",
        "OptimizerEcho.epsilon", "OptimizerEcho.epsilonPlacement", "OptimizerEcho.biasCorrection", "OptimizerEcho.amsgrad", "OptimizerEcho.rho",
        "OptimizerEcho.centered", "OptimizerEcho.learningRateDecay", "OptimizerEcho.initialAccumulator",
        "ObjectiveEcho.function", "ObjectiveEcho.expression", "ObjectiveEcho.constants", "ObjectiveEcho.matrix", "ObjectiveEcho.vector",
        "ObjectiveEcho.a", "ObjectiveEcho.b",
    ];

    /// <summary>Request schemas with no field that is always required (either of two forms, or every field defaulted).</summary>
    static readonly HashSet<string> NothingRequired = ["HessianRequest", "ObjectiveRequest", "SamplingRequest", "FollowThroughRequest", "MomentumWeightClaimsRequest"];

    /// <summary>Every field that takes an enumeration of the contract, with its table (read here, never spelled again).</summary>
    static readonly (string Field, string[] Names)[] Enumerated =
    [
        ("LayerRequest.activation", WireNames.Activation.All),
        ("ActivationDerivativesRequest.activation", WireNames.Activation.All),
        ("ActivationDerivativesResponse.activation", WireNames.Activation.All),
        ("LossRequest.type", WireNames.Loss.All), ("LossRequest.alsoReport[]", WireNames.Loss.All),
        ("LossEcho.type", WireNames.Loss.All), ("LossEcho.alsoReport[]", WireNames.Loss.All), ("LossResponse.type", WireNames.Loss.All),
        ("LossRequest.reduction", WireNames.Reductions.Names), ("LossEcho.reduction", WireNames.Reductions.Names),
        ("OptimizerRequest.type", WireNames.Optimizer.All), ("OptimizerEcho.type", WireNames.Optimizer.All),
        ("OptimizerRequest.convention", [.. WireNames.MomentumConventions.Names.Union(WireNames.NesterovConventions.Names)]),
        ("OptimizerEcho.convention", [.. WireNames.MomentumConventions.Names.Union(WireNames.NesterovConventions.Names)]),
        ("MomentumWeightsRequest.convention", WireNames.MomentumConventions.Names),
        ("MomentumWeightsResponse.convention", WireNames.MomentumConventions.Names),
        ("OptimizerRequest.epsilonPlacement", WireNames.AdamEpsilonPlacements.Names), ("OptimizerEcho.epsilonPlacement", WireNames.AdamEpsilonPlacements.Names),
        ("SamplingRequest.mode", WireNames.Sampling.All),
        ("TrainRequest.include[]", Vocabulary.Sections),
        ("TrainResponse.status", WireNames.RunStatuses.Names),
        ("ToleranceRequest.type", WireNames.ToleranceTypes.Names), ("ToleranceResponse.type", WireNames.ToleranceTypes.Names),
        ("GradeRequest.partialCredit", WireNames.PartialCredits.Names), ("GradeBatchRequest.partialCredit", WireNames.PartialCredits.Names),
        ("GradeResponse.partialCredit", WireNames.PartialCredits.Names), ("GradeBatchResponse.partialCredit", WireNames.PartialCredits.Names),
        ("GradeRequest.reveal", Vocabulary.RevealNames.Names), ("GradeBatchRequest.reveal", Vocabulary.RevealNames.Names),
        ("AnswerResultResponse.verdict", WireNames.Verdicts.Names),
        ("DiagnosisResponse.code", WireNames.DiagnosisCode.All), ("DiagnosisCountResponse.code", WireNames.DiagnosisCode.All),
        ("ClaimCheckResponse.verdict", WireNames.ClaimVerdicts.Names), ("ClaimCheckResponse.method", WireNames.ClaimMethods.Names),
        ("TrajectoryRunResponse.verdict", WireNames.TrajectoryVerdicts.Names),
        ("ObjectiveRequest.function", WireNames.ObjectiveFunction.All), ("ObjectiveEcho.function", WireNames.ObjectiveFunction.All),
    ];

    static readonly string[] ProblemStatuses = ["400", "401", "403", "404", "405", "413", "415", "429", "503"];

    async Task<JsonObject> Document()
    {
        using var client = factory.CreateClient();
        return (await DocumentSchemas.Fetch(client)).Document;
    }

    static JsonObject Schemas(JsonObject document) => document["components"]!["schemas"]!.AsObject();

    static IEnumerable<JsonObject> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => o.Value!.AsObject()));

    /// <summary>The component schemas reachable from the given roots, by name.</summary>
    static HashSet<string> Reachable(JsonObject document, IEnumerable<JsonNode?> roots)
    {
        var found = new HashSet<string>();
        var pending = new Stack<JsonNode?>(roots);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject obj:
                    if (obj["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith(ComponentsPrefix, StringComparison.Ordinal)
                        && found.Add(reference[ComponentsPrefix.Length..]))
                        pending.Push(Schemas(document)[reference[ComponentsPrefix.Length..]]);
                    foreach (var (key, child) in obj)
                        if (key is not "example" and not "examples") pending.Push(child);
                    break;
                case JsonArray array:
                    foreach (var item in array) pending.Push(item);
                    break;
            }
        }
        return found;
    }

    static HashSet<string> ResponseSchemas(JsonObject document) => Reachable(document,
        Operations(document).SelectMany(o => o["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')).Select(r => r.Value)));

    static HashSet<string> RequestSchemas(JsonObject document) => Reachable(document, Operations(document).Select(o => o["requestBody"]));

    static IEnumerable<string> Names(JsonNode? array) => (array as JsonArray ?? []).Select(n => n!.GetValue<string>());

    [Fact]
    public async Task EveryResponseObjectListsEveryPropertyItSendsAsRequired()
    {
        var document = await Document();
        var responses = ResponseSchemas(document);
        Assert.Contains("TrainResponse", responses);
        Assert.Contains("OptimizerEcho", responses);
        foreach (var name in responses)
        {
            var schema = Schemas(document)[name]!;
            if (schema["properties"] is not JsonObject properties) continue;
            var required = Names(schema["required"]).ToHashSet();
            foreach (var (property, _) in properties)
            {
                bool optional = LeftOutWhenAbsent.Contains($"{name}.{property}");
                Assert.True(required.Contains(property) != optional,
                    optional ? $"{name}.{property} is left out when absent, yet listed as required" : $"{name}.{property} is always sent but not listed as required");
            }
        }
    }

    [Fact]
    public async Task EveryRequestSchemaListsItsRequiredFieldsAndNoneOfThemIsNullable()
    {
        var document = await Document();
        var requests = RequestSchemas(document);
        Assert.Superset(new HashSet<string> { "ActivationDerivativesRequest", "ExpressionGradientRequest", "TrajectoryRequest", "MomentumWeightsRequest" }, requests);
        foreach (var name in requests)
        {
            var schema = Schemas(document)[name]!;
            if (schema["properties"] is not JsonObject properties) continue;
            var required = Names(schema["required"]).ToList();
            Assert.True(required.Count > 0 != NothingRequired.Contains(name), $"{name} lists {(required.Count == 0 ? "no" : "some")} required field");
            Assert.False(schema["additionalProperties"]?.GetValueKind() != JsonValueKind.False, $"{name} allows fields beyond the contract's");
            foreach (var field in required)
            {
                Assert.True(properties.ContainsKey(field), $"{name} requires {field}, which it does not define");
                Assert.NotEqual("true", properties[field]!["nullable"]?.ToJsonString());
                Assert.DoesNotContain("\"nullable\":true", properties[field]!.ToJsonString());
            }
        }
    }

    [Fact]
    public async Task EveryRequiredFieldLeftOutOfARequestExampleIsRefusedByName()
    {
        using var client = factory.CreateClient();
        var document = (await DocumentSchemas.Fetch(client)).Document;
        int refused = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            var body = item!["post"]?["requestBody"]?["content"]?["application/json"];
            if (body?["examples"] is not JsonObject examples) continue;
            // The largest example, which gives the most nested objects to leave a field out of.
            var example = examples.Select(e => e.Value!["value"]!).OrderByDescending(v => v.ToJsonString().Length).First();
            foreach (var (field, without) in WithoutEachRequiredField(document, body["schema"]!, example, ""))
            {
                var content = new System.Net.Http.StringContent(without.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(path, content);
                string text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"{path} without {field}: {(int)response.StatusCode} {ApiTest.Clip(text)}");
                var keys = JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key).ToList();
                Assert.True(keys.Any(k => k == field || k.StartsWith(field + ".", StringComparison.Ordinal) || k.StartsWith(field + "[", StringComparison.Ordinal)),
                    $"{path} without the required {field} is refused with errors at {string.Join(", ", keys)}");
                refused++;
            }
        }
        Assert.True(refused >= 40, $"only {refused} required fields were left out");
    }

    /// <summary>For each required field present in the value (at any depth), its JSON path and a copy of the whole body without it.</summary>
    static IEnumerable<(string Field, JsonNode Without)> WithoutEachRequiredField(JsonObject document, JsonNode schema, JsonNode root, string at)
    {
        var value = at.Length == 0 ? root : Find(root, at);
        // An optional object is a oneOf of its schema and null; a described one an allOf of its schema.
        foreach (var wrapper in new[] { "oneOf", "allOf" })
            if (schema[wrapper] is JsonArray branches && branches.FirstOrDefault(b => b?["$ref"] is not null) is { } referenced) schema = referenced;
        if (schema["$ref"]?.GetValue<string>() is { } reference)
            schema = Schemas(document)[reference[ComponentsPrefix.Length..]]!;
        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var field in Names(schema["required"]).Where(obj.ContainsKey))
                {
                    var copy = root.DeepClone();
                    string path = at.Length == 0 ? field : $"{at}.{field}";
                    ((JsonObject)Find(copy, at.Length == 0 ? "" : at)!).Remove(field);
                    yield return (path, copy);
                }
                foreach (var (field, child) in obj)
                    if (child is JsonObject or JsonArray && properties[field] is { } fieldSchema)
                        foreach (var found in WithoutEachRequiredField(document, fieldSchema, root, at.Length == 0 ? field : $"{at}.{field}"))
                            yield return found;
                break;
            case JsonArray { Count: > 0 } array when schema["items"] is { } items:
                foreach (var found in WithoutEachRequiredField(document, items, root, $"{at}[0]")) yield return found;
                break;
        }
    }

    /// <summary>The node at a path written as the service's errors write it (network.layers[0].weights).</summary>
    static JsonNode? Find(JsonNode root, string path)
    {
        var node = root;
        foreach (System.Text.RegularExpressions.Match step in System.Text.RegularExpressions.Regex.Matches(path, @"([^.\[\]]+)|\[(\d+)\]"))
            node = step.Groups[2].Success ? node?[int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)] : node?[step.Groups[1].Value];
        return node;
    }

    [Fact]
    public async Task EveryEnumeratedFieldIsAnEnumOfTheWireNameTable()
    {
        var schemas = Schemas(await Document());
        foreach (var (field, names) in Enumerated)
        {
            string[] parts = field.TrimEnd('[', ']').Split('.');
            var property = schemas[parts[0]]?["properties"]?[parts[1]];
            Assert.True(property is not null, $"{field} is not in the document");
            if (field.EndsWith("[]", StringComparison.Ordinal)) property = property["items"];
            var values = (property?["enum"] as JsonArray ?? []).Where(v => v is not null).Select(v => v!.GetValue<string>()).ToArray();
            Assert.True(names.SequenceEqual(values), $"{field}: enum [{string.Join(", ", values)}], the wire table has [{string.Join(", ", names)}]");
        }
    }

    [Fact]
    public async Task EveryV1OperationDocumentsTheNineProblemStatusesAndTheOptionalKey()
    {
        var document = await Document();
        var paths = document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/v1/", StringComparison.Ordinal)).ToArray();
        Assert.Equal(9, paths.Length);
        foreach (var (path, item) in paths)
        {
            var operation = item!["post"]!;
            foreach (var status in ProblemStatuses)
            {
                var schema = operation["responses"]?[status]?["content"]?["application/problem+json"]?["schema"];
                string expected = ComponentsPrefix + (status == "400" ? "ValidationProblem" : "Problem");
                Assert.True(schema?["$ref"]?.GetValue<string>() == expected, $"{path} {status} is not documented as {expected}");
            }
            Assert.Equal("""[{},{"bearer":[]}]""", operation["security"]?.ToJsonString());
        }
        foreach (var (path, item) in document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/health", StringComparison.Ordinal)))
            Assert.Equal("[]", item!["get"]!["security"]?.ToJsonString());
        Assert.Equal("bearer", document["components"]?["securitySchemes"]?["bearer"]?["scheme"]?.GetValue<string>());
    }

    [Fact]
    public async Task TheDocumentNamesAServer()
    {
        var servers = (await Document())["servers"] as JsonArray;
        Assert.True(servers is { Count: > 0 } && servers[0]?["url"] is not null, "the document has no servers entry");
    }

    [Fact]
    public async Task PolynomialCoefficientsComeAlsoAsExactDecimalStrings()
    {
        using var client = factory.CreateClient();
        async Task<JsonElement> Polynomial(string activation, int order)
        {
            var content = new StringContent($$"""{ "activation": "{{activation}}", "order": {{order}}, "at": [0] }""", System.Text.Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("/v1/activations/derivatives", content);
            var (_, text) = await ApiTest.ReadOk(response);
            return JsonDocument.Parse(text).RootElement.GetProperty("polynomial").Clone();
        }
        static string[] Exact(JsonElement polynomial) => polynomial.GetProperty("exactCoefficients").EnumerateArray().Select(c => c.GetString()!).ToArray();

        // sigma' = s - s^2; sigma'' = (1 - 2s)(s - s^2) = s - 3s^2 + 2s^3; tanh' = 1 - t^2.
        Assert.Equal(["0", "1", "-1"], Exact(await Polynomial("sigmoid", 1)));
        Assert.Equal(["0", "1", "-3", "2"], Exact(await Polynomial("sigmoid", 2)));
        Assert.Equal(["1", "0", "-1"], Exact(await Polynomial("tanh", 1)));

        // Order 20: 22 coefficients; the highest, of s^21, is (-1)^20 20! = 2432902008176640000, past 2^53.
        var twenty = await Polynomial("sigmoid", 20);
        string[] exact = Exact(twenty);
        Assert.Equal(22, exact.Length);
        Assert.Equal("2432902008176640000", exact[^1]);
        Assert.True(BigInteger.Parse(exact[^1]) > BigInteger.Pow(2, 53));
        // The integers and the strings are the same numbers, digit for digit.
        Assert.Equal(twenty.GetProperty("coefficients").EnumerateArray().Select(c => c.GetRawText()), exact);
        Assert.Equal(BigInteger.Zero, exact.Select(BigInteger.Parse).Aggregate(BigInteger.Zero, (a, b) => a + b)); // P(1) = 0: sigma' vanishes at s = 1
    }
}
