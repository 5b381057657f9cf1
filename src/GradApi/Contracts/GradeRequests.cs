namespace GradApi.Contracts;

/// <summary>A student's numbers (or formulas) for a problem, marked against the service's own computation of it.</summary>
/// <param name="Problem">Exactly a /v1/train request (same fields, checks and limits; include is accepted and ignored), or
/// another endpoint's problem: { "endpoint": "/v1/optimization/trajectories", "request": { ... } }.</param>
/// <param name="Answers">The answers, each a JSON Pointer into the problem's response and the student's value (or formula); results come in this order.</param>
/// <param name="Tolerance">The default rule for every answer without its own (default: relative 1e-3 with absolute 1e-8).</param>
/// <param name="PartialCredit">proportional (default: points x the fraction of elements right) or all_or_nothing.</param>
/// <param name="FollowThrough">Error carried forward: enabled (default true) and the penalty (default 0).</param>
/// <param name="Reveal">all (default) or verdicts: no result carries a reference number (expected, followThroughExpected and
/// maxAbsoluteError are null, numbers in messages left out), so the response can be shown to a student as it is.</param>
/// <param name="Format">gradapi (default: this service's response), gradescope (Gradescope's results.json) or prairielearn
/// (PrairieLearn's external grader results.json).</param>
public sealed partial record GradeRequest(
    GradeProblem? Problem,
    AnswerRequest[]? Answers,
    ToleranceRequest? Tolerance,
    string? PartialCredit,
    FollowThroughRequest? FollowThrough,
    string? Reveal = null,
    string? Format = null);

/// <summary>A class's submissions to one problem: the reference is computed once and every submission marked against it.</summary>
/// <param name="Problem">As in /v1/grade: a /v1/train request, or { "endpoint": ..., "request": ... }.</param>
/// <param name="Tolerance">As in /v1/grade, for every submission.</param>
/// <param name="PartialCredit">As in /v1/grade.</param>
/// <param name="FollowThrough">As in /v1/grade.</param>
/// <param name="Submissions">One per student: an id unique within the batch and the answers.</param>
/// <param name="Reveal">As in /v1/grade: all (default) or verdicts.</param>
/// <param name="Format">As in /v1/grade: gradapi (default), gradescope or prairielearn; the latter two give one results.json per submission.</param>
public sealed partial record GradeBatchRequest(
    GradeProblem? Problem,
    ToleranceRequest? Tolerance,
    string? PartialCredit,
    FollowThroughRequest? FollowThrough,
    SubmissionRequest[]? Submissions,
    string? Reveal = null,
    string? Format = null);

/// <param name="Id">Names the submission in the response; unique within the batch, not empty.</param>
/// <param name="Answers">As in /v1/grade.</param>
public sealed record SubmissionRequest(string? Id, AnswerRequest[]? Answers);

/// <summary>One answer: where in the problem's response, and what the student wrote: a value, or a formula.</summary>
/// <param name="Path">RFC 6901 JSON Pointer into the problem's response, as in /iterations/0/backward/layers/1/delta.</param>
/// <param name="Value">A number, "NaN", "Infinity", "-Infinity", or nested arrays of them in the tensor's shape (batch axis dropped when B = 1, a number for one element); anything else is graded not_a_number.</param>
/// <param name="Points">What the answer is worth (default 1), finite and at least 0.</param>
/// <param name="Tolerance">This answer's own rule, overriding the request's.</param>
/// <param name="Formula">Instead of value, where the response holds a function: a formula in the expression language, graded by equivalence.</param>
/// <param name="Name">What the gradescope and prairielearn formats call the answer's test (default: its path); not echoed by gradapi.</param>
public sealed record AnswerRequest([property: System.Text.Json.Serialization.JsonConverter(typeof(Json.RepeatedTextConverter))] string? Path, AnswerValue? Value, double? Points, ToleranceRequest? Tolerance, string? Formula = null, string? Name = null)
{
    // Read field by field into a new answer, not through the constructor: a class's batch has tens of thousands, and the
    // serializer gathers a constructor's six arguments in an array of its own for each.
    [System.Text.Json.Serialization.JsonConstructor]
    AnswerRequest() : this(null, null, null, null) { }
}

/// <summary>An answer's value as read from the request (Json/AnswerValueJson.cs): the student's tensor, or why it could not be read.</summary>
public sealed record AnswerValue(Domain.Grading.SubmittedValue Submitted);

/// <summary>When a submitted number s counts as the reference r. A field of another type is rejected.</summary>
/// <param name="Type">relative, absolute, decimals, significant_figures.</param>
/// <param name="Relative">relative only (default 1e-3): |s - r| &lt;= absolute + relative |r|.</param>
/// <param name="Absolute">relative (default 1e-8) and absolute (required): |s - r| &lt;= absolute.</param>
/// <param name="Decimals">decimals only (required, 0 to 15): |s - r| &lt; 0.51 x 10^-decimals.</param>
/// <param name="Figures">significant_figures only (required, 1 to 17): |s - r| &lt; 0.51 x 10^-(figures - 1 - floor(log10 |r|)).</param>
public sealed record ToleranceRequest(string? Type, double? Relative, double? Absolute, int? Decimals, int? Figures);

/// <param name="Enabled">Mark wrong answers again against the reference recomputed from the student's own answers (default true).</param>
/// <param name="Penalty">The fraction of the points withheld for a follow-through element, in [0, 1] (default 0).</param>
/// <param name="AllowDegenerate">Credit follow-through built on all-zero answers or the problem's given values too (default false:
/// such answers stay incorrect with the diagnosis degenerate_follow_through).</param>
public sealed record FollowThroughRequest(bool? Enabled, double? Penalty, bool? AllowDegenerate = null);
