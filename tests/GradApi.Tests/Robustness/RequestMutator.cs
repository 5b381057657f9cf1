using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Robustness;

/// <summary>One mutated request: where it came from, what was done to it, and the exact body sent.</summary>
public sealed record FuzzCase(int Seed, int Index, string Example, string Route, string Mutations, string Body)
{
    public override string ToString() => $"seed {Seed} case {Index} ({Example} -> {Route}): {Mutations}";
}

/// <summary>
/// A deterministic mutator of example requests: for a seed and a case index it always produces the same
/// body. Mutations hit any node of the JSON tree: type confusion (numbers, strings, booleans, null,
/// objects, arrays for one another), huge and tiny numbers, empty and jagged arrays, null elements,
/// duplicate and unknown keys, removed fields, deep nesting.
/// </summary>
public static class RequestMutator
{
    /// <summary>Markers replaced in the serialized text, for what a JsonNode cannot hold (duplicate keys, raw numbers, deep nesting).</summary>
    const string DuplicateMarker = "@@dup";
    const string RawMarker = "@@raw";

    static readonly JsonSerializerOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static readonly string[] RawNumbers =
    [
        "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-5e-324", "1e-300", "1e155", "-1e155", "1e20",
        "123456789012345678901234567890", "-123456789012345678901234567890", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "0", "-0", "0.0", "1", "-1", "0.5", "-0.5", "1e0", "1E+2", "10000", "100000", "1000000001",
    ];

    static readonly string[] Strings =
    [
        "", " ", "x", "NaN", "Infinity", "-Infinity", "null", "true", "1", "1.5", "-1", "1e308",
        "x/0", "1/0", "0/0", "x/(x-x)", "exp(1e308)", "log(0)", "x^1e308", "1e308*1e308*x", "x'*x/0", "(((x", "x))",
        "sum(x)/0", "w'*w", "A*x", "x.^2", "sqrt(-1)", "\u00e9\u00e8\u4e2d", "\ud83d\ude00", "/", "/iterations/0",
        "/iterations/-1/forward", "~1~0", "sigmoid", "softmax", "momentum", "ema", "decimals", "relative",
    ];

    static readonly string[] RawValues =
    [
        "null", "true", "false", "{}", "[]", "[null]", "[[]]", "[[null]]", "[{}]", "[1,[2]]", "[[1],[2,3]]", "[[1,2],[3]]",
        "[\"a\"]", "[true]", "{\"\":null}", "{\"a\":{}}",
    ];

