using GradApi.Grading;
using Microsoft.Extensions.DependencyInjection;

namespace GradApi.Tests.Api;

/// <summary>
/// The warm-up (Operations/WarmUp) runs the train and grade routes on the OpenAPI examples before the host answers. It must
/// leave nothing behind that a client could see: no kept grading set-ups, no work counted in the metrics, the same answers.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WarmUpTests(GradApiFactory factory)
{
    [Fact]
    public async Task AWarmedUpHostKeepsNothingFromItsWarmUpAndAnswersAsAColdOne()
    {
        using var warmed = factory.WithSettings(("WarmUp:Seconds", "30"));
        using var warmedClient = warmed.CreateClient();

        // Made on first use: the warm-up ran before this, on the host's own services.
        Assert.Equal(0, warmed.Services.GetRequiredService<GradingSetUps>().Count);
        string metrics = await warmedClient.GetStringAsync("/metrics");
        Assert.DoesNotContain("gradapi_work_units_total{", metrics);

        var cold = await factory.CreateClient().PostJson(ApiTest.TrainRoute, ApiTest.ValidRequest().ToJsonString(), System.Net.HttpStatusCode.OK);
        var hot = await warmedClient.PostJson(ApiTest.TrainRoute, ApiTest.ValidRequest().ToJsonString(), System.Net.HttpStatusCode.OK);
        Assert.Equal(cold.ToJsonString(), hot.ToJsonString());
        // Counted from now on (after the exporter's cached scrape has expired), so the first check could have failed.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Contains("gradapi_work_units_total{", await warmedClient.GetStringAsync("/metrics"));
    }
}
