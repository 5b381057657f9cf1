using System.Text.Json;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Api;

/// <summary>Divergence is a result: 200, valid JSON, status "diverged", non-finite values as strings.</summary>
[Collection(ApiCollection.Name)]
public sealed class DivergenceTests(GradApiFactory factory)
{
    /// <summary>y = w x with x = 1, y = 100, w0 = 0; half_sse, sum; sgd with learning rate 2.5.</summary>
    static JsonObject LinearRequest(int iterations) => (JsonObject)JsonNode.Parse($$"""
        {
          "network": { "inputSize": 1, "layers": [ { "activation": "identity", "weights": [[0]] } ] },
          "data": { "inputs": [[1]], "targets": [[100]] },
          "loss": { "type": "half_sse", "reduction": "sum" },
          "optimizer": { "type": "sgd", "learningRate": 2.5 },
          "iterations": {{iterations}}
        }
        """)!;

    /// <summary>
    /// By hand: with e = w - 100, g = e and the step gives e' = e - 2.5 e = -1.5 e, so before step t
    /// e = -100 (-1.5)^(t-1) and the loss of iteration t is 1/2 e^2 = 5000 * 2.25^(t-1). The loss
    /// itself (not an intermediate square) first exceeds a double (max 1.7977e308) when
    /// t - 1 > log(1.7977e308 / 5000) / log 2.25 = 864.77, i.e. at t = 866 (at t = 865 it is 9.66e307,
    /// finite); the parameter, 100 + 100 * 1.5^t in size, would only overflow near t = 1740.
    /// So iterations = 1000 suffices.
    /// </summary>
    static int DivergenceIterationByHand()
    {
        double steps = Math.Log(double.MaxValue / 5000) / Math.Log(2.25); // about 864.77
        return (int)Math.Floor(steps) + 1 + 1;
    }

    [Fact]
    public void TheHandDerivedDivergenceIterationIs866() => Assert.Equal(866, DivergenceIterationByHand());

    [Fact]
    public async Task PostingALearningRateAboveTwoOnALinearModelDivergesAtTheIterationDerivedByHand()
    {
        using var client = factory.CreateClient();
        var (body, text) = await ApiTest.ReadOk(await client.PostTrain(LinearRequest(1000)));

        int expected = DivergenceIterationByHand();
        Assert.Equal("diverged", body["status"]!.GetValue<string>());
        Assert.Equal(expected, body["divergedAtIteration"]!.GetValue<int>());

        var iterations = body["iterations"]!.AsArray();
        Assert.Equal(expected, iterations.Count);
        Assert.Equal(expected, iterations[^1]!["iteration"]!.GetValue<int>());

        // The last iteration's loss is the first non-finite value; the previous one is finite and huge.
        var last = iterations[^1]!;
        Assert.Equal("Infinity", last["loss"]!["value"]!.GetValue<string>());
        Assert.Equal("Infinity", last["loss"]!["perExample"]![0]!.GetValue<string>());
        double previous = iterations[^2]!["loss"]!["value"]!.GetValue<double>();
        Assert.True(double.IsFinite(previous) && previous > 1e307, $"loss of iteration {expected - 1} is {previous}");

        // Iteration t's output is w after t-1 steps: 100 - 100 (-1.5)^(t-1); check a few against the closed form.
        foreach (int t in new[] { 1, 2, 3, 10, 100 })
        {
            double a = iterations[t - 1]!["forward"]!["layers"]![0]!["a"]![0]![0]!.GetValue<double>();
            double byHand = 100 - 100 * Math.Pow(-1.5, t - 1);
            Assert.True(Math.Abs(a - byHand) <= 1e-9 * Math.Abs(byHand) + 1e-9, $"iteration {t}: a = {a}, by hand {byHand}");
        }

        AssertNonFiniteValuesAreStrings(text);
    }

