using System.Globalization;
using GradApi.Tests.Api;
using Xunit.Abstractions;

namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>
/// Issue 10's "how to know it works": a simulated class works GradApi's training problems by hand (2 to 4 decimals,
/// rounded numbers carried forward, at most one slip or misconception each) and each problem x D is graded as one
/// /v1/grade/batch request. The expected marks are the marker's rule (<see cref="Student"/>), never the service's output.
/// The class is worked and graded once; each fact checks one target.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SimulatedClassTests(GradApiFactory factory, ITestOutputHelper output)
{
    static readonly object Gate = new();
    static Task<ClassRun>? graded;

    /// <summary>The class worked and graded once for all the facts below (a failure to grade fails each of them at once).</summary>
    Task<ClassRun> Graded()
    {
        lock (Gate) return graded ??= GradeTheClass();
    }

    async Task<ClassRun> GradeTheClass()
    {
        // A generous deadline: this is a functional test of the marks, not of the service's speed.
        using var host = factory.WithSettings(("Limits:DeadlineSeconds", "120"));
        using var client = host.CreateClient();
        return await ClassGrading.Run(client);
    }

    static string Examples(IEnumerable<MarkedAnswer> answers, int count = 8) => string.Join("\n", answers.Take(count).Select(a =>
        $"  {a.Sheet.Id} {a.Sheet.Problem.Label} D={a.Sheet.Decimals} {a.Sheet.Plan.Label}: {a.Answer.Site.Path} = {a.Answer.Written} " +
        $"marker {(a.Answer.Credited ? "credit" : "no credit " + string.Join("/", a.Answer.Codes ?? ["any"]))}, service {a.Verdict} [{string.Join(",", a.Codes)}] {a.Detail}"));

    [Fact]
    public async Task TheClassReportIsPrintedAndWrittenPerMistakeKind()
    {
        var run = await Graded();
        string report = ClassGrading.Report(run);
        output.WriteLine(report);
        string file = Path.Combine(AppContext.BaseDirectory, "simulated-class.md");
        File.WriteAllText(file, report);
        // Every disagreement with the marker, one a line, for whoever works on the grader.
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "simulated-class-disagreements.txt"),
            Examples(run.Answers.Where(a => !a.AsTheMarker || (a.NeedsName && !a.Named)), int.MaxValue) + "\n");
        Assert.Contains("| **all** |", report);
        // Every kind of the diagnosis table was made and showed on some sheet.
        foreach (var mistake in Enum.GetValues<Mistake>())
            Assert.True(run.Sheets.Any(s => s.Plan.Mistake == mistake && (mistake == Mistake.None || s.MistakeShows)), $"no sheet shows {mistake}");
        Assert.InRange(run.Sheets.Count, 1000, 5000);
    }

    [Fact]
    public async Task EveryMistakeFreeSheetGetsFullMarks()
    {
        var run = await Graded();
        var clean = run.Answers.Where(a => a.Sheet.Plan.Mistake == Mistake.None).ToList();
        Assert.NotEmpty(clean);
        Assert.All(clean, a => Assert.True(a.Answer.Credited, $"the generator marks a mistake-free answer wrong: {a.Answer.Site.Path}"));
        var lost = clean.Where(a => !a.ServiceCredits).ToList();
        int sheets = clean.Select(a => a.Sheet).Distinct().Count(), lostSheets = lost.Select(a => a.Sheet).Distinct().Count();
        Assert.True(lost.Count == 0, $"{lostSheets} of {sheets} mistake-free sheets lose points ({lost.Count} answers), e.g.\n{Examples(lost)}");
    }

    [Fact]
    public async Task AtLeast995PercentOfAllAnswersAreMarkedAsACarefulMarkerWould()
    {
        var run = await Graded();
        var wrong = run.Answers.Where(a => !a.AsTheMarker).ToList();
        double share = 1 - (double)wrong.Count / run.Answers.Count;
        Assert.True(share >= 0.995,
            $"{(100 * share).ToString("0.00", CultureInfo.InvariantCulture)}% of {run.Answers.Count} answers marked as the marker would, e.g.\n{Examples(wrong.OrderBy(a => a.Sheet.Plan.Mistake))}");
    }

    [Fact]
    public async Task AtLeast95PercentOfMisconceptionsAreNamedByTheRightCode()
    {
        var run = await Graded();
        var mistaken = run.Answers.Where(a => a.Sheet.Plan.Form == Form.Misconception && a.Sheet.Plan.Mistake != Mistake.None && a.NeedsName).ToList();
        Assert.NotEmpty(mistaken);
        var unnamed = mistaken.Where(a => !a.Named).ToList();
        double share = 1 - (double)unnamed.Count / mistaken.Count;
        Assert.True(share >= 0.95,
            $"{(100 * share).ToString("0.0", CultureInfo.InvariantCulture)}% of {mistaken.Count} misconception tensors named, e.g.\n{Examples(unnamed.OrderBy(a => a.Sheet.Plan.Mistake))}");
    }

    [Fact]
    public async Task NoAnswerMarkedCorrectCarriesADiagnosis()
    {
        var run = await Graded();
        var diagnosed = run.Answers.Where(a => a.Verdict == "correct" && a.Codes.Length > 0).ToList();
        Assert.True(diagnosed.Count == 0, $"{diagnosed.Count} correct answers carry a diagnosis, e.g.\n{Examples(diagnosed)}");
    }
}
