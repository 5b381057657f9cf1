using System.Text.Json;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/grade/batch request: the problem and options as in /v1/grade, and the submissions (unique
/// ids, answers each) within maxSubmissions, maxAnswers, maxGradedAnswers and maxGradingWork.
/// </summary>
public sealed class GradeBatchRequestValidator : AbstractValidator<GradeBatchRequest>
{
    public GradeBatchRequestValidator(ServiceLimits limits, IServiceProvider services, IOptions<JsonOptions> json)
    {
        RuleFor(request => request).Custom((request, context) =>
            Check(request, (path, message) => context.Report(path, message), limits, services, json.Value.SerializerOptions, context));
    }

    static void Check(GradeBatchRequest request, Action<string, string> fail, ServiceLimits limits, IServiceProvider services, JsonSerializerOptions json,
        ValidationContext<GradeBatchRequest> context)
    {
        var grading = new GradingChecks(fail, limits);
        var problem = grading.ProblemAndOptions(request.Problem, request.Tolerance, request.PartialCredit, request.FollowThrough, services, json);
        grading.Reveal(request.Reveal);
        grading.Format(request.Format);
        void Fail(string path, string message) => grading.Fail(path, message);

        var submissions = request.Submissions;
        if (submissions is null) { Fail("submissions", "is required: [{ \"id\": \"s1\", \"answers\": [...] }, ...]"); return; }
        if (submissions.Length == 0) { Fail("submissions", "must hold at least one submission"); return; }
        if (submissions.Length > limits.MaxSubmissions)
        {
            Fail("submissions", $"at most {limits.MaxSubmissions} submissions are accepted (limit maxSubmissions), got {submissions.Length}");
            return;
        }

        var firstUse = new Dictionary<string, int>(StringComparer.Ordinal);
        long answers = 0;
        for (int i = 0; i < submissions.Length; i++)
        {
            string at = $"submissions[{i}]";
            if (submissions[i] is not { } submission) { Fail(at, "must be a submission object: { \"id\": ..., \"answers\": [...] }"); continue; }
            if (submission.Id is null) Fail($"{at}.id", "is required: a name for the submission, unique within the batch");
            else if (string.IsNullOrWhiteSpace(submission.Id)) Fail($"{at}.id", "must not be empty");
            else if (firstUse.TryGetValue(submission.Id, out int first)) Fail($"{at}.id", $"\"{submission.Id}\" is already used by submissions[{first}]");
            else firstUse[submission.Id] = i;
            answers += grading.Answers(submission.Answers, $"{at}.answers");
        }
        if (answers > limits.MaxGradedAnswers)
            Fail("submissions", $"at most {limits.MaxGradedAnswers} answers over all submissions are accepted (limit maxGradedAnswers), got {answers}");

        if (grading.Failed) return;
        ValidatedInput.Record(context, new GradedProblem(problem.Train, problem.Named));
        if (grading.Price(problem, submissions.Select(s => s!.Answers!).ToArray(), "submissions", "submissions", "submissions") is { } price)
            RequestPrice.Record(context, price.WorkUnits, price.Limit);
    }
}
