using GradApi.Domain.Analysis;
using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Grading;
using GradApi.Domain.Losses;
using GradApi.Domain.Numerics;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Tests.Grading;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Tests.Domain;

/// <summary>
/// One cancellation token runs through training, grading, calculus and analysis, and stops them from inside their
/// loops: what each computes after the token is cancelled is observed through hooks and counting objectives.
/// </summary>
public sealed class CancellationTests
{
    static CancellationToken Cancelled() => new(canceled: true);

    [Fact]
    public void ATrainingRunWithACancelledTokenComputesNoTensor()
    {
        var hook = new CancelOnFirstTensor(null);
        var run = new TrainingRun(GradingProblems.Contract(), hook, cancellation: Cancelled());
        Assert.ThrowsAny<OperationCanceledException>(() => run.Iterations().First());
        Assert.Empty(hook.Seen);
    }

    [Fact]
    public void ATrainingRunCancelledAtItsFirstTensorStopsInsideThatIteration()
    {
        // The hook cancels when layer 0's input is emitted, the first tensor of iteration 1: the run must stop before
        // computing that layer's z, not at the end of the iteration.
        using var source = new CancellationTokenSource();
        var hook = new CancelOnFirstTensor(source);
        var run = new TrainingRun(GradingProblems.Contract(), hook, cancellation: source.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => run.Iterations().First());
        Assert.Equal([new TracePoint(0, TraceField.Input, 0)], hook.Seen);
    }

    [Fact]
    public void AnExactDecimalPreActivationStopsWhenCancelled()
    {
        // 0.1 - 0.1 + ... cancels to exactly 0, the case recomputed in exact decimals (microseconds per term).
        var weights = Enumerable.Range(0, 10_000).Select(j => j % 2 == 0 ? 0.1 : -0.1).ToArray();
        var inputs = Enumerable.Repeat(1.0, weights.Length).ToArray();
        Assert.Equal(0.0, Affine.Evaluate(weights, inputs, 0.0));
        Assert.ThrowsAny<OperationCanceledException>(() => Affine.Evaluate(weights, inputs, 0.0, Cancelled()));
    }

