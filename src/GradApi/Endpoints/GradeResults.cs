using System.Reflection;
using System.Text.Json;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace GradApi.Endpoints;

/// <summary>
/// The /v1/grade response, written with <see cref="GradeJsonWriter"/> from a submission already graded, so
/// nothing can fail once the 200 starts. Declares <see cref="GradeResponse"/> as its schema, as Ok&lt;GradeResponse&gt; did.
/// A student's key, or reveal: verdicts, writes it without reference numbers.
/// </summary>
public sealed class GradeResult(SubmissionGrade grade, GradingOptions options, Reveal reveal = Reveal.All,
    GraderFormat format = GraderFormat.GradApi, IReadOnlyList<string?>? names = null, AnswerRenderings? shared = null)
    : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext context)
    {
        var revealed = GradeResponseBody.Shown(context, reveal);
        var shown = revealed == Reveal.Verdicts ? VerdictsOnly.Of(grade) : grade;
        if (format != GraderFormat.GradApi)
        {
            await GraderFormatBodies.WriteGrade(context, format, shown, names ?? [], revealed);
            return;
        }
        GradeResponseBody.Start(context);
        using var held = new HeldBody(context.Response);
        await using var writer = new Utf8JsonWriter(held, GradeResponseBody.WriterOptions(context));
        new GradeJsonWriter(writer, shared).WriteGrade(shown, options);
        await held.Complete(writer, context.RequestAborted);
    }

    // The gradescope and prairielearn schemas join it as a oneOf (OpenApi/GraderFormatsFilter.cs).
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        GradeResponseBody.DeclareSchema<GradeResponse>(builder);
}

/// <summary>
/// The /v1/grade/batch response, written with <see cref="GradeJsonWriter"/> and sent every <see cref="HeldBody.PieceBytes"/>
/// or so, between submissions, so the response never sits whole in memory (sending from 16 KB to 1 MB at a time made no
/// difference measurable over loopback to a 1000-submission batch). Declares <see cref="GradeBatchResponse"/> as its schema.
/// <para>A class of a /v1/train problem (<see cref="WrittenWhileGraded"/>) is graded in order, <see cref="Block"/> submissions
/// at a time, on one thread of the pool (<see cref="GradedAhead"/>) while the response writes the blocks already graded:
/// the client reads the first results while the rest are graded, where grading every submission first left it waiting,
/// then the whole 12 MB to read (a 1000-student batch: about a third of its time). As a trace does, a batch stopped by
/// the deadline once it is being sent closes the connection; before the first piece it is answered 503. Other problems,
/// and the graders' formats, are graded first and written after.</para>
/// </summary>
public sealed class GradeBatchResult : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    /// <summary>Submissions graded ahead as one, the unit the response waits for: a few hundred KB of answer, a millisecond of grading.</summary>
    public const int Block = 50;

    readonly IReadOnlyList<string> ids;
    readonly IReadOnlyList<SubmissionGrade>? graded;
    readonly GradingSession? session;
    readonly IReadOnlyList<IReadOnlyList<Answer>> submissions = [];
    readonly GradingOptions options;
    readonly Reveal reveal;
    readonly GraderFormat format;
    readonly IReadOnlyList<IReadOnlyList<string?>> names;

    /// <summary>A class already graded (one per id, in order).</summary>
    public GradeBatchResult(IReadOnlyList<string> ids, IReadOnlyList<SubmissionGrade> grades, GradingOptions options, Reveal reveal = Reveal.All,
        GraderFormat format = GraderFormat.GradApi, IReadOnlyList<IReadOnlyList<string?>>? names = null)
        : this(ids, options, reveal, format, names)
    {
        if (ids.Count != grades.Count) throw new ArgumentException($"{ids.Count} ids for {grades.Count} submissions", nameof(ids));
        graded = grades;
    }

    GradeBatchResult(IReadOnlyList<string> ids, GradingSession session, IReadOnlyList<IReadOnlyList<Answer>> submissions, GradingOptions options,
        Reveal reveal, GraderFormat format, IReadOnlyList<IReadOnlyList<string?>>? names)
        : this(ids, options, reveal, format, names)
    {
        if (ids.Count != submissions.Count) throw new ArgumentException($"{ids.Count} ids for {submissions.Count} submissions", nameof(ids));
        this.session = session;
        this.submissions = submissions;
    }

    GradeBatchResult(IReadOnlyList<string> ids, GradingOptions options, Reveal reveal, GraderFormat format, IReadOnlyList<IReadOnlyList<string?>>? names)
    {
        this.ids = ids;
        this.options = options;
        this.reveal = reveal;
        this.format = format;
        this.names = names ?? [];
    }

    /// <summary>A class graded by <paramref name="session"/> a block at a time while its response is written.</summary>
    public static GradeBatchResult WrittenWhileGraded(IReadOnlyList<string> ids, GradingSession session, IReadOnlyList<IReadOnlyList<Answer>> submissions,
        GradingOptions options, Reveal reveal = Reveal.All, GraderFormat format = GraderFormat.GradApi, IReadOnlyList<IReadOnlyList<string?>>? names = null) =>
        new(ids, session, submissions, options, reveal, format, names);

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext context)
    {
        var shown = GradeResponseBody.Shown(context, reveal);
        if (format != GraderFormat.GradApi)
        {
            var all = graded ?? session!.GradeAll(submissions);
            await GraderFormatBodies.WriteBatch(context, format, ids, shown == Reveal.Verdicts ? all.Select(VerdictsOnly.Of).ToArray() : all, names, shown);
            return;
        }
        GradeResponseBody.Start(context);
        var cancel = context.RequestAborted;
        using var held = new HeldBody(context.Response);
        await using var writer = new Utf8JsonWriter(held, GradeResponseBody.WriterOptions(context));
        var json = new GradeJsonWriter(writer);
        // The summary holds counts and codes only, so it is the same either way.
        bool verdictsOnly = shown == Reveal.Verdicts;
        var grades = graded as SubmissionGrade[] ?? graded?.ToArray() ?? new SubmissionGrade[ids.Count];

        json.WriteBatchOpening();
        await using var ahead = session is null ? null : new GradedAhead(session, submissions, grades);
        for (int start = 0; start < grades.Length; start += Block)
        {
            int end = Math.Min(start + Block, grades.Length);
            if (ahead is not null) await ahead.Graded(start / Block);
            for (int i = start; i < end; i++)
            {
                json.WriteSubmission(ids[i], verdictsOnly ? VerdictsOnly.Of(grades[i]) : grades[i]);
                // The client left: close the connection rather than end the body as if complete.
                if (await held.SendIfFull(writer, cancel) && cancel.IsCancellationRequested)
                {
                    context.Abort();
                    return;
                }
            }
        }
        json.WriteBatchClosing(PathSummary.Of(grades), options);
        await held.Complete(writer, cancel);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        GradeResponseBody.DeclareSchema<GradeBatchResponse>(builder);
}

