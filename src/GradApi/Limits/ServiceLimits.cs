namespace GradApi.Limits;

/// <summary>
/// Published limits, checked before any heavy work (400 naming the limit; 413 for the body).
/// Bound from the "Limits" configuration section; the defaults are what the OpenAPI text states.
/// </summary>
public sealed class ServiceLimits
{
    public const string Section = "Limits";

    /// <summary>Request body size in bytes (413 above).</summary>
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Weights and biases of the network, all layers. 120,000 admits MNIST-sized homework (784-128-10 is 101,770, 784-128-32-10
    /// 104,938); maxWork and maxTraceValues, not this, bound what a request costs.
    /// </summary>
    public int MaxParameters { get; set; } = 120_000;

    /// <summary>Examples in data.inputs.</summary>
    public int MaxExamples { get; set; } = 10_000;

    public int MaxIterations { get; set; } = 10_000;

    /// <summary>parameters x examples per iteration x iterations + <see cref="LayerWork"/> x layers x iterations: the cost of the run.</summary>
    public long MaxWork { get; set; } = 20_000_000;

    /// <summary>What one layer costs a step beyond its multiply-adds (a dozen tensors traced and written), in maxWork's units.</summary>
    public const int LayerWork = 512;

    /// <summary>Numbers a trace would write (per-example tensors, parameters, state, per iteration).</summary>
    public long MaxTraceValues { get; set; } = 5_000_000;

    /// <summary>/v1/analysis/hessian: the largest P for which hessian, eigenvalues and conditionNumber are computed (null above).</summary>
    public int MaxHessianParameters { get; set; } = 500;

    /// <summary>/v1/analysis/hessian: P^2 x examples, the cost of P R-operator passes over the data (400 above).</summary>
    public long MaxHessianWork { get; set; } = 50_000_000;

    /// <summary>/v1/optimization/trajectories: maxSteps per run.</summary>
    public int MaxTrajectorySteps { get; set; } = 10_000;

    /// <summary>/v1/optimization/trajectories: runs per request.</summary>
    public int MaxTrajectoryRuns { get; set; } = 20;

    /// <summary>/v1/optimization/trajectories: numbers in the objective's parameters (the length of p).</summary>
    public int MaxTrajectoryParameters { get; set; } = 100;

    /// <summary>
    /// /v1/optimization/trajectories: (multiply-adds of one evaluation of the objective, as maxExpressionWork counts them, + 512)
    /// x (7 evaluations per step x runs x (maxSteps + 1) + 6 x parameters for the Hessian) + 2048 x runs x (maxSteps + 1).
    /// </summary>
    public long MaxTrajectoryWork { get; set; } = 400_000_000;

    /// <summary>/v1/grade and /v1/grade/batch: answers in one request or one submission.</summary>
    public int MaxAnswers { get; set; } = 1_000;

    /// <summary>/v1/grade/batch: submissions per request.</summary>
    public int MaxSubmissions { get; set; } = 10_000;

    /// <summary>/v1/grade/batch: answers over all submissions.</summary>
    public int MaxGradedAnswers { get; set; } = 200_000;

    /// <summary>
    /// /v1/grade and /v1/grade/batch: (the problem's work, as maxWork counts it, + <see cref="GradingLayerWork"/> x layers x iterations)
    /// x (submissions x runs per submission + <see cref="GradingRunsPerProblem"/> + 2 x layers answered): per submission its follow-through
    /// run and one run per mistake and convention tried on its own numbers; the reference and diagnosis runs made once per problem, two
    /// one-layer mistake runs per layer an answer names; plus each answer compared in every layer. 200M: a class of 1000 seed-001 sheets
    /// of 20 answers prices at 115M, though a run on a student's numbers is made only where a wrong answer could show its mistake.
    /// </summary>
    public long MaxGradingWork { get; set; } = 200_000_000;

    /// <summary>/v1/grade and /v1/grade/batch: numbers the results may echo (expected, submitted, elements, followThroughExpected per element answered).</summary>
    public long MaxResponseValues { get; set; } = 5_000_000;

    /// <summary>What one layer costs a grading run per iteration beyond its multiply-adds (its dozen tensors and their bookkeeping), in work units.</summary>
    public const int GradingLayerWork = 2_048;

    /// <summary>What comparing an answer with the same tensor of another layer costs beyond its elements, in work units.</summary>
    public const int GradingLookupWork = 64;

    /// <summary>
    /// Seconds of computing a request may take from the start of its handler; past it the work stops from inside its
    /// loops and the answer is 503. A client that disconnects stops its work at once. 0 turns the deadline off.
    /// </summary>
    public double DeadlineSeconds { get; set; } = 5;

    /// <summary>Runs a grading request makes once, whatever the submissions: the reference, mistake, convention and rounding runs.</summary>
    public const int GradingRunsPerProblem = 20;

    /// <summary>Characters of a formula answer (an expression in the calculus endpoints' language).</summary>
    public const int MaxFormulaLength = 2_000;

    /// <summary>Formula answers in one grading request, over all submissions: each is checked at the given point and the random trials.</summary>
    public const int MaxFormulaAnswers = 2_000;

    /// <summary>A 400 lists the failures of at most this many fields (errorCount counts them all).</summary>
    public const int MaxListedErrors = 20;

    /// <summary>Characters of a listed error's path or message; longer ones, which echo what was sent, are cut and end in "...".</summary>
    public const int MaxErrorTextLength = 400;

    public static IServiceCollection AddTo(IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(Section).Get<ServiceLimits>() ?? new ServiceLimits();
        return services.AddSingleton(limits);
    }
}
