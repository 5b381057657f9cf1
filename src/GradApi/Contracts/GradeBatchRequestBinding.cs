using System.Reflection;
using GradApi.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Contracts;

// /v1/grade/batch binds its body itself (JsonBody, with GradeBatchRequestReader), as /v1/grade does:
// read whole in one synchronous pass, with the framework's answers to a body that is missing, not JSON or malformed,
// and the same schema in the document as a body the framework binds.
// (A comment, not a summary: the record's own summary is its schema's description in the OpenAPI document.)
public sealed partial record GradeBatchRequest : IBindableFromHttpContext<GradeBatchRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<GradeBatchRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<GradeBatchRequest>(context, GradeBatchRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<GradeBatchRequest>(builder);
}
