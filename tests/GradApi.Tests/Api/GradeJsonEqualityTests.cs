using System.Text;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using GradApi.Endpoints;
using GradApi.Tests.Grading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GradApi.Tests.Api;

/// <summary>
/// The grading results are written with a Utf8JsonWriter, not by serializing the response records; the records
/// remain the documented schema. These tests hold the two to the same bytes: the records through the app's own
/// JsonSerializerOptions (its encoder and converters) against GradeResult / GradeBatchResult run as the endpoint runs them.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GradeJsonEqualityTests(GradApiFactory factory)
{
    static readonly Tolerance Decimals4 = new(ToleranceKind.Decimals, Decimals: 4);
    static readonly Tolerance SignificantFigures3 = new(ToleranceKind.SignificantFigures, Figures: 3);
    static readonly Tolerance AbsoluteNegativeZero = new(ToleranceKind.Absolute, Absolute: -0.0);
    static readonly Tolerance RelativeTiny = new(ToleranceKind.Relative, 1e-5, 1e-300);

    // One recorded reference behind several answers' expected values, as a grading session shares it: written once
    // and copied after, in each shape it is given ([2][3] twice, [3][2] once), where other tensors are new every time.
    static readonly double[] SharedReference = [0.331812227831834, 0.52497918747894, -0.0, double.NaN, 1, 2];

    // ---- a submission that touches every field and every way a value is written ----

    static AnswerGrade Scalar() => new(
        "/iterations/0/loss/value", Verdict.Correct, Tensor.Scalar(0.5), Tensor.Scalar(-0.0), new ElementMask([], [true]),
        MaxAbsoluteError: 1e-05, Points: 1, PointsAwarded: 1, Diagnoses: [], FollowThroughExpected: null, UsedAnswers: [],
        Tolerance.Default, Message: null);

    static AnswerGrade Vector() => new(
        "/iterations/0/backward/layers/1/biasGradient", Verdict.FollowThrough,
        Tensor.Vector(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1, 1e-05, 123456789012345680000.0, 5e-324),
        Tensor.Vector(double.NaN, 1, 2, 3, 4, 5, 6, 7), new ElementMask([8], [true, false, true, false, true, true, false, true]),
        MaxAbsoluteError: double.PositiveInfinity, Points: 2.5, PointsAwarded: 0.3333333333333333,
        Diagnoses: [], FollowThroughExpected: Tensor.Vector(-0.0, 0.1 + 0.2, -1.5, 1e21, 1e-7, double.MaxValue, double.Epsilon, -2),
        UsedAnswers: ["/iterations/0/forward/layers/1/a", "/iterations/0/loss/value"], Decimals4,
        Message: "Wrong against the reference, right given your own earlier answers (/iterations/0/forward/layers/1/a, /iterations/0/loss/value).");

    static AnswerGrade Batched() => new(
        "/iterations/0/forward/layers/0/a", Verdict.Incorrect,
        new Tensor([2, 3], SharedReference),
        new Tensor([2, 3], [0.3318, 0.525, 0, 0, 1, 2]), new ElementMask([2, 3], [true, true, true, false, true, true]),
        MaxAbsoluteError: double.NaN, Points: 1, PointsAwarded: 0,
        Diagnoses:
        [
            new("other_convention", "Your velocity matches PyTorch's v = g, not heavy-ball's v = -η g.", "momentum pytorch"),
            new("missing_activation_derivative", "delta = dJ/da × σ'(z): the factor σ'(z) is missing.", null),
        ],
        FollowThroughExpected: null, UsedAnswers: [], SignificantFigures3, Message: null);

    static AnswerGrade Jacobians() => new(
        "/iterations/0/forward/layers/1/activationDerivative", Verdict.Incorrect,
        new Tensor([2, 2, 2], [1, -0.0, 0, 1, 0.25, -0.125, -0.125, 0.25]),
        new Tensor([2, 2, 2], [1, 0, 0, 1, 0.25, 0.125, 0.125, 0.25]), new ElementMask([2, 2, 2], [true, true, true, true, true, false, false, true]),
        MaxAbsoluteError: 0.25, Points: 1e-05, PointsAwarded: -0.0,
        Diagnoses: [new("sign_flipped", "Quotes \"like this\", a backslash \\, a tab\t, <html> & 'apostrophes' + 🙂.", null)],
        FollowThroughExpected: null, UsedAnswers: [], AbsoluteNegativeZero, Message: null);

    static AnswerGrade Mismatched() => new(
        "/iterations/0/backward/layers/0/weightGradient", Verdict.ShapeMismatch,
        new Tensor([2, 3], SharedReference), new Tensor([3, 2], [1, 4, 2, 5, 3, 6]), Elements: null,
        MaxAbsoluteError: null, Points: 1, PointsAwarded: 0,
        Diagnoses: [new("transposed", "Your matrix is the transpose: [in][out] instead of [out][in].")],
        FollowThroughExpected: null, UsedAnswers: [], RelativeTiny, Message: "expected [2][3], got [3][2]");

    static AnswerGrade UnknownPath() => new(
        "/iterations/9/forward/layers/0/z", Verdict.UnknownPath, null, null, null, null, 1, 0, [], null, [], Tolerance.Default,
        "/iterations/9/forward/layers/0/z: the run has 2 iterations");

    static AnswerGrade NotANumber() => new(
        "/iterations/0/forward/layers/1/z", Verdict.NotANumber, new Tensor([3, 2], SharedReference), null, null, null, 1, 0, [], null, [], Decimals4,
        "value: \"abc\" is not a number");

    static SubmissionGrade EveryField() =>
        new([Scalar(), Vector(), Batched(), Jacobians(), Mismatched(), UnknownPath(), NotANumber()]);

    static readonly GradingOptions[] OptionsToTry =
    [
        GradingOptions.Default,
        new(Decimals4, PartialCredit.AllOrNothing, FollowThrough: false, Penalty: 0.25),
        new(AbsoluteNegativeZero, PartialCredit.Proportional, FollowThrough: true, Penalty: -0.0),
        new(SignificantFigures3, Penalty: 1e-05),
    ];

    public static TheoryData<int> OptionIndices => new(Enumerable.Range(0, OptionsToTry.Length));

    [Theory]
    [MemberData(nameof(OptionIndices))]
    public async Task ASingleGradeIsWrittenByteForByteAsTheRecordSerializes(int optionsIndex)
    {
        var options = OptionsToTry[optionsIndex];
        var grade = EveryField();

        byte[] records = JsonSerializer.SerializeToUtf8Bytes(GradeMapper.ToResponse(grade, options), factory.AppJsonOptions);
        var (written, context) = await Execute(new GradeResult(grade, options));

        AssertSameBytes(records, written);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
    }

    [Fact]
    public async Task AnEmptySubmissionIsWrittenAsTheRecordSerializes()
    {
        var grade = new SubmissionGrade([]);
        byte[] records = JsonSerializer.SerializeToUtf8Bytes(GradeMapper.ToResponse(grade, GradingOptions.Default), factory.AppJsonOptions);
        var (written, _) = await Execute(new GradeResult(grade, GradingOptions.Default));
        AssertSameBytes(records, written);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    // Enough submissions (hundreds of KB) that the batch is sent in many flushes, each at a submission's end, and
    // that the tensors made new for each student outnumber what GradeJsonWriter keeps rendered.
    [InlineData(300)]
    public async Task ABatchIsWrittenByteForByteAsTheRecordSerializes(int students)
    {
        var options = OptionsToTry[1];
        var (ids, grades) = Class(students);

        byte[] records = JsonSerializer.SerializeToUtf8Bytes(GradeMapper.ToResponse(ids, grades, options), factory.AppJsonOptions);
        var (written, context) = await Execute(new GradeBatchResult(ids, grades, options));

        AssertSameBytes(records, written);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        if (students == 300) Assert.True(written.Length > 4 * HeldBody.PieceBytes, $"only {written.Length} bytes: too few to flush often");
    }

    [Fact]
    public async Task ABatchGradedBlockByBlockWhileItIsWrittenIsWrittenAsTheRecordsOfTheClassGradedFirst()
    {
        // More than three blocks, right sheets and slips (followed through, diagnosed) at places that straddle the blocks' ends.
        int students = 3 * GradeBatchResult.Block + 7;
        var problem = GradingProblems.Contract();
        var submissions = Enumerable.Range(0, students).Select(s => (IReadOnlyList<Answer>)
        [
            GradingProblems.Answer("/iterations/0/forward/layers/0/a", 0.3318, s % 3 == 0 ? -0.5250 : 0.5250),
            GradingProblems.Answer("/iterations/0/forward/layers/1/a", 0.4739),
            GradingProblems.Answer("/iterations/0/backward/layers/1/delta", s % 7 == 0 ? 0.1311 : -0.1311),
        ]).ToArray();
        var ids = Enumerable.Range(0, students).Select(s => $"s{s:000}").ToArray();
        var options = OptionsToTry[1];
        var paths = submissions.SelectMany(answers => answers.Select(a => a.Path)).Distinct().ToArray();
        var graded = new GradingSession(problem, options, paths).GradeAll(submissions);
        Assert.Contains(graded, g => g.Results.Any(r => r.Verdict != Verdict.Correct));

        byte[] records = JsonSerializer.SerializeToUtf8Bytes(GradeMapper.ToResponse(ids, graded, options), factory.AppJsonOptions);
        var (written, context) = await Execute(GradeBatchResult.WrittenWhileGraded(ids, new GradingSession(problem, options, paths), submissions, options));

        AssertSameBytes(records, written);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
    }

    [Fact]
    public async Task ABatchWhoseWorkIsCancelledWhileItIsGradedEndsWithTheCancellation()
    {
        int students = 3 * GradeBatchResult.Block;
        var problem = GradingProblems.Contract();
        var submissions = Enumerable.Range(0, students).Select(s => (IReadOnlyList<Answer>)
            [GradingProblems.Answer("/iterations/0/forward/layers/0/a", 0.3318, s % 3 == 0 ? -0.5250 : 0.5250)]).ToArray();
        var ids = Enumerable.Range(0, students).Select(s => $"s{s:000}").ToArray();
        var paths = submissions.SelectMany(answers => answers.Select(a => a.Path)).Distinct().ToArray();
        using var stop = new CancellationTokenSource();
        var session = new GradingSession(problem, OptionsToTry[1], paths, stop.Token);
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Execute(GradeBatchResult.WrittenWhileGraded(ids, session, submissions, OptionsToTry[1])));
    }

    [Fact]
    public async Task WithRevealVerdictsAGradeIsWrittenAsTheRecordsOfTheGradeWithoutReferences()
    {
        var grade = EveryField();
        byte[] records = JsonSerializer.SerializeToUtf8Bytes(GradeMapper.ToResponse(VerdictsOnly.Of(grade), GradingOptions.Default), factory.AppJsonOptions);
        var (written, _) = await Execute(new GradeResult(grade, GradingOptions.Default, Reveal.Verdicts));
        AssertSameBytes(records, written);

        using var document = JsonDocument.Parse(written);
        foreach (var result in document.RootElement.GetProperty("results").EnumerateArray())
            foreach (string field in new[] { "expected", "followThroughExpected", "maxAbsoluteError" })
                Assert.Equal(JsonValueKind.Null, result.GetProperty(field).ValueKind);
    }

    [Fact]
    public async Task WithRevealVerdictsABatchIsWrittenAsTheRecordsOfTheGradesWithoutReferences()
    {
        var (ids, grades) = Class(7);
        byte[] records = JsonSerializer.SerializeToUtf8Bytes(
            GradeMapper.ToResponse(ids, grades.Select(VerdictsOnly.Of).ToArray(), OptionsToTry[1]), factory.AppJsonOptions);
        var (written, _) = await Execute(new GradeBatchResult(ids, grades, OptionsToTry[1], Reveal.Verdicts));
        AssertSameBytes(records, written);
    }

    [Fact]
    public async Task TheSummaryListsSeveralPathsInTheOrderTheyFirstAppearWithTheirTopDiagnoses()
    {
        var (ids, grades) = Class(12);
        var (written, _) = await Execute(new GradeBatchResult(ids, grades, GradingOptions.Default));

        using var document = JsonDocument.Parse(written);
        var paths = document.RootElement.GetProperty("summary").EnumerateObject().Select(p => p.Name).ToArray();
        // Submission 0 starts with the unknown path and the shape mismatch (see Class), then the rest in EveryField's order.
        string[] expected =
        [
            UnknownPath().Path, Mismatched().Path, Scalar().Path, Vector().Path, Batched().Path, Jacobians().Path, NotANumber().Path,
            "/paths/with \"quotes\" and σ",
        ];
        Assert.Equal(expected, paths);
        var batched = document.RootElement.GetProperty("summary").GetProperty(Batched().Path);
        Assert.Equal(12, batched.GetProperty("incorrect").GetInt32());
        string[] codes = ["missing_activation_derivative", "other_convention"];
        Assert.Equal(codes, batched.GetProperty("diagnoses").EnumerateArray().Select(d => d.GetProperty("code").GetString()!).ToArray());
    }

    [Fact]
    public void AnIndentingWriterIndentsEveryValueAsTheSerializerDoes()
    {
        // Repeated values are copied only when unindented; indented, they are written afresh at their own depth.
        var indented = new JsonSerializerOptions(factory.AppJsonOptions) { WriteIndented = true };
        var (ids, grades) = Class(3);

        byte[] records = JsonSerializer.SerializeToUtf8Bytes(GradeMapper.ToResponse(ids, grades, GradingOptions.Default), indented);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, GradeJsonWriter.WriterOptionsFor(indented)))
        {
            var json = new GradeJsonWriter(writer);
            json.WriteBatchOpening();
            for (int i = 0; i < grades.Length; i++) json.WriteSubmission(ids[i], grades[i]);
            json.WriteBatchClosing(PathSummary.Of(grades), GradingOptions.Default);
        }

        AssertSameBytes(records, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void IdsAndGradesOfDifferentLengthsAreRefusedBeforeAnyByteIsWritten() =>
        Assert.Throws<ArgumentException>(() => new GradeBatchResult(["a", "b"], [EveryField()], GradingOptions.Default));

    /// <summary>
    /// A class where answers come in different orders (so the summary's path order is the order of first appearance
    /// across submissions) and one odd path is a summary key that the encoder must escape.
    /// </summary>
    static (string[] Ids, SubmissionGrade[] Grades) Class(int students)
    {
        var ids = new string[students];
        var grades = new SubmissionGrade[students];
        for (int s = 0; s < students; s++)
        {
            ids[s] = s % 5 == 4 ? $"student \"{s}\" — é" : $"s{s:0000}";
            var answers = EveryField().Results.ToList();
            if (s == 0) answers = [answers[5], answers[4], .. answers.Take(4), answers[6]];
            if (s % 2 == 1)
                answers.Add(UnknownPath() with { Path = "/paths/with \"quotes\" and σ" });
            grades[s] = new SubmissionGrade(answers);
        }
        return (ids, grades);
    }

    /// <summary>Runs the result as the endpoint does, against the app's services, and returns the bytes it wrote.</summary>
    async Task<(byte[] Body, HttpContext Context)> Execute(IResult result)
    {
        using var scope = factory.Services.CreateScope();
        var body = new MemoryStream();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        await context.Response.BodyWriter.CompleteAsync();
        return (body.ToArray(), context);
    }

    static void AssertSameBytes(byte[] expected, byte[] actual)
    {
        if (expected.AsSpan().SequenceEqual(actual)) return;
        int at = expected.AsSpan().CommonPrefixLength(actual);
        Assert.Fail($"the bytes differ at {at} of {expected.Length} / {actual.Length}:\n" +
            $"records: ...{Around(expected, at)}...\nwriter:  ...{Around(actual, at)}...");
    }

    static string Around(byte[] bytes, int at)
    {
        int from = Math.Max(0, at - 80);
        return Encoding.UTF8.GetString(bytes, from, Math.Min(bytes.Length, at + 80) - from);
    }
}
