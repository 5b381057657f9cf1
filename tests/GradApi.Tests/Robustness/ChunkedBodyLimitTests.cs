using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Robustness;

/// <summary>The service as deployed, on a real Kestrel (loopback, a port the system picks), with its default limits.</summary>
public class DefaultKestrelFactory : WebApplicationFactory<Program>
{
    public DefaultKestrelFactory() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseEnvironment("Production");
}

/// <summary>The service on a real Kestrel, with maxBodyBytes 10000.</summary>
public sealed class KestrelFactory : DefaultKestrelFactory
{
    public const int MaxBodyBytes = 10_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Limits:MaxBodyBytes", $"{MaxBodyBytes}");
    }
}

/// <summary>
/// maxBodyBytes counts the body's own bytes whether its length is declared or it comes in chunks: Kestrel counts
/// chunk framing against its limit, which the in-memory test server does not show, hence a real server.
/// </summary>
public sealed class ChunkedBodyLimitTests(KestrelFactory factory) : IClassFixture<KestrelFactory>
{
    /// <summary>A valid /v1/train request padded with spaces to exactly the given length.</summary>
    static byte[] TrainBodyOf(int length)
    {
        string request = ApiTest.ValidRequest().ToJsonString();
        return Encoding.UTF8.GetBytes(request[..^1] + new string(' ', length - request.Length) + "}");
    }

    async Task<HttpResponseMessage> Post(byte[] body, bool chunked)
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        HttpContent content = chunked ? new ChunkedContent(body, 100) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, ApiTest.TrainRoute) { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyOfExactlyMaxBodyBytesIsAcceptedChunkedOrNot(bool chunked)
    {
        // In 100-byte chunks the wire carries 100 x 6 more bytes ("64\r\n" and "\r\n" each), which must not count.
        using var response = await Post(TrainBodyOf(KestrelFactory.MaxBodyBytes), chunked);
        await ApiTest.ReadOk(response);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyOneByteOverMaxBodyBytesIs413ChunkedOrNot(bool chunked)
    {
        using var response = await Post(TrainBodyOf(KestrelFactory.MaxBodyBytes + 1), chunked);
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("maxBodyBytes", problem["detail"]!.GetValue<string>());
    }

    /// <summary>A body of unknown length, written in pieces of the given size: each becomes one chunk on the wire.</summary>
    sealed class ChunkedContent(byte[] body, int piece) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (int offset = 0; offset < body.Length; offset += piece)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(piece, body.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
