using GradApi.Domain.Grading;
using GradApi.Domain.Vocabulary;

namespace GradApi.Contracts;

/// <summary>
/// Maps validated grading requests to the domain, filling every default in one place (tolerance relative 1e-3
/// with absolute 1e-8, proportional credit, follow-through on without penalty, 1 point), and marked
/// submissions back to the response.
/// </summary>
public static class GradeMapper
{
    public const double DefaultPoints = 1;
    public const double DefaultPenalty = 0;

    /// <summary>The options with every default filled in; explanations carry numbers only when the response shows them all (<paramref name="reveal"/>).</summary>
    public static GradingOptions ToOptions(ToleranceRequest? tolerance, string? partialCredit, FollowThroughRequest? followThrough,
        Reveal reveal = Reveal.All) => new(
        tolerance is null ? Tolerance.Default : ToTolerance(tolerance),
        partialCredit is null ? PartialCredit.Proportional : WireNames.PartialCredits.Parse(partialCredit),
        followThrough?.Enabled ?? true,
        followThrough?.Penalty ?? DefaultPenalty,
        followThrough?.AllowDegenerate ?? false,
        reveal == Reveal.All);

    public static Tolerance ToTolerance(ToleranceRequest t) => WireNames.ToleranceTypes.Parse(t.Type!) switch
    {
        ToleranceKind.Relative => new(ToleranceKind.Relative, t.Relative ?? Tolerance.DefaultRelative, t.Absolute ?? Tolerance.DefaultAbsolute),
        ToleranceKind.Absolute => new(ToleranceKind.Absolute, Absolute: t.Absolute!.Value),
        ToleranceKind.Decimals => new(ToleranceKind.Decimals, Decimals: t.Decimals!.Value),
        _ => new(ToleranceKind.SignificantFigures, Figures: t.Figures!.Value),
    };

    public static Answer[] ToAnswers(IEnumerable<AnswerRequest> answers) => answers
        .Select(a => new Answer(a.Path!, a.Value?.Submitted ?? SubmittedValue.Unread("a formula was given, not numbers"), a.Points ?? DefaultPoints,
            a.Tolerance is null ? null : ToTolerance(a.Tolerance), a.Formula))
        .ToArray();

    public static GradeResponse ToResponse(SubmissionGrade grade, GradingOptions options) => new(
        grade.Results.Select(ToResponse).ToArray(), grade.Points, grade.PointsAwarded,
        Echo(options.Tolerance), PartialCreditName(options.PartialCredit), new FollowThroughResponse(options.FollowThrough, options.Penalty, options.AllowDegenerate));

    public static GradeBatchResponse ToResponse(IReadOnlyList<string> ids, IReadOnlyList<SubmissionGrade> grades, GradingOptions options)
    {
        var results = ids.Zip(grades, (id, grade) => new SubmissionResultResponse(id, grade.Results.Select(ToResponse).ToArray(), grade.Points, grade.PointsAwarded));
        // Ordered, so the summary lists paths in the order they first appear in the batch.
        var summary = new OrderedDictionary<string, PathSummaryResponse>(StringComparer.Ordinal);
        foreach (var path in PathSummary.Of(grades))
            summary[path.Path] = new PathSummaryResponse(
                path.Count(Verdict.Correct), path.Count(Verdict.FollowThrough), path.Count(Verdict.Incorrect),
                path.Count(Verdict.ShapeMismatch), path.Count(Verdict.UnknownPath), path.Count(Verdict.NotANumber),
                path.Count(Verdict.NotEquivalent), path.Count(Verdict.NotAFormula),
                path.Diagnoses.Select(d => new DiagnosisCountResponse(d.Key, d.Value)).ToArray());
        return new GradeBatchResponse(results.ToArray(), summary, Echo(options.Tolerance), PartialCreditName(options.PartialCredit),
            new FollowThroughResponse(options.FollowThrough, options.Penalty, options.AllowDegenerate));
    }

    static AnswerResultResponse ToResponse(AnswerGrade g) => new(
        g.Path, VerdictName(g.Verdict), g.Expected, g.Submitted, g.Elements, g.MaxAbsoluteError, g.Points, g.PointsAwarded,
        g.Diagnoses.Select(d => new DiagnosisResponse(d.Code, d.Message, d.Convention)).ToArray(),
        g.FollowThroughExpected, g.UsedAnswers, Echo(g.Tolerance), g.Message, g.Explanation, g.Formula,
        g.Counterexample is { } c ? new FormulaCounterexampleResponse(c.Variables, c.Expected, c.Claimed) : null);

    /// <summary>The rule with every field of its type filled in and the others null.</summary>
    public static ToleranceResponse Echo(Tolerance t) => t.Kind switch
    {
        ToleranceKind.Relative => new(WireNames.ToleranceTypes.Name(t.Kind), t.Relative, t.Absolute, null, null),
        ToleranceKind.Absolute => new(WireNames.ToleranceTypes.Name(t.Kind), null, t.Absolute, null, null),
        ToleranceKind.Decimals => new(WireNames.ToleranceTypes.Name(t.Kind), null, null, t.Decimals, null),
        _ => new(WireNames.ToleranceTypes.Name(t.Kind), null, null, null, t.Figures),
    };

    public static string VerdictName(Verdict verdict) => WireNames.Verdicts.Name(verdict);

    public static string PartialCreditName(PartialCredit credit) => WireNames.PartialCredits.Name(credit);
}
