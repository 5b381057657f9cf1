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
        var session = new GradingSession(request.Problem!.ToProblem(), options, answers.Select(a => a.Path), context.WorkCancellation());
        return new GradeResult(session.Grade(answers), options, reveal, GraderFormats.Parse(request.Format),
            request.Answers!.Select(a => a.Name).ToArray());
    }

    static GradeBatchResult GradeBatch(GradeBatchRequest request, HttpContext context)
    {
        var reveal = GradeResponseBody.Shown(context, VerdictsOnly.Parse(request.Reveal));
        var options = GradeMapper.ToOptions(request.Tolerance, request.PartialCredit, request.FollowThrough, reveal);
        var submissions = request.Submissions!.Select(s => GradeMapper.ToAnswers(s.Answers!)).ToArray();
        // One session for the class: the reference and diagnosis runs are made once, for every path any submission asks about.
        var session = new GradingSession(request.Problem!.ToProblem(), options, submissions.SelectMany(answers => answers.Select(a => a.Path)),
            context.WorkCancellation());
        var grades = session.GradeAll(submissions);
        return new GradeBatchResult(request.Submissions!.Select(s => s.Id!).ToArray(), grades, options, reveal, GraderFormats.Parse(request.Format),
            request.Submissions!.Select(s => (IReadOnlyList<string?>)s.Answers!.Select(a => a.Name).ToArray()).ToArray());
    }
}
