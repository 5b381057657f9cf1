using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradApi.Json;

/// <summary>The wire format: camelCase, unknown fields rejected, numbers strictly finite on input.</summary>
public static class JsonSetup
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // Field names are exact: "Iterations" is an unknown field, and a key given twice is ambiguous.
        options.PropertyNameCaseInsensitive = false;
        options.AllowDuplicateProperties = false;
        // "NaN" strings and quoted numbers are not numbers here; the converter below writes non-finite outputs.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Insert(0, new FiniteDoubleConverter());
        // Grading's results carry tensors and element masks, written in their shape as nested arrays.
        options.Converters.Add(new TensorJsonConverter());
        options.Converters.Add(new ElementMaskJsonConverter());
        options.Converters.Add(new AnswerValueJsonConverter());
    }

    public static IServiceCollection AddGradJson(this IServiceCollection services)
    {
        InitializeTables();
        return services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
    }

    /// <summary>
    /// Runs now the static initializers of the classes whose tables every request reads. A class initialized before a
    /// method reading it is compiled optimized (the warm-up's hot methods, Operations/WarmUp.cs) has its static readonly
    /// fields compiled in as constants, not fetched through a static-base lookup on every call.
    /// </summary>
    static void InitializeTables()
    {
        foreach (var type in (Type[])[typeof(ShortestDouble)])
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(type.TypeHandle);
    }
}

/// <summary>
/// Reads only finite JSON numbers (1e400 overflows to infinity and is refused); writes NaN and
/// infinities as the strings "NaN", "Infinity", "-Infinity", so a diverged result is still valid JSON.
/// </summary>
public sealed class FiniteDoubleConverter : JsonConverter<double>
{
    public const string NotFiniteMessage = "must be a finite JSON number; NaN, Infinity and numbers beyond ±1.7976931348623157e308 are not accepted";

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number) throw new JsonException(NotFiniteMessage);
        if (!DecimalText.TryGetDouble(ref reader, out double value) || !double.IsFinite(value)) throw new JsonException(NotFiniteMessage);
        return value;
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => WriteValue(writer, value);

    /// <summary>
    /// -0 (a zero delta times a negative input) is written as 0: equal, and less puzzling to a student. The text is the
    /// tensors' own (<see cref="TensorText.WriteNumber"/>: ShortestDouble, .NET's round-trip digits), without .NET's
    /// slower general formatting.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter writer, double value)
    {
        Span<byte> text = stackalloc byte[ShortestDouble.MaxLength + 8];
        writer.WriteRawValue(text[..TensorText.WriteNumber(value, text)], skipInputValidation: true);
    }

    /// <summary>A property with a double written as <see cref="WriteValue"/> writes it.</summary>
    public static void WriteProperty(Utf8JsonWriter writer, JsonEncodedText name, double value)
    {
        writer.WritePropertyName(name);
        WriteValue(writer, value);
    }

    /// <inheritdoc cref="WriteProperty(Utf8JsonWriter, JsonEncodedText, double)"/>
    public static void WriteProperty(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        WriteValue(writer, value);
    }
}