    public static IEnumerable<FuzzCase> Cases(IReadOnlyList<(string Name, string Route, JsonNode Request)> examples, int seed, int count)
    {
        for (int index = 0; index < count; index++)
        {
            var (name, route, request) = examples[index % examples.Count];
            var random = new Random(unchecked(seed * 1_000_003 + index));
            var root = request.DeepClone();
            var raws = new List<string>();
            var applied = new List<string>();
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++)
                root = Mutate(root, random, raws, applied);
            yield return new FuzzCase(seed, index, name, route, string.Join("; ", applied), Render(root, raws));
        }
    }

    static string Render(JsonNode? root, List<string> raws)
    {
        string text = root is null ? "null" : root.ToJsonString(Writer);
        text = text.Replace("\"" + DuplicateMarker, "\"", StringComparison.Ordinal);
        for (int i = raws.Count - 1; i >= 0; i--)
            text = text.Replace($"\"{RawMarker}{i}@@\"", raws[i], StringComparison.Ordinal);
        // A duplicate key is written as "@@dupN@@name": strip the counter.
        return System.Text.RegularExpressions.Regex.Replace(text, "\"\\d+@@", "\"");
    }

    static JsonNode Raw(string text, List<string> raws)
    {
        raws.Add(text);
        return JsonValue.Create($"{RawMarker}{raws.Count - 1}@@");
    }

    /// <summary>Every node under root with its JSON path (the root is "$").</summary>
    static List<(JsonNode? Node, JsonNode? Parent, string? Key, int Index, string Path)> Nodes(JsonNode root)
    {
        var nodes = new List<(JsonNode?, JsonNode?, string?, int, string)>();
        void Walk(JsonNode? node, JsonNode? parent, string? key, int index, string path)
        {
            nodes.Add((node, parent, key, index, path));
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o.ToList()) Walk(v, o, k, -1, $"{path}.{k}");
                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++) Walk(a[i], a, null, i, $"{path}[{i}]");
                    break;
            }
        }
        Walk(root, null, null, -1, "$");
        return nodes;
    }

    static JsonNode? Mutate(JsonNode? root, Random random, List<string> raws, List<string> applied)
    {
        if (root is null) return root;
        var nodes = Nodes(root);
        var numbers = nodes.Where(n => n.Node is JsonValue v && v.GetValueKind() == JsonValueKind.Number).ToList();
        int roll = random.Next(20);
        // A third of the mutations keep the JSON types and push numbers to extremes, where the computations are reached.
        var (node, parent, key, index, path) = roll >= 14 && numbers.Count > 0 ? numbers[random.Next(numbers.Count)] : nodes[random.Next(nodes.Count)];

        void Replace(JsonNode? value, string what)
        {
            applied.Add($"{path} := {what}");
            if (parent is JsonObject o) o[key!] = value;
            else if (parent is JsonArray a) a[index] = value;
            else root = value;
        }

        switch (roll)
        {
            case 0 or 1 or 2 or 3:
                SameType(node, path, Replace, random, raws, applied);
                break;
            case 4 or 5:
            {
                string number = RawNumbers[random.Next(RawNumbers.Length)];
                Replace(Raw(number, raws), number);
                break;
            }
            case 6:
            {
                string text = Strings[random.Next(Strings.Length)];
                Replace(JsonValue.Create(text), JsonSerializer.Serialize(text));
                break;
            }
            case 7 or 8:
            {
                string raw = RawValues[random.Next(RawValues.Length)];
                Replace(Raw(raw, raws), raw);
                break;
            }
            case 9 when node is JsonValue value && value.GetValueKind() == JsonValueKind.Number:
                Replace(JsonValue.Create(value.ToJsonString()), "the number as a string");
                break;
            case 10:
                if (random.Next(2) == 0) Replace(new JsonArray(node?.DeepClone()), "wrapped in an array");
                else Replace(new JsonObject { ["value"] = node?.DeepClone() }, "wrapped in an object");
                break;
            case 11:
            {
                int depth = random.Next(2) == 0 ? 70 : 1200;
                Replace(Raw(new string('[', depth) + "1" + new string(']', depth), raws), $"{depth} nested arrays");
                break;
            }
            case 12 when node is JsonArray { Count: > 0 } a:
            {
                // A long array of one extreme value, in the node's own nesting.
                string element = a[0] is JsonArray ? "[1e308,-1e308]" : RawNumbers[random.Next(RawNumbers.Length)];
                int length = random.Next(2) == 0 ? 64 : 1000;
                Replace(Raw("[" + string.Join(",", Enumerable.Repeat(element, length)) + "]", raws), $"{length} x {element}");
                break;
            }
            case 14 or 15 or 16 or 17:
                SameType(node, path, Replace, random, raws, applied);
                break;
            case 18 or 19:
            {
                // Every number under an ancestor of the node set to one extreme (inputs of 1e155, a matrix of 1e308).
                var scope = random.Next(2) == 0 ? parent ?? node : parent?.Parent ?? parent ?? node;
                string extreme = RawNumbers[random.Next(10)];
                int changed = 0;
                foreach (var n in Nodes(scope!).Where(n => n.Node is JsonValue v && v.GetValueKind() == JsonValueKind.Number))
                {
                    if (n.Parent is JsonObject o) o[n.Key!] = Raw(extreme, raws);
                    else if (n.Parent is JsonArray a) a[n.Index] = Raw(extreme, raws);
                    changed++;
                }
                applied.Add($"{changed} numbers under {scope!.GetPath()} := {extreme}");
                break;
            }
            default:
                Replace(null, "null");
                break;
        }
        return root;
    }

    /// <summary>A mutation that keeps the node's JSON type: extreme numbers, other words, reshaped arrays, changed objects.</summary>
    static void SameType(JsonNode? node, string path, Action<JsonNode?, string> replace, Random random, List<string> raws, List<string> applied)
    {
        switch (node)
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                if (random.Next(3) > 0)
                {
                    string number = RawNumbers[random.Next(RawNumbers.Length)];
                    replace(Raw(number, raws), number);
                }
                else
                {
                    double scaled = double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) * (random.Next(2) == 0 ? 1e300 : -1e-300);
                    replace(double.IsFinite(scaled) ? JsonValue.Create(scaled) : Raw("1e308", raws), $"{scaled:R}");
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
            {
                string text = value.GetValue<string>();
                string[] edits = [text + "/0", text + "*1e308", "1e308*" + text, text + "/(" + text + "-" + text + ")", text + text, text[..(text.Length / 2)], text.ToUpperInvariant(), Strings[random.Next(Strings.Length)]];
                string edited = edits[random.Next(edits.Length)];
                replace(JsonValue.Create(edited), JsonSerializer.Serialize(edited));
                break;
            }
            case JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                replace(JsonValue.Create(value.GetValueKind() == JsonValueKind.False), "flipped");
                break;
            case JsonObject o:
                switch (random.Next(3))
                {
                    case 0 when o.Count > 0:
                    {
                        string k = o.ElementAt(random.Next(o.Count)).Key;
                        applied.Add($"{path}.{k} removed");
                        o.Remove(k);
                        break;
                    }
                    case 1 when o.Count > 0:
                    {
                        var (k, v) = o.ElementAt(random.Next(o.Count));
                        applied.Add($"{path}.{k} given twice");
                        o[$"{DuplicateMarker}{raws.Count}@@{k}"] = v?.DeepClone();
                        raws.Add("");
                        break;
                    }
                    default:
                        applied.Add($"{path}.unexpectedField added");
                        o["unexpectedField"] = 1;
                        break;
                }
                break;
            case JsonArray a:
                switch (random.Next(5))
                {
                    case 0:
                        applied.Add($"{path} emptied");
                        a.Clear();
                        break;
                    case 1 when a.Count > 0:
                        int drop = random.Next(a.Count);
                        applied.Add($"{path}[{drop}] removed");
                        a.RemoveAt(drop);
                        break;
                    case 2 when a.Count > 0:
                        int copy = random.Next(a.Count);
                        applied.Add($"{path}[{copy}] repeated");
                        a.Add(a[copy]?.DeepClone());
                        break;
                    case 3:
                        applied.Add($"{path} gets a null element");
                        a.Insert(random.Next(a.Count + 1), null);
                        break;
                    default:
                        // Jagged: one row shorter or longer than the others.
                        var rows = a.OfType<JsonArray>().ToList();
                        if (rows.Count == 0) { applied.Add($"{path} gets [1,2,3]"); a.Add(new JsonArray(1, 2, 3)); break; }
                        var row = rows[random.Next(rows.Count)];
                        if (row.Count > 0 && random.Next(2) == 0) { applied.Add($"{path}: a row loses its last element"); row.RemoveAt(row.Count - 1); }
                        else { applied.Add($"{path}: a row gains an element"); row.Add(0.5); }
                        break;
                }
                break;
            default:
                replace(Raw("1", raws), "1");
                break;
        }
    }
}
