using System.Text.Json;
using GradApi.Json;

namespace GradApi.Tests.Robustness;

/// <summary>
/// What the contract readers' tests compare: the service's JSON options, a request's outcome as text (its every field,
/// by reflection, or the serializer's error and path), and a body read the way the endpoint reads it.
/// </summary>
public static class ContractReading
{
    public static JsonSerializerOptions Service { get; } = ServiceOptions();

    // Written with the serializer's defaults (every field by reflection, every double's round-trip digits, -0 as -0),
    // a tensor as its shape and its values' bits.
    static readonly JsonSerializerOptions Plain = new() { Converters = { new TensorBits() } };

    static JsonSerializerOptions ServiceOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonSetup.Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>As the endpoint reads a body with its own reader: the whole value, and nothing after it.</summary>
    public static bool Fast<T>(byte[] body, FastJsonReader<T> read, out T? request)
    {
        var reader = new Utf8JsonReader(body, JsonBody.ReaderOptions(Service));
        request = default;
        try
        {
            return reader.Read() && read(ref reader, Service, out request) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>What the serializer reads from a body: the request as text, or "error at" its path and message.</summary>
    public static string Outcome<T>(byte[] body)
    {
        try
        {
            return Text(JsonSerializer.Deserialize<T>(body, Service));
        }
        catch (JsonException e)
        {
            return $"error at {e.Path}: {e.Message}";
        }
    }

    public static string Text<T>(T? request) => JsonSerializer.Serialize(request, Plain);

    sealed class TensorBits : System.Text.Json.Serialization.JsonConverter<GradApi.Domain.Tensors.Tensor>
    {
        public override GradApi.Domain.Tensors.Tensor Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, GradApi.Domain.Tensors.Tensor value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("shape");
            JsonSerializer.Serialize(writer, value.Shape);
            writer.WritePropertyName("bits");
            JsonSerializer.Serialize(writer, value.Data.Select(BitConverter.DoubleToInt64Bits));
            writer.WriteEndObject();
        }
    }
}
