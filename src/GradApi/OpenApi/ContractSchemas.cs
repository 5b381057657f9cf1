using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Domain.Analysis;
using Microsoft.OpenApi;

namespace GradApi.OpenApi;

/// <summary>
/// The shared schemas of the document (components/schemas): numbers that may not be finite, tensors in their shape,
/// the calculus value forms, the optimizer and objective echoes, and the two problem bodies. Enumerations are read
/// from <see cref="Vocabulary"/> (itself the domain's wire-name table), never spelled here.
/// </summary>
public static class ContractSchemas
{
    public const string Real = "Real", NonFinite = "NonFinite", RealVector = "RealVector", RealMatrix = "RealMatrix", Tensor = "Tensor",
        ElementMask = "ElementMask", Value = "Value", InputValue = "InputValue", OptimizerEcho = "OptimizerEcho", ObjectiveEcho = "ObjectiveEcho",
        Problem = "Problem", ValidationProblem = "ValidationProblem";

    public static OpenApiSchemaReference Ref(string id, OpenApiDocument? document = null) => new(id, document);

    public static OpenApiSchema Enum(IEnumerable<string> names) =>
        new() { Type = JsonSchemaType.String, Enum = names.Select(n => (JsonNode)JsonValue.Create(n)).ToList() };

    /// <summary>Exactly null, in OpenAPI 3.0's words (a type, nullable, and null as its only value).</summary>
    public static OpenApiSchema NullOnly() => new() { Type = JsonSchemaType.String | JsonSchemaType.Null, Enum = [null!] };

    static OpenApiSchema ArrayOf(IOpenApiSchema items, string? description = null) =>
        new() { Type = JsonSchemaType.Array, Items = items, Description = description };

    static OpenApiSchema MapOf(IOpenApiSchema values) => new() { Type = JsonSchemaType.Object, AdditionalProperties = values };

    static OpenApiSchema Number() => new() { Type = JsonSchemaType.Number, Format = "double" };

    static OpenApiSchema Bool() => new() { Type = JsonSchemaType.Boolean };

