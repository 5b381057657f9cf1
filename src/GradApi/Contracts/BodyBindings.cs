using System.Reflection;
using GradApi.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Contracts;

// The endpoints whose bodies are bound by their own readers (JsonBody): read whole in one synchronous pass, by the
// contract's reader where it expects what it meets and by the serializer otherwise, with the framework's answers to a
// body that is missing, not JSON or malformed, and the same schema in the document as a body the framework binds.
// (Comments, not summaries: each record's own summary is its schema's description in the OpenAPI document.)

// POST /v1/train
public sealed partial record TrainRequest : IBindableFromHttpContext<TrainRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<TrainRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<TrainRequest>(context, TrainRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<TrainRequest>(builder);
}

// POST /v1/grade
public sealed partial record GradeRequest : IBindableFromHttpContext<GradeRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<GradeRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<GradeRequest>(context, GradeRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<GradeRequest>(builder);
}

// POST /v1/grade/batch
public sealed partial record GradeBatchRequest : IBindableFromHttpContext<GradeBatchRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<GradeBatchRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<GradeBatchRequest>(context, GradeBatchRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<GradeBatchRequest>(builder);
}
