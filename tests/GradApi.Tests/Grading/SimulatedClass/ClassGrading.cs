using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Tests.Api;

namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>One answer as the service marked it, next to the marker's mark.</summary>
internal sealed record MarkedAnswer(Sheet Sheet, SheetAnswer Answer, string Verdict, string[] Codes, double Points, double PointsAwarded, string Detail)
{
    public bool ServiceCredits => Verdict is "correct" or "follow_through" && PointsAwarded == Points;

    /// <summary>Credited where the marker credits; elsewhere not credited, incorrect (shape_mismatch when transposed), no points.</summary>
    public bool AsTheMarker => Answer.Credited
        ? ServiceCredits
        : Verdict == (Answer.ShapeMismatch ? "shape_mismatch" : "incorrect") && PointsAwarded == 0;

    /// <summary>A mistaken tensor for which the marker requires a code.</summary>
    public bool NeedsName => !Answer.Credited && Answer.Codes is not null;

    public bool Named => NeedsName && Codes.Any(c => Answer.Codes!.Contains(c));
}

internal sealed record ClassRun(IReadOnlyList<Sheet> Sheets, IReadOnlyList<MarkedAnswer> Answers, int Dropped, int Requests, TimeSpan Elapsed);

/// <summary>Works the class, grades every problem x D as one /v1/grade/batch request, and writes the report.</summary>
internal static class ClassGrading
{
    public const int Seed = 20261201;

