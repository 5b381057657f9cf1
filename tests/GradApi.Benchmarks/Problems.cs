using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Json;

namespace GradApi.Benchmarks;

/// <summary>
/// The requests the benchmarks run, built the way the service builds them: a <see cref="TrainRequest"/>
/// read with the host's JSON options, then <see cref="TrainRequestMapper.ToProblem"/>.
/// </summary>
public static class Problems
{
    static readonly JsonSerializerOptions Options = CreateOptions();

    static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Configure(options);
        return options;
    }

    /// <summary>Seed 001, Q1: a 3-2-1 sigmoid network, half_sse, heavy-ball momentum, 2 iterations (the README's curl example).</summary>
    public const string Seed001Json = """
        {"network":{"inputSize":3,"layers":[
          {"name":"hidden","activation":"sigmoid","weights":[[0.2,0.4,-0.5],[-0.3,0.1,0.2]],"biases":[-0.4,0.2]},
          {"name":"output","activation":"sigmoid","weights":[[-0.3,-0.2]],"biases":[0.1]}]},
         "data":{"inputs":[[1,0,1]],"targets":[[1]]},
         "loss":{"type":"half_sse","reduction":"sum","alsoReport":["bce"]},
         "optimizer":{"type":"momentum","convention":"heavy_ball","learningRate":0.9,"momentum":0.9},
         "iterations":2,"sampling":{"mode":"full"}}
        """;

    public static TrainRequest Seed001() => JsonSerializer.Deserialize<TrainRequest>(Seed001Json, Options)!;

    /// <summary>
    /// A 64-32-10 MLP (tanh, softmax), 256 examples with one-hot targets, ce with mean reduction,
    /// Adam, minibatches of 32, 20 iterations: MNIST-style, scaled down to a grader's size.
    /// Parameters are drawn from a fixed seed so every run computes the same numbers.
    /// </summary>
    public static TrainRequest Mlp64x32x10(int examples = 256, int batchSize = 32, int iterations = 20)
    {
        const int inputs = 64, hidden = 32, classes = 10;
        var random = new Random(20261101);
        double Uniform(double scale) => (2 * random.NextDouble() - 1) * scale;
        double[][] Matrix(int rows, int columns, double scale) =>
            Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => Uniform(scale)).ToArray()).ToArray();

        var x = Matrix(examples, inputs, 1.0);
        // Built as JSON, like a client's request, so the benchmark does not depend on the records' constructors.
        return CeRequest(inputs, "tanh", Matrix(hidden, inputs, 1 / Math.Sqrt(inputs)), Matrix(classes, hidden, 1 / Math.Sqrt(hidden)), x, OneHot(examples, classes),
            iterations, new JsonObject { ["mode"] = "minibatch", ["batchSize"] = batchSize, ["seed"] = 7 });
    }

    /// <summary>
    /// Issue 13's trace-writing problem: a 784-128-10 network (sigmoid, then softmax with ce, mean; Adam), 32 examples in one
    /// full batch, 101,770 parameters; with <paramref name="include"/> null its 1-iteration trace is about 17 MB of JSON,
    /// with ["update"] and 20 iterations about 46 MB (what scripts/trace-throughput.sh posts).
    /// </summary>
    public static TrainRequest MnistTrace784x128x10(int iterations = 1, string[]? include = null)
    {
        const int inputs = 784, hidden = 128, classes = 10, examples = 32;
        var random = new Random(20261202);
        double[][] Matrix(int rows, int columns, double scale, int digits) => Enumerable.Range(0, rows)
            .Select(_ => Enumerable.Range(0, columns).Select(_ => Math.Round((2 * random.NextDouble() - 1) * scale, digits)).ToArray()).ToArray();
        var x = Enumerable.Range(0, examples).Select(_ => Enumerable.Range(0, inputs).Select(_ => Math.Round(random.NextDouble(), 4)).ToArray()).ToArray();
        return CeRequest(inputs, "sigmoid", Matrix(hidden, inputs, 0.05, 6), Matrix(classes, hidden, 0.1, 6), x, OneHot(examples, classes),
            iterations, new JsonObject { ["mode"] = "full" }, include);
    }

    /// <summary>
    /// Issue 13's MNIST-sized step: a 784-128-10 MLP (sigmoid, softmax), 256 examples of pixel-like inputs in [0, 1]
    /// with one-hot targets, ce with mean reduction, Adam, minibatches of 32: 101,770 parameters.
    /// </summary>
    public static TrainRequest Mnist784x128x10(int examples = 256, int batchSize = 32, int iterations = 1)
    {
        const int inputs = 784, hidden = 128, classes = 10;
        var random = new Random(20261202);
        double Uniform(double scale) => (2 * random.NextDouble() - 1) * scale;
        double[][] Matrix(int rows, int columns, double scale) =>
            Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => Uniform(scale)).ToArray()).ToArray();

        var x = Enumerable.Range(0, examples).Select(_ => Enumerable.Range(0, inputs).Select(_ => random.NextDouble()).ToArray()).ToArray();
        return CeRequest(inputs, "sigmoid", Matrix(hidden, inputs, 1 / Math.Sqrt(inputs)), Matrix(classes, hidden, 1 / Math.Sqrt(hidden)), x, OneHot(examples, classes),
            iterations, new JsonObject { ["mode"] = "minibatch", ["batchSize"] = batchSize, ["seed"] = 7 });
    }

    static double[][] OneHot(int examples, int classes) =>
        Enumerable.Range(0, examples).Select(i => Enumerable.Range(0, classes).Select(c => c == i % classes ? 1.0 : 0.0).ToArray()).ToArray();

    /// <summary>A two-layer network into softmax with ce (mean) and Adam at 0.001, as a client would send it.</summary>
    static TrainRequest CeRequest(int inputs, string hiddenActivation, double[][] hiddenWeights, double[][] outputWeights, double[][] x, double[][] y,
        int iterations, JsonObject sampling, string[]? include = null)
    {
        var request = new JsonObject
        {
            ["network"] = new JsonObject
            {
                ["inputSize"] = inputs,
                ["layers"] = new JsonArray(
                    Layer("hidden", hiddenActivation, hiddenWeights, hiddenWeights.Length),
                    Layer("output", "softmax", outputWeights, outputWeights.Length)),
            },
            ["data"] = new JsonObject { ["inputs"] = ToJson(x), ["targets"] = ToJson(y) },
            ["loss"] = new JsonObject { ["type"] = "ce", ["reduction"] = "mean" },
            ["optimizer"] = new JsonObject { ["type"] = "adam", ["learningRate"] = 0.001 },
            ["iterations"] = iterations,
            ["sampling"] = sampling,
        };
        if (include is not null) request["include"] = new JsonArray(include.Select(s => (JsonNode?)s).ToArray());
        return request.Deserialize<TrainRequest>(Options)!;
    }

    static JsonObject Layer(string name, string activation, double[][] weights, int units) => new()
    {
        ["name"] = name,
        ["activation"] = activation,
        ["weights"] = ToJson(weights),
        ["biases"] = new JsonArray(Enumerable.Repeat(0.0, units).Select(b => (JsonNode?)b).ToArray()),
    };

    static JsonArray ToJson(double[][] rows) =>
        new(rows.Select(row => (JsonNode?)new JsonArray(row.Select(v => (JsonNode?)v).ToArray())).ToArray());
}
