using System.Buffers;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using GradApi.Json;

namespace GradApi.Endpoints;

/// <summary>
/// Writes the /v1/grade and /v1/grade/batch responses straight from the domain's grades, byte for byte what
/// System.Text.Json writes for the records in Contracts/GradeResponses.cs: the same names in the same order,
/// every null written, doubles through <see cref="FiniteDoubleConverter"/>, tensors and masks through the same
/// helpers the converters use. Building a record per answer and serializing it by reflection cost more than
/// grading itself; the records remain the documented schema. GradeJsonEqualityTests holds the two to the same bytes.
/// One per response: it keeps the JSON of values the answers repeat, rendered once.
/// </summary>
public sealed class GradeJsonWriter
{
    /// <summary>
    /// Enough for every rule and every path's reference in a class; past it (rules given per answer, references sliced
    /// anew for each student) values are written as they come rather than rendered for copies that will not be made.
    /// </summary>
    const int RenderingsKept = 256;

    readonly Utf8JsonWriter writer;
    // The rule every answer echoes and the reference each student's answer to a path is compared with are the
    // same for most of a class: rendered once and copied, they stop being a third of the writing.
    readonly RenderedOnce<Tolerance> tolerances;
    readonly RenderedOnce<Tensor> references;
    // A right answer's explanation is the reference's, one string for the whole class: escaped and transcoded once.
    readonly RenderedOnce<string> explanations;

    // Each student's answer carries its own copy of the path: encoded once per distinct path, not escaped and
    // transcoded again for every answer.
    readonly Dictionary<string, JsonEncodedText> paths = new(StringComparer.Ordinal);

    // Answers rendered for earlier responses on the same kept problem (a class's sheets posted one by one), if any.
    readonly AnswerRenderings? shared;

    /// <param name="writer">Where the response goes.</param>
    /// <param name="shared">Renderings of a kept grading set-up's answers, shared by the single grades written on it.</param>
    public GradeJsonWriter(Utf8JsonWriter writer, AnswerRenderings? shared = null)
    {
        this.writer = writer;
        this.shared = shared;
        // Rules equal as records write alike: their doubles are equal or both NaN, and the one pair of equal doubles
        // that format differently, 0 and -0, are both written 0.
        tolerances = new(writer.Options, EqualityComparer<Tolerance>.Default, WriteToleranceEcho, RenderingsKept);
        references = new(writer.Options, SameValues.Instance, TrainTraceResult.WriteTensor, RenderingsKept);
        explanations = new(writer.Options, SameText.Instance, (w, text) => w.WriteStringValue(text), RenderingsKept);
    }

    /// <summary>
    /// The writer settings the serializer derives from the app's options (its encoder above all: the app's
    /// relaxed one leaves sigma'(z) as written where the default would write \u0027), so strings come out alike.
    /// </summary>
    public static JsonWriterOptions WriterOptionsFor(JsonSerializerOptions options) => new()
    {
        Encoder = options.Encoder,
        Indented = options.WriteIndented,
        IndentCharacter = options.IndentCharacter,
        IndentSize = options.IndentSize,
        NewLine = options.NewLine,
        MaxDepth = options.MaxDepth,
        SkipValidation = true,
    };

    /// <summary>A <see cref="GradeResponse"/>: the answers marked, the totals, the rules applied.</summary>
    public void WriteGrade(SubmissionGrade grade, GradingOptions options)
    {
        writer.WriteStartObject();
        WriteAnswers(grade, classOfAnswers: false);
        FiniteDoubleConverter.WriteProperty(writer, Names.Points, grade.Points);
        FiniteDoubleConverter.WriteProperty(writer, Names.PointsAwarded, grade.PointsAwarded);
        WriteRulesApplied(options);
        writer.WriteEndObject();
    }

    /// <summary>A <see cref="GradeBatchResponse"/> up to its first submission: written before the submissions, one at a time.</summary>
    public void WriteBatchOpening()
    {
        writer.WriteStartObject();
        writer.WriteStartArray(Names.Results);
    }

    /// <summary>A <see cref="SubmissionResultResponse"/>.</summary>
    public void WriteSubmission(string id, SubmissionGrade grade)
    {
        writer.WriteStartObject();
        writer.WriteString(Names.Id, id);
        WriteAnswers(grade, classOfAnswers: true);
        FiniteDoubleConverter.WriteProperty(writer, Names.Points, grade.Points);
        FiniteDoubleConverter.WriteProperty(writer, Names.PointsAwarded, grade.PointsAwarded);
        writer.WriteEndObject();
    }