/// <summary>
/// A class graded in order on one thread of the pool, a block of <see cref="GradeBatchResult.Block"/> submissions at a
/// time, ahead of the response that writes them. Grading each block on every core before writing it cost a hand-off
/// per block, and left the second core idle while the first wrote: the 1000-sheet batch's median went from 64.2 and 55.1 ms
/// to 58.3 and 52.2 (two runs of 50, alternating with that build). One thread grades, one writes, as a heavy request's one
/// slot and the socket's sending allow. A sheet identical to an earlier one takes its grade (<see cref="IdenticalSheets"/>):
/// the load script's class of 1000 holds 21 different sheets, and its grading went from about 24 ms to 2. Disposing stops
/// the grading between two submissions and waits for it, so no work outlives the request.
/// </summary>
sealed class GradedAhead : IAsyncDisposable
{
    readonly TaskCompletionSource[] _blocks;
    readonly Task _grading;
    volatile bool _stopped;

    public GradedAhead(GradingSession session, IReadOnlyList<IReadOnlyList<Answer>> submissions, SubmissionGrade[] grades)
    {
        _blocks = new TaskCompletionSource[(grades.Length + GradeBatchResult.Block - 1) / GradeBatchResult.Block];
        for (int b = 0; b < _blocks.Length; b++) _blocks[b] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _grading = Task.Run(() => Grade(session, submissions, grades));
    }

    /// <summary>Completes once block <paramref name="block"/> is graded; fails as its grading failed (the deadline's cancellation included).</summary>
    public Task Graded(int block) => _blocks[block].Task;

    void Grade(GradingSession session, IReadOnlyList<IReadOnlyList<Answer>> submissions, SubmissionGrade[] grades)
    {
        int b = 0;
        try
        {
            int[] first = IdenticalSheets.FirstOfEach(submissions);
            for (; b < _blocks.Length; b++)
            {
                int end = Math.Min((b + 1) * GradeBatchResult.Block, grades.Length);
                for (int s = b * GradeBatchResult.Block; s < end; s++)
                {
                    if (_stopped) return;
                    // The first of identical sheets is never later, so its grade is already here.
                    grades[s] = first[s] == s ? session.Grade(submissions[s]) : grades[first[s]];
                }
                _blocks[b].SetResult();
            }
        }
        catch (Exception failure)
        {
            for (; b < _blocks.Length; b++) _blocks[b].TrySetException(failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        await _grading;
        // A block the response never waited for may hold a failure no one observes: that is the request's end, not an error.
        foreach (var block in _blocks) _ = block.Task.Exception;
    }
}

/// <summary>What the two grading results share: the status and type they start with, the writer settings, the schema they declare.</summary>
static class GradeResponseBody
{
    /// <summary>What the response may show: what the request asked for, and never more than the caller's key allows.</summary>
    public static Reveal Shown(HttpContext context, Reveal requested) =>
        Access.ApiKeys.SeesReferences(context) ? requested : Reveal.Verdicts;

    /// <summary>The status and content type Ok&lt;T&gt; set.</summary>
    public static void Start(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
    }

    /// <summary>The writer settings of the app's JSON options, which the serializer used for these responses before.</summary>
    public static JsonWriterOptions WriterOptions(HttpContext context) =>
        GradeJsonWriter.WriterOptionsFor(context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);

    /// <summary>The 200 metadata Ok&lt;T&gt; declared, so the OpenAPI document still shows the record as the schema.</summary>
    public static void DeclareSchema<TResponse>(EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TResponse), ["application/json"]));
}
