using GradApi.Domain.Grading;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// A batch's summary: per path, how many submissions got each verdict and the most frequent diagnosis codes.
/// Five submissions to the contract's problem, each built to land on a known verdict and diagnosis.
/// </summary>
public sealed class PathSummaryTests
{
    const string OutputDelta = "/iterations/0/backward/layers/1/delta";
    const string HiddenA = "/iterations/0/forward/layers/0/a";
    const string OutputWeightGradient = "/iterations/0/backward/layers/1/weightGradient";

    static readonly HandStep First = new ContractByHand().Step();

    static IReadOnlyList<SubmissionGrade> GradeClass()
    {
        var carried = new ContractByHand { Replace = (i, name, v) => i == 0 && name == "A0" ? [0.35, 0.50] : v }.Step();
        Answer[][] submissions =
        [
            // 1: all right
            [Answer(OutputDelta, First.Delta1), Answer(HiddenA, First.A0), Answer(OutputWeightGradient, First.WeightGradient1)],
            // 2: delta sign-flipped; a wrong, and the weight gradient carried from it
            [Answer(OutputDelta, -First.Delta1), Answer(HiddenA, 0.35, 0.50), Answer(OutputWeightGradient, carried.WeightGradient1)],
            // 3: delta sign-flipped; a right; weight gradient sign-flipped
            [Answer(OutputDelta, -First.Delta1), Answer(HiddenA, First.A0), Answer(OutputWeightGradient, First.WeightGradient1.Select(g => -g).ToArray())],
            // 4: delta of sse (twice the half_sse one: factor_of_two and other_convention); a right
            [Answer(OutputDelta, 2 * First.Delta1), Answer(HiddenA, First.A0)],
            // 5: delta unreadable
            [new Answer(OutputDelta, SubmittedValue.Unread("blank"))],
        ];
        var session = new GradingSession(Contract(), GradingOptions.Default, submissions.SelectMany(s => s.Select(a => a.Path)));
        return submissions.Select(session.Grade).ToArray();
    }

    [Fact]
    public void EachPathCountsItsSubmissionsPerVerdict()
    {
        var summary = PathSummary.Of(GradeClass());
        Assert.Equal([OutputDelta, HiddenA, OutputWeightGradient], summary.Select(s => s.Path));

        var delta = summary[0];
        Assert.Equal(1, delta.Count(Verdict.Correct));
        Assert.Equal(3, delta.Count(Verdict.Incorrect));
        Assert.Equal(1, delta.Count(Verdict.NotANumber));
        Assert.Equal(0, delta.Count(Verdict.FollowThrough));

        var a = summary[1];
        Assert.Equal(3, a.Count(Verdict.Correct));
        Assert.Equal(1, a.Count(Verdict.Incorrect));

        var gradient = summary[2];
        Assert.Equal(1, gradient.Count(Verdict.Correct));
        Assert.Equal(1, gradient.Count(Verdict.FollowThrough));
        Assert.Equal(1, gradient.Count(Verdict.Incorrect));
        Assert.Equal(0, gradient.Count(Verdict.UnknownPath));
    }

    [Fact]
    public void DiagnosesAreListedMostFrequentFirstAndCountedOncePerSubmission()
    {
        // delta: sign_flipped twice; factor_of_two and other_convention once each (submission 4's other_convention
        // names two conventions, loss sse and loss mse, but is one submission); ties in code order
        var delta = PathSummary.Of(GradeClass())[0];
        Assert.Equal(
            [KeyValuePair.Create("sign_flipped", 2), KeyValuePair.Create("factor_of_two", 1), KeyValuePair.Create("other_convention", 1)],
            delta.Diagnoses);
    }

    [Fact]
    public void OnlyTheTopDiagnosesAreListed()
    {
        var delta = PathSummary.Of(GradeClass(), topDiagnoses: 1)[0];
        Assert.Equal([KeyValuePair.Create("sign_flipped", 2)], delta.Diagnoses);
    }

    [Fact]
    public void APathWithoutWrongAnswersHasNoDiagnoses()
    {
        // submissions 1 and 4: the hidden a right in both, the delta wrong in 4
        var grades = GradeClass();
        var summary = PathSummary.Of([grades[0], grades[3]]);
        var a = summary.Single(s => s.Path == HiddenA);
        Assert.Equal(2, a.Count(Verdict.Correct));
        Assert.Empty(a.Diagnoses);
        Assert.NotEmpty(summary.Single(s => s.Path == OutputDelta).Diagnoses);
    }

    [Fact]
    public void NoSubmissionsGiveNoPaths()
    {
        Assert.Empty(PathSummary.Of([]));
    }
}
