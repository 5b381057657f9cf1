using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradApi.Contracts;

/// <summary>
/// The problem a grade marks against: exactly a /v1/train request (version 1), or another endpoint's request named
/// with it, <c>{ "endpoint": "/v1/optimization/trajectories", "request": { ... } }</c> (an object with an
/// <c>endpoint</c> field is read as the latter).
/// </summary>
[JsonConverter(typeof(GradeProblemJsonConverter))]
public sealed record GradeProblem(TrainRequest? Train, EndpointProblem? Named) : IWrapsContract
{
    object? IWrapsContract.Wrapped => Train ?? (object?)Named;
}

/// <summary>Another endpoint's problem: any POST route of the contract, and exactly the request it takes.</summary>
/// <param name="Endpoint">The route, as /v1/optimization/trajectories.</param>
/// <param name="Request">That endpoint's request body, with its checks and limits; answers are JSON Pointers into its response.</param>
public sealed record EndpointProblem(string? Endpoint, JsonElement? Request);

/// <summary>A contract type that stands for the one value it wraps (its JSON is that value's), so paths into it skip it.</summary>
public interface IWrapsContract
{
    object? Wrapped { get; }
}

/// <summary>Reads a <see cref="GradeProblem"/>: an object with an <c>endpoint</c> field as an <see cref="EndpointProblem"/>, else as a /v1/train request.</summary>
public sealed class GradeProblemJsonConverter : JsonConverter<GradeProblem>
{
    static readonly byte[] EndpointName = "endpoint"u8.ToArray();

    public override GradeProblem? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        NamesAnEndpoint(reader)
            ? new GradeProblem(null, JsonSerializer.Deserialize<EndpointProblem>(ref reader, options))
            : new GradeProblem(JsonSerializer.Deserialize<TrainRequest>(ref reader, options), null);

    public override void Write(Utf8JsonWriter writer, GradeProblem value, JsonSerializerOptions options)
    {
        if (value.Named is { } named) JsonSerializer.Serialize(writer, named, options);
        else JsonSerializer.Serialize(writer, value.Train, options);
    }

    // Looks through the object's own fields on a copy of the reader (the serializer hands a converter the whole value).
    static bool NamesAnEndpoint(Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        int depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals(EndpointName)) return true;
            // TrySkip: the serializer has buffered the whole value, but Skip refuses any block that is not the final one.
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip()) return false;
        }
        return false;
    }
}
