using System.Text.Json.Nodes;
using GradApi.Limits;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>The OpenAPI document at /swagger/v1/swagger.json and Swagger UI at /swagger.</summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddGradOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.OperationFilter<ReferenceExamplesFilter>();
            options.OperationFilter<ResponseExamplesFilter>();
            options.OperationFilter<GraderFormatsFilter>();
            options.DocumentFilter<TagDescriptionsFilter>();
            options.DocumentFilter<ProblemResponsesFilter>();
            options.SchemaFilter<ContractSchemaFilter>();
            options.SupportNonNullableReferenceTypes();
            // Exact polynomial coefficients are written as JSON integers, not as BigInteger's properties. Typed number:
            // "integer" makes generators choose int or long, and order 20's reach about 1.1e21 (exactCoefficients has them exactly).
            options.MapType<System.Numerics.BigInteger>(() => new OpenApiSchema
            {
                Type = JsonSchemaType.Number,
                Description = "A whole number, written exactly; past 2^53 a JSON parser may round it, so exactCoefficients has it as a decimal string.",
            });
            // Tensors, element masks and answer values are written and read in their shape (Json/TensorJson.cs, Json/AnswerValueJson.cs):
            // mapped here so their .NET members are not described; ContractSchemaFilter types each field with the shared schemas.
            options.MapType<Domain.Tensors.Tensor>(() => new OpenApiSchema());
            options.MapType<Domain.Grading.ElementMask>(() => new OpenApiSchema());
            options.MapType<Contracts.AnswerValue>(() => new OpenApiSchema());
            // Tags in the order a reader meets the problems: training first, then grading, calculus, analysis, service.
            options.OrderActionsBy(api => $"{Array.IndexOf(TagOrder, api.GroupName ?? api.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Http.Metadata.ITagsMetadata>().FirstOrDefault()?.Tags.FirstOrDefault()) + 1:D2} {api.RelativePath}");
            var xml = Path.Combine(AppContext.BaseDirectory, "GradApi.xml");
            if (File.Exists(xml)) options.IncludeXmlComments(xml);
        });
        // The description states the limits in force, read from configuration.
        services.AddOptions<SwaggerGenOptions>().Configure<ServiceLimits, Operations.OperationsOptions, Access.KeyRing>((options, limits, operations, keys) =>
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "GradApi",
                Version = "v1",
                Description = ApiText.Overview(limits) + AccessAndLoadText.Overview(operations, !keys.IsEmpty),
                Contact = new OpenApiContact { Name = "GradApi maintainers" },
            }));
        return services;
    }

    static readonly string?[] TagOrder = ["Training", "Grading", "Calculus", "Analysis", "Service"];

    public static WebApplication UseGradSwagger(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "GradApi v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "GradApi";
            // Links such as /swagger/index.html#/Training/Train open that operation.
            options.EnableDeepLinking();
        });
        return app;
    }

    /// <summary>Offers the named request examples stored under the given prefix (train.*.json).</summary>
    public static RouteHandlerBuilder WithReferenceExamples(this RouteHandlerBuilder builder, string prefix = "train") =>
        builder.WithMetadata(new RequestExamplesMetadata(prefix));
}

/// <summary>Marks an endpoint whose request body gets the embedded examples named prefix.*.json.</summary>
public sealed record RequestExamplesMetadata(string Prefix);

/// <summary>Adds the embedded examples (seed problems and reference cases) to the request body, by name.</summary>
sealed class ReferenceExamplesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RequestExamplesMetadata>().FirstOrDefault();
        if (metadata is null || operation.RequestBody?.Content is null) return;
        if (!operation.RequestBody.Content.TryGetValue("application/json", out var content) || content is not OpenApiMediaType media) return;
        var examples = media.Examples ??= new Dictionary<string, IOpenApiExample>();
        // By name (the file name), so the order stays put when a summary is reworded.
        foreach (var (name, example) in RequestExamples.Load(metadata.Prefix))
            examples[name] = new OpenApiExample
            {
                Summary = example["summary"]?.GetValue<string>(),
                Description = example["description"]?.GetValue<string>(),
                Value = example["value"]?.DeepClone(),
            };
    }
}

/// <summary>The example files embedded in this assembly as GradApi.Examples.{prefix}.{name}.json.</summary>
public static class RequestExamples
{
    public static IEnumerable<(string Name, JsonNode Example)> Load(string prefix)
    {
        var assembly = typeof(RequestExamples).Assembly;
        string start = $"GradApi.Examples.{prefix}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(start, StringComparison.Ordinal)).Order())
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            yield return (resource[start.Length..^".json".Length], JsonNode.Parse(stream)!);
        }
    }
}
