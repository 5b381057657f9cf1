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
    GraderFormat format = GraderFormat.GradApi, IReadOnlyList<string?>? names = null) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
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
        new GradeJsonWriter(writer).WriteGrade(shown, options);
        await held.Complete(writer, context.RequestAborted);
    }

    // The gradescope and prairielearn schemas join it as a oneOf (OpenApi/GraderFormatsFilter.cs).
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        GradeResponseBody.DeclareSchema<GradeResponse>(builder);
}

/// <summary>
/// The /v1/grade/batch response, written with <see cref="GradeJsonWriter"/> from a class already graded and
/// summarized, so nothing can fail once the 200 starts. Sent every <see cref="HeldBody.PieceBytes"/> or so, between
/// submissions, so the response never sits whole in memory (sending from 16 KB to 1 MB at a time made no difference
/// measurable over loopback to a 1000-submission batch). Declares <see cref="GradeBatchResponse"/> as its schema.
/// </summary>
public sealed class GradeBatchResult : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    readonly IReadOnlyList<string> ids;
    readonly IReadOnlyList<SubmissionGrade> grades;
    readonly IReadOnlyList<PathSummary> summary;
    readonly GradingOptions options;
    readonly Reveal reveal;
    readonly GraderFormat format;
    readonly IReadOnlyList<IReadOnlyList<string?>> names;

    public GradeBatchResult(IReadOnlyList<string> ids, IReadOnlyList<SubmissionGrade> grades, GradingOptions options, Reveal reveal = Reveal.All,
        GraderFormat format = GraderFormat.GradApi, IReadOnlyList<IReadOnlyList<string?>>? names = null)
    {
        // Checked and summarized here, in the handler, so the response is complete before its first byte is sent.
        if (ids.Count != grades.Count) throw new ArgumentException($"{ids.Count} ids for {grades.Count} submissions", nameof(ids));
        this.ids = ids;
        this.grades = grades;
        this.options = options;
        this.reveal = reveal;
        this.format = format;
        this.names = names ?? [];
        summary = PathSummary.Of(grades);
    }

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext context)
    {
        if (format != GraderFormat.GradApi)
        {
            var shown = GradeResponseBody.Shown(context, reveal);
            await GraderFormatBodies.WriteBatch(context, format, ids, shown == Reveal.Verdicts ? grades.Select(VerdictsOnly.Of).ToArray() : grades,
                names, shown);
            return;
        }
        GradeResponseBody.Start(context);
        var cancel = context.RequestAborted;
        using var held = new HeldBody(context.Response);
        await using var writer = new Utf8JsonWriter(held, GradeResponseBody.WriterOptions(context));
        var json = new GradeJsonWriter(writer);
        // The summary holds counts and codes only, so it is the same either way.
        bool verdictsOnly = GradeResponseBody.Shown(context, reveal) == Reveal.Verdicts;

        json.WriteBatchOpening();
        for (int i = 0; i < grades.Count; i++)
        {
            json.WriteSubmission(ids[i], verdictsOnly ? VerdictsOnly.Of(grades[i]) : grades[i]);
            // The client left: close the connection rather than end the body as if complete.
            if (await held.SendIfFull(writer, cancel) && cancel.IsCancellationRequested)
            {
                context.Abort();
                return;
            }
        }
        json.WriteBatchClosing(summary, options);
        await held.Complete(writer, cancel);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        GradeResponseBody.DeclareSchema<GradeBatchResponse>(builder);
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