    /// <summary>The rest of a <see cref="GradeBatchResponse"/> after its last submission: the summary per path and the rules applied.</summary>
    public void WriteBatchClosing(IReadOnlyList<PathSummary> summary, GradingOptions options)
    {
        writer.WriteEndArray();
        writer.WriteStartObject(Names.Summary);
        // The paths in the order they first appear in the batch, as the mapper's ordered dictionary keeps them.
        foreach (var path in summary) WritePathSummary(writer, path);
        writer.WriteEndObject();
        WriteRulesApplied(options);
        writer.WriteEndObject();
    }

    void WriteAnswers(SubmissionGrade grade, bool classOfAnswers)
    {
        writer.WriteStartArray(Names.Results);
        foreach (var answer in grade.Results)
        {
            if (classOfAnswers) WriteNotedAnswer(answer, classAnswers ??= AnswerRenderings.ForOneResponse());
            else if (shared is not null) WriteNotedAnswer(answer, shared);
            else WriteAnswer(writer, answer);
        }
        writer.WriteEndArray();
    }

    /// <summary>
    /// An answer that may write as one written before, byte for byte: the students who are right, and round alike, get
    /// such answers (1000 x 20 answers of seed 001: most of them). <paramref name="renderings"/> notes an answer the first
    /// time it is seen, and it is rendered the second and copied from then on, so a class with no answer twice renders
    /// nothing more. An indenting writer, whose whitespace follows the depth, and counterexamples (rare, and not compared)
    /// are written as they come.
    /// </summary>
    void WriteNotedAnswer(AnswerGrade answer, AnswerRenderings renderings)
    {
        if (writer.Options.Indented || answer.Counterexample is not null)
        {
            WriteAnswer(writer, answer);
            return;
        }
        if (!renderings.TryGet(answer, out var json))
        {
            renderings.Note(answer);
            WriteAnswer(writer, answer);
            return;
        }
        if (json is null)
        {
            if (!renderings.HasRoom)
            {
                WriteAnswer(writer, answer);
                return;
            }
            json = renderings.Rendered(answer, RenderAnswer(answer));
        }
        writer.WriteRawValue(json, skipInputValidation: true);
    }

    // A batch's class, noted within this response alone; made at its first answer.
    AnswerRenderings? classAnswers;
    ArrayBufferWriter<byte>? answerScratch;
    Utf8JsonWriter? answerScratchWriter;

    byte[] RenderAnswer(AnswerGrade answer)
    {
        answerScratch ??= new ArrayBufferWriter<byte>(4096);
        answerScratch.ResetWrittenCount();
        answerScratchWriter ??= new Utf8JsonWriter(answerScratch, writer.Options);
        answerScratchWriter.Reset(answerScratch);
        WriteAnswer(answerScratchWriter, answer);
        answerScratchWriter.Flush();
        return answerScratch.WrittenSpan.ToArray();
    }

    /// <summary>An <see cref="AnswerResultResponse"/>.</summary>
    void WriteAnswer(Utf8JsonWriter writer, AnswerGrade answer)
    {
        writer.WriteStartObject();
        writer.WriteString(Names.Path, EncodedPath(answer.Path));
        writer.WriteString(Names.Verdict, VerdictNames.Of(answer.Verdict));
        writer.WritePropertyName(Names.Expected);
        if (answer.Expected is null) writer.WriteNullValue();
        else references.Write(writer, answer.Expected);
        WriteTensorOrNull(writer, Names.Submitted, answer.Submitted);
        writer.WritePropertyName(Names.Elements);
        if (answer.Elements is null) writer.WriteNullValue();
        else ElementMaskJsonConverter.WriteMask(writer, answer.Elements);
        WriteDoubleOrNull(writer, Names.MaxAbsoluteError, answer.MaxAbsoluteError);
        FiniteDoubleConverter.WriteProperty(writer, Names.Points, answer.Points);
        FiniteDoubleConverter.WriteProperty(writer, Names.PointsAwarded, answer.PointsAwarded);
        writer.WriteStartArray(Names.Diagnoses);
        foreach (var diagnosis in answer.Diagnoses) WriteDiagnosis(writer, diagnosis);
        writer.WriteEndArray();
        WriteTensorOrNull(writer, Names.FollowThroughExpected, answer.FollowThroughExpected);
        writer.WriteStartArray(Names.UsedAnswers);
        foreach (var used in answer.UsedAnswers) writer.WriteStringValue(used);
        writer.WriteEndArray();
        writer.WritePropertyName(Names.Tolerance);
        tolerances.Write(writer, answer.Tolerance);
        WriteStringOrNull(writer, Names.Message, answer.Message);
        writer.WritePropertyName(Names.Explanation);
        if (answer.Explanation is { } explanation) explanations.Write(writer, explanation);
        else writer.WriteNullValue();
        WriteStringOrNull(writer, Names.Formula, answer.Formula);
        writer.WritePropertyName(Names.Counterexample);
        if (answer.Counterexample is { } counterexample) WriteCounterexample(writer, counterexample);
        else writer.WriteNullValue();
        writer.WriteEndObject();
    }

