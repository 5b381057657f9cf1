using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;

/// <summary>Placeholder until the formula texts land: names the tensor.</summary>
public static class Explanation
{
    public static string Of(TrainingProblem problem, Computation computation, int? decimals) => $"${computation.Node.Field}$";
}
