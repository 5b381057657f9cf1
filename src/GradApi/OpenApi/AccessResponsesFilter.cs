using GradApi.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>
/// Documents on every /v1 operation what the key check and the queue answer before the handler runs: 401, 403 and 429,
/// each application/problem+json, with the WWW-Authenticate and Retry-After headers.
/// </summary>
sealed class AccessResponsesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!ApiKeys.IsKeyed("/" + (context.ApiDescription.RelativePath ?? "").TrimStart('/'))) return;
        var schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", Problem(schema,
            "No API key, or one this service does not know (only when keys are configured).",
            ("WWW-Authenticate", "Bearer; with error=\"invalid_token\" for an unknown key.")));
        operation.Responses.TryAdd("403", Problem(schema,
            "The key's role does not cover this route (a student key reaches only POST /v1/grade)."));
        operation.Responses.TryAdd("429", Problem(schema,
            "The queue of CPU-heavy work is full, or the key's or the client's rate is used up; the detail names the limit.",
            ("Retry-After", "Seconds to wait before trying again.")));
    }

    static OpenApiResponse Problem(IOpenApiSchema schema, string description, params (string Name, string Description)[] headers) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
        Headers = headers.Length == 0 ? null : headers.ToDictionary(h => h.Name, h => (IOpenApiHeader)new OpenApiHeader
        {
            Description = h.Description,
            Schema = new OpenApiSchema { Type = h.Name == "Retry-After" ? JsonSchemaType.Integer : JsonSchemaType.String },
        }),
    };
}
