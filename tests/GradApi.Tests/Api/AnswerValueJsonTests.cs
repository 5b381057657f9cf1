using System.Text.Json;
using GradApi.Contracts;
using GradApi.Json;

namespace GradApi.Tests.Api;

/// <summary>
/// The answer-value reader's fast path (numbers and even arrays, read from the tokens) and its fallback (anything
/// else, read as a JsonElement and explained) must agree on every value a student may write.
/// </summary>
public class AnswerValueJsonTests
{
    static readonly JsonSerializerOptions Options = CreateOptions();

    static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Configure(options);
        return options;
    }

    static AnswerValue Read(string json) => JsonSerializer.Deserialize<AnswerRequest>($$"""{"path":"/p","value":{{json}}}""", Options)!.Value!;

    [Theory]
    [InlineData("0.5", new int[0], new[] { 0.5 })]
    [InlineData("[1, 2, 3]", new[] { 3 }, new[] { 1.0, 2, 3 })]
    [InlineData("[[1, 2], [3, 4], [5, 6]]", new[] { 3, 2 }, new[] { 1.0, 2, 3, 4, 5, 6 })]
    [InlineData("[[[1, 2], [3, 4]]]", new[] { 1, 2, 2 }, new[] { 1.0, 2, 3, 4 })]
    [InlineData("[[-0.0087, 1e-5]]", new[] { 1, 2 }, new[] { -0.0087, 1e-5 })]
    public void NumbersAndEvenArraysAreReadInTheirShape(string json, int[] shape, double[] data)
    {
        var tensor = Read(json).Submitted.Tensor!;
        Assert.Equal(shape, tensor.Shape);
        Assert.Equal(data, tensor.Data);
    }

    [Fact]
    public void TheNonFiniteStringsAreReadAsTheirDoubles()
    {
        Assert.True(double.IsNaN(Read("\"NaN\"").Submitted.Tensor!.Data[0]));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity, 1.0], Read("[\"Infinity\", \"-Infinity\", 1]").Submitted.Tensor!.Data);
    }

    [Theory]
    [InlineData("[[1, 2], [3]]", "row 1 has 1 numbers, row 0 has 2")]
    [InlineData("[1, [2]]", "is an array")]
    [InlineData("[[[[1]]]]", "nested more than 3 deep")]
    [InlineData("[]", "empty")]
    [InlineData("1e400", "beyond the range of a double")]
    [InlineData("null", "null is not a number")]
    [InlineData("{\"x\": 1}", "an object is not a number")]
    [InlineData("\"0.5\"", "without quotes")]
    public void AnythingElseIsUnreadableWithAReason(string json, string reason)
    {
        var value = Read(json).Submitted;
        Assert.Null(value.Tensor);
        Assert.Contains(reason, value.Unreadable);
    }

    [Fact]
    public void TheReaderLeavesTheRestOfTheAnswerToTheSerializer()
    {
        // Fields after the value must still be read: the fast path hands the reader back at the value's end.
        var answer = JsonSerializer.Deserialize<AnswerRequest>("""{"path":"/p","value":[[1,2],[3,4]],"points":3}""", Options)!;
        Assert.Equal(3, answer.Points);
        var fallback = JsonSerializer.Deserialize<AnswerRequest>("""{"path":"/p","value":[[1,2],[3]],"points":4}""", Options)!;
        Assert.Equal(4, fallback.Points);
    }
}
