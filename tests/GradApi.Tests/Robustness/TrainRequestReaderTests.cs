using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Json;
using GradApi.OpenApi;
using GradApi.Tests.Fixtures;

namespace GradApi.Tests.Robustness;

/// <summary>
/// The /v1/train body's own reader (<see cref="TrainRequestReader"/>) against the serializer it stands in for: on every
/// example and reference request it reads the body itself, and on tens of thousands of mutations of them it reads
/// exactly what the serializer reads, whenever it reads anything (it leaves every failure to the serializer).
/// </summary>
public sealed class TrainRequestReaderTests
{
    static readonly JsonSerializerOptions Service = ServiceOptions();
    // Written with the serializer's defaults: every double's round-trip digits, -0 kept as -0.
    static readonly JsonSerializerOptions Plain = new();

    static JsonSerializerOptions ServiceOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonSetup.Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    static List<(string Name, string Route, JsonNode Request)> TrainRequests() =>
    [
        .. RequestExamples.Load("train").Select(e => ($"train.{e.Name}", "/v1/train", e.Example["value"]!)),
        .. ReferenceCase.Names().Select(n => ($"reference.{n}", "/v1/train", (JsonNode)ReferenceCase.Load(n!).Request)),
    ];

    [Fact]
    public void EveryExampleAndReferenceRequestIsReadByTheFastPathAsTheSerializerReadsIt()
    {
        var requests = TrainRequests();
        Assert.True(requests.Count >= 16, $"found {requests.Count} requests");
        foreach (var (name, _, request) in requests)
        {
            var body = Encoding.UTF8.GetBytes(request.ToJsonString());
            Assert.True(Fast(body, out var fast), $"{name}: the fast path left it to the serializer");
            var serializer = JsonSerializer.Deserialize<TrainRequest>(body, Service);
            Assert.Equal(Text(serializer), Text(fast));
        }
    }

    [Fact]
    public void MutatedRequestsReadByTheFastPathReadAsTheSerializerReadsThem()
    {
        int read = 0, refused = 0, fastPath = 0;
        foreach (var fuzz in RequestMutator.Cases(TrainRequests(), seed: 20261204, count: 20_000))
        {
            var body = Encoding.UTF8.GetBytes(fuzz.Body);
            var expected = Outcome(() => JsonSerializer.Deserialize<TrainRequest>(body, Service));
            if (Fast(body, out var fast))
            {
                fastPath++;
                Assert.True(expected == Text(fast), $"{fuzz}: the fast path read {Text(fast)}, the serializer {expected}\nbody: {fuzz.Body}");
            }
            if (expected.StartsWith("error", StringComparison.Ordinal)) refused++;
            else read++;
        }
        // Both sides of the reader are exercised: requests it reads itself, and ones it leaves to the serializer.
        Assert.True(fastPath > 2_000 && read - fastPath > 500 && refused > 2_000, $"fast {fastPath}, read {read}, refused {refused}");
    }

    // As the endpoint reads a body: the whole value, and nothing after it.
    static bool Fast(byte[] body, out TrainRequest? request)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        request = null;
        try
        {
            return reader.Read() && TrainRequestReader.TryRead(ref reader, out request) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static string Outcome(Func<TrainRequest?> read)
    {
        try
        {
            return Text(read());
        }
        catch (JsonException e)
        {
            return $"error at {e.Path}: {e.Message}";
        }
    }

    static string Text(TrainRequest? request) => JsonSerializer.Serialize(request, Plain);
}