    [Fact]
    public async Task PostingFewerIterationsThanTheDivergencePointCompletes()
    {
        using var client = factory.CreateClient();
        var request = LinearRequest(DivergenceIterationByHand() - 1);
        request["include"] = new JsonArray("loss");
        var (body, text) = await ApiTest.ReadOk(await client.PostTrain(request));
        Assert.Equal("completed", body["status"]!.GetValue<string>());
        Assert.Null(body["divergedAtIteration"]);
        Assert.True(body.ContainsKey("divergedAtIteration"));
        Assert.DoesNotContain("Infinity", text);
    }

    [Fact]
    public async Task PostingAWeightThatOverflowsInOneStepWritesInfinityAndMinusInfinityAsStrings()
    {
        // z = 1e308, loss 1/2 (1e308)^2 = Infinity; g = 1e308 and w = 1e308 - 2.5e308 = 1e308 - Infinity = -Infinity.
        var request = JsonNode.Parse("""
            {
              "network": { "inputSize": 1, "layers": [ { "activation": "identity", "weights": [[1e308]] } ] },
              "data": { "inputs": [[1]], "targets": [[0]] },
              "loss": { "type": "half_sse", "reduction": "sum" },
              "optimizer": { "type": "sgd", "learningRate": 2.5 },
              "iterations": 5
            }
            """)!;
        using var client = factory.CreateClient();
        var (body, text) = await ApiTest.ReadOk(await client.PostTrain(request));

        Assert.Equal("diverged", body["status"]!.GetValue<string>());
        Assert.Equal(1, body["divergedAtIteration"]!.GetValue<int>());
        var iteration = Assert.Single(body["iterations"]!.AsArray())!;
        Assert.Equal("Infinity", iteration["loss"]!["value"]!.GetValue<string>());
        Assert.Equal("-Infinity", iteration["update"]!["layers"]![0]!["weights"]![0]![0]!.GetValue<string>());
        Assert.Equal("-Infinity", body["final"]!["layers"]![0]!["weights"]![0]![0]!.GetValue<string>());
        AssertNonFiniteValuesAreStrings(text);
    }

    [Fact]
    public async Task PostingANetworkWhoseForwardPassOverflowsWritesNaNAsAString()
    {
        // Layer 1: z = 1e308 + 1e308 = Infinity; layer 2 has weight 0, so z = 0 * Infinity = NaN.
        var request = JsonNode.Parse("""
            {
              "network": { "inputSize": 2, "layers": [
                { "activation": "identity", "weights": [[1e308, 1e308]] },
                { "activation": "identity", "weights": [[0]] } ] },
              "data": { "inputs": [[1, 1]], "targets": [[1]] },
              "loss": { "type": "half_sse", "reduction": "sum" },
              "optimizer": { "type": "sgd", "learningRate": 2.5 },
              "iterations": 5
            }
            """)!;
        using var client = factory.CreateClient();
        var (body, text) = await ApiTest.ReadOk(await client.PostTrain(request));

        Assert.Equal("diverged", body["status"]!.GetValue<string>());
        Assert.Equal(1, body["divergedAtIteration"]!.GetValue<int>());
        var iteration = Assert.Single(body["iterations"]!.AsArray())!;
        var forward = iteration["forward"]!["layers"]!;
        Assert.Equal("Infinity", forward[0]!["z"]![0]![0]!.GetValue<string>());
        Assert.Equal("NaN", forward[1]!["z"]![0]![0]!.GetValue<string>());
        Assert.Equal("NaN", iteration["loss"]!["value"]!.GetValue<string>());
        AssertNonFiniteValuesAreStrings(text);
    }

    /// <summary>The body is valid JSON in which NaN and the infinities only ever appear as the three strings.</summary>
    static void AssertNonFiniteValuesAreStrings(string text)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text));
        int strings = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.Number)
                Assert.True(reader.TryGetDouble(out double d) && double.IsFinite(d), $"number token {reader.GetDouble()} is not finite");
            if (reader.TokenType == JsonTokenType.String && reader.GetString() is "NaN" or "Infinity" or "-Infinity") strings++;
            if (reader.TokenType == JsonTokenType.String)
                Assert.DoesNotContain("∞", reader.GetString()!);
        }
        Assert.True(strings > 0, "no non-finite value was written");
    }
}
