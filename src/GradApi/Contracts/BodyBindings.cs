using System.Reflection;
using GradApi.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Contracts;

// The endpoints whose bodies are bound by their own readers (JsonBody): read whole in one synchronous pass, by the
// contract's reader where it expects what it meets and by the serializer otherwise, with the framework's answers to a
// body that is missing, not JSON or malformed, and the same schema in the document as a body the framework binds.
// (Comments, not summaries: each record's own summary is its schema's description in the OpenAPI document.)

/// <summary>
/// A request read by its contract's own reader, which refuses a null element anywhere (FastJson.Array and its rows of numbers):
/// the validation filter's walk for null elements would find none, so it is skipped for such a request.
/// </summary>
public interface IReadWithoutNullElements
{
    bool ReadWithoutNullElements { get; }
}

// POST /v1/train
public sealed partial record TrainRequest : IBindableFromHttpContext<TrainRequest>, IEndpointParameterMetadataProvider, IReadWithoutNullElements
{
    // Internal and set only by TrainRequestReader: not in the schema, not serialized.
    bool IReadWithoutNullElements.ReadWithoutNullElements => ReadByItsReader;
    internal bool ReadByItsReader { get; init; }

    public static async ValueTask<TrainRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<TrainRequest>(context, TrainRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<TrainRequest>(builder);
}

// POST /v1/grade
public sealed partial record GradeRequest : IBindableFromHttpContext<GradeRequest>, IEndpointParameterMetadataProvider, IReadWithoutNullElements
{
    // Set by GradeRequestReader when its problem, too, had no null element (a problem remembered from a graded sheet).
    bool IReadWithoutNullElements.ReadWithoutNullElements => ReadByItsReader;
    internal bool ReadByItsReader { get; init; }

    public static async ValueTask<GradeRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<GradeRequest>(context, GradeRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<GradeRequest>(builder);
}

// POST /v1/grade/batch
public sealed partial record GradeBatchRequest : IBindableFromHttpContext<GradeBatchRequest>, IEndpointParameterMetadataProvider, IReadWithoutNullElements
{
    bool IReadWithoutNullElements.ReadWithoutNullElements => ReadByItsReader;
    internal bool ReadByItsReader { get; init; }

    public static async ValueTask<GradeBatchRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<GradeBatchRequest>(context, GradeBatchRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<GradeBatchRequest>(builder);
}
