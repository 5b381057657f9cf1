using System.Text;
using System.Text.Json.Nodes;
using GradApi.Contracts;
using GradApi.Json;
using GradApi.OpenApi;
using GradApi.Tests.Fixtures;
using static GradApi.Tests.Robustness.ContractReading;

namespace GradApi.Tests.Robustness;

/// <summary>
/// A request body's own reader against the serializer it stands in for: on every example it reads the body itself, and
/// on twenty thousand mutations of them it reads exactly what the serializer reads, whenever it reads anything (it
/// leaves every failure to the serializer, which answers with its own errors and paths).
/// </summary>
public abstract class ContractReaderTests<T> where T : class
{
    protected abstract List<(string Name, string Route, JsonNode Request)> Requests();
    protected abstract FastJsonReader<T> Reader { get; }
    protected abstract int ExampleCount { get; }

    [Fact]
    public void EveryExampleIsReadByTheFastPathAsTheSerializerReadsIt()
    {
        var requests = Requests();
        Assert.True(requests.Count >= ExampleCount, $"found {requests.Count} requests");
        foreach (var (name, _, request) in requests)
        {
            var body = Encoding.UTF8.GetBytes(request.ToJsonString());
            Assert.True(Fast(body, Reader, out var fast), $"{name}: the fast path left it to the serializer");
            Assert.Equal(Outcome<T>(body), Text(fast));
        }
    }

    [Fact]
    public void MutatedRequestsReadByTheFastPathReadAsTheSerializerReadsThem()
    {
        int read = 0, refused = 0, fastPath = 0;
        foreach (var fuzz in RequestMutator.Cases(Requests(), seed: 20261204, count: 20_000))
        {
            var body = Encoding.UTF8.GetBytes(fuzz.Body);
            var expected = Outcome<T>(body);
            if (Fast(body, Reader, out var fast))
            {
                fastPath++;
                Assert.True(expected == Text(fast), $"{fuzz}: the fast path read {Text(fast)}, the serializer {expected}\nbody: {fuzz.Body}");
            }
            if (expected.StartsWith("error", StringComparison.Ordinal)) refused++;
            else read++;
        }
        // Both ways are exercised: most readable bodies are read by the fast path, some (an escaped name, say) by the serializer.
        Assert.True(fastPath > 2_000 && read > fastPath && refused > 2_000, $"fast {fastPath}, read {read}, refused {refused}");
    }
}

/// <summary>/v1/train's <see cref="TrainRequestReader"/>, over every train example and reference request.</summary>
public sealed class TrainRequestReaderTests : ContractReaderTests<TrainRequest>
{
    protected override List<(string Name, string Route, JsonNode Request)> Requests() =>
    [
        .. RequestExamples.Load("train").Select(e => ($"train.{e.Name}", "/v1/train", e.Example["value"]!)),
        .. ReferenceCase.Names().Select(n => ($"reference.{n}", "/v1/train", (JsonNode)ReferenceCase.Load(n!).Request)),
    ];

    protected override FastJsonReader<TrainRequest> Reader => TrainRequestReader.TryRead;
    protected override int ExampleCount => 16;
}

/// <summary>/v1/grade's <see cref="GradeRequestReader"/>, over every grade example.</summary>
public sealed class GradeRequestReaderTests : ContractReaderTests<GradeRequest>
{
    protected override List<(string Name, string Route, JsonNode Request)> Requests() =>
        [.. RequestExamples.Load("grade").Select(e => ($"grade.{e.Name}", "/v1/grade", e.Example["value"]!))];

    protected override FastJsonReader<GradeRequest> Reader => GradeRequestReader.TryRead;
    protected override int ExampleCount => 7;
}

/// <summary>/v1/grade/batch's <see cref="GradeBatchRequestReader"/>, over every grade-batch example.</summary>
public sealed class GradeBatchRequestReaderTests : ContractReaderTests<GradeBatchRequest>
{
    protected override List<(string Name, string Route, JsonNode Request)> Requests() =>
        [.. RequestExamples.Load("grade-batch").Select(e => ($"grade-batch.{e.Name}", "/v1/grade/batch", e.Example["value"]!))];

    protected override FastJsonReader<GradeBatchRequest> Reader => GradeBatchRequestReader.TryRead;
    protected override int ExampleCount => 2;
}
