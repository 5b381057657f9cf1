using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Limits;
using GradApi.OpenApi;
using GradApi.Operations;
using GradApi.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradApi.Endpoints;

/// <summary>
/// POST /v1/grade: mark a student's numbers against the trace of a /v1/train problem.
/// POST /v1/grade/batch: mark a class's submissions to one problem, with a summary per path.
/// </summary>
public static class GradingEndpoints
{
    public static IEndpointRouteBuilder MapGrading(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<ServiceLimits>();
        var group = app.MapGroup("/v1").WithTags("Grading").WithDeadline();

        group.MapPost("/grade", Grade)
            .Validate<GradeRequest>()
            .WithName("Grade")
            .WithSummary("Grade a student's numbers against the /v1/train trace, with follow-through and diagnosed mistakes")
            .WithDescription(GradingText.Grade(limits))
            .WithReferenceExamples("grade");

        group.MapPost("/grade/batch", GradeBatch)
            .Validate<GradeBatchRequest>()
            .WithName("GradeBatch")
            .WithSummary("Grade a class's submissions to one problem, with a summary of verdicts and diagnoses per path")
            .WithDescription(GradingText.Batch(limits))
            .WithReferenceExamples("grade-batch");

        return app;
    }

    static GradeResult Grade(GradeRequest request, HttpContext context)
    {
        var reveal = GradeResponseBody.Shown(context, VerdictsOnly.Parse(request.Reveal));
        var options = GradeMapper.ToOptions(request.Tolerance, request.PartialCredit, request.FollowThrough, reveal);
        var answers = GradeMapper.ToAnswers(request.Answers!);
        var problem = context.ValidatedInput<GradedProblem>();
        var format = GraderFormats.Parse(request.Format);
        var names = request.Answers!.Select(a => a.Name).ToArray();
        if (problem.Named is { } named)
            return new GradeResult(ComputedGradingOf(named, options, context, answers, "answers").Grade(answers), options, reveal, format, names);
        var (session, kept) = SessionFor(problem, options, answers, context);
        return new GradeResult(session.Grade(answers), options, reveal, format, names, kept?.Answers);
    }

    // A light problem's set-up is kept for the class's next sheet (its mistake runs then cannot be cancelled, which only
    // light work can afford), with the answers its responses render; any other is made for this request alone.
    static (GradingSession Session, Grading.GradingSetUps.Kept? Kept) SessionFor(GradedProblem problem, GradingOptions options,
        IReadOnlyList<Answer> answers, HttpContext context)
    {
        var cancel = context.WorkCancellation();
        if (problem.SetUp is { Found: { } found }) return (new GradingSession(found.SetUp, options, cancel), found);
        if (problem.SetUp is { } slot && context.Features.Get<RequestPrice>() is { } price
            && price.Share <= Math.Min(Grading.GradingSetUps.MaxWorkShare, context.RequestServices.GetRequiredService<OperationsOptions>().LightWorkShare))
        {
            var kept = context.RequestServices.GetRequiredService<Grading.GradingSetUps>().Keep(slot.Key, problem.Train!, slot.ProblemWork, price.WorkUnits, cancel);
            return (new GradingSession(kept.SetUp, options, cancel), kept);
        }
        return (new GradingSession(problem.Train!.ToProblem(), options, answers.Select(a => a.Path), cancel), null);
    }

    static GradeBatchResult GradeBatch(GradeBatchRequest request, HttpContext context)
    {
        var reveal = GradeResponseBody.Shown(context, VerdictsOnly.Parse(request.Reveal));
        var options = GradeMapper.ToOptions(request.Tolerance, request.PartialCredit, request.FollowThrough, reveal);
        var submissions = request.Submissions!.Select(s => GradeMapper.ToAnswers(s.Answers!)).ToArray();
        var ids = request.Submissions!.Select(s => s.Id!).ToArray();
        var problem = context.ValidatedInput<GradedProblem>();
        var format = GraderFormats.Parse(request.Format);
        // The answers' names are for the gradescope and prairielearn formats only.
        var names = format == GraderFormat.GradApi ? null
            : request.Submissions!.Select(s => (IReadOnlyList<string?>)s.Answers!.Select(a => a.Name).ToArray()).ToArray();
        if (problem.Named is { } named)
            return new GradeBatchResult(ids, ComputedGradingOf(named, options, context, submissions.SelectMany(s => s), "submissions").GradeAll(submissions),
                options, reveal, format, names);
        // One session for the class: the reference and diagnosis runs are made once, for every path any submission asks about.
        var session = new GradingSession(problem.Train!.ToProblem(), options, ClassPaths(submissions), context.WorkCancellation());
        return GradeBatchResult.WrittenWhileGraded(ids, session, submissions, options, reveal, format, names);
    }

    // The class's distinct paths, in the order they first appear, each looked up by the string at its position in the
    // submission before (the reader makes a batch's repeated paths one string) rather than hashed 20,000 times.
    static IReadOnlyList<string> ClassPaths(Answer[][] submissions)
    {
        var paths = new PathTable<string>(path => path);
        foreach (var answers in submissions)
            for (int i = 0; i < answers.Length; i++) paths.Get(i, answers[i].Path);
        return paths.InOrder;
    }

    // Another endpoint's problem: its handler's response, once for the class, and answers resolved into it by JSON Pointer.
    // The numbers echoed are counted once the response is known (4 per element answered, 40 per answer, as for /v1/train).
    static ComputedGrading ComputedGradingOf(Grading.CheckedProblem named, GradingOptions options, HttpContext context,
        IEnumerable<Answer> answers, string answersPath)
    {
        var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var limits = context.RequestServices.GetRequiredService<ServiceLimits>();
        var cancel = context.WorkCancellation();
        var computed = named.Endpoint.Run(named, context, json);
        var references = new Grading.ResponseReferences(computed);
        long values = answers.Sum(a => GradingPrice.ValuesPerElement * (long)ElementsAt(references.At(a.Path)) + GradingPrice.ExplanationValues);
        if (values > limits.MaxResponseValues)
            throw new Errors.LimitExceededException(answersPath, $"the results would echo {values} numbers, above the limit maxResponseValues " +
                $"{limits.MaxResponseValues} ({GradingPrice.ValuesPerElement} per element each answer addresses, {GradingPrice.ExplanationValues} per answer); grade fewer or smaller values");
        var trajectories = computed.Trajectories;
        return new ComputedGrading(options, references.At,
            trajectories is null ? null : submission => trajectories.For(submission, cancel),
            trajectories is null ? null : trajectories.Neighbours,
            trajectories is null ? null : trajectories.Given,
            cancel);
    }

    static int ElementsAt(ReferenceAt at) => at switch
    {
        NumbersAt n => n.Value.Length,
        FunctionAt { Value: { } v } => v.Length,
        _ => 1,
    };
}
