using GradApi.Domain.Losses;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;
using GradApi.Tests.Domain;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// The trace graph follow-through walks: every tensor a TrainingRun emits names the traced tensors it was
/// computed from. One test per family of edges, read off the formulas (z = W a + b reads the layer input and
/// the parameters before this step; delta_l = sigma'(z_l) W_(l+1)^T delta_(l+1) reads the derivative, the delta
/// above and the weights above; ...), on the contract's problem unless stated.
/// </summary>
public sealed class TraceGraphTests
{
    /// <summary>Records each emitted tensor with its inputs, in order, and changes nothing.</summary>
    sealed class EdgeRecorder : ITraceHook
    {
        public List<(TracePoint Point, TracePoint[] Inputs)> Seen { get; } = [];

        public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
        {
            Seen.Add((point, inputs.ToArray()));
            return computed;
        }

        public TracePoint[] InputsOf(TracePoint point) => Seen.Single(s => s.Point == point).Inputs;
    }

    static EdgeRecorder Record(TrainingProblem problem)
    {
        var recorder = new EdgeRecorder();
        foreach (var _ in new TrainingRun(problem, recorder).Iterations()) { }
        return recorder;
    }

    static TracePoint P(int iteration, TraceField field, int layer = 0, string? name = null) => new(iteration, field, layer, name);

    static void Reads(EdgeRecorder recorder, TracePoint point, params TracePoint[] inputs) =>
        Assert.Equal(inputs.OrderBy(p => p.ToString()), recorder.InputsOf(point).OrderBy(p => p.ToString()));

    [Fact]
    public void ZOfLayerOneReadsItsInputAndTheWeightsAndBiasesOfThePreviousIteration()
    {
        // z1 at iteration 2 (index 1) = W1 a0 + b1 with W1, b1 after step 1 (index 0)
        Reads(Record(Contract(iterations: 2)), P(1, TraceField.Z, 1),
            P(1, TraceField.Input, 1), P(0, TraceField.Weights, 1), P(0, TraceField.Biases, 1));
    }

    [Fact]
    public void ZOfTheFirstIterationReadsTheInitialParameters()
    {
        // index -1 stands for the problem's own parameters
        Reads(Record(Contract()), P(0, TraceField.Z, 0), P(0, TraceField.Input, 0), P(-1, TraceField.Weights, 0), P(-1, TraceField.Biases, 0));
    }

    [Fact]
    public void ZOfALayerWithoutBiasesReadsOnlyItsInputAndWeights()
    {
        Reads(Record(Problems.Scalar(0.5, 2, 1, new Sgd(0.1), 1)), P(0, TraceField.Z, 0), P(0, TraceField.Input, 0), P(-1, TraceField.Weights, 0));
    }

    [Fact]
    public void TheInputOfLayerOneIsTheActivationOfLayerZeroAndTheDataReadsNothing()
    {
        var recorder = Record(Contract());
        Reads(recorder, P(0, TraceField.Input, 1), P(0, TraceField.A, 0));
        Reads(recorder, P(0, TraceField.Input, 0));
    }

    [Fact]
    public void TheActivationAndItsDerivativeReadZ()
    {
        var recorder = Record(Contract());
        Reads(recorder, P(0, TraceField.A, 0), P(0, TraceField.Z, 0));
        Reads(recorder, P(0, TraceField.ActivationDerivative, 0), P(0, TraceField.Z, 0));
    }

    [Fact]
    public void TheDerivativeReadsTheActivationOnceAStudentsActivationReplacedIt()
    {
        // follow-through carries a student's a into sigma' by the hand form a (1 - a): the edge moves from z to a
        var recorder = new EdgeRecorder();
        var replacing = new Replacing(P(0, TraceField.A, 0), recorder);
        foreach (var _ in new TrainingRun(Contract(iterations: 1), replacing).Iterations()) { }
        Reads(recorder, P(0, TraceField.ActivationDerivative, 0), P(0, TraceField.A, 0));
    }