    public static async Task<ClassRun> Run(HttpClient client)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var random = new Random(Seed);
        var sheets = new List<Sheet>();
        var marked = new List<MarkedAnswer>();
        int dropped = 0, requests = 0;
        foreach (var problem in ClassProblems.All())
        {
            var reference = Student.Reference(problem);
            foreach (int decimals in Classroom.DecimalsFor(problem))
            {
                var group = Classroom.Sheets(problem, decimals, reference, random, out int lost);
                dropped += lost;
                sheets.AddRange(group);
                marked.AddRange(await Grade(client, problem, decimals, group));
                requests++;
            }
        }
        return new ClassRun(sheets, marked, dropped, requests, clock.Elapsed);
    }

    static async Task<List<MarkedAnswer>> Grade(HttpClient client, HandProblem problem, int decimals, List<Sheet> sheets)
    {
        var request = new JsonObject
        {
            ["problem"] = problem.ToJson(),
            ["tolerance"] = new JsonObject { ["type"] = "decimals", ["decimals"] = decimals },
            ["partialCredit"] = "all_or_nothing",
            ["followThrough"] = new JsonObject { ["enabled"] = true, ["penalty"] = 0 },
            ["submissions"] = new JsonArray(sheets.Select(s => (JsonNode)new JsonObject
            {
                ["id"] = s.Id,
                ["answers"] = new JsonArray(s.Answers.Select(a => (JsonNode)new JsonObject
                {
                    ["path"] = a.Site.Path,
                    ["value"] = a.Written.ToJson(),
                }).ToArray()),
            }).ToArray()),
        };
        var content = new StringContent(request.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync("/v1/grade/batch", content);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{problem.Label} at {decimals} decimals: {(int)response.StatusCode} {ApiTest.Clip(text)}");

        using var document = JsonDocument.Parse(text);
        var results = document.RootElement.GetProperty("results");
        Assert.Equal(sheets.Count, results.GetArrayLength());
        var marked = new List<MarkedAnswer>();
        for (int s = 0; s < sheets.Count; s++)
        {
            var submission = results[s];
            Assert.Equal(sheets[s].Id, submission.GetProperty("id").GetString());
            var answers = submission.GetProperty("results");
            Assert.Equal(sheets[s].Answers.Count, answers.GetArrayLength());
            for (int k = 0; k < sheets[s].Answers.Count; k++)
            {
                var result = answers[k];
                string[] codes = result.TryGetProperty("diagnoses", out var diagnoses) && diagnoses.ValueKind == JsonValueKind.Array
                    ? diagnoses.EnumerateArray().Select(d => d.GetProperty("code").GetString()!).ToArray()
                    : [];
                marked.Add(new MarkedAnswer(sheets[s], sheets[s].Answers[k], result.GetProperty("verdict").GetString()!, codes,
                    result.GetProperty("points").GetDouble(), result.GetProperty("pointsAwarded").GetDouble(), Detail(result)));
            }
        }
        return marked;
    }

    /// <summary>What the service compared against, for the disagreement list.</summary>
    static string Detail(JsonElement result)
    {
        string Raw(string name) => result.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetRawText() : "-";
        return $"expected {Raw("expected")} followThroughExpected {Raw("followThroughExpected")} usedAnswers {Raw("usedAnswers")}";
    }

    static string Percent(int part, int whole) => whole == 0 ? "-" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>The report: per mistake and form, then per D, then the most frequent disagreements with the marker.</summary>
    public static string Report(ClassRun run)
    {
        var text = new StringBuilder();
        text.AppendLine("# Simulated class against /v1/grade/batch");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{run.Sheets.Count} sheets, {run.Answers.Count} answers, {run.Requests} batch requests ({run.Elapsed.TotalSeconds:0.0} s); {run.Dropped} drawn sheets dropped because their numbers ran away.");
        text.AppendLine("\"as marker\": credited (correct or follow_through, full points) exactly where the marker credits, else incorrect (shape_mismatch if transposed) with 0 points.");
        text.AppendLine("\"full marks\": sheets given every point (for a sheet with a mistake that shows, there should be none).");
        text.AppendLine("\"named\": mistaken tensors carrying the mistake's code. \"diagnosed correct\": answers with verdict correct and a diagnosis. \"unseen\": sheets whose mistake left every number right.");
        text.AppendLine();
        text.AppendLine("| mistake (form) | sheets | full marks | unseen | answers | as marker | mistaken tensors | named | diagnosed correct |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        void Row(string label, IReadOnlyCollection<MarkedAnswer> answers)
        {
            var bySheet = answers.GroupBy(a => a.Sheet).ToList();
            var sheets = bySheet.Select(g => g.Key).ToList();
            int full = bySheet.Count(g => g.All(a => a.ServiceCredits));
            int unseen = sheets.Count(s => !s.MistakeShows && s.Plan.Mistake != Mistake.None);
            int needName = answers.Count(a => a.NeedsName);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {label} | {sheets.Count} | {full} | {unseen} | {answers.Count} | {Percent(answers.Count(a => a.AsTheMarker), answers.Count)} | {needName} | {Percent(answers.Count(a => a.Named), needName)} | {answers.Count(a => a.Verdict == "correct" && a.Codes.Length > 0)} |");
        }
        foreach (var group in run.Answers.GroupBy(a => a.Sheet.Plan.Label).OrderBy(g => g.First().Sheet.Plan.Mistake).ThenBy(g => g.Key, StringComparer.Ordinal))
            Row(group.Key, group.ToList());
        Row("**all**", run.Answers);
        Row("**all slips**", run.Answers.Where(a => a.Sheet.Plan.Form == Form.Slip && a.Sheet.Plan.Mistake != Mistake.None).ToList());
        Row("**all misconceptions**", run.Answers.Where(a => a.Sheet.Plan.Form == Form.Misconception && a.Sheet.Plan.Mistake != Mistake.None).ToList());

        text.AppendLine();
        text.AppendLine("| decimals | answers | as marker | named |");
        text.AppendLine("|---:|---:|---:|---:|");
        foreach (var group in run.Answers.GroupBy(a => a.Sheet.Decimals).OrderBy(g => g.Key))
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key} | {group.Count()} | {Percent(group.Count(a => a.AsTheMarker), group.Count())} | {Percent(group.Count(a => a.Named), group.Count(a => a.NeedsName))} |");

        text.AppendLine();
        text.AppendLine("Most frequent disagreements (mistake (form), tensor, the marker's mark, the service's verdict and codes):");
        text.AppendLine();
        text.AppendLine("| mistake (form) | tensor | marker | service | count |");
        text.AppendLine("|---|---|---|---|---:|");
        var disagreements = run.Answers.Where(a => !a.AsTheMarker || (a.NeedsName && !a.Named))
            .GroupBy(a => (a.Sheet.Plan.Label, a.Answer.Site.What,
                Marker: a.Answer.Credited ? "credit" : $"no credit, {string.Join("/", a.Answer.Codes ?? ["any code"])}",
                Service: a.Codes.Length == 0 ? a.Verdict : $"{a.Verdict} {string.Join(",", a.Codes.Distinct())}"))
            .OrderByDescending(g => g.Count()).Take(60);
        foreach (var g in disagreements)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {g.Key.Label} | {g.Key.What} | {g.Key.Marker} | {g.Key.Service} | {g.Count()} |");
        return text.ToString();
    }
}
