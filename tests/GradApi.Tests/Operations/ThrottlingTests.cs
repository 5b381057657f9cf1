using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using GradApi.Operations;
using GradApi.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace GradApi.Tests.Operations;

/// <summary>
/// The queue of CPU-heavy work and the rates (API 1.1 "Access and load"): 429 problem+json with Retry-After when the
/// queue is full or a rate is used up; health never waits. The queue is filled deterministically by holding its only
/// slot from the test (concurrency 1, queue 0), not by racing slow requests.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ThrottlingTests(GradApiFactory factory)
{
    [Fact]
    public async Task AFullQueueAnswers429WithRetryAfterNamingTheLimit()
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"), ("Operations:QueueRetryAfterSeconds", "7"));
        using var client = host.CreateClient();
        var queue = host.Services.GetRequiredService<HeavyWorkQueue>();

        using (var held = queue.Limiter.AttemptAcquire())
        {
            Assert.True(held.IsAcquired);
            var response = await client.PostTrain(ApiTest.ValidRequest());
            var problem = await ApiTest.ReadProblem(response, HttpStatusCode.TooManyRequests);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.Contains("heavyQueueLimit", problem["detail"]!.GetValue<string>());
        }
        // The slot given back, the same request is served.
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
    }

    [Fact]
    public async Task AClientSendingItsBodySlowlyHoldsNoSlotWhileItDoes()
    {
        // Over a real socket: the in-memory server starts a request only once its body is all there.
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"));
        host.UseKestrel(0);
        host.StartServer();
        var address = new Uri(host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());
        byte[] body = Encoding.UTF8.GetBytes(ApiTest.ValidRequest().ToJsonString());

        using var slow = new System.Net.Sockets.TcpClient();
        await slow.ConnectAsync(System.Net.IPAddress.Loopback, address.Port);
        var stream = slow.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {ApiTest.TrainRoute} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        await stream.FlushAsync();
        // Time for the server to take the request in (and, were it to queue before reading, to take the only slot).
        await Task.Delay(300);

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{address.Port}") };
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));

        await stream.WriteAsync(body.AsMemory(body.Length / 2));
        var answer = new byte[12];
        await stream.ReadExactlyAsync(answer);
        Assert.Equal("HTTP/1.1 200", Encoding.ASCII.GetString(answer));
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task HealthAndMetricsAnswerWhileTheQueueIsFull(string route)
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"));
        using var client = host.CreateClient();
        using var held = host.Services.GetRequiredService<HeavyWorkQueue>().Limiter.AttemptAcquire();
        Assert.True(held.IsAcquired);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(route)).StatusCode);
    }

    [Fact]
    public async Task AKeysRateAnswers429WithRetryAfterOnceUsedUp()
    {
        // Two a minute: a bucket of 2, refilled by one every 30 s, so the third request is told to wait 30 s.
        const string key = "rate-limited-key";
        using var host = factory.WithSettings(
            ("Access:Keys:0:Name", "slow"), ("Access:Keys:0:Role", "instructor"),
            ("Access:Keys:0:Sha256", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))),
            ("Access:Keys:0:RequestsPerMinute", "2"));
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        var response = await client.PostTrain(ApiTest.ValidRequest());
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        Assert.Contains("keyRequestsPerMinute", problem["detail"]!.GetValue<string>());
        // Health is neither keyed nor counted against the key.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task AClientsRateAnswers429WithRetryAfterOnceUsedUp()
    {
        using var host = factory.WithSettings(("Operations:ClientRequestsPerMinute", "1"));
        using var client = host.CreateClient();
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        var response = await client.PostTrain(ApiTest.ValidRequest());
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.RetryAfter?.Delta);
        Assert.Contains("clientRequestsPerMinute", problem["detail"]!.GetValue<string>());
        for (int i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public void TheDefaultConcurrencyLeavesACoreForTheRest()
    {
        var options = new OperationsOptions();
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), options.Concurrency);
        Assert.Equal(4 * options.Concurrency, options.QueueLimit);
        Assert.Equal(0, options.ClientRequestsPerMinute);
    }

    [Fact]
    public async Task TheOpenApiDocumentPublishesTheQueueAndTheNewStatuses()
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "3"), ("Operations:HeavyQueueLimit", "17"));
        using var client = host.CreateClient();
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        string description = document["info"]!["description"]!.GetValue<string>();
        Assert.Contains("| heavyConcurrency (/v1 requests computed at once) | 3 |", description);
        Assert.Contains("| heavyQueueLimit (/v1 requests waiting for a slot) | 17 |", description);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            var responses = item!["post"]?["responses"] ?? item["get"]!["responses"]!;
            foreach (string status in new[] { "401", "403", "429" })
                if (path.StartsWith("/v1/", StringComparison.Ordinal))
                    Assert.NotNull(responses[status]?["content"]?["application/problem+json"]);
                else
                    Assert.Null(responses[status]);
        }
        Assert.NotNull(document["paths"]!["/v1/train"]!["post"]!["responses"]!["429"]!["headers"]!["Retry-After"]);
    }
}