    /// <summary>A <see cref="FormulaCounterexampleResponse"/>.</summary>
    static void WriteCounterexample(Utf8JsonWriter writer, FormulaCounterexample counterexample)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(Names.Variables);
        foreach (var (name, value) in counterexample.Variables)
        {
            writer.WritePropertyName(name);
            TrainTraceResult.WriteTensor(writer, value);
        }
        writer.WriteEndObject();
        WriteTensorOrNull(writer, Names.Expected, counterexample.Expected);
        WriteTensorOrNull(writer, Names.Claimed, counterexample.Claimed);
        writer.WriteEndObject();
    }

    /// <summary>A <see cref="DiagnosisResponse"/>.</summary>
    static void WriteDiagnosis(Utf8JsonWriter writer, Diagnosis diagnosis)
    {
        writer.WriteStartObject();
        writer.WriteString(Names.Code, diagnosis.Code);
        writer.WriteString(Names.Message, diagnosis.Message);
        WriteStringOrNull(writer, Names.Convention, diagnosis.Convention);
        writer.WriteEndObject();
    }

    /// <summary>tolerance, partialCredit and followThrough: how every response ends.</summary>
    void WriteRulesApplied(GradingOptions options)
    {
        writer.WritePropertyName(Names.Tolerance);
        WriteToleranceEcho(writer, options.Tolerance);
        writer.WriteString(Names.PartialCredit, GradeMapper.PartialCreditName(options.PartialCredit));
        writer.WriteStartObject(Names.FollowThrough);
        writer.WriteBoolean(Names.Enabled, options.FollowThrough);
        FiniteDoubleConverter.WriteProperty(writer, Names.Penalty, options.Penalty);
        writer.WriteBoolean(Names.AllowDegenerate, options.AllowDegenerate);
        writer.WriteEndObject();
    }

    /// <summary>A <see cref="ToleranceResponse"/>: written from the mapper's echo, so the rule is filled in in one place.</summary>
    static void WriteToleranceEcho(Utf8JsonWriter writer, Tolerance rule)
    {
        var tolerance = GradeMapper.Echo(rule);
        writer.WriteStartObject();
        writer.WriteString(Names.Type, tolerance.Type);
        WriteDoubleOrNull(writer, Names.Relative, tolerance.Relative);
        WriteDoubleOrNull(writer, Names.Absolute, tolerance.Absolute);
        WriteIntOrNull(writer, Names.Decimals, tolerance.Decimals);
        WriteIntOrNull(writer, Names.Figures, tolerance.Figures);
        writer.WriteEndObject();
    }

    /// <summary>A path's <see cref="PathSummaryResponse"/>, keyed by the path.</summary>
    static void WritePathSummary(Utf8JsonWriter writer, PathSummary path)
    {
        writer.WriteStartObject(path.Path);
        writer.WriteNumber(Names.Correct, path.Count(Verdict.Correct));
        writer.WriteNumber(Names.FollowThrough, path.Count(Verdict.FollowThrough));
        writer.WriteNumber(Names.Incorrect, path.Count(Verdict.Incorrect));
        writer.WriteNumber(Names.ShapeMismatch, path.Count(Verdict.ShapeMismatch));
        writer.WriteNumber(Names.UnknownPath, path.Count(Verdict.UnknownPath));
        writer.WriteNumber(Names.NotANumber, path.Count(Verdict.NotANumber));
        writer.WriteNumber(Names.NotEquivalent, path.Count(Verdict.NotEquivalent));
        writer.WriteNumber(Names.NotAFormula, path.Count(Verdict.NotAFormula));
        writer.WriteStartArray(Names.Diagnoses);
        foreach (var (code, count) in path.Diagnoses)
        {
            writer.WriteStartObject();
            writer.WriteString(Names.Code, code);
            writer.WriteNumber(Names.Count, count);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    JsonEncodedText EncodedPath(string path)
    {
        if (paths.TryGetValue(path, out var encoded)) return encoded;
        encoded = JsonEncodedText.Encode(path, writer.Options.Encoder);
        // Paths are a problem's few dozen; a request naming more each time is written as it comes, past the cap, with the same text.
        if (paths.Count < RenderingsKept) paths[path] = encoded;
        return encoded;
    }

    // Doubles through the converter the serializer uses for double and double?: NaN and infinities as strings, -0 as 0.
    static void WriteDoubleOrNull(Utf8JsonWriter writer, JsonEncodedText name, double? value)
    {
        if (value is { } number) FiniteDoubleConverter.WriteProperty(writer, name, number);
        else writer.WriteNull(name);
    }

    static void WriteIntOrNull(Utf8JsonWriter writer, JsonEncodedText name, int? value)
    {
        if (value is { } number) writer.WriteNumber(name, number);
        else writer.WriteNull(name);
    }

    static void WriteStringOrNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null) writer.WriteNull(name);
        else writer.WriteString(name, value);
    }

    static void WriteTensorOrNull(Utf8JsonWriter writer, JsonEncodedText name, Tensor? tensor)
    {
        writer.WritePropertyName(name);
        if (tensor is null) writer.WriteNullValue();
        else TrainTraceResult.WriteTensor(writer, tensor);
    }

    /// <summary>
    /// Tensors holding the same array in the same shape: each answer's expected value is a new tensor over the
    /// recorded reference's array, which the run never writes again, so one array means one rendering.
    /// </summary>
    sealed class SameValues : IEqualityComparer<Tensor>
    {
        public static readonly SameValues Instance = new();

        public bool Equals(Tensor? x, Tensor? y) =>
            ReferenceEquals(x, y) || x is not null && y is not null && ReferenceEquals(x.Data, y.Data) && x.Shape.AsSpan().SequenceEqual(y.Shape);

        // Not RuntimeHelpers.GetHashCode of the array: on a batch's 20,000 answers that call was a quarter of the writing
        // (an object's identity hash is a call into the runtime). The array's length and first value are as much the
        // same array's every time, and differ between most references of a problem.
        public int GetHashCode(Tensor tensor) =>
            HashCode.Combine(tensor.Rank, tensor.Data.Length, tensor.Data.Length == 0 ? 0 : tensor.Data[0]);
    }

    /// <summary>
    /// Answers whose every written field is the same (the numbers bit for bit), so they write the same bytes. Compared
    /// field by field, not as records: a record compares tensors and lists by reference. Answers with a counterexample
    /// are never compared (<see cref="WriteNotedAnswer"/> writes them as they come).
    /// </summary>
    internal sealed class SameAnswer : IEqualityComparer<AnswerGrade>
    {
        public static readonly SameAnswer Instance = new();

        public bool Equals(AnswerGrade? x, AnswerGrade? y) =>
            ReferenceEquals(x, y) || x is not null && y is not null
            && x.Verdict == y.Verdict && x.Path == y.Path
            && SameTensor(x.Submitted, y.Submitted) && SameTensor(x.Expected, y.Expected)
            && SameBits(x.PointsAwarded, y.PointsAwarded) && SameBits(x.Points, y.Points)
            && (x.MaxAbsoluteError is { } a ? y.MaxAbsoluteError is { } b && SameBits(a, b) : y.MaxAbsoluteError is null)
            && (x.Elements is { } m ? y.Elements is { } n && m.Shape.AsSpan().SequenceEqual(n.Shape) && m.Correct.AsSpan().SequenceEqual(n.Correct) : y.Elements is null)
            && SameTensor(x.FollowThroughExpected, y.FollowThroughExpected)
            && x.Diagnoses.SequenceEqual(y.Diagnoses) && x.UsedAnswers.SequenceEqual(y.UsedAnswers, StringComparer.Ordinal)
            && EqualityComparer<Tolerance>.Default.Equals(x.Tolerance, y.Tolerance)
            && x.Message == y.Message && x.Explanation == y.Explanation && x.Formula == y.Formula
            && x.Counterexample is null && y.Counterexample is null;

        // The path by its length and last characters rather than all of it (string hashing was most of this on a class's
        // 20,000 answers): the submitted number beside it tells a class's answers apart anyway.
        public int GetHashCode(AnswerGrade answer) => HashCode.Combine(PathHash(answer.Path), answer.Verdict, answer.PointsAwarded,
            answer.Submitted is { Data: { Length: > 0 } data } ? BitConverter.DoubleToInt64Bits(data[0]) ^ data.Length : -1);

        static int PathHash(string path) => path.Length < 3 ? path.Length : HashCode.Combine(path.Length, path[^1], path[^3], path[path.Length / 2]);

        static bool SameBits(double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);

        static bool SameTensor(Tensor? x, Tensor? y) =>
            ReferenceEquals(x, y) || x is not null && y is not null && x.Shape.AsSpan().SequenceEqual(y.Shape)
            && (ReferenceEquals(x.Data, y.Data)
                || System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Data.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(y.Data.AsSpan())));
    }

    /// <summary>
    /// The same string object, as ReferenceEqualityComparer says, hashed from its length and a few characters rather
    /// than its identity (a call into the runtime each time, as for <see cref="SameValues"/>): the same object always
    /// hashes alike, and a class's explanations differ in those.
    /// </summary>
    sealed class SameText : IEqualityComparer<string>
    {
        public static readonly SameText Instance = new();

        public bool Equals(string? x, string? y) => ReferenceEquals(x, y);

        public int GetHashCode(string text) => text.Length == 0 ? 0
            : HashCode.Combine(text.Length, text[text.Length / 2], text[^1], text[text.Length / 3], text[2 * text.Length / 3]);
    }

    /// <summary>Each verdict's wire name, encoded once (plain ASCII, so the same under any encoder).</summary>
    static class VerdictNames
    {
        static readonly JsonEncodedText[] Encoded = Enumerable.Range(0, (int)Enum.GetValues<Verdict>().Max() + 1)
            .Select(v => JsonEncodedText.Encode(GradeMapper.VerdictName((Verdict)v))).ToArray();

        public static JsonEncodedText Of(Verdict verdict) => Encoded[(int)verdict];
    }

    /// <summary>Property names, encoded once as the serializer does for a record's; plain ASCII, so the same under any encoder.</summary>
    static class Names
    {
        public static readonly JsonEncodedText Results = JsonEncodedText.Encode("results");
        public static readonly JsonEncodedText Points = JsonEncodedText.Encode("points");
        public static readonly JsonEncodedText PointsAwarded = JsonEncodedText.Encode("pointsAwarded");
        public static readonly JsonEncodedText Tolerance = JsonEncodedText.Encode("tolerance");
        public static readonly JsonEncodedText PartialCredit = JsonEncodedText.Encode("partialCredit");
        public static readonly JsonEncodedText FollowThrough = JsonEncodedText.Encode("followThrough");
        public static readonly JsonEncodedText Summary = JsonEncodedText.Encode("summary");
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
        public static readonly JsonEncodedText Verdict = JsonEncodedText.Encode("verdict");
        public static readonly JsonEncodedText Expected = JsonEncodedText.Encode("expected");
        public static readonly JsonEncodedText Submitted = JsonEncodedText.Encode("submitted");
        public static readonly JsonEncodedText Elements = JsonEncodedText.Encode("elements");
        public static readonly JsonEncodedText MaxAbsoluteError = JsonEncodedText.Encode("maxAbsoluteError");
        public static readonly JsonEncodedText Diagnoses = JsonEncodedText.Encode("diagnoses");
        public static readonly JsonEncodedText FollowThroughExpected = JsonEncodedText.Encode("followThroughExpected");
        public static readonly JsonEncodedText UsedAnswers = JsonEncodedText.Encode("usedAnswers");
        public static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
        public static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
        public static readonly JsonEncodedText Convention = JsonEncodedText.Encode("convention");
        public static readonly JsonEncodedText Count = JsonEncodedText.Encode("count");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText Relative = JsonEncodedText.Encode("relative");
        public static readonly JsonEncodedText Absolute = JsonEncodedText.Encode("absolute");
        public static readonly JsonEncodedText Decimals = JsonEncodedText.Encode("decimals");
        public static readonly JsonEncodedText Figures = JsonEncodedText.Encode("figures");
        public static readonly JsonEncodedText Enabled = JsonEncodedText.Encode("enabled");
        public static readonly JsonEncodedText Penalty = JsonEncodedText.Encode("penalty");
        public static readonly JsonEncodedText AllowDegenerate = JsonEncodedText.Encode("allowDegenerate");
        public static readonly JsonEncodedText Explanation = JsonEncodedText.Encode("explanation");
        public static readonly JsonEncodedText Correct = JsonEncodedText.Encode("correct");
        public static readonly JsonEncodedText Incorrect = JsonEncodedText.Encode("incorrect");
        public static readonly JsonEncodedText ShapeMismatch = JsonEncodedText.Encode("shapeMismatch");
        public static readonly JsonEncodedText UnknownPath = JsonEncodedText.Encode("unknownPath");
        public static readonly JsonEncodedText NotANumber = JsonEncodedText.Encode("notANumber");
        public static readonly JsonEncodedText NotEquivalent = JsonEncodedText.Encode("notEquivalent");
        public static readonly JsonEncodedText NotAFormula = JsonEncodedText.Encode("notAFormula");
        public static readonly JsonEncodedText Formula = JsonEncodedText.Encode("formula");
        public static readonly JsonEncodedText Counterexample = JsonEncodedText.Encode("counterexample");
        public static readonly JsonEncodedText Variables = JsonEncodedText.Encode("variables");
        public static readonly JsonEncodedText Claimed = JsonEncodedText.Encode("claimed");
    }
}

