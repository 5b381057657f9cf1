using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>What a /v1/train response holds: include sections, the optimizer echo, names, look-ahead, bias-free layers.</summary>
[Collection(ApiCollection.Name)]
public sealed class TraceShapeTests(GradApiFactory factory)
{
    static readonly string[] Sections = ["forward", "loss", "backward", "update"];

    async Task<JsonObject> Train(JsonObject request)
    {
        using var client = factory.CreateClient();
        return (await ApiTest.ReadOk(await client.PostTrain(request))).Body;
    }

    static JsonObject WithOptimizer(string optimizer)
    {
        var request = ApiTest.ValidRequest();
        request["optimizer"] = JsonNode.Parse(optimizer);
        return request;
    }

    [Fact]
    public async Task AZeroFromAnInactiveReluIsWrittenAsZeroNotMinusZero()
    {
        // Hidden relu unit: z = -1, so relu'(z) = 0; the output's delta is a - y = 0 - 1 = -1, so the hidden
        // delta is 0 x (1 x -1) = -0 in IEEE arithmetic. The response must say 0.
        var request = JsonNode.Parse("""
            {
              "network": { "inputSize": 1, "layers": [
                { "activation": "relu", "weights": [[1]], "biases": [0] },
                { "activation": "identity", "weights": [[1]], "biases": [0] } ] },
              "data": { "inputs": [[-1]], "targets": [[1]] },
              "loss": { "type": "half_sse", "reduction": "sum" },
              "optimizer": { "type": "sgd", "learningRate": 0.1 }
            }
            """)!.AsObject();
        using var client = factory.CreateClient();
        var (body, text) = await ApiTest.ReadOk(await client.PostTrain(request));
        Assert.Equal(-1.0, body["iterations"]![0]!["backward"]!["layers"]![1]!["delta"]![0]![0]!.GetValue<double>());
        Assert.Equal("[[0]]", body["iterations"]![0]!["backward"]!["layers"]![0]!["delta"]!.ToJsonString());
        Assert.DoesNotMatch(@"[\[,:]-0[,\]}]", text);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(3000, false)]
    public async Task ASmallTraceIsSentWholeWithItsLengthAndALargeOneAsItIsComputed(int iterations, bool whole)
    {
        // 2 iterations are about 4 KB, held and sent at once; 3,000 of about 150 bytes of loss each pass the 64 KB
        // held, so they are sent as computed, without a length known in advance. Either way the JSON is complete.
        var request = ApiTest.ValidRequest();
        request["iterations"] = iterations;
        request["include"] = new JsonArray("loss");
        var lengths = new LengthObserver();
        using var host = factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(lengths)));
        using var client = host.CreateClient();
        using var response = await client.PostTrain(request);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(whole ? bytes.Length : null, lengths.ContentLength);
        Assert.Equal(whole, bytes.Length < 64 * 1024);
        var body = JsonNode.Parse(bytes)!;
        Assert.Equal(iterations, body["iterations"]!.AsArray().Count);
        Assert.Equal("completed", body["status"]!.GetValue<string>());
    }

    /// <summary>The Content-Length the service set on its response, seen as the response ends.</summary>
    sealed class LengthObserver : IStartupFilter
    {
        public long? ContentLength { get; private set; }

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                await inner(context);
                ContentLength = context.Response.ContentLength;
            });
            next(app);
        };
    }

    // ---- include ----

    [Fact]
    public async Task IncludingOnlyLossReturnsIterationsWithTheLossAlone()
    {
        var request = ApiTest.ValidRequest();
        request["include"] = new JsonArray("loss");
        var body = await Train(request);

        var iterations = body["iterations"]!.AsArray();
        Assert.Equal(2, iterations.Count);
        foreach (var iteration in iterations.Select(i => i!.AsObject()))
        {
            Assert.True(iteration.ContainsKey("loss"));
            Assert.False(iteration.ContainsKey("forward"));
            Assert.False(iteration.ContainsKey("backward"));
            Assert.False(iteration.ContainsKey("update"));
            Assert.Equal(["iteration", "exampleIndices", "loss"], iteration.Select(p => p.Key));
        }
        // The run itself is unchanged: initial, final and status are still there.
        Assert.True(body.ContainsKey("initial"));
        Assert.True(body.ContainsKey("final"));
        Assert.Equal("completed", body["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task IncludingUpdateWithoutStateReturnsParametersWithoutState()
    {
        var request = WithOptimizer("""{ "type": "momentum", "learningRate": 0.1, "momentum": 0.9 }""");
        request["include"] = new JsonArray("update");
        var body = await Train(request);

        foreach (var iteration in body["iterations"]!.AsArray().Select(i => i!.AsObject()))
        {
            Assert.False(iteration.ContainsKey("forward"));
            Assert.False(iteration.ContainsKey("loss"));
            Assert.False(iteration.ContainsKey("backward"));
            foreach (var layer in iteration["update"]!["layers"]!.AsArray().Select(l => l!.AsObject()))
            {
                Assert.True(layer.ContainsKey("weights"));
                Assert.True(layer.ContainsKey("biases"));
                Assert.False(layer.ContainsKey("state"), $"state returned without being included: {layer.ToJsonString()}");
            }
        }
    }

    [Fact]
    public async Task IncludingStateWithoutUpdateReturnsStateWithoutParameters()
    {
        var request = WithOptimizer("""{ "type": "momentum", "learningRate": 0.1, "momentum": 0.9 }""");
        request["include"] = new JsonArray("state");
        var body = await Train(request);
        foreach (var layer in body["iterations"]![0]!["update"]!["layers"]!.AsArray().Select(l => l!.AsObject()))
        {
            Assert.False(layer.ContainsKey("weights"));
            Assert.False(layer.ContainsKey("biases"));
            Assert.True(layer["state"]!["v"]!.AsObject().ContainsKey("weights"));
        }
    }

    [Fact]
    public async Task LeavingIncludeOutReturnsEverySection()
    {
        var body = await Train(WithOptimizer("""{ "type": "momentum", "learningRate": 0.1, "momentum": 0.9 }"""));
        foreach (var iteration in body["iterations"]!.AsArray().Select(i => i!.AsObject()))
        {
            foreach (var section in Sections) Assert.True(iteration.ContainsKey(section), $"missing {section}");
            foreach (var layer in iteration["update"]!["layers"]!.AsArray())
                Assert.True(layer!["state"]!["v"] is JsonObject, $"missing state.v: {layer.ToJsonString()}");
        }
    }

    [Fact]
    public async Task IncludingEverySectionExplicitlyEqualsTheDefault()
    {
        using var client = factory.CreateClient();
        var request = ApiTest.ValidRequest();
        string all = await (await client.PostTrain(request)).Content.ReadAsStringAsync();
        request["include"] = new JsonArray("forward", "loss", "backward", "update", "state");
        string explicitAll = await (await client.PostTrain(request)).Content.ReadAsStringAsync();
        Assert.Equal(all, explicitAll);
    }

    // ---- optimizer echo ----

    [Fact]
    public async Task AdamWithOnlyALearningRateEchoesEveryDefault()
    {
        var body = await Train(WithOptimizer("""{ "type": "adam", "learningRate": 0.01 }"""));
        var optimizer = body["optimizer"]!.AsObject();
        Assert.Equal("adam", optimizer["type"]!.GetValue<string>());
        Assert.Equal(0.01, optimizer["learningRate"]!.GetValue<double>());
        Assert.Equal(0.9, optimizer["beta1"]!.GetValue<double>());
        Assert.Equal(0.999, optimizer["beta2"]!.GetValue<double>());
        Assert.Equal(1e-8, optimizer["epsilon"]!.GetValue<double>());
        Assert.True(optimizer["biasCorrection"]!.GetValue<bool>());
        Assert.False(optimizer["amsgrad"]!.GetValue<bool>());
        Assert.Equal("outside_sqrt", optimizer["epsilonPlacement"]!.GetValue<string>());
        Assert.Equal(0.0, optimizer["weightDecay"]!.GetValue<double>());
    }

    [Fact]
    public async Task MomentumWithoutAConventionEchoesPytorchAndNoDampening()
    {
        var body = await Train(WithOptimizer("""{ "type": "momentum", "learningRate": 0.1, "momentum": 0.9 }"""));
        var optimizer = body["optimizer"]!.AsObject();
        Assert.Equal("momentum", optimizer["type"]!.GetValue<string>());
        Assert.Equal("pytorch", optimizer["convention"]!.GetValue<string>());
        Assert.Equal(0.9, optimizer["momentum"]!.GetValue<double>());
        Assert.Equal(0.0, optimizer["dampening"]!.GetValue<double>());
        Assert.Equal(0.0, optimizer["weightDecay"]!.GetValue<double>());
    }

    [Fact]
    public async Task TheOptimizerEchoCanBePostedBackAsTheSameOptimizer()
    {
        // Everything echoed is a field the request accepts for that type, so a grader can replay it.
        var first = await Train(WithOptimizer("""{ "type": "adam", "learningRate": 0.01 }"""));
        var replay = ApiTest.ValidRequest();
        replay["optimizer"] = first["optimizer"]!.DeepClone();
        var second = await Train(replay);
        Assert.True(JsonNode.DeepEquals(first, second), "replaying the echoed optimizer changed the result");
    }

    // ---- nesterov, names, bias-free layers ----

    [Fact]
    public async Task NesterovSutskeverReturnsTheLookAheadPointOfEveryLayer()
    {
        var body = await Train(WithOptimizer("""{ "type": "nesterov", "convention": "sutskever", "learningRate": 0.1, "momentum": 0.9 }"""));
        Assert.Equal("sutskever", body["optimizer"]!["convention"]!.GetValue<string>());
        var iterations = body["iterations"]!.AsArray();
        foreach (var iteration in iterations)
        {
            var layers = iteration!["update"]!["layers"]!.AsArray();
            Assert.Equal(2, layers.Count);
            foreach (var layer in layers)
            {
                var lookAhead = layer!["lookAhead"] as JsonObject;
                Assert.True(lookAhead is not null, $"no lookAhead: {layer.ToJsonString()}");
                Assert.True(lookAhead.ContainsKey("weights"));
                Assert.True(lookAhead.ContainsKey("biases"));
            }
        }
        // At t = 1, v = 0, so the look-ahead point is the initial parameters.
        Assert.True(JsonNode.DeepEquals(body["initial"]!["layers"]![0]!["weights"], iterations[0]!["update"]!["layers"]![0]!["lookAhead"]!["weights"]));
    }

    [Fact]
    public async Task NesterovPytorchReturnsNoLookAhead()
    {
        var body = await Train(WithOptimizer("""{ "type": "nesterov", "learningRate": 0.1, "momentum": 0.9 }"""));
        Assert.Equal("pytorch", body["optimizer"]!["convention"]!.GetValue<string>());
        foreach (var layer in body["iterations"]![0]!["update"]!["layers"]!.AsArray())
            Assert.False(layer!.AsObject().ContainsKey("lookAhead"));
    }

    [Fact]
    public async Task LayersWithoutNamesAreNamedLayer1AndLayer2Everywhere()
    {
        var request = ApiTest.ValidRequest();
        foreach (var layer in request["network"]!["layers"]!.AsArray()) layer!.AsObject().Remove("name");
        var body = await Train(request);

        string[] expected = ["layer1", "layer2"];
        Assert.Equal(expected, Names(body["initial"]!));
        Assert.Equal(expected, Names(body["final"]!));
        foreach (var iteration in body["iterations"]!.AsArray())
        {
            Assert.Equal(expected, Names(iteration!["forward"]!));
            Assert.Equal(expected, Names(iteration["backward"]!));
            Assert.Equal(expected, Names(iteration["update"]!));
        }

        static string[] Names(JsonNode section) => section["layers"]!.AsArray().Select(l => l!["name"]!.GetValue<string>()).ToArray();
    }

    [Fact]
    public async Task ALayerWithoutBiasesHasNoBiasOrBiasGradientFields()
    {
        var request = WithOptimizer("""{ "type": "adam", "learningRate": 0.01 }""");
        request["network"]!["layers"]![0]!.AsObject().Remove("biases");
        var body = await Train(request);

        // 2x2 weights, then 1x2 weights and 1 bias.
        Assert.Equal(7, body["parameterCount"]!.GetValue<int>());
        AssertBiasFree(body["initial"]!["layers"]![0]!, "initial");
        AssertBiasFree(body["final"]!["layers"]![0]!, "final");
        foreach (var iteration in body["iterations"]!.AsArray())
        {
            var backward = iteration!["backward"]!["layers"]!;
            Assert.False(backward[0]!.AsObject().ContainsKey("biasGradient"), backward[0]!.ToJsonString());
            Assert.True(backward[1]!.AsObject().ContainsKey("biasGradient"));
            var update = iteration["update"]!["layers"]!;
            AssertBiasFree(update[0]!, "update");
            Assert.True(update[1]!.AsObject().ContainsKey("biases"));
            foreach (var (slot, state) in update[0]!["state"]!.AsObject())
                Assert.False(state!.AsObject().ContainsKey("biases"), $"state {slot} of a bias-free layer has biases");
        }

        static void AssertBiasFree(JsonNode layer, string where) =>
            Assert.False(layer.AsObject().ContainsKey("biases"), $"{where}: {layer.ToJsonString()}");
    }

    [Fact]
    public async Task TheResponseEchoesTheResolvedLoss()
    {
        var request = ApiTest.ValidRequest();
        request["loss"] = JsonNode.Parse("""{ "type": "half_sse", "alsoReport": ["bce"] }""");
        var body = await Train(request);
        Assert.Equal("mean", body["loss"]!["reduction"]!.GetValue<string>());
        Assert.True(body["iterations"]![0]!["loss"]!["also"]!["bce"] is JsonValue);
    }
}
