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
        // lightWorkShare 0: every request, however cheap, takes a slot.
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"), ("Operations:QueueRetryAfterSeconds", "7"),
            ("Operations:LightWorkShare", "0"));
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
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"), ("Operations:LightWorkShare", "0"));
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

    [Fact]
    public async Task ALightRequestIsServedAtOnceWhileTheQueueIsFullAndAHeavyOneIsNot()
    {
        // The 2-2-1 problem costs 9 parameters x 2 examples x 2 iterations + 512 x 2 layers x 2 iterations = 2,084 units of maxWork's
        // 20,000,000 (a share of 1.042e-4); one more iteration, 3,126 (1.563e-4).
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"), ("Operations:LightWorkShare", "0.00011"));
        using var client = host.CreateClient();
        using var held = host.Services.GetRequiredService<HeavyWorkQueue>().Limiter.AttemptAcquire();
        Assert.True(held.IsAcquired);

        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        var heavier = ApiTest.ValidRequest();
        heavier["iterations"] = 3;
        var problem = await ApiTest.ReadProblem(await client.PostTrain(heavier), HttpStatusCode.TooManyRequests);
        Assert.Contains("lightWorkShare 0.00011 of their work limit", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task AHeavyRequestThatWaitsPastTheQueueTimeoutAnswers429NamingIt()
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "1"), ("Operations:LightWorkShare", "0"),
            ("Operations:QueueTimeoutSeconds", "0.2"));
        using var client = host.CreateClient();
        using var held = host.Services.GetRequiredService<HeavyWorkQueue>().Limiter.AttemptAcquire();
        Assert.True(held.IsAcquired);
        var response = await client.PostTrain(ApiTest.ValidRequest());
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.TooManyRequests);
        Assert.Contains("queueTimeoutSeconds 0.2 s", problem["detail"]!.GetValue<string>());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task ALargeBodyIsRefusedUnreadWhileTheQueueIsFullAndASmallOneIsServed()
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"), ("Operations:LargeBodyBytes", "1000"));
        using var client = host.CreateClient();
        using var held = host.Services.GetRequiredService<HeavyWorkQueue>().Limiter.AttemptAcquire();
        Assert.True(held.IsAcquired);

        // The same light problem, padded past 1,000 bytes with spaces: refused on its size alone, before it is read.
        string small = ApiTest.ValidRequest().ToJsonString();
        var response = await client.PostRaw(small + new string(' ', 1000));
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.TooManyRequests);
        Assert.Contains("heavyQueueLimit", problem["detail"]!.GetValue<string>());
        Assert.NotNull(response.Headers.RetryAfter);
        await ApiTest.ReadOk(await client.PostRaw(small));
    }

    public static TheoryData<string, string> NamedExamples()
    {
        var data = new TheoryData<string, string>();
        foreach (var (prefix, route) in new[] { ("train", "/v1/train"), ("grade", "/v1/grade"), ("grade-batch", "/v1/grade/batch"),
                     ("derivatives", "/v1/activations/derivatives"), ("gradient", "/v1/expressions/gradient"),
                     ("momentum-weights", "/v1/optimizers/momentum/weights"), ("hessian", "/v1/analysis/hessian") })
            foreach (var (name, _) in GradApi.OpenApi.RequestExamples.Load(prefix)) data.Add($"{prefix}.{name}", route);
        return data;
    }

    // The seeds' problems are what a class sends: none of them may wait behind a heavy request. Trajectories of hundreds of
    // steps take tens of milliseconds and may queue.
    [Theory]
    [MemberData(nameof(NamedExamples))]
    public async Task EveryNamedExampleIsPricedLightAndServedWhileTheQueueIsFull(string example, string route)
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "1"), ("Operations:HeavyQueueLimit", "0"));
        using var client = host.CreateClient();
        using var held = host.Services.GetRequiredService<HeavyWorkQueue>().Limiter.AttemptAcquire();
        Assert.True(held.IsAcquired);
        string prefix = example[..example.IndexOf('.')];
        var value = GradApi.OpenApi.RequestExamples.Load(prefix).Single(e => $"{prefix}.{e.Name}" == example).Example["value"]!;
        var response = await client.PostAsync(route, new StringContent(value.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{example}: {(int)response.StatusCode} {ApiTest.Clip(await response.Content.ReadAsStringAsync())}");
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
        Assert.Equal(64, options.QueueLimit);
        Assert.Equal(10, options.QueueTimeoutSeconds);
        Assert.Equal(0, options.ClientRequestsPerMinute);
    }

    [Fact]
    public async Task TheOpenApiDocumentPublishesTheQueueAndTheNewStatuses()
    {
        using var host = factory.WithSettings(("Operations:HeavyConcurrency", "3"), ("Operations:HeavyQueueLimit", "17"));
        using var client = host.CreateClient();
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        string description = document["info"]!["description"]!.GetValue<string>();
        Assert.Contains("| heavyConcurrency (heavier requests computed at once) | 3 |", description);
        Assert.Contains("| heavyQueueLimit (heavier requests waiting for a slot) | 17 |", description);
        Assert.Contains("| lightWorkShare (requests priced at most this share of their work limit run without a slot) | 0.01 |", description);
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