/// <summary>
/// Answers that write alike, noted the first time they are seen and rendered the second (see
/// <see cref="GradeJsonWriter"/>): one response's, for a batch's class, or a kept problem's, shared by the single grades of
/// its class. What one notes is bounded: at most so many answers, holding so many numbers in all, and so many bytes
/// rendered. A kept set-up's outlive their requests, so all three are small (16 set-ups: at most about 64 MB); one
/// response's end with it. Safe for concurrent requests: a rendering, once stored, is only read.
/// </summary>
public sealed class AnswerRenderings
{
    /// <summary>A kept set-up's bounds.</summary>
    public const int KeptAnswers = 4096;
    public const long KeptNumbers = 256 * 1024;
    public const long KeptBytes = 2 * 1024 * 1024;

    readonly System.Collections.Concurrent.ConcurrentDictionary<AnswerGrade, byte[]?> answers = new(GradeJsonWriter.SameAnswer.Instance);
    readonly int maxAnswers;
    readonly long maxNumbers, maxBytes;
    long notedNumbers, renderedBytes;

    AnswerRenderings(int maxAnswers, long maxNumbers, long maxBytes) => (this.maxAnswers, this.maxNumbers, this.maxBytes) = (maxAnswers, maxNumbers, maxBytes);

    /// <summary>A kept set-up's, for the single grades on its problem.</summary>
    public static AnswerRenderings ForKeptSetUp() => new(KeptAnswers, KeptNumbers, KeptBytes);

