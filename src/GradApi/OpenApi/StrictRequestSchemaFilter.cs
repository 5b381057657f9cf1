using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>
/// Request schemas say what the service enforces: no fields beyond the contract's
/// (additionalProperties: false) and which fields are required.
/// </summary>
sealed class StrictRequestSchemaFilter : ISchemaFilter
{
    static readonly Dictionary<string, string[]> Required = new()
    {
        ["TrainRequest"] = ["network", "data", "loss", "optimizer"],
        ["NetworkRequest"] = ["inputSize", "layers"],
        ["LayerRequest"] = ["activation", "weights"],
        ["DataRequest"] = ["inputs", "targets"],
        ["LossRequest"] = ["type"],
        ["OptimizerRequest"] = ["type", "learningRate"],
        ["GradeRequest"] = ["problem", "answers"],
        ["GradeBatchRequest"] = ["problem", "submissions"],
        ["SubmissionRequest"] = ["id", "answers"],
        ["AnswerRequest"] = ["path", "value"],
        ["ToleranceRequest"] = ["type"],
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete || !context.Type.Name.EndsWith("Request", StringComparison.Ordinal)) return;
        if (context.Type.Namespace != typeof(Contracts.TrainRequest).Namespace) return;
        concrete.AdditionalPropertiesAllowed = false;
        if (Required.TryGetValue(context.Type.Name, out var required))
            concrete.Required = new HashSet<string>(required);
    }
}
