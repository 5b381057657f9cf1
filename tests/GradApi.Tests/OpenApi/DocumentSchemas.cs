using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Tests.Api;
using Json.Schema;

namespace GradApi.Tests.OpenApi;

/// <summary>
/// The OpenAPI document's own response schemas as JSON Schema (draft 2020-12), checked by a real validator (JsonSchema.Net).
/// OpenAPI 3.0 is translated in the one place it differs for these schemas: { "type": T, "nullable": true } becomes
/// { "type": [T, "null"] } (a schema with nullable but no type stays as it is: OpenAPI 3.0 gives nullable no meaning there);
/// references into components/schemas become references into $defs.
/// </summary>
public sealed class DocumentSchemas
{
    const string ComponentsPrefix = "#/components/schemas/";
    readonly JsonObject _document;
    readonly JsonObject _definitions;
    readonly ConcurrentDictionary<string, JsonSchema> _built = new();

    DocumentSchemas(JsonObject document)
    {
        _document = document;
        _definitions = (JsonObject)Translate(document["components"]!["schemas"]!.DeepClone());
    }

    public JsonObject Document => _document;

    public static async Task<DocumentSchemas> Fetch(HttpClient client)
    {
        var response = await client.GetAsync("/swagger/v1/swagger.json");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"swagger.json answered {(int)response.StatusCode}: {ApiTest.Clip(text)}");
        return new DocumentSchemas(JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>OpenAPI 3.0 nullable to JSON Schema, and component references to $defs, throughout a schema.</summary>
    public static JsonNode Translate(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList()) obj[key] = obj[key] is { } child ? Translate(child) : null;
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>().StartsWith(ComponentsPrefix, StringComparison.Ordinal))
                    obj["$ref"] = "#/$defs/" + reference.GetValue<string>()[ComponentsPrefix.Length..];
                if (obj["nullable"] is JsonValue nullable && nullable.GetValue<bool>() && obj["type"] is JsonValue type)
                    obj["type"] = new JsonArray(type.GetValue<string>(), "null");
                obj.Remove("nullable");
                return obj;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++) array[i] = array[i] is { } item ? Translate(item.DeepClone()) : null;
                return array;
            default:
                return node;
        }
    }

    /// <summary>The schema the document gives for this answer of the operation, with its media type (the first JSON one).</summary>
    public JsonNode ResponseSchema(string path, string method, int status, out string mediaType)
    {
        var response = _document["paths"]?[path]?[method]?["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        Assert.True(response is not null, $"{method} {path} does not document {status}");
        var content = response["content"]?.AsObject().FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal));
        Assert.True(content?.Value?["schema"] is not null, $"{method} {path} {status} has no JSON schema");
        mediaType = content.Value.Key;
        return content.Value.Value!["schema"]!;
    }

    /// <summary>Asserts the body validates against the schema the document gives for (path, method, status), and the media type matches.</summary>
    public void AssertValid(string path, string method, HttpStatusCode status, string? contentType, string body, string what)
    {
        var schemaNode = ResponseSchema(path, method, (int)status, out string mediaType);
        Assert.True(contentType == mediaType, $"{what}: {method} {path} {(int)status} documents {mediaType}, the service sent {contentType}");
        var errors = Errors(schemaNode, body);
        Assert.True(errors.Count == 0, $"{what}: {method} {path} {(int)status} breaks the document's schema:\n{string.Join("\n", errors.Take(40))}\nbody: {ApiTest.Clip(body)}");
    }

    /// <summary>Where the body breaks the schema (instance location: message), empty when it validates.</summary>
    public List<string> Errors(JsonNode schemaNode, string body)
    {
        string key = schemaNode.ToJsonString();
        var schema = _built.GetOrAdd(key, _ =>
        {
            var root = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = _definitions.DeepClone(),
                ["allOf"] = new JsonArray(Translate(schemaNode.DeepClone())),
            };
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            return JsonSchema.FromText(root.ToJsonString(), options, new Uri($"https://gradapi.test/schema/{Guid.NewGuid():N}"));
        });
        using var document = JsonDocument.Parse(body);
        // The flag alone first (it stops at the first failure); the list of failures only for a body that fails.
        if (schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid) return [];
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return (results.Details ?? [])
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => (Branch: d.EvaluationPath.ToString().Contains("/oneOf/"), Text: $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}")))
            // A oneOf's branches that did not match say little; the errors outside any oneOf come first.
            .OrderBy(e => e.Branch)
            .Select(e => e.Text)
            .ToList();
    }
}
