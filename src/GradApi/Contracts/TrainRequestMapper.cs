using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Contracts;

/// <summary>Maps a validated <see cref="TrainRequest"/> to the domain, filling every default in one place.</summary>
public static class TrainRequestMapper
{
    public const int DefaultIterations = 1;

    public static TrainingProblem ToProblem(this TrainRequest request) =>
        new(ToNetwork(request.Network!), ToData(request.Data!), ToLossSpec(request.Loss!), ToOptimizer(request.Optimizer!),
            request.Iterations ?? DefaultIterations, ToSampling(request.Sampling));

    /// <summary>The layers with their initial parameters (copied); unnamed layers are layer1, layer2, ...</summary>
    public static Network ToNetwork(NetworkRequest network) => new(network.InputSize!.Value, network.Layers!.Select((layer, i) => new DenseLayer(
        layer.Name ?? $"layer{i + 1}",
        ToActivation(layer),
        Tensor.Matrix(layer.Weights!),
        layer.Biases is null ? null : Tensor.Vector((double[])layer.Biases.Clone()))).ToArray());

    public static TrainingData ToData(DataRequest data) => new(Tensor.Matrix(data.Inputs!), Tensor.Matrix(data.Targets!));

    /// <summary>Weights and biases of all layers, from shapes already validated.</summary>
    public static long ParameterCount(IEnumerable<LayerRequest> layers) =>
        layers.Sum(l => (long)l.Weights!.Length * l.Weights[0].Length + (l.Biases?.Length ?? 0));

    public static Activation ToActivation(LayerRequest layer) => layer.Activation switch
    {
        "identity" => Identity.Instance,
        "sigmoid" => Sigmoid.Instance,
        "tanh" => Tanh.Instance,
        "relu" => Relu.Instance,
        "leaky_relu" => new LeakyRelu(layer.NegativeSlope ?? LeakyRelu.DefaultNegativeSlope),
        "elu" => new Elu(layer.Alpha ?? Elu.DefaultAlpha),
        "softplus" => new Softplus(layer.Beta ?? Softplus.DefaultBeta),
        "softmax" => Softmax.Instance,
        var other => throw new ArgumentOutOfRangeException(nameof(layer), other, "unknown activation"),
    };

    public static Loss ToLoss(string type) => type switch
    {
        "half_sse" => HalfSse.Instance,
        "sse" => Sse.Instance,
        "mse" => Mse.Instance,
        "bce" => Bce.Instance,
        "ce" => Ce.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown loss"),
    };

    public static Reduction ToReduction(string? reduction) => reduction == "sum" ? Reduction.Sum : Reduction.Mean;

    static LossSpec ToLossSpec(LossRequest loss) =>
        new(ToLoss(loss.Type!), ToReduction(loss.Reduction), (loss.AlsoReport ?? []).Select(ToLoss).ToArray());

    public static Optimizer ToOptimizer(OptimizerRequest o)
    {
        double eta = o.LearningRate!.Value, decay = o.WeightDecay ?? 0;
        return o.Type switch
        {
            "sgd" => new Sgd(eta, decay),
            "momentum" => new Momentum(eta, o.Momentum!.Value, o.Convention switch
            {
                "heavy_ball" => MomentumConvention.HeavyBall,
                "velocity_step" => MomentumConvention.VelocityStep,
                "ema" => MomentumConvention.Ema,
                _ => MomentumConvention.PyTorch,
            }, o.Dampening ?? 0, decay),
            "nesterov" => new Nesterov(eta, o.Momentum!.Value,
                o.Convention == "sutskever" ? NesterovConvention.Sutskever : NesterovConvention.PyTorch, decay),
            "adagrad" => new Adagrad(eta, o.LearningRateDecay ?? 0, o.InitialAccumulator ?? 0, o.Epsilon ?? Adagrad.DefaultEpsilon, decay),
            "rmsprop" => new RmsProp(eta, o.Rho ?? RmsProp.DefaultRho, o.Epsilon ?? RmsProp.DefaultEpsilon, o.Centered ?? false,
                o.Momentum ?? 0, ToPlacement(o.EpsilonPlacement), decay),
            "adam" or "adamw" => new Adam(eta, o.Beta1 ?? Adam.DefaultBeta1, o.Beta2 ?? Adam.DefaultBeta2, o.Epsilon ?? Adam.DefaultEpsilon,
                o.BiasCorrection ?? true, o.Amsgrad ?? false, ToPlacement(o.EpsilonPlacement), decay, decoupledWeightDecay: o.Type == "adamw"),
            var other => throw new ArgumentOutOfRangeException(nameof(o), other, "unknown optimizer"),
        };
    }

    static EpsilonPlacement ToPlacement(string? placement) => placement switch
    {
        "inside_sqrt" => EpsilonPlacement.InsideSqrt,
        "keras" => EpsilonPlacement.Keras,
        _ => EpsilonPlacement.OutsideSqrt,
    };

    static Sampling ToSampling(SamplingRequest? sampling) => sampling?.Mode switch
    {
        "sequential" => new Sampling.Sequential(),
        "random" => new Sampling.Random((ulong)sampling.Seed!.Value),
        "minibatch" => new Sampling.Minibatch(sampling.BatchSize!.Value, (ulong)sampling.Seed!.Value),
        "schedule" => new Sampling.Schedule(sampling.Indices!),
        _ => new Sampling.Full(),
    };
}
