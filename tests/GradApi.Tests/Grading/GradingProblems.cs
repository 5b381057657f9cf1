using GradApi.Domain.Activations;
using GradApi.Domain.Grading;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Grading;

/// <summary>The contract's worked problem (3-2-1 sigmoid, half_sse sum, heavy-ball momentum) and answer builders.</summary>
internal static class GradingProblems
{
    public static TrainingProblem Contract(int iterations = 2, Optimizer? optimizer = null) => new(
        new Network(3,
        [
            new DenseLayer("hidden", Sigmoid.Instance, Tensor.Matrix([[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]]), Tensor.Vector(-0.4, 0.2)),
            new DenseLayer("output", Sigmoid.Instance, Tensor.Matrix([[-0.3, -0.2]]), Tensor.Vector(0.1)),
        ]),
        new TrainingData(Tensor.Matrix([[1, 0, 1]]), Tensor.Matrix([[1]])),
        new LossSpec(HalfSse.Instance, Reduction.Sum, []),
        optimizer ?? new Momentum(0.9, 0.9, MomentumConvention.HeavyBall),
        iterations,
        new Sampling.Full());

    public static Answer Answer(string path, params double[] values) =>
        new(path, SubmittedValue.Of(values.Length == 1 ? Tensor.Scalar(values[0]) : Tensor.Vector(values)));

    public static Answer Answer(string path, double[][] rows) => new(path, SubmittedValue.Of(Tensor.Matrix(rows)));

    public static AnswerGrade GradeOne(TrainingProblem problem, Answer answer, GradingOptions? options = null) =>
        Grade(problem, [answer], options).Results[0];

    public static SubmissionGrade Grade(TrainingProblem problem, IReadOnlyList<Answer> answers, GradingOptions? options = null) =>
        new GradingSession(problem, options ?? GradingOptions.Default, answers.Select(a => a.Path)).Grade(answers);

    /// <summary>The reference tensor at a path, straight from a plain run (not through grading).</summary>
    public static Tensor Reference(TrainingProblem problem, Func<IterationTrace, Tensor> pick, int iteration = 1) =>
        pick(new TrainingRun(problem).Iterations().ElementAt(iteration - 1));
}
