using System.Buffers;
using System.Collections.Concurrent;
using System.Buffers.Binary;
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

    /// <summary>
    /// The /v1/train problem's JSON tokens as read (kind, then raw text, whitespace aside): bodies with the same tokens
    /// read as the same <see cref="Train"/>, so it keys work made for an earlier request on the same problem. Null when not read from JSON.
    /// </summary>
    internal byte[]? TrainTokens { get; init; }

    /// <summary>Whether <see cref="Train"/> is a request remembered from an earlier sheet that passed every check, not one read now.</summary>
    internal bool Remembered { get; init; }
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

    public override GradeProblem? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // A class's sheets post one problem: its tokens are compared with the last one found as they are read, with
        // nothing copied or hashed (that was most of reading a remembered problem).
        if (lastFound is { } last && last.Options == options)
        {
            var probe = reader;
            if (Repeats(ref probe, last.Tokens))
            {
                reader = probe;
                return new GradeProblem(last.Problem, null) { TrainTokens = last.Tokens, Remembered = true };
            }
        }
        var start = reader;
        var (keyed, namesAnEndpoint) = Scan(ref reader);
        if (namesAnEndpoint)
        {
            reader = start;
            return new GradeProblem(null, JsonSerializer.Deserialize<EndpointProblem>(ref reader, options));
        }
        // Looked up by the scanned bytes themselves, and keyed by the array already kept: a class's later sheets copy nothing.
        if (keyed && KnownByBytes.TryGetValue(_tokens!.WrittenSpan, out var kept, out var known) && known.Options == options)
        {
            lastFound = new(kept, known.Options, known.Problem);
            return new GradeProblem(known.Problem, null) { TrainTokens = kept, Remembered = true };
        }
        var tokens = keyed ? _tokens!.WrittenSpan.ToArray() : null;
        reader = start;
        return new GradeProblem(JsonSerializer.Deserialize<TrainRequest>(ref reader, options), null) { TrainTokens = tokens };
    }

    // Problems whose grading set-up is kept, by their tokens: read again with the same options, the request read the first
    // time is returned (requests are only read once read, so one serves every sheet of a class). As bounded as the set-ups.
    static readonly ConcurrentDictionary<byte[], (JsonSerializerOptions Options, TrainRequest Problem)> Known = new(TokensComparer.Instance);
    static readonly ConcurrentDictionary<byte[], (JsonSerializerOptions Options, TrainRequest Problem)>.AlternateLookup<ReadOnlySpan<byte>> KnownByBytes =
        Known.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>A problem read with these options and tokens, to be returned for the same tokens from now on.</summary>
    internal static void Remember(byte[] tokens, TrainRequest problem, JsonSerializerOptions options)
    {
        if (Known.Count >= Grading.GradingSetUps.MaxEntries) Known.Clear();
        Known[tokens] = (options, problem);
        lastFound = new(tokens, options, problem);
    }

    /// <summary>Forgets every remembered problem, as their set-ups are dropped (the warm-up's).</summary>
    internal static void Forget()
    {
        Known.Clear();
        lastFound = null;
    }

    // The problem remembered or found last, the one the next sheet most likely posts: one of Known's (Remember replaces it
    // as it clears them).
    sealed record Found(byte[] Tokens, JsonSerializerOptions Options, TrainRequest Problem);
    static volatile Found? lastFound;

    // Whether the object the reader is on has exactly the tokens recorded (as Scan records them), leaving the reader on its
    // end when it has; false at the first token that differs. Recorded tokens never name an endpoint.
    static bool Repeats(ref Utf8JsonReader reader, byte[] recorded)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        var tokens = recorded.AsSpan();
        int depth = reader.CurrentDepth;
        while (true)
        {
            var kind = reader.TokenType;
            if (tokens.IsEmpty || tokens[0] != (byte)kind) return false;
            tokens = tokens[1..];
            if (kind is JsonTokenType.PropertyName or JsonTokenType.String or JsonTokenType.Number)
            {
                if (reader.HasValueSequence || tokens.Length < 4) return false;
                var value = reader.ValueSpan;
                int length = BinaryPrimitives.ReadInt32LittleEndian(tokens);
                if (length != value.Length || tokens.Length - 4 < length || !tokens.Slice(4, length).SequenceEqual(value)) return false;
                tokens = tokens[(4 + length)..];
            }
            if (kind == JsonTokenType.EndObject && reader.CurrentDepth == depth) return tokens.IsEmpty;
            if (!reader.Read()) return false;
        }
    }

    sealed class TokensComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly TokensComparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] tokens) => GetHashCode(tokens.AsSpan());
        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
        public int GetHashCode(ReadOnlySpan<byte> tokens)
        {
            var hash = new HashCode();
            hash.AddBytes(tokens);
            return hash.ToHashCode();
        }
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }

    public override void Write(Utf8JsonWriter writer, GradeProblem value, JsonSerializerOptions options)
    {
        if (value.Named is { } named) JsonSerializer.Serialize(writer, named, options);
        else JsonSerializer.Serialize(writer, value.Train, options);
    }

    // Past this a problem is not keyed (its work is not kept either): the copy would cost more than it saves.
    const int MaxTokenBytes = 64 * 1024;
    [ThreadStatic] static ArrayBufferWriter<byte>? _tokens;

    // One pass over the object (the serializer hands a converter the whole value): whether it has its own endpoint field,
    // and its tokens, each as its kind, and for a name, string or number its length and raw bytes (escapes as written),
    // leaving the reader on its end, the tokens in the thread's buffer. Keyed is false when the value is not an object,
    // names an endpoint or is too large.
    static (bool Keyed, bool NamesAnEndpoint) Scan(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return (false, false);
        var buffer = _tokens ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        int depth = reader.CurrentDepth;
        bool keyed = true;
        do
        {
            var kind = reader.TokenType;
            if (kind == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals(EndpointName)) return (false, true);
            if (keyed) keyed = Record(buffer, ref reader, kind);
            if (kind == JsonTokenType.EndObject && reader.CurrentDepth == depth) return (keyed, false);
        } while (reader.Read());
        return (false, false);
    }

    // Appends one token; false once the tokens would pass MaxTokenBytes (the problem is then not keyed).
    static bool Record(ArrayBufferWriter<byte> buffer, ref Utf8JsonReader reader, JsonTokenType kind)
    {
        bool hasText = kind is JsonTokenType.PropertyName or JsonTokenType.String or JsonTokenType.Number;
        long length = !hasText ? 0 : reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (buffer.WrittenCount + 1 + (hasText ? 4 + length : 0) > MaxTokenBytes) return false;
        buffer.GetSpan(1)[0] = (byte)kind;
        buffer.Advance(1);
        if (!hasText) return true;
        var span = buffer.GetSpan(4 + (int)length);
        BinaryPrimitives.WriteInt32LittleEndian(span, (int)length);
        if (reader.HasValueSequence) reader.ValueSequence.CopyTo(span[4..]);
        else reader.ValueSpan.CopyTo(span[4..]);
        buffer.Advance(4 + (int)length);
        return true;
    }
}
