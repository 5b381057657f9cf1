using System.Net;
using GradApi.Tests.Api;

namespace GradApi.Tests.Operations;

/// <summary>GET /metrics: OpenTelemetry's Prometheus text, with ASP.NET Core's request counts and the service's rejections.</summary>
[Collection(ApiCollection.Name)]
public sealed class MetricsTests(GradApiFactory factory)
{
    [Fact]
    public async Task MetricsAnswerPrometheusTextWithTheRequestCounterOfARouteServed()
    {
        using var host = factory.WithSettings();
        using var client = host.CreateClient();
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));

        var response = await client.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
        Assert.Contains(text.Split('\n'), line =>
            line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/v1/train\"") && line.Contains("http_response_status_code=\"200\""));
        Assert.Contains("gradapi_queue_length", text);
    }

    [Fact]
    public async Task ARefusedRequestIsCountedByReasonAndLimit()
    {
        using var host = factory.WithSettings(("Access:Keys:0:Name", "k"), ("Access:Keys:0:Role", "instructor"), ("Access:Keys:0:Sha256", new string('a', 64)));
        using var client = host.CreateClient();
        await ApiTest.ReadProblem(await client.PostTrain(ApiTest.ValidRequest()), HttpStatusCode.Unauthorized);

        string text = await client.GetStringAsync("/metrics");
        Assert.Contains(text.Split('\n'), line =>
            line.StartsWith("gradapi_rejections_total{", StringComparison.Ordinal)
            && line.Contains("limit=\"apiKey\"") && line.Contains("reason=\"unauthorized\""));
    }

    [Fact]
    public async Task AValidationErrorNamingALimitIsCountedUnderThatLimit()
    {
        using var host = factory.WithSettings(("Limits:MaxIterations", "1"));
        using var client = host.CreateClient();
        await ApiTest.ReadProblem(await client.PostTrain(ApiTest.ValidRequest()), HttpStatusCode.BadRequest);

        string text = await client.GetStringAsync("/metrics");
        Assert.Contains(text.Split('\n'), line =>
            line.StartsWith("gradapi_rejections_total{", StringComparison.Ordinal)
            && line.Contains("limit=\"maxIterations\"") && line.Contains("reason=\"bad_request\""));
    }

    [Fact]
    public async Task AServedRequestAddsItsPriceToTheWorkUnitsOfItsRoute()
    {
        using var host = factory.WithSettings();
        using var client = host.CreateClient();
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        // The first scrape of a new host (the exporter caches a scrape briefly). 9 parameters x 2 examples x 2 iterations
        // + 512 x 2 layers x 2 iterations, as maxWork counts it; other tests' requests may add more.
        double units = WorkUnits(await client.GetStringAsync("/metrics"));
        Assert.True(units >= 2084, $"work units of /v1/train: {units}");
    }

    static double WorkUnits(string metrics) => metrics.Split('\n')
        .Where(line => line.StartsWith("gradapi_work_units_total{", StringComparison.Ordinal) && line.Contains("endpoint=\"/v1/train\""))
        .Select(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
        .DefaultIfEmpty(0).Sum();
}
