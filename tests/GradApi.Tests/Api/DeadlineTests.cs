using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GradApi.Tests.Api;

/// <summary>
/// The deadline (Limits:DeadlineSeconds) and the client's disconnect stop a request's work from inside its loops.
/// The deadlines here are tiny and the requests heavy but within the limits (hundreds of milliseconds and more of
/// work), so a request that is not stopped finishes with a 200 and the test fails; none of them measures speed.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DeadlineTests(GradApiFactory factory)
{
    const string TinyDeadline = "0.002";

    public static TheoryData<string> Families => ["train", "grade", "grade/batch", "expressions/gradient", "optimization/trajectories", "analysis/hessian"];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task AHeavyRequestPastTheDeadlineReturns503ProblemDetailsNamingTheDeadline(string family)
    {
        // The work limits are raised for the grading and trajectory requests, which the prices now refuse at the defaults.
        using var host = factory.WithSettings(("Limits:DeadlineSeconds", TinyDeadline), ("Limits:MaxGradingWork", "1000000000000"),
            ("Limits:MaxTrajectoryWork", "1000000000000"));
        using var client = host.CreateClient();
        var problem = await ApiTest.ReadProblem(await Post(client, family, HeavyRequest(family)), HttpStatusCode.ServiceUnavailable);
        string detail = problem["detail"]!.GetValue<string>();
        Assert.Contains($"deadlineSeconds = {TinyDeadline} s", detail);
        Assert.Contains("stopped", detail);
    }

    [Fact]
    public async Task TheOpenApiDocumentPublishesTheDeadlineAndThe503OfEveryComputingRoute()
    {
        using var client = factory.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        Assert.Matches(@"deadlineSeconds[^\n|]*\|\s*5\s*\|", document["info"]!["description"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/v1/", StringComparison.Ordinal)).ToArray();
        Assert.Equal(9, paths.Length);
        foreach (var (path, item) in paths)
            Assert.True(item!["post"]!["responses"]!.AsObject().ContainsKey("503"), $"{path} does not document its 503");
    }

    [Fact]
    public async Task ARequestWithinTheDeadlineIsAnsweredAsBefore()
    {
        using var host = factory.WithSettings(("Limits:DeadlineSeconds", "30"));
        using var client = host.CreateClient();
        var (body, _) = await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        Assert.Equal("completed", body["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ATraceStillBeingComputedWhenTheDeadlinePassesIsCutOffNotEndedAsComplete()
    {
        // 10,000 iterations of about a millisecond each: the first is computed and the 200 starts long before the
        // deadline; the deadline then passes mid-trace, and the body must not end as if it were complete.
        using var host = factory.WithSettings(("Limits:DeadlineSeconds", "0.5"), ("Limits:MaxWork", "100000000000"),
            ("Limits:MaxTraceValues", "100000000000"));
        using var client = host.CreateClient();
        var request = Problem(inputs: 50, units: 50, examples: 100, exact: false, iterations: 10_000);
        request["include"] = new JsonArray("loss");

        using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/train") { Content = Json(request) };
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var failure = await Record.ExceptionAsync(() => response.Content.ReadAsStringAsync());
        Assert.True(failure is HttpRequestException or IOException or OperationCanceledException,
            $"expected the body to be cut off, got {(failure is null ? "a complete body" : failure.GetType().Name)}");
    }

    public static TheoryData<string> LongFamilies => ["train", "grade", "grade/batch", "optimization/trajectories"];

    [Theory]
    [MemberData(nameof(LongFamilies))]
    public async Task AClientThatDisconnectsStopsItsRequestsWorkBeforeAnyAnswer(string family)
    {
        // Work of many minutes (limits raised for it, no deadline); the client leaves 100 ms after the work has started.
        // The request must end, within a bound far below the work's own length, before any byte of an answer (499).
        var observer = new RequestObserver();
        // Disposed only once the request has ended: disposing waits for work in flight, which here would be minutes.
        var host = factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Limits:DeadlineSeconds", "0");
            b.UseSetting("Limits:MaxWork", "1000000000000");
            b.UseSetting("Limits:MaxGradingWork", "1000000000000");
            b.UseSetting("Limits:MaxTrajectoryWork", "1000000000000000");
            b.UseSetting("Limits:MaxTraceValues", "1000000000000");
            b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(observer));
        });
        var client = host.CreateClient();
        using var leave = new CancellationTokenSource();

        var sending = Post(client, family, LongRequest(family), leave.Token);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!observer.WorkStarted && !sending.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(10);
        Assert.True(observer.WorkStarted, $"the work never started: {(sending.IsCompleted ? (int)(await sending).StatusCode : "no answer")}");
        await Task.Delay(100);
        leave.Cancel();

        int status = await observer.Finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(StatusCodes.Status499ClientClosedRequest, status);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        client.Dispose();
        await host.DisposeAsync();
    }

    static Task<HttpResponseMessage> Post(HttpClient client, string family, JsonNode body, CancellationToken cancel = default) =>
        client.PostAsync("/v1/" + family, Json(body), cancel);

    static StringContent Json(JsonNode body)
    {
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    // Each a few hundred milliseconds of work and more (the grading and trajectory ones past today's default work limits).
    internal static JsonNode HeavyRequest(string family) => family switch
    {
        // One iteration of 90,300 parameters x 221 examples (maxWork 20,000,000): a 503 means the run stopped inside it.
        "train" => WithInclude(Problem(inputs: 300, units: 300, examples: 221, exact: false)),
        "grade" => new JsonObject { ["problem"] = Problem(inputs: 300, units: 300, examples: 221, exact: false), ["answers"] = WrongAnswers() },
        "grade/batch" => Batch(Problem(inputs: 300, units: 300, examples: 221, exact: false)),
        // 150 x 150 products at 2 points, about 41,000,000 multiply-adds by maxExpressionWork's count.
        "expressions/gradient" => Serialize(new
        {
            expression = "sum(A*B)",
            variables = new { A = Matrix(150, 150, (i, j) => ((i * 3 + j * 5) % 11 - 5) * 0.1), B = Matrix(150, 150, (i, j) => ((i + j * 7) % 13 - 6) * 0.1) },
            wrt = new[] { "A" },
            claims = new { A = "A" },
            trials = 1,
            seed = 1,
        }),
        "optimization/trajectories" => Trajectory(),
        // P = 500 (49 x 10 weights and 10 biases) over 200 examples: P^2 x examples = maxHessianWork.
        _ => Serialize(new
        {
            network = new
            {
                inputSize = 49,
                layers = new[] { new { activation = "sigmoid", weights = Matrix(10, 49, (i, j) => ((i + j * 3) % 9 - 4) * 0.05), biases = new double[10] } },
            },
            data = new { inputs = Matrix(200, 49, (r, j) => ((r * 3 + j) % 7 - 3) * 0.2), targets = Matrix(200, 10, (r, k) => ((r + k) % 3) * 0.4 + 0.1) },
            loss = new { type = "half_sse", reduction = "sum" },
        }),
    };

    // Minutes of work. Training: every unit's sum cancels exactly, so z is recomputed in exact decimals (seconds for the
    // first iteration alone, computed before the 200 starts), and the gradient is 0, so it does so for all 100 iterations.
    static JsonNode LongRequest(string family) => family switch
    {
        "train" => WithInclude(Problem(inputs: 300, units: 300, examples: 3000, exact: true, iterations: 100)),
        "grade" => new JsonObject { ["problem"] = Problem(inputs: 300, units: 300, examples: 3000, exact: true, iterations: 100), ["answers"] = WrongAnswers() },
        "grade/batch" => Batch(Problem(inputs: 300, units: 300, examples: 3000, exact: true, iterations: 100)),
        // 20 runs of 10,000 steps, each step three 100 x 100 matrix products and their reverse mode.
        _ => Trajectory("w'*(Q*Q*Q*Q)*w", runs: 20, steps: 10_000),
    };

    /// <summary>
    /// One identity layer, positive weights and inputs (sums that never cancel), or with exact: weights alternating
    /// 0.1 and -0.1 on inputs of 1, whose sums cancel exactly. Targets 0, sgd.
    /// </summary>
    static JsonObject Problem(int inputs, int units, int examples, bool exact, int iterations = 1) => (JsonObject)Serialize(new
    {
        network = new
        {
            inputSize = inputs,
            layers = new[]
            {
                new
                {
                    activation = "identity",
                    weights = Matrix(units, inputs, (i, j) => exact ? (j % 2 == 0 ? 0.1 : -0.1) : ((i * 7 + j * 13) % 17 + 1) * 1e-3),
                    biases = new double[units],
                },
            },
        },
        data = new { inputs = Matrix(examples, inputs, (b, j) => exact ? 1.0 : ((b + j) % 5 + 1) * 0.1), targets = new double[examples][].Select(_ => new double[units]).ToArray() },
        loss = new { type = "half_sse", reduction = "sum" },
        optimizer = new { type = "sgd", learningRate = 1e-6 },
        iterations,
    });

    static JsonNode WithInclude(JsonObject request)
    {
        request["include"] = new JsonArray("loss");
        return request;
    }

    static JsonArray WrongAnswers() => [new JsonObject { ["path"] = "/iterations/0/loss/value", ["value"] = -1 }];

    static JsonNode Batch(JsonObject problem) => new JsonObject
    {
        ["problem"] = problem,
        ["submissions"] = new JsonArray(
            new JsonObject { ["id"] = "a", ["answers"] = WrongAnswers() },
            new JsonObject { ["id"] = "b", ["answers"] = WrongAnswers() }),
    };

    // An expression in w with Q the 100 x 100 identity, from w = 1 at a rate too small to converge (6,000 steps of
    // w'Qw by default, within maxTraceValues).
    static JsonNode Trajectory(string expression = "w'*Q*w", int runs = 1, int steps = 6000) => Serialize(new
    {
        objective = new { expression, constants = new { Q = Matrix(100, 100, (i, j) => i == j ? 1.0 : 0.0) } },
        start = new { w = Enumerable.Repeat(1.0, 100).ToArray() },
        runs = Enumerable.Range(0, runs).Select(_ => new { optimizer = new { type = "sgd", learningRate = 1e-6 } }).ToArray(),
        maxSteps = steps,
    });

    static double[][] Matrix(int rows, int columns, Func<int, int, double> value) =>
        Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, columns).Select(j => value(i, j)).ToArray()).ToArray();

    static JsonNode Serialize(object value) => JsonSerializer.SerializeToNode(value)!;

    /// <summary>Sees a request from outside the whole pipeline: whether its work started, and the status it ended with.</summary>
    sealed class RequestObserver : IStartupFilter
    {
        HttpContext? _context;

        public TaskCompletionSource<int> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool WorkStarted => _context?.Features.Get<WorkCancellation>() is { Started: true };

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                _context = context;
                try
                {
                    await inner(context);
                    Finished.TrySetResult(context.Response.StatusCode);
                }
                catch (Exception e)
                {
                    Finished.TrySetException(e);
                    throw;
                }
            });
            next(app);
        };
    }
}
