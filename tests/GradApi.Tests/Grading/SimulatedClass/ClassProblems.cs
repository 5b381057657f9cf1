using System.Text.Json.Nodes;

namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>The optimizer of a problem, with the hyperparameters the students use.</summary>
internal sealed record HandOptimizer(string Type, string? Convention, double LearningRate,
    double Momentum = 0, double Beta1 = 0, double Beta2 = 0, double Rho = 0, double Epsilon = 0)
{
    public string Label => Convention is null ? Type : $"{Type}/{Convention}";

    /// <summary>The state slots in the order they are computed (as the contract names them).</summary>
    public string[] Slots => Type switch
    {
        "momentum" => Convention == "ema" ? ["m"] : ["v"],
        "adam" => ["m", "v", "mhat", "vhat"],
        "rmsprop" => ["s"],
        _ => [],
    };

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["type"] = Type, ["learningRate"] = LearningRate };
        switch (Type)
        {
            case "momentum":
                json["convention"] = Convention;
                json["momentum"] = Momentum;
                break;
            case "adam":
                json["beta1"] = Beta1;
                json["beta2"] = Beta2;
                json["epsilon"] = Epsilon;
                break;
            case "rmsprop":
                json["rho"] = Rho;
                json["epsilon"] = Epsilon;
                break;
        }
        return json;
    }
}

/// <summary>
/// One homework problem of the class: a sigmoid network (softmax output for ce), full batch, sum reduction,
/// two iterations. Weights are [out][in].
/// </summary>
internal sealed record HandProblem(string Name, int[] Sizes, T2[] Weights, T2[] Biases, T2 Inputs, T2 Targets,
    string Loss, HandOptimizer Optimizer, int Iterations = 2)
{
    public int LayerCount => Weights.Length;
    public int Examples => Inputs.Rows;
    public bool SoftmaxOutput => Loss == "ce";
    /// <summary>bce after a sigmoid and ce after softmax: the output delta is written a - y by hand.</summary>
    public bool FusedOutput => Loss is "bce" or "ce";
    public string Label => $"{Name} {string.Join("-", Sizes)} B={Examples} {Loss} {Optimizer.Label}";

    public JsonObject ToJson()
    {
        var layers = new JsonArray();
        for (int l = 0; l < LayerCount; l++)
        {
            layers.Add(new JsonObject
            {
                ["name"] = l == LayerCount - 1 ? "output" : $"hidden{l + 1}",
                ["activation"] = l == LayerCount - 1 && SoftmaxOutput ? "softmax" : "sigmoid",
                ["weights"] = Weights[l].ToJson(),
                ["biases"] = Biases[l].ToJson(),
            });
        }
        return new JsonObject
        {
            ["network"] = new JsonObject { ["inputSize"] = Sizes[0], ["layers"] = layers },
            ["data"] = new JsonObject { ["inputs"] = Inputs.ToJson(), ["targets"] = Targets.ToJson() },
            ["loss"] = new JsonObject { ["type"] = Loss, ["reduction"] = "sum" },
            ["optimizer"] = Optimizer.ToJson(),
            ["iterations"] = Iterations,
            ["sampling"] = new JsonObject { ["mode"] = "full" },
        };
    }
}

/// <summary>The problems the class works, drawn from a fixed seed.</summary>
internal static class ClassProblems
{
    /// <summary>
    /// Learning rates and hyperparameters chosen so the numbers stay well represented when written to 2-4 decimals
    /// and one mistake does not reproduce another: no learning rate is 1 (so a missing one shows) or 1/2 (a missing
    /// 0.5 would be a factor of two), the first states of the momentum conventions (g, -0.3 g, 0.3 g, 0.4 g) are no
    /// factor of two apart, Adam's beta2 and RMSprop's rho are 0.9 (the defaults 0.999 and
    /// 0.99 make (1 - beta2) g^2 round to 0 at 4 decimals) and their epsilon is 0.01 (a written second moment of 0 must
    /// not turn a step into m / 1e-8).
    /// </summary>
    public static readonly HandOptimizer[] Optimizers =
    [
        new("sgd", null, 0.3),
        new("momentum", "pytorch", 0.3, Momentum: 0.9),
        new("momentum", "heavy_ball", 0.3, Momentum: 0.9),
        new("momentum", "velocity_step", 0.3, Momentum: 0.9),
        new("momentum", "ema", 0.5, Momentum: 0.6),
        new("adam", null, 0.1, Beta1: 0.9, Beta2: 0.9, Epsilon: 0.01),
        new("rmsprop", null, 0.05, Rho: 0.9, Epsilon: 0.01),
    ];

    public static readonly string[] Losses = ["half_sse", "bce", "ce"];

    /// <summary>
    /// Every loss x optimizer, twice: a two-layer net and a three-layer one, with one or two examples (alternating
    /// with the optimizer so each architecture meets both batch sizes). 42 problems.
    /// </summary>
    public static IReadOnlyList<HandProblem> All(int seed = 20261201)
    {
        var random = new Random(seed);
        var problems = new List<HandProblem>();
        int id = 0;
        foreach (var loss in Losses)
            for (int k = 0; k < Optimizers.Length; k++)
                foreach (bool deep in new[] { false, true })
                {
                    int examples = deep == (k % 2 == 0) ? 2 : 1;
                    int outputs = loss == "ce" ? 2 + random.Next(2) : 1;
                    int[] sizes = deep ? [3, 2, 2, outputs] : [3, 2, outputs];
                    problems.Add(Draw($"p{++id:00}", sizes, examples, loss, Optimizers[k], random));
                }
        return problems;
    }

    static HandProblem Draw(string name, int[] sizes, int examples, string loss, HandOptimizer optimizer, Random random)
    {
        int decimals = 1 + random.Next(2);
        double Uniform(double scale, int d) => Math.Round((2 * random.NextDouble() - 1) * scale, d);
        var weights = new T2[sizes.Length - 1];
        var biases = new T2[sizes.Length - 1];
        for (int l = 0; l < weights.Length; l++)
        {
            weights[l] = new T2(Enumerable.Range(0, sizes[l + 1])
                .Select(_ => Enumerable.Range(0, sizes[l]).Select(_ => Uniform(1.5, decimals)).ToArray()).ToArray());
            biases[l] = T2.Vector(Enumerable.Range(0, sizes[l + 1]).Select(_ => Uniform(0.5, decimals)).ToArray());
        }
        var inputs = new T2(Enumerable.Range(0, examples)
            .Select(_ => Enumerable.Range(0, sizes[0]).Select(_ => Uniform(2, 1)).ToArray()).ToArray());
        int outputs = sizes[^1];
        var targets = new T2(Enumerable.Range(0, examples).Select(_ =>
        {
            var row = new double[outputs];
            if (loss == "ce") row[random.Next(outputs)] = 1;
            else for (int k = 0; k < outputs; k++) row[k] = random.Next(2);
            return row;
        }).ToArray());
        return new HandProblem(name, sizes, weights, biases, inputs, targets, loss, optimizer);
    }

    /// <summary>Seed 001, Q1 (the contract's problem): 3-2-1 sigmoid, half_sse, heavy-ball momentum, eta = mu = 0.9.</summary>
    public static HandProblem Seed001() => new("seed001", [3, 2, 1],
        [new T2([[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]]), new T2([[-0.3, -0.2]])],
        [T2.Vector([-0.4, 0.2]), T2.Vector([0.1])],
        new T2([[1, 0, 1]]), new T2([[1]]), "half_sse", new HandOptimizer("momentum", "heavy_ball", 0.9, Momentum: 0.9));
}
