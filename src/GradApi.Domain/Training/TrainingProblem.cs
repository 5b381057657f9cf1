using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;

namespace GradApi.Domain.Training;

/// <summary>The loss that drives the gradient, its reduction, and further losses only reported.</summary>
public sealed record LossSpec(Loss Loss, Reduction Reduction, IReadOnlyList<Loss> AlsoReport);

/// <summary>Everything one run needs: a validated network, data, loss, optimizer, iteration count and sampling.</summary>
public sealed record TrainingProblem(
    Network Network,
    TrainingData Data,
    LossSpec Loss,
    Optimizer Optimizer,
    int Iterations,
    Sampling Sampling);
