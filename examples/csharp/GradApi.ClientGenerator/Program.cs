// Writes the C# client of GradApi from its OpenAPI document: dotnet run -- <swagger.json> <output.cs>
// The settings are the ones a careful user of the service would choose; each says why.
using System.Text.Json.Nodes;
using NJsonSchema;
using NJsonSchema.CodeGeneration;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: GradApi.ClientGenerator <swagger.json> <output.cs>");
    return 2;
}

var document = await OpenApiDocument.FromJsonAsync(NSwagUnions.Untype(await File.ReadAllTextAsync(args[0])));
var settings = new CSharpClientGeneratorSettings
{
    ClassName = "GradApiClient",
    // One client class with one method per route, named by the document's operationIds.
    OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
    // The caller owns the HttpClient (and its BaseAddress); the client neither creates nor disposes it.
    InjectHttpClient = true,
    DisposeHttpClient = false,
    UseBaseUrl = false,
    GenerateClientInterfaces = false,
    // Non-2xx answers become ApiException<ProblemDetails> where the document declares the problem schema.
    GenerateExceptionClasses = true,
    ExceptionClass = "GradApiException",
    WrapDtoExceptions = true,
    CSharpGeneratorSettings =
    {
        Namespace = "GradApi.Client",
        // System.Text.Json: the serializer of .NET itself and of the service; no Newtonsoft dependency.
        JsonLibrary = CSharpJsonLibrary.SystemTextJson,
        // The document's required and nullable flags become C# nullability, checked by the compiler.
        GenerateNullableReferenceTypes = true,
        GenerateOptionalPropertiesAsNullable = true,
        // Lists (not NSwag's default ICollection): a grader indexes tensors, t[0][1].
        ArrayType = "System.Collections.Generic.List",
        ArrayInstanceType = "System.Collections.Generic.List",
        DictionaryType = "System.Collections.Generic.IDictionary",
        DictionaryInstanceType = "System.Collections.Generic.Dictionary",
        // Enum members named exactly as their wire names (heavy_ball, not Heavy_ball): System.Text.Json's
        // JsonStringEnumConverter<T>, which NSwag puts on enum properties, ignores [EnumMember] and writes the
        // member's name, so only then does a request carry the contract's names.
        EnumNameGenerator = new WireEnumNameGenerator(),
        // Records of data only; no INotifyPropertyChanged or validation attributes a console client does not use.
        ClassStyle = CSharpClassStyle.Poco,
        GenerateDataAnnotations = false,
    },
};

var code = new CSharpClientGenerator(document, settings).GenerateFile();
await File.WriteAllTextAsync(args[1], code.ReplaceLineEndings("\n"));
Console.WriteLine($"wrote {args[1]} ({code.Length} characters)");
return 0;

/// <summary>
/// NSwag (NJsonSchema) translates a oneOf into its first branch, or into classes it never writes (Value,
/// Tensor2, Anonymous: NSwag#1721, NJsonSchema#673), so a union of a number and arrays would become a
/// double that cannot read an array, or code that does not compile. Before generating, every union it
/// cannot type is made untyped (C# object, read as a JsonElement); what it can type stays typed: a
/// nullable reference (oneOf of one schema and null) and a number or the three non-finite strings
/// (a double, read with System.Text.Json's named literals, see GradApiClient.Serializer.cs).
/// A document without unions passes unchanged.
/// </summary>
static class NSwagUnions
{
    public static string Untype(string documentJson)
    {
        var document = JsonNode.Parse(documentJson) ?? throw new InvalidDataException("empty document");
        if (document["components"]?["schemas"] is not JsonObject schemas) return documentJson;
        var untyped = schemas.Where(pair => pair.Value is JsonObject schema && IsUnionNSwagCannotType(schema, schemas))
            .Select(pair => $"#/components/schemas/{pair.Key}").ToHashSet();
        if (untyped.Count == 0 && !HasUnion(document, schemas)) return documentJson;
        foreach (var reference in untyped) schemas.Remove(reference["#/components/schemas/".Length..]);
        Rewrite(document, untyped, schemas);
        return document.ToJsonString();
    }

    static void Rewrite(JsonNode? node, HashSet<string> untyped, JsonObject schemas)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) Rewrite(item, untyped, schemas);
                break;
            case JsonObject schema:
                foreach (var pair in schema.ToList())
                {
                    // A reference to an untyped union becomes an untyped schema in place.
                    if (pair.Value is JsonObject child && child["$ref"]?.GetValue<string>() is { } reference && untyped.Contains(reference))
                        schema[pair.Key] = new JsonObject();
                    else
                        Rewrite(pair.Value, untyped, schemas);
                }
                foreach (var key in new[] { "oneOf", "anyOf", "allOf" })
                {
                    if (schema[key] is not JsonArray branches) continue;
                    for (var i = 0; i < branches.Count; i++)
                        if (branches[i] is JsonObject { } branch && branch["$ref"]?.GetValue<string>() is { } reference && untyped.Contains(reference))
                            branches[i] = new JsonObject();
                    // allOf is how a reference carries its own description: one that is left with nothing typed goes.
                    if (key == "allOf")
                    {
                        if (branches.All(b => b is JsonObject { Count: 0 })) schema.Remove(key);
                        continue;
                    }
                    if (IsUnionNSwagCannotType(schema, schemas))
                    {
                        schema.Remove(key);
                        if (branches.Any(IsNull)) schema["nullable"] = true;
                    }
                }
                break;
        }
    }

    static bool HasUnion(JsonNode? node, JsonObject schemas) => node switch
    {
        JsonArray array => array.Any(item => HasUnion(item, schemas)),
        JsonObject schema => IsUnionNSwagCannotType(schema, schemas) || schema.Any(pair => HasUnion(pair.Value, schemas)),
        _ => false,
    };

    static bool IsUnionNSwagCannotType(JsonObject schema, JsonObject schemas)
    {
        var branches = (schema["oneOf"] ?? schema["anyOf"]) as JsonArray;
        if (branches is null) return false;
        var typed = branches.Where(branch => !IsNull(branch)).ToList();
        if (typed.Count == 1) return typed[0] is JsonObject only && only.Count == 0;
        return !(typed.Count == 2 && typed.Any(IsNumber) && typed.Any(branch => IsStringEnum(branch, schemas)));
    }

    static bool IsNull(JsonNode? branch) => branch is JsonObject schema && schema["enum"] is JsonArray values
        && values.Count == 1 && values[0] is null;

    static bool IsNumber(JsonNode? branch) => branch?["type"]?.GetValue<string>() == "number";

    static bool IsStringEnum(JsonNode? branch, JsonObject schemas)
    {
        if (branch?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
            branch = schemas[reference["#/components/schemas/".Length..]];
        return branch?["type"]?.GetValue<string>() == "string" && branch["enum"] is JsonArray;
    }
}

/// <summary>Names an enum member by its wire name where that is a C# identifier; NSwag's default otherwise ("-Infinity").</summary>
sealed class WireEnumNameGenerator : IEnumNameGenerator
{
    readonly DefaultEnumNameGenerator fallback = new();

    public string Generate(int index, string? name, object? value, JsonSchema schema) =>
        name is { Length: > 0 } && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_')
            ? name
            : fallback.Generate(index, name, value, schema);
}
