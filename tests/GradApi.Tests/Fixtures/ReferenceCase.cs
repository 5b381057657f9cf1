using System.Text.Json.Nodes;

namespace GradApi.Tests.Fixtures;

/// <summary>A reference case from an independent 40-digit implementation: request, expected response, tolerance.</summary>
public sealed record ReferenceCase(string Name, JsonObject Request, JsonObject Expected, double Relative, double Absolute)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Reference");

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order()!;

    public static ReferenceCase Load(string name)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")))!.AsObject();
        var tolerance = root["tolerance"]!.AsObject();
        return new ReferenceCase(name, root["request"]!.AsObject(), root["expected"]!.AsObject(),
            tolerance["relative"]!.GetValue<double>(), tolerance["absolute"]!.GetValue<double>());
    }

    /// <summary>Every number of expected found in actual within |a - e| &lt;= absolute + relative |e|; returns the mismatches.</summary>
    public IReadOnlyList<string> Mismatches(JsonNode? actual)
    {
        var problems = new List<string>();
        Compare(Expected, actual, "", problems);
        return problems;
    }

    void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> problems)
    {
        switch (expected)
        {
            case JsonObject obj:
                if (actual is not JsonObject act) { problems.Add($"{path}: expected an object"); return; }
                foreach (var (key, value) in obj)
                {
                    if (!act.ContainsKey(key)) problems.Add($"{path}/{key}: missing");
                    else Compare(value, act[key], $"{path}/{key}", problems);
                }
                return;
            case JsonArray array:
                if (actual is not JsonArray actualArray || actualArray.Count != array.Count)
                {
                    problems.Add($"{path}: expected {array.Count} elements, got {actual?.ToJsonString()}");
                    return;
                }
                for (int i = 0; i < array.Count; i++) Compare(array[i], actualArray[i], $"{path}/{i}", problems);
                return;
            case JsonValue value when value.TryGetValue(out double e):
                if (actual is not JsonValue av || !av.TryGetValue(out double a)) { problems.Add($"{path}: expected {e}, got {actual?.ToJsonString()}"); return; }
                if (Math.Abs(a - e) > Absolute + Relative * Math.Abs(e)) problems.Add($"{path}: expected {e:R}, got {a:R}");
                return;
            default:
                if (expected?.ToJsonString() != actual?.ToJsonString()) problems.Add($"{path}: expected {expected?.ToJsonString()}, got {actual?.ToJsonString()}");
                return;
        }
    }
}
