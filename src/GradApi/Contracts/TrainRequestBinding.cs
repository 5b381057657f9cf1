using System.Reflection;
using GradApi.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace GradApi.Contracts;

/// <summary>
/// /v1/train binds its body itself (<see cref="JsonBody"/>, with <see cref="TrainRequestReader"/>): read whole in one
/// synchronous pass, with the framework's answers to a body that is missing, not JSON or malformed, and the same schema
/// in the document as a body the framework binds.
/// </summary>
public sealed partial record TrainRequest : IBindableFromHttpContext<TrainRequest>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<TrainRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await JsonBody.ReadAsync<TrainRequest>(context, TrainRequestReader.TryRead);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => JsonBody.Describe<TrainRequest>(builder);
}
