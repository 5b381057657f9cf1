using GradApi.Contracts;
using GradApi.Domain.Analysis;
using GradApi.Domain.Optimizers;

namespace GradApi.Endpoints;

/// <summary>
/// An /v1/optimization/trajectories request run: the response, and the domain values behind it (the objective, the start,
/// each run's optimizer and result), which grading's follow-through steps again from a student's own values.
/// </summary>
public sealed record TrajectoryComputation(TrajectoryResponse Response, IObjective Objective, double[] Start, IReadOnlyList<TrajectoryRun> Runs)
{
    /// <summary>Every run of a validated request, from what its validator read; the token runs through every step and evaluation.</summary>
    public static TrajectoryComputation Run(TrajectoryRequest request, ObjectiveInput read, CancellationToken cancellation)
    {
        var objective = AnalysisMapper.ToObjective(request.Objective!, read, cancellation);
        int maxSteps = request.MaxSteps ?? AnalysisMapper.DefaultMaxSteps;
        double tolerance = request.Tolerance ?? AnalysisMapper.DefaultTolerance;
        var runs = request.Runs!.Select(run =>
        {
            var optimizer = TrainRequestMapper.ToOptimizer(run.Optimizer!);
            return new TrajectoryRun(optimizer, Trajectory.Run(objective, optimizer, read.Start, maxSteps, tolerance, cancellation));
        }).ToArray();
        var responses = runs.Select((run, i) => AnalysisMapper.ToResponse(request.Runs![i], i, run.Optimizer, objective, run.Result)).ToArray();
        return new(AnalysisMapper.ToResponse(request.Objective!, objective, responses, Trajectory.StableRates(objective, read.Start)),
            objective, read.Start, runs);
    }
}

/// <summary>One optimizer's run.</summary>
public sealed record TrajectoryRun(Optimizer Optimizer, TrajectoryResult Result);
