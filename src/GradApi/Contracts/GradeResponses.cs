using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;

namespace GradApi.Contracts;

// Every field is written, null when it does not apply, so graders' scripts see the same keys in every result.
// Tensors are written in their shape as nested arrays (a number for a scalar); numbers that are not finite
// as the strings "NaN", "Infinity", "-Infinity" (see Json/TensorJson.cs).

/// <summary>The answers marked, in the order given, with the totals and the rules that were applied.</summary>
/// <param name="Results">One per answer, in the order of answers.</param>
/// <param name="Points">The sum of the answers' points.</param>
/// <param name="PointsAwarded">The sum of the points awarded.</param>
/// <param name="Tolerance">The request's default rule, resolved (every field of its type filled in).</param>
/// <param name="PartialCredit">proportional or all_or_nothing.</param>
/// <param name="FollowThrough">Whether follow-through was applied, and its penalty.</param>
public sealed record GradeResponse(
    IReadOnlyList<AnswerResultResponse> Results,
    double Points,
    double PointsAwarded,
    ToleranceResponse Tolerance,
    string PartialCredit,
    FollowThroughResponse FollowThrough);

/// <summary>One answer marked.</summary>
/// <param name="Path">As given.</param>
/// <param name="Verdict">correct, follow_through, incorrect, shape_mismatch, unknown_path, not_a_number; for a formula answer
/// correct (equivalent), not_equivalent, shape_mismatch, not_a_formula (it does not parse; message gives the position).</param>
/// <param name="Expected">The reference, in the submitted shape (in its own shape for shape_mismatch and not_a_number); null for unknown_path.</param>
/// <param name="Submitted">The value as read, in its shape; null for unknown_path and not_a_number.</param>
/// <param name="Elements">Per element true when it counted (against the reference or by follow-through), in the submitted shape; null unless the shapes fit.</param>
/// <param name="MaxAbsoluteError">max |s - r| against the reference (NaN against NaN counts 0); null unless the shapes fit.</param>
/// <param name="Points">What the answer is worth.</param>
/// <param name="PointsAwarded">What it earned under partialCredit and the follow-through penalty.</param>
/// <param name="Diagnoses">Common mistakes that reproduce a wrong answer; empty otherwise.</param>
/// <param name="FollowThroughExpected">For a wrong answer when follow-through ran: the value recomputed from the student's own answers.</param>
/// <param name="UsedAnswers">The paths of the student's answers that went into followThroughExpected.</param>
/// <param name="Tolerance">The rule applied to this answer (its own, or the request's).</param>
/// <param name="Message">Why the path or value could not be used, how the shapes differ, or what follow-through used; else null.</param>
/// <param name="Explanation">Markdown with LaTeX math: the tensor's formula, the numbers that went in (the student's where
/// follow-through used them) and the value they give; the formula alone under reveal verdicts. Null for an unknown path.</param>
/// <param name="Formula">A formula answer as given; null for a value answer.</param>
/// <param name="Counterexample">A formula answer graded not_equivalent: where it differs from the function; else null.</param>
public sealed record AnswerResultResponse(
    string Path,
    string Verdict,
    Tensor? Expected,
    Tensor? Submitted,
    ElementMask? Elements,
    double? MaxAbsoluteError,
    double Points,
    double PointsAwarded,
    IReadOnlyList<DiagnosisResponse> Diagnoses,
    Tensor? FollowThroughExpected,
    IReadOnlyList<string> UsedAnswers,
    ToleranceResponse Tolerance,
    string? Message,
    string? Explanation,
    string? Formula,
    FormulaCounterexampleResponse? Counterexample);

/// <summary>Where a formula differs from the function: the variables' values, the function's value there and the formula's.</summary>
/// <param name="Variables">Each variable's value at the point, in its JSON form.</param>
/// <param name="Expected">The function's value there; null under reveal verdicts.</param>
/// <param name="Claimed">The formula's value there.</param>
public sealed record FormulaCounterexampleResponse(IReadOnlyDictionary<string, Tensor> Variables, Tensor? Expected, Tensor Claimed);

