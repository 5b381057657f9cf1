using System.Text.Json.Serialization;
using GradApi.Domain.Vocabulary;

namespace GradApi.Contracts;

/// <summary>What a grading response is written as: <c>format</c> of /v1/grade and /v1/grade/batch.</summary>
public enum GraderFormat
{
    /// <summary>The service's own response (GradeResponse, GradeBatchResponse): the default.</summary>
    GradApi,

    /// <summary>The results.json of Gradescope's autograder specification.</summary>
    Gradescope,

    /// <summary>The results.json of PrairieLearn's external grader.</summary>
    PrairieLearn,
}

/// <summary>The wire names of <see cref="GraderFormat"/>, in the contract's order.</summary>
public static class GraderFormats
{
    public static readonly WireTable<GraderFormat> Names = new(
        (GraderFormat.GradApi, "gradapi"), (GraderFormat.Gradescope, "gradescope"), (GraderFormat.PrairieLearn, "prairielearn"));

    public static GraderFormat Parse(string? format) => format is null ? GraderFormat.GradApi : Names.Parse(format);

    /// <summary>Gradescope's test case statuses.</summary>
    public static readonly string[] GradescopeStatuses = ["passed", "failed"];

    /// <summary>Gradescope's visibility settings.</summary>
    public static readonly string[] GradescopeVisibilities = ["hidden", "after_due_date", "after_published", "visible"];

    /// <summary>Gradescope's output string formats.</summary>
    public static readonly string[] GradescopeOutputFormats = ["text", "html", "simple_format", "md", "ansi"];
}

// The field names below are the graders' own (snake_case), so each record carries them explicitly.

/// <summary>
/// A submission as Gradescope's results.json (gradescope-autograders.readthedocs.io, "Autograder Specifications", "Output format"):
/// write it to /autograder/results/results.json as it is. Each test gives its own max_score; the top-level max_score, the
/// points possible, is the contract's (docs/API.md: score, max_score and tests), which Gradescope reads beside its own fields.
/// </summary>
/// <param name="Score">The points awarded over all answers (the sum of the tests' scores).</param>
/// <param name="MaxScore">The points possible over all answers (the sum of the tests' max_score).</param>
/// <param name="Output">A Markdown summary: points awarded of points possible and the answers per verdict (no reference number).</param>
/// <param name="OutputFormat">md (Markdown) for output.</param>
/// <param name="Visibility">visible: the summary holds counts only.</param>
/// <param name="StdoutVisibility">hidden: what the autograder script prints is for the course's staff.</param>
/// <param name="Tests">One per answer, in the order of answers.</param>
public sealed record GradescopeResults(
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("max_score")] double MaxScore,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("output_format")] string OutputFormat,
    [property: JsonPropertyName("visibility")] string Visibility,
    [property: JsonPropertyName("stdout_visibility")] string StdoutVisibility,
    [property: JsonPropertyName("tests")] IReadOnlyList<GradescopeTest> Tests);

/// <summary>One answer as a Gradescope test case.</summary>
/// <param name="Name">The answer's name when it gave one, else its path.</param>
/// <param name="Score">The points awarded (pointsAwarded).</param>
/// <param name="MaxScore">What the answer is worth (points).</param>
/// <param name="Status">passed when the verdict is correct or follow_through, else failed.</param>
/// <param name="Output">Markdown: the verdict and points, the message, the diagnoses' messages and the explanation.</param>
/// <param name="OutputFormat">md (Markdown) for output.</param>
/// <param name="Visibility">visible under reveal verdicts (the text holds no reference number); after_due_date under reveal all,
/// so the explanation's reference numbers reach students only once the assignment is due.</param>
public sealed record GradescopeTest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("max_score")] double MaxScore,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("output_format")] string OutputFormat,
    [property: JsonPropertyName("visibility")] string Visibility);

/// <summary>
/// A submission as the results.json of PrairieLearn's external grader (docs/externalGrading.md, "Grading results"): write it to
/// /grade/results/results.json as it is.
/// </summary>
/// <param name="Gradable">true: the service graded the submission (an answer it could not read is not_a_number, worth 0).</param>
/// <param name="Score">points awarded / points possible, in [0, 1]; when no points are possible, 1 if every answer passed
/// (correct or follow_through), else 0.</param>
/// <param name="Message">A summary: points awarded of points possible and the answers per verdict (no reference number).</param>
/// <param name="Tests">One per answer, in the order of answers.</param>
public sealed record PrairieLearnResults(
    [property: JsonPropertyName("gradable")] bool Gradable,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("tests")] IReadOnlyList<PrairieLearnTest> Tests);

/// <summary>One answer as a PrairieLearn test.</summary>
/// <param name="Name">The answer's name when it gave one, else its path.</param>
/// <param name="Description">The answer's path (a JSON Pointer into the problem's response).</param>
/// <param name="Points">The points awarded (pointsAwarded).</param>
/// <param name="MaxPoints">What the answer is worth (points).</param>
/// <param name="Message">The verdict and points, the message and the diagnoses' messages.</param>
/// <param name="Output">The explanation (Markdown with LaTeX math), empty when there is none.</param>
public sealed record PrairieLearnTest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("points")] double Points,
    [property: JsonPropertyName("max_points")] double MaxPoints,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("output")] string Output);

/// <summary>A class in Gradescope's format: one results.json document per submission, in the order given.</summary>
/// <param name="Results">One per submission.</param>
public sealed record GradescopeBatchResponse(IReadOnlyList<GradescopeSubmissionResponse> Results);

/// <param name="Id">The submission's id, as given.</param>
/// <param name="Document">Its results.json, as /v1/grade with format gradescope answers it.</param>
public sealed record GradescopeSubmissionResponse(string Id, GradescopeResults Document);

/// <summary>A class in PrairieLearn's format: one results.json document per submission, in the order given.</summary>
/// <param name="Results">One per submission.</param>
public sealed record PrairieLearnBatchResponse(IReadOnlyList<PrairieLearnSubmissionResponse> Results);

/// <param name="Id">The submission's id, as given.</param>
/// <param name="Document">Its results.json, as /v1/grade with format prairielearn answers it.</param>
public sealed record PrairieLearnSubmissionResponse(string Id, PrairieLearnResults Document);
