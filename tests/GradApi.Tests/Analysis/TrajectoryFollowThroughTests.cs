using GradApi.Contracts;
using GradApi.Domain.Analysis;
using GradApi.Domain.Vocabulary;

namespace GradApi.Tests.Analysis;

/// <summary>
/// Follow-through over trajectory steps: with no answer of the student's it must be the run itself, bit for bit, for every
/// optimizer (it steps with the same calls); with answers, values are recomputed from them as worked by hand.
/// </summary>
public class TrajectoryFollowThroughTests
{
    static readonly RosenbrockObjective Objective = new();
    static readonly double[] Start = [-1.2, 1];

    public static TheoryData<string, string?> Optimizers() => new()
    {
        { WireNames.Optimizer.Sgd, null },
        { WireNames.Optimizer.Momentum, "heavy_ball" },
        { WireNames.Optimizer.Momentum, "pytorch" },
        { WireNames.Optimizer.Momentum, "ema" },
        { WireNames.Optimizer.Nesterov, "sutskever" },
        { WireNames.Optimizer.Nesterov, "pytorch" },
        { WireNames.Optimizer.Adagrad, null },
        { WireNames.Optimizer.RmsProp, null },
        { WireNames.Optimizer.Adam, null },
        { WireNames.Optimizer.AdamW, null },
    };

    static GradApi.Domain.Optimizers.Optimizer Make(string type, string? convention) => TrainRequestMapper.ToOptimizer(new OptimizerRequest(
        type, convention, 0.001, type is "momentum" or "nesterov" ? 0.9 : null, null, type == "adamw" ? 0.01 : null,
        null, null, null, null, null, null, null, null, null, null));

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void WithoutAnswersTheReplayIsTheRunItself(string type, string? convention)
    {
        var optimizer = Make(type, convention);
        var reference = Trajectory.Run(Objective, optimizer, Start, 12, 0);
        int last = reference.Steps.Count - 1;
        var replay = TrajectoryFollowThrough.Run(Objective, Make(type, convention), Start, [], last);
        foreach (var step in reference.Steps)
        {
            Assert.Equal(step.Parameters, replay.At(new StepAddress(step.Step, StepPart.Parameters, 0, 0, 2))!.Value.Values);
            Assert.Equal(step.Gradient, replay.At(new StepAddress(step.Step, StepPart.Gradient, 0, 0, 2))!.Value.Values);
            Assert.Equal(step.Objective, replay.At(new StepAddress(step.Step, StepPart.Objective, 0, 0, 1))!.Value.Values[0]);
            for (int s = 0; s < step.State.Length; s++)
                Assert.Equal(step.State[s], replay.At(new StepAddress(step.Step, StepPart.State, s, 0, 2))!.Value.Values);
            if (step.LookAhead is { } point)
                Assert.Equal(point, replay.At(new StepAddress(step.Step, StepPart.LookAhead, 0, 0, 2))!.Value.Values);
            Assert.Empty(replay.At(new StepAddress(step.Step, StepPart.Parameters, 0, 0, 2))!.Value.Used);
        }
    }

    [Fact]
    public void AStudentsParameterFeedsTheNextStepElementByElement()
    {
        // sgd lr 0.1 on 1/2 p'p (gradient p): p_(t+1) = 0.9 p_t. The student's p_1 = [5, 0.9] (first element wrong; the
        // right one is [0.9, 0.9] from [1, 1]): p_2 = [4.5, 0.81]; its first element used the answer, its second did not...
        // but the gradient of a function reads every parameter, so both elements list it.
        var objective = new QuadraticObjective([[1, 0], [0, 1]], null);
        var optimizer = Make(WireNames.Optimizer.Sgd, null).WithLearningRate(0.1);
        var replay = TrajectoryFollowThrough.Run(objective, optimizer, [1, 1],
            [new StepAnswer(0, new StepAddress(1, StepPart.Parameters, 0, 0, 2), [5, 0.9])], 2);
        var p2 = replay.At(new StepAddress(2, StepPart.Parameters, 0, 0, 2))!.Value;
        Assert.Equal(4.5, p2.Values[0], 12);
        Assert.Equal(0.81, p2.Values[1], 12);
        Assert.Equal([0], p2.Used);
        // Step 1's own value is what step 0 gives, untouched by the answer at step 1.
        Assert.Equal([0.9, 0.9], replay.At(new StepAddress(1, StepPart.Parameters, 0, 0, 2))!.Value.Values);
        // The objective at the student's p_1: 1/2 (25 + 0.81) = 12.905.
        Assert.Equal(12.905, replay.At(new StepAddress(1, StepPart.Objective, 0, 0, 1))!.Value.Values[0], 12);
    }
}