/// <param name="Code">Stable, for analytics: sign_flipped, transposed, factor_of_two, missing_activation_derivative,
/// activation_value_for_derivative, learning_rate_not_applied, step_in_wrong_direction, used_updated_weights,
/// other_convention, wrong_iteration, wrong_layer, rounded_too_early, degenerate_follow_through.</param>
/// <param name="Message">Plain words for the student.</param>
/// <param name="Convention">other_convention only: the convention that reproduces the answer ("momentum pytorch", "loss sse"); else null.</param>
public sealed record DiagnosisResponse(string Code, string Message, string? Convention);

/// <summary>A tolerance rule as applied: the fields of its type filled in, the others null.</summary>
/// <param name="Type">relative, absolute, decimals, significant_figures.</param>
/// <param name="Relative">relative only.</param>
/// <param name="Absolute">relative and absolute.</param>
/// <param name="Decimals">decimals only.</param>
/// <param name="Figures">significant_figures only.</param>
public sealed record ToleranceResponse(string Type, double? Relative, double? Absolute, int? Decimals, int? Figures);

/// <param name="Enabled">Whether wrong answers were marked again from the student's own answers.</param>
/// <param name="Penalty">The fraction of the points withheld for follow-through.</param>
/// <param name="AllowDegenerate">Whether follow-through built on all-zero or given values was credited.</param>
public sealed record FollowThroughResponse(bool Enabled, double Penalty, bool AllowDegenerate);

/// <summary>Every submission marked, in order, and how the class did on each path.</summary>
/// <param name="Results">One per submission, in the order given, with its id.</param>
/// <param name="Summary">Per path, in the order paths first appear: submissions per verdict and the most frequent diagnoses.</param>
/// <param name="Tolerance">The request's default rule, resolved.</param>
/// <param name="PartialCredit">proportional or all_or_nothing.</param>
/// <param name="FollowThrough">Whether follow-through was applied, and its penalty.</param>
public sealed record GradeBatchResponse(
    IReadOnlyList<SubmissionResultResponse> Results,
    IReadOnlyDictionary<string, PathSummaryResponse> Summary,
    ToleranceResponse Tolerance,
    string PartialCredit,
    FollowThroughResponse FollowThrough);

/// <param name="Id">As given.</param>
/// <param name="Results">As in /v1/grade, in the order of the submission's answers.</param>
/// <param name="Points">The sum of the answers' points.</param>
/// <param name="PointsAwarded">The sum of the points awarded.</param>
public sealed record SubmissionResultResponse(string Id, IReadOnlyList<AnswerResultResponse> Results, double Points, double PointsAwarded);

/// <summary>Answers to one path across the batch, by verdict.</summary>
/// <param name="Correct">Answers graded correct.</param>
/// <param name="FollowThrough">Answers graded follow_through.</param>
/// <param name="Incorrect">Answers graded incorrect.</param>
/// <param name="ShapeMismatch">Answers graded shape_mismatch.</param>
/// <param name="UnknownPath">Answers graded unknown_path.</param>
/// <param name="NotANumber">Answers graded not_a_number.</param>
/// <param name="NotEquivalent">Formula answers graded not_equivalent.</param>
/// <param name="NotAFormula">Formula answers graded not_a_formula.</param>
/// <param name="Diagnoses">The most frequent diagnosis codes (up to 5), most frequent first, ties by code.</param>
public sealed record PathSummaryResponse(
    int Correct,
    int FollowThrough,
    int Incorrect,
    int ShapeMismatch,
    int UnknownPath,
    int NotANumber,
    int NotEquivalent,
    int NotAFormula,
    IReadOnlyList<DiagnosisCountResponse> Diagnoses);

/// <param name="Code">A diagnosis code.</param>
/// <param name="Count">Answers to the path that it was reported for.</param>
public sealed record DiagnosisCountResponse(string Code, int Count);
