using System.Reflection;
using GradApi.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Contracts;

// /v1/grade binds its body itself (JsonBody, with GradeRequestReader), as /v1/train does:
// read whole in one synchronous pass, with the framework's answers to a body that is missing, not JSON or malformed,
// and the same schema in the document as a body the framework binds.
// (A comment, not a summary: the record's own summary is its schema's description in the OpenAPI document.)
public sealed partial record GradeRequest : IBindableFromHttpContext<GradeRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<GradeRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<GradeRequest>(context, GradeRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<GradeRequest>(builder);
}
