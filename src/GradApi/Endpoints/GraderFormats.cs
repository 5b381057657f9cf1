using System.Globalization;
using System.Text;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace GradApi.Endpoints;

/// <summary>
/// A submission's grade in the graders' own results.json formats (<c>format</c> gradescope or prairielearn), built from the
/// domain's grades as shown (so under reveal verdicts from grades with every reference number already taken out: the text
/// here adds none back, only verdicts, points, counts, paths, names, messages and explanations as they are).
/// </summary>
public static class GraderDocuments
{
    const string Markdown = "md";

    /// <summary>Gradescope's results.json: one test per answer, score the points awarded.</summary>
    public static GradescopeResults Gradescope(SubmissionGrade grade, IReadOnlyList<string?> names, Reveal shown)
    {
        // The tests' text carries the explanation, which under reveal all holds the reference's numbers.
        string testVisibility = shown == Reveal.Verdicts ? "visible" : "after_due_date";
        var tests = grade.Results.Select((answer, i) => new GradescopeTest(
            NameOf(answer, names, i), answer.PointsAwarded, answer.Points, Passed(answer.Verdict) ? "passed" : "failed",
            GradescopeOutput(answer), Markdown, testVisibility)).ToArray();
        return new GradescopeResults(grade.PointsAwarded, grade.Points, $"**{Points(grade.PointsAwarded)} of {PointsWord(grade.Points)}.** {Counts(grade)}",
            Markdown, "visible", "hidden", tests);
    }

    /// <summary>PrairieLearn's results.json: one test per answer, score the fraction of the points awarded.</summary>
    public static PrairieLearnResults PrairieLearn(SubmissionGrade grade, IReadOnlyList<string?> names)
    {
        var tests = grade.Results.Select((answer, i) => new PrairieLearnTest(
            NameOf(answer, names, i), answer.Path, answer.PointsAwarded, answer.Points,
            PrairieLearnMessage(answer), answer.Explanation ?? "")).ToArray();
        return new PrairieLearnResults(true, Score(grade), $"{Points(grade.PointsAwarded)} of {PointsWord(grade.Points)}. {Counts(grade)}", tests);
    }

    /// <summary>points awarded / points possible in [0, 1]; with nothing to earn, 1 when every answer passed, else 0.</summary>
    public static double Score(SubmissionGrade grade) =>
        grade.Points > 0 ? Math.Clamp(grade.PointsAwarded / grade.Points, 0, 1)
        : grade.Results.All(r => Passed(r.Verdict)) ? 1 : 0;

    /// <summary>A test passes when the answer earned its marks as right: correct, or right given the student's own earlier answers.</summary>
    public static bool Passed(Verdict verdict) => verdict is Verdict.Correct or Verdict.FollowThrough;

    static string NameOf(AnswerGrade answer, IReadOnlyList<string?> names, int i) => i < names.Count && names[i] is { } name ? name : answer.Path;

    static string GradescopeOutput(AnswerGrade answer)
    {
        var text = new StringBuilder();
        text.Append("**").Append(VerdictWords(answer.Verdict)).Append("**: ")
            .Append(Points(answer.PointsAwarded)).Append(" of ").Append(PointsWord(answer.Points)).Append('.');
        if (answer.Message is { } message) text.Append("\n\n").Append(message);
        if (CounterexampleWords(answer) is { } counterexample) text.Append("\n\n").Append(counterexample);
        if (answer.Diagnoses.Count > 0)
        {
            text.Append("\n\n");
            foreach (var diagnosis in answer.Diagnoses) text.Append("- `").Append(diagnosis.Code).Append("`: ").Append(diagnosis.Message).Append('\n');
            text.Length--;
        }
        if (answer.Explanation is { } explanation) text.Append("\n\n").Append(explanation);
        return text.ToString();
    }

    static string PrairieLearnMessage(AnswerGrade answer)
    {
        var text = new StringBuilder();
        text.Append(VerdictWords(answer.Verdict)).Append(": ").Append(Points(answer.PointsAwarded)).Append(" of ").Append(PointsWord(answer.Points)).Append('.');
        if (answer.Message is { } message) text.Append(' ').Append(message);
        if (CounterexampleWords(answer) is { } counterexample) text.Append(' ').Append(counterexample);
        foreach (var diagnosis in answer.Diagnoses) text.Append('\n').Append(diagnosis.Code).Append(": ").Append(diagnosis.Message);
        return text.ToString();
    }