    [Fact]
    public void TheLossAndOutputGradientOfHalfSseReadTheOutputActivation()
    {
        // l = 1/2 (a - y)^2 and dJ/da = a - y are written in a; J sums l
        var recorder = Record(Contract());
        Reads(recorder, P(0, TraceField.LossPerExample), P(0, TraceField.A, 1));
        Reads(recorder, P(0, TraceField.LossValue), P(0, TraceField.LossPerExample));
        Reads(recorder, P(0, TraceField.OutputGradient), P(0, TraceField.A, 1));
    }

    [Fact]
    public void TheOutputDeltaReadsTheDerivativeAndTheOutputGradient()
    {
        // delta1 = sigma'(z1) dJ/da
        Reads(Record(Contract()), P(0, TraceField.Delta, 1), P(0, TraceField.ActivationDerivative, 1), P(0, TraceField.OutputGradient));
    }

    [Fact]
    public void TheOutputDeltaOfBceAfterASigmoidReadsZAndA()
    {
        // bce after sigmoid: delta = a - y in its short form, computed from z
        var problem = Contract() with { Loss = new LossSpec(Bce.Instance, Reduction.Sum, []) };
        Reads(Record(problem), P(0, TraceField.Delta, 1), P(0, TraceField.Z, 1), P(0, TraceField.A, 1));
    }

    [Fact]
    public void TheHiddenDeltaReadsItsDerivativeTheDeltaAboveAndTheWeightsAbove()
    {
        // delta0 = sigma'(z0) * (W1^T delta1), W1 as in this iteration's forward pass (after the previous step)
        Reads(Record(Contract(iterations: 2)), P(1, TraceField.Delta, 0),
            P(1, TraceField.ActivationDerivative, 0), P(1, TraceField.Delta, 1), P(0, TraceField.Weights, 1));
    }

    [Fact]
    public void TheGradientsReadTheDeltaAndTheLayerInput()
    {
        // dJ/dW = delta^T input, dJ/db = the column sums of delta
        var recorder = Record(Contract());
        Reads(recorder, P(0, TraceField.WeightGradient, 0), P(0, TraceField.Delta, 0), P(0, TraceField.Input, 0));
        Reads(recorder, P(0, TraceField.WeightGradient, 1), P(0, TraceField.Delta, 1), P(0, TraceField.Input, 1));
        Reads(recorder, P(0, TraceField.BiasGradient, 1), P(0, TraceField.Delta, 1));
    }

    [Fact]
    public void TheVelocityReadsTheGradientAndTheVelocityBefore()
    {
        // heavy ball: v = mu v - eta g
        var recorder = Record(Contract(iterations: 2));
        Reads(recorder, P(1, TraceField.StateWeights, 1, "v"), P(1, TraceField.WeightGradient, 1), P(0, TraceField.StateWeights, 1, "v"));
        Reads(recorder, P(1, TraceField.StateBiases, 0, "v"), P(1, TraceField.BiasGradient, 0), P(0, TraceField.StateBiases, 0, "v"));
    }

    [Fact]
    public void TheHeavyBallUpdateReadsTheWeightsBeforeAndTheVelocityButNotTheGradient()
    {
        // theta += v: g enters only through v
        Reads(Record(Contract(iterations: 2)), P(1, TraceField.Weights, 1),
            P(0, TraceField.Weights, 1), P(1, TraceField.StateWeights, 1, "v"));
    }

    [Fact]
    public void TheSgdUpdateReadsTheWeightsBeforeAndTheGradient()
    {
        // theta -= eta g
        var problem = Contract(iterations: 2) with { Optimizer = new GradApi.Domain.Optimizers.Sgd(0.5) };
        Reads(Record(problem), P(1, TraceField.Weights, 1), P(0, TraceField.Weights, 1), P(1, TraceField.WeightGradient, 1));
    }

    [Fact]
    public void WithWeightDecayTheVelocityAlsoReadsTheWeights()
    {
        // g + lambda theta enters v
        var recorder = Record(Contract(iterations: 2, optimizer: new Momentum(0.9, 0.9, MomentumConvention.HeavyBall, weightDecay: 0.01)));
        Assert.Contains(P(0, TraceField.Weights, 1), recorder.InputsOf(P(1, TraceField.StateWeights, 1, "v")));
    }

