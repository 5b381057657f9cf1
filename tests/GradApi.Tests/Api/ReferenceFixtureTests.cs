using GradApi.Tests.Fixtures;

namespace GradApi.Tests.Api;

/// <summary>Every reference case from the independent 40-digit implementation, through the HTTP API.</summary>
[Collection(ApiCollection.Name)]
public sealed class ReferenceFixtureTests(GradApiFactory factory)
{
    public static TheoryData<string> Cases() => new(ReferenceCase.Names());

    [Fact]
    public void TheReferenceFixturesAreFound() =>
        Assert.True(ReferenceCase.Names().Count() >= 8, $"found {ReferenceCase.Names().Count()} fixtures in {ReferenceCase.Directory}");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PostingAReferenceRequestReturnsEveryExpectedTensorWithinTheFixtureTolerance(string name)
    {
        var reference = ReferenceCase.Load(name);
        using var client = factory.CreateClient();

        var (body, _) = await ApiTest.ReadOk(await client.PostTrain(reference.Request));

        var mismatches = reference.Mismatches(body);
        Assert.True(mismatches.Count == 0,
            $"{name}: {mismatches.Count} values differ from the reference (relative {reference.Relative}, absolute {reference.Absolute}); first ones:\n"
            + string.Join("\n", mismatches.Take(15)));
    }
}
