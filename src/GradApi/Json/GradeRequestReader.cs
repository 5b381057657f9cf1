using System.Text.Json;
using GradApi.Contracts;
using static GradApi.Json.FastJson;

namespace GradApi.Json;

/// <summary>
/// Reads a /v1/grade body in one pass of its own, or leaves it to the serializer, as <see cref="TrainRequestReader"/>
/// does a /v1/train body: the serializer's reading of a sheet's records, a property and a converter lookup at a time,
/// from the request's pipe, was a quarter of seed 001's 20-answer /v1/grade (its 2 KB at about 90 MB/s). The problem,
/// each answer's path and each answer's value are read by the converters the serializer would call for them
/// (<see cref="GradeProblemJsonConverter"/>, <see cref="RepeatedTextConverter"/>, <see cref="AnswerValueJsonConverter"/>);
/// anything this reader does not expect, or any failure, answers false and the serializer reads the whole body again,
/// with its own errors, paths and results. <c>GradeRequestReaderTests</c> holds the two to the same results.
/// </summary>
public static class GradeRequestReader
{
    static readonly GradeProblemJsonConverter Problems = new();
    static readonly RepeatedTextConverter Paths = new();
    static readonly AnswerValueJsonConverter Values = new();

    /// <summary>Reads the value the reader is on; false (the reader anywhere) when the serializer must read it instead.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, JsonSerializerOptions options, out GradeRequest? request) =>
        Guarded(ref reader, options, Request, out request);

