using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GradApi.Json;

/// <summary>Reads the value its reader is on, as the serializer would with these options; false when the serializer must read it instead.</summary>
public delegate bool FastJsonReader<T>(ref Utf8JsonReader reader, JsonSerializerOptions options, out T? value);

/// <summary>
/// A JSON request body bound by the endpoint's own reading (a contract's <c>BindAsync</c>), not the framework's:
/// a body whose declared length is all there is read in one synchronous pass, by the contract's fast reader when it has
/// one and otherwise by the serializer over the whole bytes, instead of the serializer's resumable reading from the pipe.
/// Every failure is the framework's own: 415 for a body that is not JSON, "no body was provided" for an empty one or
/// JSON null, a JSON error wrapped as the framework wraps it, so the problems answered are the same. A body without a
/// length, or in another charset than UTF-8, is read by the framework's reader as before.
/// </summary>
public static class JsonBody
{
    /// <summary>The request body as <typeparamref name="T"/>; see the class.</summary>
    public static async ValueTask<T> ReadAsync<T>(HttpContext context, FastJsonReader<T>? fast = null) where T : class
    {
        var request = context.Request;
        // As the framework: a request that cannot have a body is one without it, whatever its content type says.
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }) throw NoBody();
        // The plain type most clients send, known without parsing it (and to name no charset); any other is parsed as the
        // framework parses it.
        var contentType = request.ContentType;
        bool plain = string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase);
        if (!plain && !request.HasJsonContentType())
            throw new BadHttpRequestException($"Expected a supported JSON media type but got \"{contentType}\".", StatusCodes.Status415UnsupportedMediaType);
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

        T? value;
        if (request.ContentLength is not long length || length > int.MaxValue
            || (!plain && OtherCharset(contentType)))
        {
            value = await Framework(() => request.ReadFromJsonAsync(typeInfo, context.RequestAborted));
        }
        else
        {
            var body = request.BodyReader;
            var read = length == 0 ? default : await body.ReadAtLeastAsync((int)length, context.RequestAborted);
            var bytes = read.Buffer;
            try
            {
                value = Read(bytes.Length > length ? bytes.Slice(0, length) : bytes, options, typeInfo, fast);
            }
            finally
            {
                if (length > 0) body.AdvanceTo(bytes.End);
            }
        }
        return value ?? throw NoBody();
    }

    // A charset other than UTF-8 named in the content type (parsed only when one is named: the type was parsed once already).
    static bool OtherCharset(string? contentType) =>
        contentType is not null && contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
        && MediaTypeHeaderValue.TryParse(contentType, out var media) && media.Charset is { HasValue: true } charset
        && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);

    /// <summary>The JSON body's schema in the document, as for a body the framework binds.</summary>
    public static void Describe<T>(EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T), isOptional: false));

    static T? Read<T>(ReadOnlySequence<byte> bytes, JsonSerializerOptions options, JsonTypeInfo<T> typeInfo, FastJsonReader<T>? fast) where T : class
    {
        if (bytes.IsEmpty) return null;
        byte[]? rented = null;
        if (!bytes.IsSingleSegment) bytes.CopyTo(rented = ArrayPool<byte>.Shared.Rent((int)bytes.Length));
        ReadOnlySpan<byte> span = rented is null ? bytes.FirstSpan : rented.AsSpan(0, (int)bytes.Length);
        try
        {
            if (fast is not null && TryFast(span, options, fast, out var value)) return value;
            try
            {
                return JsonSerializer.Deserialize(span, typeInfo);
            }
            catch (JsonException e)
            {
                throw Failed(e);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // The fast reader over the whole value, and nothing after it; false leaves the bytes to the serializer.
    static bool TryFast<T>(ReadOnlySpan<byte> bytes, JsonSerializerOptions options, FastJsonReader<T> fast, out T? value)
    {
        value = default;
        var reader = new Utf8JsonReader(bytes, ReaderOptions(options));
        try
        {
            return reader.Read() && fast(ref reader, options, out value) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static async ValueTask<T?> Framework<T>(Func<ValueTask<T?>> read)
    {
        try
        {
            return await read();
        }
        catch (JsonException e)
        {
            throw Failed(e);
        }
    }

    static BadHttpRequestException NoBody() =>
        new("Implicit body inferred for the request but no body was provided.", StatusCodes.Status400BadRequest);

    /// <summary>The reader the serializer reads a body with under <paramref name="options"/>.</summary>
    public static JsonReaderOptions ReaderOptions(JsonSerializerOptions options) => new()
    {
        AllowTrailingCommas = options.AllowTrailingCommas,
        CommentHandling = options.ReadCommentHandling,
        MaxDepth = options.MaxDepth,
    };

    // A JSON error as the framework's binding reports it (the problem handler reads the JsonException inside).
    static BadHttpRequestException Failed(JsonException e) =>
        new("Failed to read the request body as JSON.", StatusCodes.Status400BadRequest, e);
}
