namespace GradApi.Domain.Grading;

/// <summary>
/// No credit for follow-through built on nothing, the one rule /v1/train's grading and every other computation's share.
/// An answer is trivial when it is all zeros or the problem's given values where the reference's is not; a trivial answer
/// that earned nothing (wrong, or itself degenerate) is a foundation of nothing. A follow-through answer is degenerate when
/// every answer it was computed from is such a foundation, or when it is itself trivial and any one is. Honest work whose
/// numbers round to zero or back to the initial values is not touched: its trivial values were earned.
/// </summary>
public static class DegenerateWork
{
    public static readonly Diagnosis Diagnosis = new(Vocabulary.WireNames.DiagnosisCode.DegenerateFollowThrough,
        "Right only given earlier answers that are all zeros or the problem's own given values where the computation's are not, and earned nothing themselves: follow-through gives no credit for work built on them.");

    /// <summary>Which of <paramref name="count"/> answers are degenerate follow-through.</summary>
    /// <param name="credited">The answer earned its points (correct or follow_through) before this rule.</param>
    /// <param name="trivial">The answer is all zeros or the given values where the reference's is not.</param>
    /// <param name="inputs">For a follow_through answer, the other answers its value was recomputed from; else none.</param>
    public static bool[] Find(int count, Func<int, bool> credited, Func<int, bool> trivial, Func<int, IReadOnlyList<int>> inputs)
    {
        var degenerate = new bool?[count];
        var foundation = new bool?[count];
        bool Foundation(int i) => foundation[i] ??= trivial(i) && (!credited(i) || Degenerate(i));
        bool Degenerate(int i)
        {
            if (degenerate[i] is bool known) return known;
            degenerate[i] = false; // a cycle cannot happen (answers are used upstream only), but never recurse into one
            var used = inputs(i);
            bool found = used.Count > 0 && (used.All(Foundation) || trivial(i) && used.Any(Foundation));
            degenerate[i] = found;
            return found;
        }
        var result = new bool[count];
        for (int i = 0; i < count; i++) result[i] = Degenerate(i);
        return result;
    }

    /// <summary>All zeros, or the given values, where the reference's is not (each within the answer's tolerance).</summary>
    public static bool IsTrivial(ReadOnlySpan<double> values, double[] reference, double[]? given, Tolerance tolerance)
    {
        if (values.Length != reference.Length) return false;
        var zeros = new double[reference.Length];
        if (Diagnoses.AllAccepted(values, zeros, tolerance) && !Diagnoses.AllAccepted(zeros, reference, tolerance)) return true;
        return given is not null && given.Length == reference.Length
            && Diagnoses.AllAccepted(values, given, tolerance) && !Diagnoses.AllAccepted(reference, given, tolerance);
    }
}
