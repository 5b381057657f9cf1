using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GradApi.OpenApi;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace GradApi.Tests.Robustness;

/// <summary>
/// The service with limits small enough that 10,000 mutated requests run in seconds: the fuzz is about
/// what the service does with strange input, not about how much work the limits allow.
/// </summary>
public sealed class FuzzFactory : WebApplicationFactory<Program>
{
    /// <summary>Errors the service logged, so a failing case's message carries the exception behind a 500.</summary>
    public LoggedErrors Errors { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Errors));
        builder.UseSetting("Limits:MaxBodyBytes", "262144");
        builder.UseSetting("Limits:MaxIterations", "50");
        builder.UseSetting("Limits:MaxWork", "200000");
        builder.UseSetting("Limits:MaxTraceValues", "100000");
        builder.UseSetting("Limits:MaxTrajectorySteps", "600");
        builder.UseSetting("Limits:MaxGradingWork", "2000000");
        builder.UseSetting("Limits:MaxHessianWork", "200000");
    }
}

/// <summary>
/// Seeded, deterministic fuzzing of every named example request: never a 5xx, every 4xx an RFC 9457
/// problem free of .NET names, every 200 complete JSON. A failure names the seed, the case, the
/// mutations and the body, so it can be replayed.
/// </summary>
public sealed class FuzzTests(FuzzFactory small) : IClassFixture<FuzzFactory>
{
    static readonly (string Prefix, string Route)[] Routes =
    [
        ("train", "/v1/train"), ("grade", "/v1/grade"), ("grade-batch", "/v1/grade/batch"),
        ("derivatives", "/v1/activations/derivatives"), ("gradient", "/v1/expressions/gradient"),
        ("momentum-weights", "/v1/optimizers/momentum/weights"), ("hessian", "/v1/analysis/hessian"),
        ("trajectories", "/v1/optimization/trajectories"), ("equivalence", "/v1/expressions/equivalence"),
    ];

    static readonly Regex Internals = new(@"System\.|GradApi\.|Microsoft\.|[A-Za-z]Exception\b|   at |\.cs:line", RegexOptions.Compiled);

    static List<(string Name, string Route, JsonNode Request)> Examples() =>
        Routes.SelectMany(r => RequestExamples.Load(r.Prefix).Select(e => ($"{r.Prefix}.{e.Name}", r.Route, e.Example["value"]!))).ToList();

    [Fact]
    public void EveryRouteWithExamplesIsFuzzed()
    {
        // Every embedded example (31 today) belongs to one of the routes above, and every route has examples.
        var examples = Examples();
        int embedded = typeof(RequestExamples).Assembly.GetManifestResourceNames().Count(r => r.StartsWith("GradApi.Examples.", StringComparison.Ordinal));
        Assert.True(embedded >= 31, $"found {embedded} examples");
        Assert.Equal(embedded, examples.Count);
        Assert.All(Routes, r => Assert.Contains(examples, e => e.Route == r.Route));
    }

    [Fact]
    public async Task TenThousandMutatedExampleRequestsNeverAnswer5xxAndAlwaysAnswerCleanJsonOrProblems()
    {
        // GRADAPI_FUZZ_SEED and GRADAPI_FUZZ_CASES run a deeper or different fuzz locally.
        int seed = int.TryParse(Environment.GetEnvironmentVariable("GRADAPI_FUZZ_SEED"), out int s) ? s : 20261201;
        int count = int.TryParse(Environment.GetEnvironmentVariable("GRADAPI_FUZZ_CASES"), out int c) ? c : 10_000;
        var failures = await Run(small, seed, count, small.Errors);
        Assert.True(failures.IsEmpty, Report(failures));
    }

    [Fact]
    public async Task MutatedExampleRequestsAtTheDefaultLimitsNeverAnswer5xx()
    {
        using var factory = new GradApiFactory();
        int seed = int.TryParse(Environment.GetEnvironmentVariable("GRADAPI_FUZZ_SEED"), out int s) ? s : 7;
        int count = int.TryParse(Environment.GetEnvironmentVariable("GRADAPI_FUZZ_DEFAULT_CASES"), out int c) ? c : 620;
        var failures = await Run(factory, seed, count);
        Assert.True(failures.IsEmpty, Report(failures));
    }