    /// <summary>Every shared schema by its name, added to the document once.</summary>
    public static IEnumerable<(string Name, OpenApiSchema Schema)> All()
    {
        yield return (NonFinite, new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "A number that is not finite (a diverged run, an overflow), written as a string since JSON has no such numbers.",
            Enum = [JsonValue.Create("NaN"), JsonValue.Create("Infinity"), JsonValue.Create("-Infinity")],
        });
        yield return (Real, new OpenApiSchema
        {
            Description = "A JSON number, or \"NaN\", \"Infinity\", \"-Infinity\" when the value is not finite.",
            OneOf = [Number(), Ref(NonFinite)],
        });
        yield return (RealVector, ArrayOf(Ref(Real), "[n]: numbers, any of them possibly not finite."));
        yield return (RealMatrix, ArrayOf(Ref(RealVector), "[rows][columns], row-major ([B][n] for a batch, [out][in] for weights)."));
        yield return (Tensor, new OpenApiSchema
        {
            Description = "A tensor in its shape: a number for a scalar, else nested arrays ([n], [B][n], [out][in], [B][n][n]), row-major; " +
                "values that are not finite are the strings \"NaN\", \"Infinity\", \"-Infinity\".",
            // Spelled out to rank 3, the most a traced tensor has, not recursively: generators such as
            // openapi-typescript cannot type a schema that refers to itself (TS2502).
            OneOf = [Ref(Real), Ref(RealVector), Ref(RealMatrix), ArrayOf(Ref(RealMatrix), "[B][n][n]: a batch of softmax Jacobians.")],
        });
        yield return (ElementMask, new OpenApiSchema
        {
            Description = "true where an element counted (right against the reference, or by follow-through), in the submitted value's shape: " +
                "true or false for a scalar, else nested arrays of them.",
            OneOf = [Bool(), ArrayOf(Bool()), ArrayOf(ArrayOf(Bool())), ArrayOf(ArrayOf(ArrayOf(Bool())))],
        });
        yield return (Value, new OpenApiSchema
        {
            Description = "A value in its form: a number for a scalar, an array for a (column) vector, an array of rows for a matrix; " +
                "numbers that are not finite as \"NaN\", \"Infinity\", \"-Infinity\".",
            OneOf = [Ref(Real), Ref(RealVector), Ref(RealMatrix)],
        });
        yield return (InputValue, new OpenApiSchema
        {
            Description = "A number is a scalar, an array of numbers a column vector, an array of rows a matrix (finite numbers only).",
            OneOf = [Number(), ArrayOf(Number()), ArrayOf(ArrayOf(Number()))],
        });
        yield return (OptimizerEcho, OptimizerEchoSchema());
        yield return (ObjectiveEcho, ObjectiveEchoSchema());
        yield return (Problem, ProblemSchema(validation: false));
        yield return (ValidationProblem, ProblemSchema(validation: true));
    }

    /// <summary>The resolved optimizer: type, learningRate and weightDecay always, and the settings of its type with their defaults.</summary>
    static OpenApiSchema OptimizerEchoSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The optimizer as run, every setting of its type filled in with its default.",
        Required = new HashSet<string> { "type", "learningRate", "weightDecay" },
        AdditionalPropertiesAllowed = false,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Enum(Vocabulary.Optimizers),
            ["convention"] = Enum(Vocabulary.MomentumConventions.Union(Vocabulary.NesterovConventions)).With("momentum and nesterov."),
            ["learningRate"] = Number(),
            ["momentum"] = Number().With("momentum, nesterov, rmsprop."),
            ["dampening"] = Number().With("momentum with the pytorch convention."),
            ["weightDecay"] = Number(),
            ["beta1"] = Number().With("adam, adamw."),
            ["beta2"] = Number().With("adam, adamw."),
            ["epsilon"] = Number().With("adagrad, rmsprop, adam, adamw."),
            ["epsilonPlacement"] = Enum(Vocabulary.AdamEpsilonPlacements).With("rmsprop, adam, adamw."),
            ["biasCorrection"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "adam, adamw." },
            ["amsgrad"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "adam, adamw." },
            ["rho"] = Number().With("rmsprop."),
            ["centered"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "rmsprop." },
            ["learningRateDecay"] = Number().With("adagrad."),
            ["initialAccumulator"] = Number().With("adagrad."),
        },
    };

    /// <summary>The objective as resolved: the named function with its fields, or the expression with its constants; always the parameters' shapes.</summary>
    static OpenApiSchema ObjectiveEchoSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The objective as run: function (with matrix and vector for quadratic, a and b for rosenbrock), or expression with constants; " +
            "parameters gives each parameter's shape ([] a number, [n] a vector, [r, c] a matrix).",
        Required = new HashSet<string> { "parameters" },
        AdditionalPropertiesAllowed = false,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["function"] = Enum(Vocabulary.ObjectiveFunctions),
            ["expression"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["constants"] = MapOf(Ref(InputValue)),
            ["matrix"] = ArrayOf(ArrayOf(Number())),
            ["vector"] = ArrayOf(Number()),
            ["a"] = Number(),
            ["b"] = Number(),
            ["parameters"] = MapOf(ArrayOf(new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" })),
        },
    };

    /// <summary>
    /// RFC 9457 problem details as this service writes them: type, title, status and traceId always, detail on every problem the
    /// service words itself; a 400 adds errors (keyed by JSON path) and, when the request's fields were checked, errorCount.
    /// </summary>
    static OpenApiSchema ProblemSchema(bool validation)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = validation
                ? "A 400: errors lists, by JSON path (body for the body as a whole), what is wrong; errorCount, present once the fields were checked, " +
                  "counts every failing field, also those beyond maxListedErrors."
                : "RFC 9457 problem details: what went wrong (title), in words a client can show (detail), and the trace id the service logged.",
            // type is left out for a status RFC 9110 does not define (429).
            Required = new HashSet<string> { "title", "status", "traceId" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the kind of problem (the RFC 9110 section of the status); absent for 429." },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, as logged." },
            },
        };
        if (validation)
        {
            schema.Required.Add("errors");
            schema.Properties["errors"] = MapOf(ArrayOf(new OpenApiSchema { Type = JsonSchemaType.String }));
            schema.Properties["errorCount"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" };
        }
        return schema;
    }

    static OpenApiSchema With(this OpenApiSchema schema, string description)
    {
        schema.Description = description;
        return schema;
    }
}