    /// <summary>One response's (a batch's class): 16,384 answers, whatever they hold, and 4 MB rendered.</summary>
    public static AnswerRenderings ForOneResponse() => new(16 * 1024, long.MaxValue, 4 * 1024 * 1024);

    public int Count => answers.Count;

    /// <summary>True when the answer was seen before; <paramref name="json"/> is its rendering, or null while it has none.</summary>
    public bool TryGet(AnswerGrade answer, out byte[]? json) => answers.TryGetValue(answer, out json);

    public void Note(AnswerGrade answer)
    {
        long numbers = (answer.Submitted?.Length ?? 0) + (answer.Expected?.Length ?? 0) + (answer.FollowThroughExpected?.Length ?? 0)
            + (answer.Elements?.Correct.Length ?? 0) + 1;
        if (answers.Count < maxAnswers && (maxNumbers == long.MaxValue || Interlocked.Add(ref notedNumbers, numbers) <= maxNumbers))
            answers.TryAdd(answer, null);
    }

    /// <summary>Whether a rendering could still be kept: past the bound, answers are written as they come, not rendered.</summary>
    public bool HasRoom => Volatile.Read(ref renderedBytes) < maxBytes;

    /// <summary>Keeps <paramref name="json"/> as the answer's rendering while within the bound, and returns it.</summary>
    public byte[] Rendered(AnswerGrade answer, byte[] json)
    {
        if (Interlocked.Add(ref renderedBytes, json.Length) <= maxBytes) answers[answer] = json;
        return json;
    }
}