    static async Task<ConcurrentBag<(FuzzCase Case, string Problem)>> Run(WebApplicationFactory<Program> factory, int seed, int count,
        LoggedErrors? errors = null)
    {
        using var client = factory.CreateClient();
        var failures = new ConcurrentBag<(FuzzCase, string)>();
        int answered = 0;
        var timings = new ConcurrentBag<(double Milliseconds, FuzzCase Case)>();
        var cases = RequestMutator.Cases(Examples(), seed, count);
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (fuzz, cancel) =>
        {
            string? problem;
            // A body cut off after a 200 surfaces here as the read failing.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try { (problem, bool ok) = await Check(client, fuzz, cancel); if (ok) Interlocked.Increment(ref answered); }
            catch (Exception e) when (e is HttpRequestException or IOException) { problem = $"the answer could not be read: {e.Message}"; }
            timings.Add((clock.Elapsed.TotalMilliseconds, fuzz));
            if (problem is not null) failures.Add((fuzz, errors?.Explain(problem) ?? problem));
        });
        // GRADAPI_FUZZ_REPORT=/tmp/fuzz.txt writes every failing case and the slowest ones, for triage.
        if (Environment.GetEnvironmentVariable("GRADAPI_FUZZ_REPORT") is { Length: > 0 } path)
            File.WriteAllText(path, Report(failures, failures.Count) + $"\n\n{answered} of {count} answered 200; the slowest:\n"
                + string.Join("\n", timings.OrderByDescending(t => t.Milliseconds).Take(15).Select(t => $"{t.Milliseconds:F0} ms {t.Case} {ApiTest.Clip(t.Case.Body, 300)}")));
        // A fuzz whose every request is refused at the door would test only the reader: a good share must reach the work.
        Assert.True(answered >= count / 10, $"only {answered} of {count} mutated requests were answered 200");
        return failures;
    }

    /// <summary>What is wrong with the answer to this case (null when nothing), and whether it was a 200.</summary>
    static async Task<(string? Problem, bool Ok)> Check(HttpClient client, FuzzCase fuzz, CancellationToken cancel)
    {
        var content = new StringContent(fuzz.Body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(fuzz.Route, content, cancel);
        string text = await response.Content.ReadAsStringAsync(cancel);
        int status = (int)response.StatusCode;
        string? media = response.Content.Headers.ContentType?.MediaType;
        if (status >= 500) return ($"answered {status}: {ApiTest.Clip(text, 600)}", false);
        if (Internals.Match(text) is { Success: true } leak)
            return ($"answered {status} naming internals ('{leak.Value}'): {ApiTest.Clip(text, 600)}", false);
        if (status >= 400)
        {
            if (media != "application/problem+json") return ($"answered {status} as {media ?? "no content type"}", false);
            try
            {
                var problem = JsonNode.Parse(text) as JsonObject;
                if (problem?["status"]?.GetValue<int>() != status || problem["title"] is null)
                    return ($"answered {status} with a problem lacking status or title: {ApiTest.Clip(text, 600)}", false);
            }
            catch (JsonException e) { return ($"answered {status} with an unparseable problem ({e.Message}): {ApiTest.Clip(text, 600)}", false); }
            return (null, false);
        }
        if (status != 200) return ($"answered {status}", false);
        if (media != "application/json") return ($"answered 200 as {media ?? "no content type"}", false);
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
            if (document.RootElement.ValueKind != JsonValueKind.Object) return ("answered 200 with a body that is not an object", false);
        }
        catch (JsonException e) { return ($"answered 200 with incomplete JSON ({e.Message}) of {text.Length} chars", false); }
        return (null, true);
    }

    static string Report(ConcurrentBag<(FuzzCase Case, string Problem)> failures, int shown = 12)
    {
        var report = new StringBuilder($"{failures.Count} failing cases; replay one with RequestMutator.Cases(seed, index).");
        foreach (var (fuzz, problem) in failures.OrderBy(f => f.Case.Index).Take(shown))
            report.Append($"\n\n{fuzz}\n  {problem}\n  POST {fuzz.Route} {ApiTest.Clip(fuzz.Body, 1500)}");
        return report.ToString();
    }
}