    /// <summary>The verdicts as a reader says them: the wire name is for scripts.</summary>
    public static string VerdictWords(Verdict verdict) => verdict switch
    {
        Verdict.Correct => "Correct",
        Verdict.FollowThrough => "Correct given your earlier answers (follow-through)",
        Verdict.Incorrect => "Incorrect",
        Verdict.ShapeMismatch => "Wrong shape",
        Verdict.UnknownPath => "Not a value of the problem",
        Verdict.NotEquivalent => "Not equivalent",
        Verdict.NotAFormula => "Not a formula",
        _ => "Not a number",
    };

    // Where a formula fails: the point, the formula's value there, and the function's unless it may not be shown.
    static string? CounterexampleWords(AnswerGrade answer)
    {
        if (answer.Counterexample is not { } c) return null;
        string point = string.Join(", ", c.Variables.Select(v => $"{v.Key} = {Text(v.Value)}"));
        string expected = c.Expected is { } e ? $", where the function is {Text(e)}" : "";
        return $"At {point} your formula gives {Text(c.Claimed)}{expected}.";
    }

    static string Text(Domain.Tensors.Tensor t) =>
        t.Rank == 0 ? t.Data[0].ToString("G6", System.Globalization.CultureInfo.InvariantCulture)
            : "[" + string.Join(", ", t.Data.Select(x => x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))) + "]";

    static string Counts(SubmissionGrade grade)
    {
        var counts = grade.Results.GroupBy(r => r.Verdict).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {GradeMapper.VerdictName(g.Key).Replace('_', ' ')}");
        return $"{grade.Results.Count} {(grade.Results.Count == 1 ? "answer" : "answers")}: {string.Join(", ", counts)}.";
    }

    /// <summary>Points as a person writes them: up to 4 decimals, no exponent (points are at most what the request gave).</summary>
    static string Points(double points) => Math.Round(points, 4).ToString("0.####", CultureInfo.InvariantCulture);

    static string PointsWord(double points) => $"{Points(points)} {(Points(points) == "1" ? "point" : "points")}";
}

/// <summary>Writes the gradescope and prairielearn bodies, single and batch, as <see cref="GradeResult"/> and <see cref="GradeBatchResult"/> write theirs.</summary>
static class GraderFormatBodies
{
    static JsonSerializerOptions Options(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    public static async Task WriteGrade(HttpContext context, GraderFormat format, SubmissionGrade shown, IReadOnlyList<string?> names, Reveal reveal)
    {
        var options = Options(context);
        GradeResponseBody.Start(context);
        using var held = new HeldBody(context.Response);
        await using var writer = new Utf8JsonWriter(held, GradeResponseBody.WriterOptions(context));
        WriteDocument(writer, format, shown, names, reveal, options);
        await held.Complete(writer, context.RequestAborted);
    }

    /// <summary>{"results": [{"id": ..., "document": {...}}, ...]}: sent a piece at a time between submissions, as the gradapi batch is.</summary>
    public static async Task WriteBatch(HttpContext context, GraderFormat format, IReadOnlyList<string> ids, IReadOnlyList<SubmissionGrade> shown,
        IReadOnlyList<IReadOnlyList<string?>> names, Reveal reveal)
    {
        var options = Options(context);
        var cancel = context.RequestAborted;
        GradeResponseBody.Start(context);
        using var held = new HeldBody(context.Response);
        await using var writer = new Utf8JsonWriter(held, GradeResponseBody.WriterOptions(context));
        writer.WriteStartObject();
        writer.WriteStartArray("results");
        for (int i = 0; i < shown.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("id", ids[i]);
            writer.WritePropertyName("document");
            WriteDocument(writer, format, shown[i], i < names.Count ? names[i] : [], reveal, options);
            writer.WriteEndObject();
            if (await held.SendIfFull(writer, cancel) && cancel.IsCancellationRequested)
            {
                context.Abort();
                return;
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        await held.Complete(writer, cancel);
    }

    static void WriteDocument(Utf8JsonWriter writer, GraderFormat format, SubmissionGrade shown, IReadOnlyList<string?> names, Reveal reveal,
        JsonSerializerOptions options)
    {
        if (format == GraderFormat.Gradescope) JsonSerializer.Serialize(writer, GraderDocuments.Gradescope(shown, names, reveal), options);
        else JsonSerializer.Serialize(writer, GraderDocuments.PrairieLearn(shown, names), options);
    }
}
