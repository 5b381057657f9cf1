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

    /// <summary>Weights and biases of the network, all layers.</summary>
    public int MaxParameters { get; set; } = 100_000;

    /// <summary>Examples in data.inputs.</summary>
    public int MaxExamples { get; set; } = 10_000;

    public int MaxIterations { get; set; } = 10_000;

    /// <summary>parameters x examples per iteration x iterations: the cost of the run.</summary>
    public long MaxWork { get; set; } = 20_000_000;

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

    /// <summary>/v1/grade and /v1/grade/batch: answers in one request or one submission.</summary>
    public int MaxAnswers { get; set; } = 1_000;

    /// <summary>/v1/grade/batch: submissions per request.</summary>
    public int MaxSubmissions { get; set; } = 10_000;

    /// <summary>/v1/grade/batch: answers over all submissions.</summary>
    public int MaxGradedAnswers { get; set; } = 200_000;

    /// <summary>
    /// /v1/grade and /v1/grade/batch: the problem's work (as maxWork counts it) x (submissions + <see cref="GradingRunsPerProblem"/>):
    /// one follow-through run per submission, and the reference and diagnosis runs made once per problem.
    /// </summary>
    public long MaxGradingWork { get; set; } = 1_000_000_000;

    /// <summary>
    /// Seconds of computing a request may take from the start of its handler; past it the work stops from inside its
    /// loops and the answer is 503. A client that disconnects stops its work at once. 0 turns the deadline off.
    /// </summary>
    public double DeadlineSeconds { get; set; } = 5;

    /// <summary>Runs a grading request makes once, whatever the submissions: the reference, mistake, convention and rounding runs.</summary>
    public const int GradingRunsPerProblem = 20;

    public static IServiceCollection AddTo(IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(Section).Get<ServiceLimits>() ?? new ServiceLimits();
        return services.AddSingleton(limits);
    }
}