    [Fact]
    public void AdamsSlotsReadTheSlotsTheyAreComputedFrom()
    {
        // m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, mhat = m / (1 - b1^t), vhat = v / (1 - b2^t),
        // theta -= eta mhat / (sqrt(vhat) + eps)
        var recorder = Record(Contract(iterations: 2, optimizer: new Adam(0.1)));
        TracePoint Slot(int i, string name) => P(i, TraceField.StateWeights, 1, name);
        var g = P(1, TraceField.WeightGradient, 1);
        Reads(recorder, Slot(1, "m"), g, Slot(0, "m"));
        Reads(recorder, Slot(1, "v"), g, Slot(0, "v"));
        Assert.Contains(Slot(1, "m"), recorder.InputsOf(Slot(1, "mhat")));
        Assert.DoesNotContain(Slot(0, "mhat"), recorder.InputsOf(Slot(1, "mhat")));
        Assert.Contains(Slot(1, "v"), recorder.InputsOf(Slot(1, "vhat")));
        var theta = recorder.InputsOf(P(1, TraceField.Weights, 1));
        Assert.Contains(P(0, TraceField.Weights, 1), theta);
        Assert.Contains(Slot(1, "mhat"), theta);
        Assert.Contains(Slot(1, "vhat"), theta);
    }

    [Fact]
    public void SutskeversLookAheadReadsTheWeightsAndVelocityBeforeAndFeedsZ()
    {
        // theta + mu v is where the gradient is taken, so z reads the look-ahead point, not the weights
        var recorder = Record(Contract(iterations: 2, optimizer: new Nesterov(0.9, 0.9, NesterovConvention.Sutskever)));
        Reads(recorder, P(1, TraceField.LookAheadWeights, 1), P(0, TraceField.Weights, 1), P(0, TraceField.StateWeights, 1, "v"));
        Reads(recorder, P(1, TraceField.Z, 1), P(1, TraceField.Input, 1), P(1, TraceField.LookAheadWeights, 1), P(1, TraceField.LookAheadBiases, 1));
        Assert.Contains(P(1, TraceField.LookAheadWeights, 1), recorder.InputsOf(P(1, TraceField.Delta, 0)));
    }

    [Fact]
    public void EveryTensorIsEmittedOnceAndReadsOnlyTensorsEmittedBeforeItOrGiven()
    {
        // given: the problem's parameters and the optimizer's zero state, at index -1
        foreach (var optimizer in new Optimizer[] { new Momentum(0.9, 0.9, MomentumConvention.HeavyBall), new Adam(0.1), new Nesterov(0.5, 0.9, NesterovConvention.Sutskever) })
        {
            var recorder = Record(Contract(iterations: 3, optimizer: optimizer));
            var emitted = new HashSet<TracePoint>();
            foreach (var (point, inputs) in recorder.Seen)
            {
                foreach (var input in inputs)
                    Assert.True(emitted.Contains(input) || input.IterationIndex == -1
                        && input.Field is TraceField.Weights or TraceField.Biases or TraceField.StateWeights or TraceField.StateBiases,
                        $"{point} reads {input}, which was not emitted before it");
                Assert.True(emitted.Add(point), $"{point} emitted twice");
                if (point != P(point.IterationIndex, TraceField.Input, 0)) Assert.NotEmpty(inputs);
            }
            // every tensor of the contract per iteration: 2 layers x (input, z, a, derivative, delta, dW, db, W, b, one slot
            // per state name for W and b) + perExample, value, outputGradient, and the look-ahead W, b per layer for Sutskever
            int slots = optimizer.StateNames.Count, lookAhead = optimizer.UsesLookAhead ? 2 : 0;
            Assert.Equal(3 * (2 * (9 + 2 * slots + lookAhead) + 3), recorder.Seen.Count);
        }
    }

    /// <summary>Replaces one tensor by a copy (as a student's value would be) and passes every tensor on to a recorder.</summary>
    sealed class Replacing(TracePoint at, ITraceHook next) : ITraceHook
    {
        public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
        {
            next.OnTensor(point, inputs, computed);
            return point == at ? computed.Copy() : computed;
        }
    }
}
