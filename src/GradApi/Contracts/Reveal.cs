using System.Text.RegularExpressions;
using GradApi.Domain.Grading;

namespace GradApi.Contracts;

/// <summary>How much of the reference a grading response shows: <c>reveal</c> of /v1/grade and /v1/grade/batch.</summary>
public enum Reveal
{
    /// <summary>Everything: expected values, follow-through values, errors and messages as they are (the default).</summary>
    All,

    /// <summary>Verdicts, masks and points only: no reference number, so a student may read the response as it is.</summary>
    Verdicts,
}

/// <summary>
/// The grades with every reference number taken out, for <see cref="Reveal.Verdicts"/>: expected, followThroughExpected and
/// maxAbsoluteError (which with the submitted value gives the reference away) become null, and the numbers with a
/// fraction or an exponent in messages (the ones a computation produces) are left out. Paths, iteration and layer numbers,
/// shapes and counts stay, since they say where the mistake is and give nothing of the answer. Applied to the domain's grades
/// before they are written, so the record mapping and the direct writer stay byte for byte alike.
/// </summary>
public static partial class VerdictsOnly
{
    /// <summary>What stands where a number was left out.</summary>
    public const string Omitted = "…";

    public static Reveal Parse(string? reveal) => reveal is null ? Reveal.All : Vocabulary.RevealNames.Parse(reveal);

    public static SubmissionGrade Of(SubmissionGrade grade) => new(grade.Results.Select(Of).ToArray());

    public static AnswerGrade Of(AnswerGrade answer) => answer with
    {
        Expected = null,
        FollowThroughExpected = null,
        MaxAbsoluteError = null,
        Diagnoses = answer.Diagnoses.Select(d => d with { Message = WithoutNumbers(d.Message) }).ToArray(),
        Message = answer.Message is null ? null : WithoutNumbers(answer.Message),
        Explanation = answer.Explanation is null ? null : WithoutNumbers(answer.Explanation),
        Counterexample = answer.Counterexample is null ? null : answer.Counterexample with { Expected = null },
    };

    /// <summary>The text with every computed-looking number (0.4739, -1.5e-3, 2E+5) replaced by <see cref="Omitted"/>.</summary>
    public static string WithoutNumbers(string text) => ComputedNumber().Replace(text, Omitted);

    // Not inside a word or a JSON Pointer (/iterations/0); a fraction or an exponent marks a value rather than an index.
    [GeneratedRegex(@"(?<![\w/.])[-+−]?(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\.\d+)(?!\w|\.\d)")]
    private static partial Regex ComputedNumber();
}
