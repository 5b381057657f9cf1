using GradApi.Contracts;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>
/// The 200 of /v1/grade and /v1/grade/batch is one of three bodies, by the request's <c>format</c>: the service's own
/// (declared by the result), Gradescope's results.json or PrairieLearn's. Their records are added as a oneOf, so the
/// document has their schemas and a client can tell them apart by their required fields.
/// </summary>
sealed class GraderFormatsFilter : IOperationFilter
{
    static readonly Dictionary<string, Type[]> Formats = new()
    {
        ["Grade"] = [typeof(GradescopeResults), typeof(PrairieLearnResults)],
        ["GradeBatch"] = [typeof(GradescopeBatchResponse), typeof(PrairieLearnBatchResponse)],
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId is not { } id || !Formats.TryGetValue(id, out var types)) return;
        if (operation.Responses?.TryGetValue("200", out var response) != true || response?.Content is null) return;
        foreach (var media in response.Content.Values.OfType<OpenApiMediaType>())
        {
            if (media.Schema is not { } gradapi) continue;
            media.Schema = new OpenApiSchema
            {
                Description = "By format: gradapi (the default), gradescope, prairielearn.",
                OneOf = [gradapi, .. types.Select(t => context.SchemaGenerator.GenerateSchema(t, context.SchemaRepository))],
            };
        }
    }
}
