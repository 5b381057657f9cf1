using System.Reflection;
using GradApi.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Contracts;

// /v1/train binds its body itself (JsonBody, with TrainRequestReader): read whole in one
// synchronous pass, with the framework's answers to a body that is missing, not JSON or malformed, and the same schema
// in the document as a body the framework binds.
// (A comment, not a summary: the record's own summary is its schema's description in the OpenAPI document.)
public sealed partial record TrainRequest : IBindableFromHttpContext<TrainRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<TrainRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<TrainRequest>(context, TrainRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<TrainRequest>(builder);
}
