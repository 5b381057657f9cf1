using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>
/// Shows real answers of the service as response examples, instead of placeholders made from the schema:
/// each stored file is the body the service gave to a named request example (or, for 400, to an empty object).
/// The files are captured and kept current by a test (tests/GradApi.Tests/Api/OpenApiExamplesTests.cs).
/// </summary>
sealed class ResponseExamplesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        string route = ResponseExamples.RouteKey(context.ApiDescription.RelativePath ?? "");
        foreach (var (status, name, body) in ResponseExamples.Load(route))
        {
            if (operation.Responses?.TryGetValue(status, out var response) != true || response?.Content is null) continue;
            var media = response.Content.FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal)).Value as OpenApiMediaType;
            if (media is null) continue;
            media.Examples ??= new Dictionary<string, IOpenApiExample>();
            media.Examples[name] = new OpenApiExample { Summary = Summary(operation, status, name), Value = body };
        }
    }

    /// <summary>The request example's title for an answer to it; else what was sent.</summary>
    static string Summary(OpenApiOperation operation, string status, string name)
    {
        if (name == ResponseExamples.EmptyObject) return "The answer to an empty object {}: every required field named";
        if (name == ResponseExamples.Get) return "The answer to a GET";
        string? title = null;
        if (operation.RequestBody?.Content?.TryGetValue("application/json", out var content) == true
            && content.Examples?.TryGetValue(name, out var request) == true)
            title = request.Summary;
        return $"The answer to the request example '{name}'" + (title is null ? "" : $": {title}");
    }
}

/// <summary>
/// Response bodies embedded as GradApi.ExampleResponses.{route}.{status}.{example}.json, where route is the path
/// after /v1/ with '/' as '-' (train, grade-batch, activations-derivatives, health-live), and example is the
/// request example's name, "empty-object" (the body {}) or "get".
/// </summary>
public static class ResponseExamples
{
    public const string EmptyObject = "empty-object";
    public const string Get = "get";

    public static string RouteKey(string relativePath)
    {
        string path = relativePath.Trim('/');
        if (path.StartsWith("v1/", StringComparison.Ordinal)) path = path["v1/".Length..];
        return path.Replace('/', '-');
    }

    public static IEnumerable<(string Status, string Name, JsonNode Body)> Load(string route)
    {
        var assembly = typeof(ResponseExamples).Assembly;
        string start = $"GradApi.ExampleResponses.{route}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(start, StringComparison.Ordinal)).Order())
        {
            string rest = resource[start.Length..^".json".Length];
            int dot = rest.IndexOf('.');
            if (dot != 3) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            yield return (rest[..3], rest[4..], JsonNode.Parse(stream)!);
        }
    }
}
