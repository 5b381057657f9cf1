using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>Builders for small training problems and a hook that nudges one traced tensor.</summary>
internal static class Problems
{
    public static Activation Activation(string name) => name switch
    {
        "identity" => Identity.Instance,
        "sigmoid" => Sigmoid.Instance,
        "tanh" => Tanh.Instance,
        "relu" => Relu.Instance,
        "leaky_relu" => new LeakyRelu(0.1),
        "elu" => new Elu(1.5),          // alpha != 1: f' jumps at 0, so kinks must be avoided
        "softplus" => new Softplus(2.5), // beta != 1
        "softmax" => Softmax.Instance,
        _ => throw new ArgumentException(name),
    };

    public static Loss Loss(string name) => name switch
    {
        "half_sse" => HalfSse.Instance,
        "sse" => Sse.Instance,
        "mse" => Mse.Instance,
        "bce" => Bce.Instance,
        "ce" => Ce.Instance,
        _ => throw new ArgumentException(name),
    };

    public static Tensor Matrix(System.Random random, int rows, int columns, double scale = 1.0)
    {
        var data = new double[rows * columns];
        for (int i = 0; i < data.Length; i++) data[i] = scale * (2 * random.NextDouble() - 1);
        return new Tensor([rows, columns], data);
    }

    public static Tensor Vector(System.Random random, int n, double scale = 1.0)
    {
        var data = new double[n];
        for (int i = 0; i < n; i++) data[i] = scale * (2 * random.NextDouble() - 1);
        return new Tensor([n], data);
    }

    /// <summary>Targets that suit the loss: any reals for the squared losses, [0, 1] (with exact 0 and 1) for bce, distributions for ce.</summary>
    public static Tensor Targets(System.Random random, string loss, int batch, int outputs)
    {
        var y = new double[batch * outputs];
        for (int b = 0; b < batch; b++)
        {
            var row = y.AsSpan(b * outputs, outputs);
            switch (loss)
            {
                case "bce":
                    for (int k = 0; k < outputs; k++) row[k] = (b + k) % 3 == 0 ? 1.0 : (b + k) % 3 == 1 ? 0.0 : random.NextDouble();
                    break;
                case "ce":
                    if (b % 2 == 0) row[(b / 2) % outputs] = 1.0; // one-hot
                    else
                    {
                        double total = 0;
                        for (int k = 0; k < outputs; k++) total += row[k] = 0.1 + random.NextDouble();
                        for (int k = 0; k < outputs; k++) row[k] /= total; // a distribution
                    }
                    break;
                default:
                    for (int k = 0; k < outputs; k++) row[k] = 2 * random.NextDouble() - 1;
                    break;
            }
        }
        return new Tensor([batch, outputs], y);
    }

    /// <summary>
    /// A random network with the given layer sizes and activations, inputs and targets, seeded. Redrawn
    /// until no unit of a kinked activation (relu, leaky_relu, elu) has |z| &lt; 0.05 on the batch, and
    /// such layers see both signs of z, so both branches are exercised and differences never cross a kink.
    /// </summary>
    public static TrainingProblem Random(int seed, int[] sizes, string[] activations, string loss, Reduction reduction,
        int batch, bool[]? biases = null, Optimizer? optimizer = null)
    {
        var random = new System.Random(seed);
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            var layers = new DenseLayer[activations.Length];
            for (int l = 0; l < layers.Length; l++)
            {
                bool hasBias = biases?[l] ?? true;
                layers[l] = new DenseLayer($"layer{l + 1}", Activation(activations[l]),
                    Matrix(random, sizes[l + 1], sizes[l]), hasBias ? Vector(random, sizes[l + 1], 0.5) : null);
            }
            var data = new TrainingData(Matrix(random, batch, sizes[0], 1.5), Targets(random, loss, batch, sizes[^1]));
            var problem = new TrainingProblem(new Network(sizes[0], layers), data,
                new LossSpec(Loss(loss), reduction, []), optimizer ?? new Sgd(0.1), 1, new Sampling.Full());
            if (KinksAvoided(problem)) return problem;
        }
        throw new InvalidOperationException("no kink-free draw");
    }

    static bool KinksAvoided(TrainingProblem problem)
    {
        var trace = First(problem);
        for (int l = 0; l < trace.Forward.Count; l++)
        {
            if (problem.Network.Layers[l].Activation is not (Relu or LeakyRelu or Elu)) continue;
            var z = trace.Forward[l].Z.Data;
            if (z.Any(v => Math.Abs(v) < 0.05) || !z.Any(v => v > 0) || !z.Any(v => v < 0)) return false;
        }
        return true;
    }

    public static IterationTrace First(TrainingProblem problem, ITraceHook? hook = null) =>
        new TrainingRun(problem, hook).Iterations().First();

    /// <summary>The problem with one weight (or bias) of one layer moved by delta.</summary>
    public static TrainingProblem Perturbed(TrainingProblem problem, int layer, bool bias, int index, double delta)
    {
        var layers = problem.Network.Layers.ToArray();
        var target = layers[layer];
        if (bias)
        {
            var b = target.Biases!.Copy();
            b.Data[index] += delta;
            layers[layer] = target with { Biases = b };
        }
        else
        {
            var w = target.Weights.Copy();
            w.Data[index] += delta;
            layers[layer] = target with { Weights = w };
        }
        return problem with { Network = problem.Network with { Layers = layers } };
    }

    public static TrainingProblem Scalar(double w0, double x, double y, Optimizer optimizer, int iterations, Activation? activation = null)
    {
        var layer = new DenseLayer("w", activation ?? Identity.Instance, Tensor.Matrix([[w0]]), null);
        var data = new TrainingData(Tensor.Matrix([[x]]), Tensor.Matrix([[y]]));
        return new TrainingProblem(new Network(1, [layer]), data, new LossSpec(HalfSse.Instance, Reduction.Sum, []),
            optimizer, iterations, new Sampling.Full());
    }
}

/// <summary>Adds h to one element of one traced tensor of iteration 1; the run carries the nudged tensor forward.</summary>
internal sealed class Nudge(TraceField field, int layer, int index, double h) : ITraceHook
{
    public Tensor OnTensor(TracePoint point, ReadOnlySpan<TracePoint> inputs, Tensor computed)
    {
        if (point.IterationIndex != 0 || point.Field != field || point.Layer != layer) return computed;
        var nudged = computed.Copy();
        nudged.Data[index] += h;
        return nudged;
    }
}
