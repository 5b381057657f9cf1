using GradApi.Domain.Tensors;

namespace GradApi.Domain.Grading;

public enum Verdict
{
    Correct,
    /// <summary>Wrong against the reference, right given the student's own earlier answers.</summary>
    FollowThrough,
    Incorrect,
    ShapeMismatch,
    UnknownPath,
    /// <summary>The answer could not be read as numbers: not a wrong answer.</summary>
    NotANumber,
    /// <summary>A formula answer that differs from the function at some point (a counterexample says where).</summary>
    NotEquivalent,
    /// <summary>A formula answer that does not parse in the expression language: not a wrong answer.</summary>
    NotAFormula,
}

/// <summary>A common mistake that reproduces a wrong answer: a stable code for analytics, words for the student.</summary>
public sealed record Diagnosis(string Code, string Message, string? Convention = null);

/// <summary>A correct / incorrect flag per element, in the submitted value's shape.</summary>
public sealed record ElementMask(int[] Shape, bool[] Correct);

/// <summary>One answer marked. Expected, submitted, mask and follow-through value share the submitted value's shape.</summary>
public sealed record AnswerGrade(
    string Path,
    Verdict Verdict,
    Tensor? Expected,
    Tensor? Submitted,
    ElementMask? Elements,
    double? MaxAbsoluteError,
    double Points,
    double PointsAwarded,
    IReadOnlyList<Diagnosis> Diagnoses,
    Tensor? FollowThroughExpected,
    IReadOnlyList<string> UsedAnswers,
    Tolerance Tolerance,
    string? Message,
    string? Explanation = null,
    string? Formula = null,
    FormulaCounterexample? Counterexample = null);

/// <summary>
/// Where a formula answer and the function differ: the variables' values there, the function's value (null when it
/// may not be shown) and the formula's.
/// </summary>
public sealed record FormulaCounterexample(IReadOnlyDictionary<string, Tensor> Variables, Tensor? Expected, Tensor Claimed);

/// <summary>A submission marked: its answers in order and the totals.</summary>
public sealed record SubmissionGrade(IReadOnlyList<AnswerGrade> Results)
{
    public double Points => Results.Sum(r => r.Points);
    public double PointsAwarded => Results.Sum(r => r.PointsAwarded);
}

/// <summary>How a class did on one path: submissions per verdict and the diagnoses seen most, most frequent first.</summary>
public sealed record PathSummary(string Path, IReadOnlyDictionary<Verdict, int> Verdicts, IReadOnlyList<KeyValuePair<string, int>> Diagnoses)
{
    public int Count(Verdict verdict) => Verdicts.TryGetValue(verdict, out int n) ? n : 0;

    public static IReadOnlyList<PathSummary> Of(IEnumerable<SubmissionGrade> submissions, int topDiagnoses = 5)
    {
        var tallies = new PathTable<Tally>(path => new Tally(path));
        foreach (var submission in submissions)
        {
            var results = submission.Results;
            for (int i = 0; i < results.Count; i++)
            {
                var result = results[i];
                var tally = tallies.Get(i, result.Path);
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(tally.Verdicts, result.Verdict, out _)++;
                var diagnoses = result.Diagnoses;
                // Each code once per answer.
                for (int d = 0; d < diagnoses.Count; d++)
                {
                    string code = diagnoses[d].Code;
                    bool earlier = false;
                    for (int e = 0; e < d && !earlier; e++) earlier = diagnoses[e].Code == code;
                    if (!earlier) tally.Diagnoses[code] = tally.Diagnoses.GetValueOrDefault(code) + 1;
                }
            }
        }
        return tallies.InOrder.Select(tally => new PathSummary(tally.Path, tally.Verdicts,
            tally.Diagnoses.OrderByDescending(d => d.Value).ThenBy(d => d.Key, StringComparer.Ordinal).Take(topDiagnoses).ToArray())).ToArray();
    }

    sealed class Tally(string path)
    {
        public string Path { get; } = path;
        public Dictionary<Verdict, int> Verdicts { get; } = [];
        public Dictionary<string, int> Diagnoses { get; } = [];
    }
}
