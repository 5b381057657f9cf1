using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GradApi.Json;
using GradApi.Tests.Api;

namespace GradApi.Tests.Robustness;

/// <summary>
/// A declared body above <see cref="WholeRequestBody.HeldFrom"/> is read whole before it is parsed. Whitespace between
/// tokens does not change a JSON document, so a request padded past that size must be answered byte for byte as the same
/// request sent compact (which is parsed as it arrives), however slowly its bytes come; and a mistake in it must be
/// reported where it is, as the parser reports it in a body read piece by piece.
/// </summary>
public sealed class WholeRequestBodyTests(DefaultKestrelFactory factory) : IClassFixture<DefaultKestrelFactory>
{
    // Past the first 256 KB the held memory grows twice, so the copies across its growth are tested too.
    const int PaddedLength = 600_000;

    static string Compact => ApiTest.ValidRequest().ToJsonString();

    // The request with spaces after its first brace, to the given length.
    static string Padded(string compact, int length) => "{" + new string(' ', length - compact.Length) + compact[1..];

    async Task<HttpResponseMessage> Post(string body, int piece, bool declared = true, int pauseMilliseconds = 0)
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        var content = new SlowContent(Encoding.UTF8.GetBytes(body), piece, declared, pauseMilliseconds);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await client.PostAsync(ApiTest.TrainRoute, content);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(64 * 1024)]
    public async Task APaddedTrainRequestSentInPiecesIsAnsweredAsTheCompactOne(int piece)
    {
        string padded = Padded(Compact, PaddedLength);
        Assert.True(Encoding.UTF8.GetByteCount(padded) > WholeRequestBody.HeldFrom);

        var (_, expected) = await ApiTest.ReadOk(await Post(Compact, piece));
        var (_, answered) = await ApiTest.ReadOk(await Post(padded, piece));

        Assert.Equal(expected, answered);
    }

    [Fact]
    public async Task ALargeRequestOfDistinctNumbersIsAnsweredAsTheSameRequestSentInChunks()
    {
        // 3,000 examples of 20 inputs, each a different number (about 600 KB), sent 64 KB at a time with pauses: the held
        // memory grows twice while the bytes arrive, and a byte lost or misplaced in it changes a loss. Sent in chunks,
        // without a length, the body is parsed as it arrives.
        var random = new Random(7);
        string Numbers(int count) => string.Join(",", Enumerable.Range(0, count).Select(_ => Math.Round(random.NextDouble() * 2 - 1, 6).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var inputs = string.Join(",", Enumerable.Range(0, 3_000).Select(_ => $"[{Numbers(20)}]"));
        var targets = string.Join(",", Enumerable.Range(0, 3_000).Select(i => $"[{i % 2}]"));
        string body = $$"""
            {"network":{"inputSize":20,"layers":[{"activation":"sigmoid","weights":[[{{Numbers(20)}}]],"biases":[0.1]}]},
             "data":{"inputs":[{{inputs}}],"targets":[{{targets}}]},"loss":{"type":"bce","reduction":"mean"},
             "optimizer":{"type":"sgd","learningRate":0.5},"include":["loss"]}
            """;
        Assert.True(body.Length > 2 * 256 * 1024, $"{body.Length} bytes");

        var (_, chunked) = await ApiTest.ReadOk(await Post(body, 64 * 1024, declared: false, pauseMilliseconds: 5));
        var (_, held) = await ApiTest.ReadOk(await Post(body, 64 * 1024, pauseMilliseconds: 5));

        Assert.Equal(chunked, held);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AMalformedTokenAtTheEndOfABodyIsReportedAtItsPositionHeldOrNot(bool padded)
    {
        // "iterations":2} becomes "iterations":2x}: the reader stops at the x, the body's last byte but one (1-based).
        string request = padded ? Padded(Compact, PaddedLength) : Compact;
        string body = request[..^1] + "x}";
        var messages = await ApiTest.ReadValidationError(await Post(body, 4_096), "$");
        Assert.StartsWith($"malformed JSON at line 1, position {body.Length - 1} ", messages[0]);
    }

    [Fact]
    public async Task AFieldOfTheWrongTypeInAPaddedBodyIsReportedByItsPath()
    {
        var request = ApiTest.ValidRequest();
        request["optimizer"]!["learningRate"] = "0.5";
        var messages = await ApiTest.ReadValidationError(await Post(Padded(request.ToJsonString(), PaddedLength), 4_096), "optimizer.learningRate");
        Assert.Contains(messages, m => m.Contains("number"));
    }

    /// <summary>A body of declared length, written in pieces of the given size with a flush after each.</summary>
    sealed class SlowContent(byte[] body, int piece, bool declared, int pauseMilliseconds) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (int offset = 0; offset < body.Length; offset += piece)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(piece, body.Length - offset)));
                await stream.FlushAsync();
                if (pauseMilliseconds > 0) await Task.Delay(pauseMilliseconds);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return declared;
        }
    }
}
