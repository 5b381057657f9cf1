using GradApi.Access;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>
/// What the document says beyond each operation's own answer: every status a /v1 route can answer before or instead of
/// its handler, each application/problem+json with the service's problem schema (the 400 with errors); the optional
/// bearer key (security); the server; and the shared schemas of <see cref="ContractSchemas"/>.
/// </summary>
sealed class ProblemResponsesFilter : IDocumentFilter
{
    /// <summary>The statuses of every /v1 route, what each means, and the headers sent with it.</summary>
    static readonly (string Status, string Description, (string Name, string Description)[] Headers)[] KeyedStatuses =
    [
        ("400", "The body is not a valid request: errors names each wrong field by JSON path (body for the body as a whole) and the limit it passes.", []),
        ("401", "No API key, or one this service does not know (only when keys are configured).",
            [("WWW-Authenticate", "Bearer; with error=\"invalid_token\" for an unknown key.")]),
        ("403", "The key's role does not cover this route (a student key reaches only POST /v1/grade).", []),
        ("404", "No route at this path (a mistyped path, or a route of another version).", []),
        ("405", "The path takes another method (POST for every /v1 route).", [("Allow", "The methods the path takes.")]),
        ("413", "The body is larger than maxBodyBytes; the detail names the limit.", []),
        ("415", "The body is not sent as application/json; the detail says what was sent.", []),
        ("429", "The queue of CPU-heavy work is full, or the key's or the client's rate is used up; the detail names the limit.",
            [("Retry-After", "Seconds to wait before trying again.")]),
        ("503", "The request's work passed its deadline (deadlineSeconds); nothing of the answer was sent.", []),
    ];

    /// <summary>Health answers every GET; another method on its path is refused.</summary>
    static readonly (string Status, string Description, (string Name, string Description)[] Headers)[] HealthStatuses =
    [
        ("405", "The path takes GET (and HEAD) only.", [("Allow", "The methods the path takes.")]),
    ];

    public const string Bearer = "bearer";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Servers = [new OpenApiServer { Url = "/", Description = "The host that serves this document." }];
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in ContractSchemas.All()) document.Components.Schemas[name] = schema;
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key as a bearer token (Authorization: Bearer <key>), only when the service is configured with keys; " +
                    "without keys configured every /v1 route is open.",
            },
        };

        foreach (var (path, item) in document.Paths)
        {
            bool keyed = ApiKeys.IsKeyed(path);
            foreach (var operation in (item.Operations ?? []).Values)
            {
                // Keys are optional: a service without keys configured takes requests with no Authorization header.
                operation.Security = keyed
                    ? [new OpenApiSecurityRequirement(), new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] }]
                    : [];
                operation.Responses ??= [];
                foreach (var (status, description, headers) in keyed ? KeyedStatuses : HealthStatuses)
                    Document(operation.Responses, status, description, headers, document);
            }
        }
        // Swashbuckle's framework problem schemas are replaced by the service's own (Problem, ValidationProblem).
        document.Components.Schemas.Remove("ProblemDetails");
        document.Components.Schemas.Remove("HttpValidationProblemDetails");
    }

    static void Document(OpenApiResponses responses, string status, string description,
        (string Name, string Description)[] headers, OpenApiDocument document)
    {
        var schema = ContractSchemas.Ref(status == "400" ? ContractSchemas.ValidationProblem : ContractSchemas.Problem, document);
        if (!responses.TryGetValue(status, out var existing) || existing is not OpenApiResponse response)
            responses[status] = response = new OpenApiResponse();
        response.Description = description;
        // Examples a filter attached (the real 400 to an empty object) stay; only the schema and media type are the service's.
        var examples = (response.Content?.Values.OfType<OpenApiMediaType>().FirstOrDefault())?.Examples;
        response.Content = new Dictionary<string, IOpenApiMediaType>
        {
            ["application/problem+json"] = new OpenApiMediaType { Schema = schema, Examples = examples },
        };
        if (headers.Length > 0)
            response.Headers = headers.ToDictionary(h => h.Name, h => (IOpenApiHeader)new OpenApiHeader
            {
                Description = h.Description,
                Schema = new OpenApiSchema { Type = h.Name == "Retry-After" ? JsonSchemaType.Integer : JsonSchemaType.String },
            });
    }
}
