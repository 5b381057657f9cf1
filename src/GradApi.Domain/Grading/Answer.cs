using GradApi.Domain.Tensors;

namespace GradApi.Domain.Grading;

/// <summary>A student's number or tensor for one path, as read from the request (or why it could not be read).</summary>
public sealed record SubmittedValue(Tensor? Tensor, string? Unreadable)
{
    public static SubmittedValue Of(Tensor tensor) => new(tensor, null);
    public static SubmittedValue Unread(string reason) => new(null, reason);
}

/// <summary>
/// One graded answer: where, what the student wrote (numbers, or a formula in the expression language where the
/// response holds a function), its points, and its own tolerance if any.
/// </summary>
public sealed record Answer(string Path, SubmittedValue Value, double Points = 1, Tolerance? Tolerance = null, string? Formula = null);

public enum PartialCredit
{
    /// <summary>points x the fraction of elements right (follow-through elements at 1 - penalty).</summary>
    Proportional,
    AllOrNothing,
}

/// <summary>
/// How a submission is marked: the default tolerance, partial credit, follow-through and its penalty, whether
/// follow-through may credit degenerate work (zeros or the given values carried forward), and whether explanations
/// show numbers (not when the response goes to a student as it is).
/// </summary>
public sealed record GradingOptions(Tolerance Tolerance, PartialCredit PartialCredit = PartialCredit.Proportional,
    bool FollowThrough = true, double Penalty = 0, bool AllowDegenerate = false, bool ExplainWithNumbers = true)
{
    public static readonly GradingOptions Default = new(Tolerance.Default);

    /// <summary>
    /// The points an answer earns: proportional, points x (elements right + (1 - penalty) x elements followed through) / n;
    /// all or nothing, the points when correct, points x (1 - penalty) when followed through, else 0.
    /// </summary>
    public double Awarded(double points, int right, int carried, int n, Verdict verdict) => PartialCredit == PartialCredit.Proportional
        ? points * (right + (1 - Penalty) * carried) / n
        : verdict switch { Verdict.Correct => points, Verdict.FollowThrough => points * (1 - Penalty), _ => 0 };

    /// <summary>What a follow_through result says, naming the student's answers that were used.</summary>
    public static string FollowThroughMessage(IEnumerable<string> used) =>
        $"Wrong against the reference, right given your own earlier answers ({string.Join(", ", used)}).";

    /// <summary>Numbers in explanations: to the tolerance's decimals (at most 8), else 4; none when the response goes to a student.</summary>
    public int? DecimalsShown(Tolerance tolerance) =>
        !ExplainWithNumbers ? null : tolerance.Kind == ToleranceKind.Decimals ? Math.Min(tolerance.Decimals, 8) : 4;
}
