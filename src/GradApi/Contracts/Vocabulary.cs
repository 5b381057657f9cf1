namespace GradApi.Contracts;

/// <summary>The contract's enum values (lower snake case), shared by validation, mapping and the OpenAPI text.</summary>
public static class Vocabulary
{
    public static readonly string[] Activations = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softmax"];
    public static readonly string[] Losses = ["half_sse", "sse", "mse", "bce", "ce"];
    public static readonly string[] Reductions = ["sum", "mean"];
    public static readonly string[] Optimizers = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"];
    public static readonly string[] MomentumConventions = ["pytorch", "heavy_ball", "velocity_step", "ema"];
    public static readonly string[] NesterovConventions = ["pytorch", "sutskever"];
    public static readonly string[] RmsPropEpsilonPlacements = ["outside_sqrt", "inside_sqrt"];
    public static readonly string[] AdamEpsilonPlacements = ["outside_sqrt", "inside_sqrt", "keras"];
    public static readonly string[] SamplingModes = ["full", "sequential", "random", "minibatch", "schedule"];
    public static readonly string[] Sections = ["forward", "loss", "backward", "update", "state"];
    public static readonly string[] ToleranceTypes = ["relative", "absolute", "decimals", "significant_figures"];
    public static readonly string[] PartialCredits = ["proportional", "all_or_nothing"];
    public static readonly string[] Reveals = ["all", "verdicts"];

    public static string List(IEnumerable<string> values) => string.Join(", ", values);
}