    static bool Request(ref Utf8JsonReader reader, JsonSerializerOptions options, out GradeRequest? request)
    {
        request = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        GradeProblem? problem = null; AnswerRequest[]? answers = null; ToleranceRequest? tolerance = null;
        string? partialCredit = null, reveal = null, format = null; FollowThroughRequest? followThrough = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end)
            {
                request = new GradeRequest(problem, answers, tolerance, partialCredit, followThrough, reveal, format) { ReadByItsReader = NullFree(problem) };
                return true;
            }
            bool ok = Name(ref reader) switch
            {
                "problem" => seen.First(0) && Problem(ref reader, options, out problem),
                "answers" => seen.First(1) && Array(ref reader, options, Answer, out answers),
                "tolerance" => seen.First(2) && Tolerance(ref reader, out tolerance),
                "partialCredit" => seen.First(3) && String(ref reader, out partialCredit),
                "followThrough" => seen.First(4) && FollowThrough(ref reader, out followThrough),
                "reveal" => seen.First(5) && String(ref reader, out reveal),
                "format" => seen.First(6) && String(ref reader, out format),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    // A problem without null elements: none, or one remembered from a sheet that was checked and graded (the serializer
    // reads any other, and may leave nulls in it for the validation filter to find).
    internal static bool NullFree(GradeProblem? problem) => problem is null || problem.Remembered;

    internal static bool Problem(ref Utf8JsonReader reader, JsonSerializerOptions options, out GradeProblem? problem)
    {
        problem = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        int depth = reader.CurrentDepth;
        problem = Problems.Read(ref reader, typeof(GradeProblem), options);
        return ReadWhole(ref reader, JsonTokenType.StartObject, depth);
    }

    internal static bool Answer(ref Utf8JsonReader reader, JsonSerializerOptions options, out AnswerRequest answer)
    {
        answer = null!;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        string? path = null, formula = null, name = null; AnswerValue? value = null; double? points = null; ToleranceRequest? tolerance = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { answer = new AnswerRequest(path, value, points, tolerance, formula, name); return true; }
            bool ok = Name(ref reader) switch
            {
                "path" => seen.First(0) && Path(ref reader, options, out path),
                "value" => seen.First(1) && Submitted(ref reader, options, out value),
                "points" => seen.First(2) && Double(ref reader, out points),
                "tolerance" => seen.First(3) && Tolerance(ref reader, out tolerance),
                "formula" => seen.First(4) && String(ref reader, out formula),
                "name" => seen.First(5) && String(ref reader, out name),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Path(ref Utf8JsonReader reader, JsonSerializerOptions options, out string? path)
    {
        path = null;
        if (!Value(ref reader, JsonTokenType.String, out bool present)) return false;
        if (present) path = Paths.Read(ref reader, typeof(string), options);
        return true;
    }

    // The converter sees null too: a null value is one the student wrote.
    static bool Submitted(ref Utf8JsonReader reader, JsonSerializerOptions options, out AnswerValue? value)
    {
        value = null;
        if (!reader.Read()) return false;
        var kind = reader.TokenType;
        int depth = reader.CurrentDepth;
        value = Values.Read(ref reader, typeof(AnswerValue), options);
        return ReadWhole(ref reader, kind, depth);
    }

    internal static bool Tolerance(ref Utf8JsonReader reader, out ToleranceRequest? tolerance)
    {
        tolerance = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        string? type = null; double? relative = null, absolute = null; int? decimals = null, figures = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { tolerance = new ToleranceRequest(type, relative, absolute, decimals, figures); return true; }
            bool ok = Name(ref reader) switch
            {
                "type" => seen.First(0) && String(ref reader, out type),
                "relative" => seen.First(1) && Double(ref reader, out relative),
                "absolute" => seen.First(2) && Double(ref reader, out absolute),
                "decimals" => seen.First(3) && Int(ref reader, out decimals),
                "figures" => seen.First(4) && Int(ref reader, out figures),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    internal static bool FollowThrough(ref Utf8JsonReader reader, out FollowThroughRequest? followThrough)
    {
        followThrough = null;
        if (!Value(ref reader, JsonTokenType.StartObject, out bool present)) return false;
        if (!present) return true;
        bool? enabled = null, allowDegenerate = null; double? penalty = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { followThrough = new FollowThroughRequest(enabled, penalty, allowDegenerate); return true; }
            bool ok = Name(ref reader) switch
            {
                "enabled" => seen.First(0) && Bool(ref reader, out enabled),
                "penalty" => seen.First(1) && Double(ref reader, out penalty),
                "allowDegenerate" => seen.First(2) && Bool(ref reader, out allowDegenerate),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }
}

/// <summary>
/// Reads a /v1/grade/batch body as <see cref="GradeRequestReader"/> reads a /v1/grade body, each sheet's answers with the
/// same steps: a class of 1000 sheets of 20 answers (1.5 MB) was 12 to 15 ms of the serializer's reading before any of it
/// could be checked or graded. Anything it does not expect, or any failure, answers false for the serializer to read the
/// whole body again. <c>GradeBatchRequestReaderTests</c> holds the two to the same results.
/// </summary>
public static class GradeBatchRequestReader
{
    /// <summary>Reads the value the reader is on; false (the reader anywhere) when the serializer must read it instead.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, JsonSerializerOptions options, out GradeBatchRequest? request) =>
        Guarded(ref reader, options, Request, out request);

    static bool Request(ref Utf8JsonReader reader, JsonSerializerOptions options, out GradeBatchRequest? request)
    {
        request = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        GradeProblem? problem = null; SubmissionRequest[]? submissions = null; ToleranceRequest? tolerance = null;
        string? partialCredit = null, reveal = null, format = null; FollowThroughRequest? followThrough = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end)
            {
                request = new GradeBatchRequest(problem, tolerance, partialCredit, followThrough, submissions, reveal, format) { ReadByItsReader = GradeRequestReader.NullFree(problem) };
                return true;
            }
            bool ok = Name(ref reader) switch
            {
                "problem" => seen.First(0) && GradeRequestReader.Problem(ref reader, options, out problem),
                "tolerance" => seen.First(1) && GradeRequestReader.Tolerance(ref reader, out tolerance),
                "partialCredit" => seen.First(2) && String(ref reader, out partialCredit),
                "followThrough" => seen.First(3) && GradeRequestReader.FollowThrough(ref reader, out followThrough),
                "submissions" => seen.First(4) && Array(ref reader, options, Submission, out submissions),
                "reveal" => seen.First(5) && String(ref reader, out reveal),
                "format" => seen.First(6) && String(ref reader, out format),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }

    static bool Submission(ref Utf8JsonReader reader, JsonSerializerOptions options, out SubmissionRequest submission)
    {
        submission = null!;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        string? id = null; AnswerRequest[]? answers = null;
        var seen = new Seen();
        while (Next(ref reader, out bool end))
        {
            if (end) { submission = new SubmissionRequest(id, answers); return true; }
            bool ok = Name(ref reader) switch
            {
                "id" => seen.First(0) && String(ref reader, out id),
                "answers" => seen.First(1) && Array(ref reader, options, GradeRequestReader.Answer, out answers),
                _ => false,
            };
            if (!ok) return false;
        }
        return false;
    }
}
