using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Json;
using GradApi.Tests.Fixtures;

namespace GradApi.Tests.Api;

/// <summary>
/// The trace is written in chunks with its own number formatter; its bytes must be exactly those of the element-by-element
/// writer it replaced (<see cref="ElementWiseTraceWriter"/>), for small traces held whole, and for traces sent in many
/// pieces whose tensors span several chunks.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TraceWriterTests(GradApiFactory factory)
{
    static readonly JsonSerializerOptions Json = CreateOptions();

    static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonSetup.Configure(options);
        return options;
    }

    public static TheoryData<string> ReferenceNames() => new(ReferenceCase.Names());

    [Theory]
    [MemberData(nameof(ReferenceNames))]
    public async Task EveryReferenceTraceIsWrittenByteForByteAsTheElementWiseWriterWroteIt(string name) =>
        await AssertSameBytes(ReferenceCase.Load(name).Request);

    [Theory]
    [InlineData(null)]
    [InlineData("update")]
    [InlineData("state")]
    [InlineData("forward,loss")]
    public async Task ATraceOfHundredsOfKilobytesSentInPiecesIsWrittenByteForByteAsTheElementWiseWriterWroteIt(string? include)
    {
        var request = Wide(inputs: 300, hidden: 40, classes: 10, examples: 12, iterations: 3);
        if (include is not null) request["include"] = new JsonArray(include.Split(',').Select(s => (JsonNode)s).ToArray());
        var bytes = await AssertSameBytes(request);
        if (include is null) Assert.True(bytes > 300_000, $"the trace is {bytes} bytes, meant to span many chunks and sends");
    }

    [Fact]
    public async Task ADivergedTraceWithInfinitiesAndNaNIsWrittenByteForByteAsTheElementWiseWriterWroteIt()
    {
        // y = w x, x = 1, y = 100, sgd at 2.5: the error grows 1.5-fold a step until the loss overflows (iteration 866).
        var request = JsonNode.Parse("""
            { "network": { "inputSize": 1, "layers": [ { "activation": "identity", "weights": [[0]] } ] },
              "data": { "inputs": [[1]], "targets": [[100]] }, "loss": { "type": "half_sse", "reduction": "sum" },
              "optimizer": { "type": "sgd", "learningRate": 2.5 }, "iterations": 1000 }
            """)!.AsObject();
        await AssertSameBytes(request);
    }

    async Task<int> AssertSameBytes(JsonObject request)
    {
        using var client = factory.CreateClient();
        var response = await client.PostTrain(request);
        var actual = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(actual));
        var expected = ElementWiseTraceWriter.Write(request.Deserialize<TrainRequest>(Json)!);
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            int at = actual.AsSpan().CommonPrefixLength(expected);
            string Around(byte[] b) => Encoding.UTF8.GetString(b, Math.Max(0, at - 60), Math.Min(120, b.Length - Math.Max(0, at - 60)));
            Assert.Fail($"the bytes differ at {at} of {expected.Length} (got {actual.Length}):\nexpected ...{Around(expected)}\nactual   ...{Around(actual)}");
        }
        return actual.Length;
    }

    /// <summary>A sigmoid hidden layer and a softmax output with ce and Adam, weights from a fixed seed: full 17-digit numbers.</summary>
    static JsonObject Wide(int inputs, int hidden, int classes, int examples, int iterations)
    {
        var random = new Random(13);
        JsonArray Matrix(int rows, int columns, double scale) =>
            new(Enumerable.Range(0, rows).Select(_ => (JsonNode)new JsonArray(
                Enumerable.Range(0, columns).Select(_ => (JsonNode)((2 * random.NextDouble() - 1) * scale)).ToArray())).ToArray());
        var targets = new JsonArray(Enumerable.Range(0, examples)
            .Select(i => (JsonNode)new JsonArray(Enumerable.Range(0, classes).Select(c => (JsonNode)(c == i % classes ? 1 : 0)).ToArray())).ToArray());
        return new JsonObject
        {
            ["network"] = new JsonObject
            {
                ["inputSize"] = inputs,
                ["layers"] = new JsonArray(
                    new JsonObject { ["name"] = "hidden", ["activation"] = "sigmoid", ["weights"] = Matrix(hidden, inputs, 0.1), ["biases"] = Matrix(1, hidden, 0.1)[0]!.DeepClone() },
                    new JsonObject { ["name"] = "output", ["activation"] = "softmax", ["weights"] = Matrix(classes, hidden, 0.3) }),
            },
            ["data"] = new JsonObject { ["inputs"] = Matrix(examples, inputs, 1), ["targets"] = targets },
            ["loss"] = new JsonObject { ["type"] = "ce", ["reduction"] = "mean" },
            ["optimizer"] = new JsonObject { ["type"] = "adam", ["learningRate"] = 0.01 },
            ["iterations"] = iterations,
        };
    }
}
