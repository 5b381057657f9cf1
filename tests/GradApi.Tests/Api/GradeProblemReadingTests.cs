using System.Text.Json;
using GradApi.Contracts;

namespace GradApi.Tests.Api;

/// <summary>
/// A grade's problem is told apart (another endpoint's request, or a /v1/train one) in the same pass over the object
/// that keys it by its tokens: only the object's own endpoint field, under any spelling JSON allows, makes it an endpoint problem.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GradeProblemReadingTests(GradApiFactory factory)
{
    const string Train = """
        {"network":{"inputSize":1,"layers":[{"name":"endpoint","activation":"sigmoid","weights":[[0.5]],"biases":[0.1]}]},
         "data":{"inputs":[[1]],"targets":[[1]]},"loss":{"type":"half_sse"},"optimizer":{"type":"sgd","learningRate":0.1}}
        """;

    [Fact]
    public void AProblemWhoseOwnFieldIsEndpointIsReadAsThatEndpointsRequest()
    {
        var problem = Read("""{"request":{"x":1},"endpoint":"/v1/calculus/activation"}""");

        Assert.Null(problem.Train);
        Assert.Equal("/v1/calculus/activation", problem.Named?.Endpoint);
        Assert.Equal(1, problem.Named?.Request?.GetProperty("x").GetInt32());
    }

    [Fact]
    public void AnEscapedEndpointFieldNameStillNamesAnEndpoint()
    {
        var problem = Read("""{"\u0065ndpoint":"/v1/calculus/activation","request":{}}""");

        Assert.Equal("/v1/calculus/activation", problem.Named?.Endpoint);
    }

    [Fact]
    public void AnEndpointNameOnlyAsAValueOrDeeperReadsAsATrainRequest()
    {
        var problem = Read(Train);

        Assert.Null(problem.Named);
        Assert.Equal("endpoint", problem.Train?.Network?.Layers?[0].Name);

        var nested = Assert.Throws<JsonException>(() => Read(Train.Replace("\"loss\":{", "\"loss\":{\"endpoint\":1,")));
        Assert.Contains("endpoint", nested.Message);
    }

    [Fact]
    public void ARememberedProblemPostedAgainIsTheSameRequestAndTheAnswersAfterItAreRead()
    {
        var first = Read(Train);
        GradeProblemJsonConverter.Remember(first.TrainTokens!, first.Train!, factory.AppJsonOptions);

        // Other whitespace, the same tokens.
        var request = JsonSerializer.Deserialize<GradeRequest>(
            $$"""{"problem": {{Train.Replace(",", " , ")}} ,"answers":[{"path":"/iterations/0/loss/value","value":0.25}]}""", factory.AppJsonOptions)!;

        Assert.True(request.Problem!.Remembered);
        Assert.Same(first.Train, request.Problem.Train);
        Assert.Equal("/iterations/0/loss/value", Assert.Single(request.Answers!).Path);
    }

    [Theory]
    [InlineData("\"weights\":[[0.5]]", "\"weights\":[[0.50001]]")]
    [InlineData("\"learningRate\":0.1}", "\"learningRate\":0.1,\"momentum\":0.9}")]
    [InlineData("\"targets\":[[1]]", "\"targets\":[[1],[0]]")]
    [InlineData("\"name\":\"endpoint\"", "\"name\":\"endpoinT\"")]
    public void AProblemOneTokenFromARememberedOneIsReadAnew(string from, string to)
    {
        var first = Read(Train);
        GradeProblemJsonConverter.Remember(first.TrainTokens!, first.Train!, factory.AppJsonOptions);

        var other = Read(Train.Replace(from, to));

        Assert.False(other.Remembered);
        Assert.NotSame(first.Train, other.Train);
        Assert.NotEqual(first.TrainTokens, other.TrainTokens);
    }

    GradeProblem Read(string problem)
    {
        var request = JsonSerializer.Deserialize<GradeRequest>($$"""{"problem":{{problem}},"answers":[]}""", factory.AppJsonOptions);
        return request!.Problem!;
    }
}
