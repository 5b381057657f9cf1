using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using GradApi.OpenApi;

namespace GradApi.Operations;

/// <summary>
/// Before the service answers, the POST routes /v1/train and /v1/grade are run in process on the OpenAPI document's
/// examples, through each route's own binding, checks, handler and writer (the middleware and the socket aside), until every
/// example has run <see cref="Rounds"/> times or <c>warmUp:seconds</c> have passed. Only light requests are warmed: one priced
/// heavy (under limits that make an example so) is answered 503 by <see cref="Admission"/> rather than given a CPU slot.
/// <para>Why: the runtime compiles a method first quickly and unoptimized, then again optimized with what it saw it do
/// (dynamic PGO). In steady state that made seed 001's /v1/train 19% and /v1/grade 14% faster than compiling optimized at
/// once; without a warm-up a fresh process wrote its first 784-128-10 traces at 180 MB/s and took 5 to 7 ms a step for its
/// first hundred steps. Nothing the warm-up leaves counts: kept grading set-ups, remembered problems and the work metric
/// are cleared after it.</para>
/// </summary>
public static class WarmUp
{
    /// <summary>Calls per example: past the 30 calls after which the runtime compiles a method again with its profile.</summary>
    const int Rounds = 40;

    /// <summary>The item that marks a warm-up request (<see cref="Admission"/> refuses it a CPU slot).</summary>
    internal static readonly object Marker = new();

    public static WebApplication WarmUpRoutes(this WebApplication app)
    {
        double seconds = app.Configuration.GetValue("WarmUp:Seconds", 5.0);
        if (seconds <= 0) return app;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WarmUp).FullName!);
        var watch = Stopwatch.StartNew();
        int calls = 0, refused = 0;
        try
        {
            var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
                .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
                .ToDictionary(e => e.RoutePattern.RawText ?? "", e => e.RequestDelegate!);
            var bodies = Bodies(routes);
            for (int round = 0; round < Rounds && watch.Elapsed.TotalSeconds < seconds; round++)
                foreach (var (route, body) in bodies)
                {
                    if (watch.Elapsed.TotalSeconds >= seconds) break;
                    if (Call(app.Services, route, routes[route], body).GetAwaiter().GetResult() != StatusCodes.Status200OK) refused++;
                    calls++;
                }
        }
        catch (Exception e)
        {
            // A warm-up that fails costs the first requests their speed, never the service its start.
            logger.LogWarning(e, "The warm-up stopped after {Calls} calls", calls);
        }
        int compiled = WaitForTheCompiler(watch, seconds);
        app.Services.GetRequiredService<Grading.GradingSetUps>().Clear();
        Contracts.GradeProblemJsonConverter.Forget();
        GradMetrics.ForgetWork();
        logger.LogInformation("Warmed up: {Calls} calls ({Refused} not 200), {Methods} methods compiled, in {Milliseconds} ms",
            calls, refused, compiled, (int)watch.ElapsedMilliseconds);
        return app;
    }

    // The methods the warm-up made hot are compiled again, optimized, on a background thread: waited for (until no method
    // has been compiled for 300 ms, within the time left), so that backlog does not share the cores with the first requests.
    static int WaitForTheCompiler(Stopwatch watch, double seconds)
    {
        long last = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int quiet = 0; quiet < 3 && watch.Elapsed.TotalSeconds < seconds + 2;)
        {
            Thread.Sleep(100);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
        return (int)last;
    }

    static List<(string Route, byte[] Body)> Bodies(IReadOnlyDictionary<string, RequestDelegate> routes)
    {
        var bodies = new List<(string, byte[])>();
        void Add(string route, JsonNode? body)
        {
            if (body is not null && routes.ContainsKey(route)) bodies.Add((route, Encoding.UTF8.GetBytes(body.ToJsonString())));
        }
        foreach (var (_, example) in RequestExamples.Load("train")) Add("/v1/train", example["value"]);
        foreach (var (_, example) in RequestExamples.Load("grade")) Add("/v1/grade", example["value"]);
        return bodies;
    }

    static async Task<int> Call(IServiceProvider services, string route, RequestDelegate endpoint, byte[] body)
    {
        await using var scope = services.CreateAsyncScope();
        // Nothing of the warm-up should wait; any request still running after a second is given up.
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = giveUp.Token };
        context.Items[Marker] = true;
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = route;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Response.Body = Stream.Null;
        await endpoint(context);
        return context.Response.StatusCode;
    }
}
