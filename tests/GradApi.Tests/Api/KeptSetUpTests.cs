using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Grading;

namespace GradApi.Tests.Api;

/// <summary>
/// A class's sheets posted one by one to /v1/grade share the reference set-up kept after the first sheet (its runs, its
/// checks' findings and the problem as read): each sheet's body is still the one a host that kept nothing gives.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class KeptSetUpTests(GradApiFactory factory)
{
    const string OutputA = "/iterations/0/forward/layers/1/a";
    const string OutputDelta = "/iterations/0/backward/layers/1/delta";
    const string HiddenWeightGradient = "/iterations/0/backward/layers/0/weightGradient";

    static string Sheet(string outputA, string delta, string gradient, int decimals = 4, string? extra = null)
    {
        var sheet = Grading.Request(Grading.Answer(OutputA, outputA), Grading.Answer(OutputDelta, delta), Grading.Answer(HiddenWeightGradient, gradient));
        sheet["tolerance"] = Grading.Decimals(decimals);
        if (extra is not null) sheet["reveal"] = extra;
        return sheet.ToJsonString();
    }

    // Right, sign slips (the diagnoses' mistake runs), other decimals, a refused option on the same problem and paths.
    static readonly string[] Sheets =
    [
        Sheet("[[0.4668]]", "[[-0.1329]]", "[[0.0045, 0, 0.0045], [0.0029, 0, 0.0029]]"),
        Sheet("[[0.4668]]", "[[0.1329]]", "[[-0.0045, 0, -0.0045], [0.0029, 0, 0.0029]]"),
        Sheet("[[0.5332]]", "[[-0.2658]]", "[[0.0045, 0, 0.0045], [0.0029, 0, 0.0029]]", decimals: 2),
        Sheet("[[0.4668]]", "[[-0.1329]]", "[[0.0045, 0, 0.0045], [0.0029, 0, 0.0029]]", extra: "everything"),
        Sheet("[[0.4668]]", "[[0.1329]]", "[[-0.0045, 0, -0.0045], [0.0029, 0, 0.0029]]"),
    ];

    static async Task<(HttpStatusCode, string)> Post(HttpClient client, string body)
    {
        var response = await client.PostAsync(Grading.Route, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, System.Text.RegularExpressions.Regex.Replace(text, "\"traceId\":\"[^\"]*\"", "\"traceId\":\"\""));
    }

    [Fact]
    public async Task EachSheetAfterTheFirstGetsTheBodyAHostThatKeptNothingGives()
    {
        using var client = factory.CreateClient();
        var together = new List<(HttpStatusCode, string)>();
        foreach (var sheet in Sheets) together.Add(await Post(client, sheet));
        Assert.Equal(HttpStatusCode.OK, together[0].Item1);
        Assert.Equal(HttpStatusCode.BadRequest, together[3].Item1);

        for (int i = 0; i < Sheets.Length; i++)
        {
            using var fresh = factory.WithSettings(("Limits:MaxIterations", "9998"));
            using var freshClient = fresh.CreateClient();
            Assert.Equal(together[i], await Post(freshClient, Sheets[i]));
        }
    }

    [Fact]
    public async Task SheetsPostedAgainAndAgainAreWrittenFromTheSharedRenderingsAsAHostThatKeptNothingWritesThem()
    {
        // Three rounds: each answer is noted the first time it is seen, rendered the second, copied after.
        using var client = factory.CreateClient();
        var rounds = new List<(HttpStatusCode, string)>();
        for (int round = 0; round < 3; round++)
            foreach (var sheet in Sheets) rounds.Add(await Post(client, sheet));

        for (int i = 0; i < Sheets.Length; i++)
        {
            using var fresh = factory.WithSettings(("Limits:MaxIterations", "9997"));
            using var freshClient = fresh.CreateClient();
            var expected = await Post(freshClient, Sheets[i]);
            for (int round = 0; round < 3; round++) Assert.Equal(expected, rounds[round * Sheets.Length + i]);
        }
    }

    [Fact]
    public void AKeptSetUpsAnswerRenderingsNoteAndRenderNoMoreThanTheirBounds()
    {
        var answers = GradApi.Endpoints.AnswerRenderings.ForKeptSetUp();
        GradApi.Domain.Grading.AnswerGrade Answer(int i) => new(
            $"/iterations/0/loss/value/{i}", GradApi.Domain.Grading.Verdict.Correct, null, null, null, null, 1, 1, [], null, [],
            GradApi.Domain.Grading.Tolerance.Default, null);
        for (int i = 0; i < GradApi.Endpoints.AnswerRenderings.KeptAnswers + 10; i++) answers.Note(Answer(i));
        Assert.Equal(GradApi.Endpoints.AnswerRenderings.KeptAnswers, answers.Count);

        var many = GradApi.Endpoints.AnswerRenderings.ForKeptSetUp();
        var large = Answer(-1) with { Submitted = new GradApi.Domain.Tensors.Tensor([(int)GradApi.Endpoints.AnswerRenderings.KeptNumbers], new double[GradApi.Endpoints.AnswerRenderings.KeptNumbers]) };
        many.Note(large);
        Assert.Equal(0, many.Count);

        var big = new byte[GradApi.Endpoints.AnswerRenderings.KeptBytes / 2 + 1];
        Assert.Same(big, answers.Rendered(Answer(0), big));
        Assert.True(answers.TryGet(Answer(0), out var first) && first == big);
        answers.Rendered(Answer(1), big);
        Assert.True(answers.TryGet(Answer(1), out var second) && second is null, "past MaxBytes a rendering is written but not kept");
    }

    [Fact]
    public void NoMoreThanMaxEntriesSetUpsAreKept()
    {
        var json = factory.AppJsonOptions;
        var problem = JsonSerializer.Deserialize<TrainRequest>(Grading.ContractProblem().ToJsonString(), json)!;
        var setUps = new GradingSetUps(Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.Http.Json.JsonOptions()));
        for (int i = 0; i < 2 * GradingSetUps.MaxEntries + 1; i++)
        {
            var key = new GradingSetUps.Key(BitConverter.GetBytes(i), [OutputA]);
            setUps.Keep(key, problem, 1, 1, CancellationToken.None);
            Assert.NotNull(setUps.Find(key));
            Assert.InRange(setUps.Count, 1, GradingSetUps.MaxEntries);
        }
    }
}
