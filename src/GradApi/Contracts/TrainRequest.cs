namespace GradApi.Contracts;

/// <summary>A network, data, loss and optimizer to run for a number of iterations, returning every tensor.</summary>
/// <param name="Network">The layers and their initial parameters.</param>
/// <param name="Data">Examples by rows: inputs [N][inputSize], targets [N][outputSize].</param>
/// <param name="Loss">The loss that drives the gradient, its reduction, and further losses to report.</param>
/// <param name="Optimizer">The update rule and its hyperparameters; defaults are PyTorch's and are echoed back.</param>
/// <param name="Iterations">Optimizer steps to take (default 1).</param>
/// <param name="Sampling">Which examples each iteration uses (default: full batch).</param>
/// <param name="Include">Sections to return: forward, loss, backward, update, state (default all).</param>
public sealed partial record TrainRequest(
    NetworkRequest? Network,
    DataRequest? Data,
    LossRequest? Loss,
    OptimizerRequest? Optimizer,
    int? Iterations,
    SamplingRequest? Sampling,
    string[]? Include);

/// <param name="InputSize">Features per example.</param>
/// <param name="Layers">Dense layers from input to output.</param>
public sealed record NetworkRequest(int? InputSize, LayerRequest[]? Layers);

/// <summary>z = W a + b, a = f(z). W is [out][in]: row i holds the weights into unit i.</summary>
/// <param name="Name">Unique name (default layer1, layer2, ...).</param>
/// <param name="Activation">identity, sigmoid, tanh, relu, leaky_relu, elu, softplus, softmax (output layer only).</param>
/// <param name="Weights">[out][in].</param>
/// <param name="Biases">[out]; leave out for a layer without bias term.</param>
/// <param name="NegativeSlope">leaky_relu only (default 0.01).</param>
/// <param name="Alpha">elu only (default 1).</param>
/// <param name="Beta">softplus only (default 1), &gt; 0.</param>
public sealed record LayerRequest(
    string? Name,
    string? Activation,
    double[][]? Weights,
    double[]? Biases,
    double? NegativeSlope,
    double? Alpha,
    double? Beta);

/// <param name="Inputs">[N][inputSize].</param>
/// <param name="Targets">[N][outputSize].</param>
public sealed record DataRequest(double[][]? Inputs, double[][]? Targets);

/// <param name="Type">half_sse, sse, mse, bce, ce.</param>
/// <param name="Reduction">sum or mean over the batch (default mean, as PyTorch).</param>
/// <param name="AlsoReport">Further loss types whose values are reported but do not drive the gradient.</param>
public sealed record LossRequest(string? Type, string? Reduction, string[]? AlsoReport);

/// <summary>One flat object for every optimizer; a field the chosen type does not use is rejected.</summary>
/// <param name="Type">sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw.</param>
/// <param name="Convention">momentum: pytorch (default), heavy_ball, velocity_step, ema; nesterov: pytorch (default), sutskever.</param>
/// <param name="LearningRate">eta, required, &gt; 0.</param>
/// <param name="Momentum">mu: required for momentum and nesterov; optional for rmsprop (default 0).</param>
/// <param name="Dampening">momentum/pytorch only (default 0).</param>
/// <param name="WeightDecay">lambda (default 0): adds lambda theta to g; adamw decays theta directly.</param>
/// <param name="Beta1">adam, adamw (default 0.9).</param>
/// <param name="Beta2">adam, adamw (default 0.999).</param>
/// <param name="Epsilon">adagrad (1e-10), rmsprop (1e-8), adam and adamw (1e-8).</param>
/// <param name="EpsilonPlacement">rmsprop: outside_sqrt (default), inside_sqrt; adam, adamw: also keras.</param>
/// <param name="BiasCorrection">adam, adamw (default true).</param>
/// <param name="Amsgrad">adam, adamw (default false).</param>
/// <param name="Rho">rmsprop decay (default 0.99).</param>
/// <param name="Centered">rmsprop (default false).</param>
/// <param name="LearningRateDecay">adagrad (default 0).</param>
/// <param name="InitialAccumulator">adagrad (default 0).</param>
public sealed record OptimizerRequest(
    string? Type,
    string? Convention,
    double? LearningRate,
    double? Momentum,
    double? Dampening,
    double? WeightDecay,
    double? Beta1,
    double? Beta2,
    double? Epsilon,
    string? EpsilonPlacement,
    bool? BiasCorrection,
    bool? Amsgrad,
    double? Rho,
    bool? Centered,
    double? LearningRateDecay,
    double? InitialAccumulator);

/// <param name="Mode">full (default), sequential, random, minibatch, schedule.</param>
/// <param name="Seed">random and minibatch: seeds SplitMix64 (0 to 2^63 - 1).</param>
/// <param name="BatchSize">minibatch only.</param>
/// <param name="Indices">schedule only: one array of example indices per iteration.</param>
public sealed record SamplingRequest(string? Mode, long? Seed, int? BatchSize, int[][]? Indices);
