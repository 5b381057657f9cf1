using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GradApi.Contracts;
using GradApi.Domain.Vocabulary;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using static GradApi.OpenApi.ContractSchemas;

namespace GradApi.OpenApi;

/// <summary>
/// Makes each contract record's schema say what the service reads and writes, from the record itself:
/// <list type="bullet">
/// <item>Responses: every property is required and written, nullable exactly where its C# type is (the service writes nulls);
/// a property marked JsonIgnore WhenWritingNull is left out instead of null, so it is optional and never null.</item>
/// <item>Requests: no fields beyond the contract's; the required fields of <see cref="Required"/> (the records' fields are all
/// nullable so that a missing one gets the validator's message, not a binding error), never nullable; the others nullable.</item>
/// <item>Numbers of responses may be "NaN", "Infinity", "-Infinity" (<see cref="ContractSchemas.Real"/>) unless in <see cref="Finite"/>;
/// tensors and values in their shapes; enumerations as enums, from the wire-name table (<see cref="Enums"/>).</item>
/// </list>
/// </summary>
sealed class ContractSchemaFilter : ISchemaFilter
{
    /// <summary>The fields a request must give (what its validator answers "is required" to when missing).</summary>
    static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(TrainRequest)] = ["network", "data", "loss", "optimizer"],
        [typeof(NetworkRequest)] = ["inputSize", "layers"],
        [typeof(LayerRequest)] = ["activation", "weights"],
        [typeof(DataRequest)] = ["inputs", "targets"],
        [typeof(LossRequest)] = ["type"],
        [typeof(OptimizerRequest)] = ["type", "learningRate"],
        [typeof(SamplingRequest)] = [],
        [typeof(GradeRequest)] = ["problem", "answers"],
        [typeof(GradeBatchRequest)] = ["problem", "submissions"],
        [typeof(SubmissionRequest)] = ["id", "answers"],
        // value, or formula where the response holds a function (the description says which).
        [typeof(AnswerRequest)] = ["path"],
        [typeof(EndpointProblem)] = ["endpoint", "request"],
        [typeof(ToleranceRequest)] = ["type"],
        [typeof(FollowThroughRequest)] = [],
        [typeof(ActivationDerivativesRequest)] = ["activation", "at"],
        [typeof(ExpressionGradientRequest)] = ["expression"],
        [typeof(ExpressionEquivalenceRequest)] = ["expected", "claimed"],
        [typeof(MomentumWeightClaimsRequest)] = [],
        [typeof(MomentumWeightsRequest)] = ["momentum", "learningRate", "steps"],
        // Either network, data and loss, or parameterCount alone: no one field is required (the description says so).
        [typeof(HessianRequest)] = [],
        [typeof(TrajectoryRequest)] = ["objective", "start", "runs"],
        // Either function (with its fields) or expression (with constants).
        [typeof(ObjectiveRequest)] = [],
        [typeof(TrajectoryRunRequest)] = ["optimizer"],
    };

    /// <summary>The string fields (or arrays of strings) that take one of the contract's enumerations.</summary>
    static readonly Dictionary<(Type, string), string[]> Enums = new()
    {
        [(typeof(LayerRequest), "activation")] = Vocabulary.Activations,
        [(typeof(LossRequest), "type")] = Vocabulary.Losses,
        [(typeof(LossRequest), "reduction")] = Vocabulary.Reductions,
        [(typeof(LossRequest), "alsoReport")] = Vocabulary.Losses,
        [(typeof(OptimizerRequest), "type")] = Vocabulary.Optimizers,
        [(typeof(OptimizerRequest), "convention")] = [.. Vocabulary.MomentumConventions.Union(Vocabulary.NesterovConventions)],
        [(typeof(OptimizerRequest), "epsilonPlacement")] = Vocabulary.AdamEpsilonPlacements,
        [(typeof(SamplingRequest), "mode")] = Vocabulary.SamplingModes,
        [(typeof(TrainRequest), "include")] = Vocabulary.Sections,
        [(typeof(ToleranceRequest), "type")] = Vocabulary.ToleranceTypes,
        [(typeof(GradeRequest), "partialCredit")] = Vocabulary.PartialCredits,
        [(typeof(GradeRequest), "reveal")] = Vocabulary.Reveals,
        [(typeof(GradeBatchRequest), "partialCredit")] = Vocabulary.PartialCredits,
        [(typeof(GradeBatchRequest), "reveal")] = Vocabulary.Reveals,
        [(typeof(GradeRequest), "format")] = GraderFormats.Names.Names,
        [(typeof(GradeBatchRequest), "format")] = GraderFormats.Names.Names,
        [(typeof(GradescopeResults), "output_format")] = GraderFormats.GradescopeOutputFormats,
        [(typeof(GradescopeResults), "visibility")] = GraderFormats.GradescopeVisibilities,
        [(typeof(GradescopeResults), "stdout_visibility")] = GraderFormats.GradescopeVisibilities,
        [(typeof(GradescopeTest), "status")] = GraderFormats.GradescopeStatuses,
        [(typeof(GradescopeTest), "output_format")] = GraderFormats.GradescopeOutputFormats,
        [(typeof(GradescopeTest), "visibility")] = GraderFormats.GradescopeVisibilities,
        [(typeof(ActivationDerivativesRequest), "activation")] = Vocabulary.Activations,
        [(typeof(MomentumWeightsRequest), "convention")] = Vocabulary.MomentumConventions,
        [(typeof(ObjectiveRequest), "function")] = Vocabulary.ObjectiveFunctions,
        [(typeof(EndpointProblem), "endpoint")] = [.. Grading.GradableEndpoints.Routes],

        [(typeof(TrainResponse), "status")] = WireNames.RunStatuses.Names,
        [(typeof(LossEcho), "type")] = Vocabulary.Losses,
        [(typeof(LossEcho), "reduction")] = Vocabulary.Reductions,
        [(typeof(LossEcho), "alsoReport")] = Vocabulary.Losses,
        [(typeof(LossResponse), "type")] = Vocabulary.Losses,
        [(typeof(AnswerResultResponse), "verdict")] = WireNames.Verdicts.Names,
        [(typeof(DiagnosisResponse), "code")] = WireNames.DiagnosisCode.All,
        [(typeof(DiagnosisCountResponse), "code")] = WireNames.DiagnosisCode.All,
        [(typeof(ToleranceResponse), "type")] = Vocabulary.ToleranceTypes,
        [(typeof(GradeResponse), "partialCredit")] = Vocabulary.PartialCredits,
        [(typeof(GradeBatchResponse), "partialCredit")] = Vocabulary.PartialCredits,
        [(typeof(ActivationDerivativesResponse), "activation")] = Vocabulary.Activations,
        [(typeof(ClaimCheckResponse), "verdict")] = WireNames.ClaimVerdicts.Names,
        [(typeof(ClaimCheckResponse), "method")] = WireNames.ClaimMethods.Names,
        [(typeof(MomentumWeightsResponse), "convention")] = Vocabulary.MomentumConventions,
        [(typeof(TrajectoryRunResponse), "verdict")] = WireNames.TrajectoryVerdicts.Names,
    };

    /// <summary>Response numbers that are finite by the request's checks (points, tolerances, echoed settings), typed plain number.</summary>
    static readonly HashSet<(Type, string)> Finite =
    [
        (typeof(GradeResponse), "points"), (typeof(GradeResponse), "pointsAwarded"),
        (typeof(SubmissionResultResponse), "points"), (typeof(SubmissionResultResponse), "pointsAwarded"),
        (typeof(AnswerResultResponse), "points"), (typeof(AnswerResultResponse), "pointsAwarded"),
        (typeof(FollowThroughResponse), "penalty"),
        (typeof(ToleranceResponse), "relative"), (typeof(ToleranceResponse), "absolute"),
        (typeof(MomentumWeightsResponse), "momentum"), (typeof(MomentumWeightsResponse), "learningRate"), (typeof(MomentumWeightsResponse), "dampening"),
        (typeof(DerivativesAtPoint), "x"),
        (typeof(HessianResponse), "bytes"),
        (typeof(GradescopeResults), "score"), (typeof(GradescopeResults), "max_score"), (typeof(GradescopeTest), "score"), (typeof(GradescopeTest), "max_score"),
        (typeof(PrairieLearnResults), "score"), (typeof(PrairieLearnTest), "points"), (typeof(PrairieLearnTest), "max_points"),
    ];

    /// <summary>Fields declared as object or JsonElement, by what the service reads or writes there.</summary>
    static readonly Dictionary<(Type, string), Func<IOpenApiSchema>> Shapes = new()
    {
        [(typeof(ForwardLayerResponse), "activationDerivative")] = () => new OpenApiSchema
        {
            Description = "sigma'(z) [B][n] elementwise; for softmax the Jacobian da/dz of each example, [B][n][n].",
            OneOf = [Ref(RealMatrix), new OpenApiSchema { Type = JsonSchemaType.Array, Items = Ref(RealMatrix) }],
        },
        [(typeof(TrainResponse), "optimizer")] = () => Ref(OptimizerEcho),
        [(typeof(TrajectoryRunResponse), "optimizer")] = () => Ref(OptimizerEcho),
        [(typeof(TrajectoryResponse), "objective")] = () => Ref(ObjectiveEcho),
        [(typeof(TrajectoryStepResponse), "parameters")] = () => MapOf(Ref(Value)),
        [(typeof(TrajectoryStepResponse), "gradient")] = () => MapOf(Ref(Value)),
        [(typeof(TrajectoryStepResponse), "lookAhead")] = () => MapOf(Ref(Value)),
        [(typeof(TrajectoryStepResponse), "state")] = () => MapOf(MapOf(Ref(Value))),
        [(typeof(ExpressionGradientResponse), "value")] = () => Ref(Value),
        [(typeof(ExpressionGradientResponse), "gradients")] = () => MapOf(Ref(Value)),
        [(typeof(ExpressionGradientResponse), "jacobians")] = () => MapOf(Ref(RealMatrix)),
        [(typeof(CounterexampleResponse), "variables")] = () => MapOf(Ref(Value)),
        [(typeof(CounterexampleResponse), "expected")] = () => Ref(Value),
        [(typeof(CounterexampleResponse), "claimed")] = () => Ref(Value),
        [(typeof(ActivationDerivativesRequest), "at")] = () => new OpenApiSchema
        {
            Description = "An array of numbers; for softmax an array of vectors.",
            OneOf = [ArrayOf(Number()), ArrayOf(ArrayOf(Number()))],
        },
        [(typeof(ExpressionGradientRequest), "variables")] = () => MapOf(Ref(InputValue)),
        [(typeof(ExpressionEquivalenceRequest), "variables")] = () => MapOf(Ref(InputValue)),
        [(typeof(TrajectoryRequest), "start")] = () => MapOf(Ref(InputValue)),
        [(typeof(ObjectiveRequest), "constants")] = () => MapOf(Ref(InputValue)),
        [(typeof(AnswerRequest), "value")] = () => Ref(Tensor),
        [(typeof(EndpointProblem), "request")] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            // Any fields (the named endpoint's): written out, so generated clients type it as an open object, not an empty one.
            AdditionalProperties = new OpenApiSchema(),
            Description = "Exactly the named endpoint's request body (its schema is that operation's), with its checks and limits.",
        },
        [(typeof(FormulaCounterexampleResponse), "variables")] = () => MapOf(Ref(Tensor)),
        [(typeof(DerivativePolynomialResponse), "exactCoefficients")] = () => ArrayOf(new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^-?(0|[1-9][0-9]*)$" }),
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        var type = context.Type;
        if (schema is not OpenApiSchema concrete || concrete.Properties is null || type.Assembly != typeof(TrainRequest).Assembly) return;
        if (type == typeof(GradeProblem))
        {
            // Read as one of two bodies, not as the record that holds them (GradeProblemJsonConverter).
            concrete.Properties = null;
            concrete.Type = null;
            concrete.AdditionalPropertiesAllowed = true;
            concrete.OneOf = [Ref(nameof(TrainRequest)), Ref(nameof(EndpointProblem))];
            concrete.Description = "Exactly a /v1/train request, or another endpoint's problem: { \"endpoint\": ..., \"request\": { ... } }.";
            return;
        }
        bool request = type.Name.EndsWith("Request", StringComparison.Ordinal) || type == typeof(EndpointProblem);
        if (request)
        {
            concrete.AdditionalPropertiesAllowed = false;
            concrete.Required = new HashSet<string>(Required.TryGetValue(type, out var required) ? required : []);
        }
        else concrete.Required = new HashSet<string>();

        var nullability = new NullabilityInfoContext(); // not thread-safe: one per schema
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // The graders' formats name their fields themselves (snake_case); the rest are camelCase by the app's policy.
            string name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!concrete.Properties.TryGetValue(name, out var generated)) continue;
            bool omittedWhenNull = property.GetCustomAttribute<JsonIgnoreAttribute>()?.Condition == JsonIgnoreCondition.WhenWritingNull;
            bool nullable = IsNullable(property, nullability);
            if (!request && !omittedWhenNull) concrete.Required.Add(name);

            var shaped = Shape(type, name, property.PropertyType, generated, request);
            // Null is sent (responses) or accepted (optional request fields); a required field or one left out is never null.
            bool sendsNull = request ? !concrete.Required.Contains(name) && nullable : nullable && !omittedWhenNull;
            shaped = sendsNull ? OrNull(shaped) : NotNull(shaped);
            // The field's own words (its XML comment) stay with it; beside a bare $ref OpenAPI 3.0 ignores them, so it is wrapped in an allOf.
            if (generated.Description is { } description)
            {
                if (shaped is OpenApiSchemaReference reference) shaped = new OpenApiSchema { AllOf = [reference], Description = description };
                else if (shaped is OpenApiSchema { Description: null } described) described.Description = description;
            }
            concrete.Properties[name] = shaped;
        }
    }

    static IOpenApiSchema Shape(Type owner, string name, Type clr, IOpenApiSchema generated, bool request)
    {
        if (Shapes.TryGetValue((owner, name), out var shape)) return shape();
        if (Enums.TryGetValue((owner, name), out var names))
            return clr != typeof(string) && typeof(IEnumerable<string>).IsAssignableFrom(clr) ? ArrayOf(Enum(names)) : Enum(names);
        if (request) return generated;
        var element = Nullable.GetUnderlyingType(clr) ?? clr;
        if (element == typeof(double)) return Finite.Contains((owner, name)) ? Number() : Ref(Real);
        if (element == typeof(double[])) return Ref(RealVector);
        if (element == typeof(double[][])) return Ref(RealMatrix);
        if (element == typeof(double[][][])) return ArrayOf(Ref(RealMatrix));
        if (element == typeof(IReadOnlyDictionary<string, double>)) return MapOf(Ref(Real));
        if (element == typeof(Domain.Tensors.Tensor)) return Ref(Tensor);
        if (element == typeof(Domain.Grading.ElementMask)) return Ref(ElementMask);
        return generated;
    }

    static bool IsNullable(PropertyInfo property, NullabilityInfoContext nullability) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || !property.PropertyType.IsValueType && nullability.Create(property).ReadState == NullabilityState.Nullable;

    /// <summary>The schema with null allowed: type and nullable for a plain schema, else a oneOf with exactly null.</summary>
    static IOpenApiSchema OrNull(IOpenApiSchema schema) => schema switch
    {
        // Not { type: object, nullable: true, allOf: [ref] }: in OpenAPI 3.0 the referenced schema still refuses null.
        OpenApiSchemaReference reference => new OpenApiSchema { OneOf = [reference, NullOnly()] },
        OpenApiSchema { OneOf.Count: > 0 } union => new OpenApiSchema { Description = union.Description, OneOf = [.. union.OneOf.Select(NotNull), NullOnly()] },
        OpenApiSchema plain when plain.Type is { } type => WithType(plain, type | JsonSchemaType.Null),
        _ => schema,
    };

    static IOpenApiSchema NotNull(IOpenApiSchema schema) =>
        schema is OpenApiSchema { Type: { } type } plain && type.HasFlag(JsonSchemaType.Null) ? WithType(plain, type & ~JsonSchemaType.Null) : schema;

    static OpenApiSchema WithType(OpenApiSchema schema, JsonSchemaType type)
    {
        schema.Type = type;
        // An enum lists null too when null is one of its values (OpenAPI 3.0.3).
        if (schema.Enum is { Count: > 0 } values)
        {
            bool hasNull = values.Any(v => v is null);
            if (type.HasFlag(JsonSchemaType.Null) && !hasNull) values.Add(null!);
            if (!type.HasFlag(JsonSchemaType.Null) && hasNull) schema.Enum = values.Where(v => v is not null).ToList();
        }
        return schema;
    }

    static OpenApiSchema ArrayOf(IOpenApiSchema items) => new() { Type = JsonSchemaType.Array, Items = items };

    static OpenApiSchema MapOf(IOpenApiSchema values) => new() { Type = JsonSchemaType.Object, AdditionalProperties = values };

    static OpenApiSchema Number() => new() { Type = JsonSchemaType.Number, Format = "double" };
}