    [Fact]
    public void AGradingSessionWithACancelledTokenStopsBeforeItsReferenceRun()
    {
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new GradingSession(GradingProblems.Contract(), GradingOptions.Default, ["/iterations/0/loss/value"], Cancelled()));
    }

    [Fact]
    public void GradingAClassAfterItsTokenIsCancelledStops()
    {
        using var source = new CancellationTokenSource();
        var answers = new[] { GradingProblems.Answer("/iterations/0/forward/layers/0/a", 0.3318, 0.6250) };
        var session = new GradingSession(GradingProblems.Contract(), GradingOptions.Default, answers.Select(a => a.Path), source.Token);
        Assert.Equal(Verdict.Incorrect, session.Grade(answers).Results[0].Verdict);

        source.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Grade(answers));
        Assert.ThrowsAny<OperationCanceledException>(() => session.GradeAll([answers, answers, answers]));
    }

    [Fact]
    public void FollowThroughWithACancelledTokenStops()
    {
        var node = new TracePoint(0, TraceField.A, 0);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            FollowThrough.Run(GradingProblems.Contract(), [new Substitution(0, node, 0, [0.3318, 0.6250])], [node], Cancelled()));
    }

    [Fact]
    public void ATrajectoryStopsAtTheStepAfterItsTokenIsCancelled()
    {
        // f(x) = x^2 from x = 1 with a learning rate too small to converge: one gradient at the start, one per sgd step.
        using var source = new CancellationTokenSource();
        var objective = new CountingParabola(cancelAtGradient: 5, source);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Trajectory.Run(objective, new Sgd(1e-9), [1.0], maxSteps: 10_000, tolerance: 1e-8, cancellation: source.Token));
        Assert.Equal(5, objective.Gradients);
    }

    [Fact]
    public void EvaluatingAnExpressionOrItsGradientWithACancelledTokenStops()
    {
        var expression = ExpressionParser.Parse("x' * (A*x + z)");
        var values = new Dictionary<string, Matrix<double>>
        {
            ["x"] = Matrix<double>.Build.DenseOfColumnArrays([1.0, 2.0]),
            ["A"] = Matrix<double>.Build.DenseOfRowArrays([1.0, 2.0], [3.0, 4.0]),
            ["z"] = Matrix<double>.Build.DenseOfColumnArrays([0.5, -1.0]),
        };
        // x'Ax + x'z = (1 + 4 + 6 + 16) + (0.5 - 2) = 25.5, by hand.
        Assert.Equal(25.5, expression.Evaluate(values)[0, 0], 12);
        Assert.ThrowsAny<OperationCanceledException>(() => expression.Evaluate(values, Cancelled()));
        Assert.ThrowsAny<OperationCanceledException>(() => expression.Gradient(values, ["x"], Cancelled()));
    }

    [Fact]
    public void CheckingGradientClaimsWithACancelledTokenStops()
    {
        var expression = ExpressionParser.Parse("x' * (A*x + z)");
        var point = new List<KeyValuePair<string, Matrix<double>>>
        {
            new("x", Matrix<double>.Build.DenseOfColumnArrays([1.0, 2.0])),
            new("A", Matrix<double>.Build.DenseOfRowArrays([1.0, 2.0], [3.0, 4.0])),
            new("z", Matrix<double>.Build.DenseOfColumnArrays([0.5, -1.0])),
        };
        var claims = new Dictionary<string, Expression> { ["x"] = ExpressionParser.Parse("(A + A')*x + z") };
        Assert.Equal(ClaimVerdict.Equivalent, GradientClaims.Check(expression, point, claims, 20, 1)["x"].Verdict);
        Assert.ThrowsAny<OperationCanceledException>(() => GradientClaims.Check(expression, point, claims, 20, 1, cancellation: Cancelled()));
    }

    [Fact]
    public void AHessianWithACancelledTokenStops()
    {
        var problem = GradingProblems.Contract();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new Hessian(problem.Network, problem.Data, HalfSse.Instance, Reduction.Sum, Cancelled()));
        using var source = new CancellationTokenSource();
        var hessian = new Hessian(problem.Network, problem.Data, HalfSse.Instance, Reduction.Sum, source.Token);
        source.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => hessian.Matrix());
    }

    [Fact]
    public void MomentumWeightsWithACancelledTokenStop()
    {
        Assert.ThrowsAny<OperationCanceledException>(() =>
            GradApi.Domain.Calculus.MomentumWeights.Of(new Momentum(0.1, 0.9, MomentumConvention.PyTorch), 100, Cancelled()));
    }

    /// <summary>Records every tensor the run emits; cancels the source (when given) on the first.</summary>
    sealed class CancelOnFirstTensor(CancellationTokenSource? source) : ITraceHook
    {
        public List<TracePoint> Seen { get; } = [];

        public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
        {
            Seen.Add(point);
            source?.Cancel();
            return computed;
        }
    }

    /// <summary>x^2, counting gradient evaluations and cancelling the source at the given one.</summary>
    sealed class CountingParabola(int cancelAtGradient, CancellationTokenSource source) : IObjective
    {
        public int Gradients { get; private set; }
        public string Kind => "expression";
        public IReadOnlyList<ObjectiveParameter> Parameters { get; } = [new("x", [])];
        public int Dimension => 1;
        public bool HasConstantHessian => true;
        public double Value(ReadOnlySpan<double> theta) => theta[0] * theta[0];

        public void Gradient(ReadOnlySpan<double> theta, Span<double> gradient)
        {
            gradient[0] = 2 * theta[0];
            if (++Gradients == cancelAtGradient) source.Cancel();
        }

        public double[][]? Hessian(ReadOnlySpan<double> theta) => [[2.0]];
    }
}
