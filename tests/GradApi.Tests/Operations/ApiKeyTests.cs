using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GradApi.Tests.Api;
using Marking = GradApi.Tests.Api.Grading;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Operations;

/// <summary>
/// Optional API keys (API 1.1 "Access and load"): configured by the SHA-256 of the key, instructor and student roles,
/// a student key reaching only POST /v1/grade and answered without reference numbers. The hashes are computed here
/// with the platform's SHA-256, not with the service's helper.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiKeyTests(GradApiFactory factory)
{
    const string InstructorKey = "instructor-key-4f1d8c";
    const string StudentKey = "student-key-9a2b7e";

    static string Sha256Hex(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    WebApplicationFactory<Program> Keyed(params (string Key, string Value)[] more) => factory.WithSettings(
    [
        ("Access:Keys:0:Name", "course-staff"), ("Access:Keys:0:Role", "instructor"), ("Access:Keys:0:Sha256", Sha256Hex(InstructorKey)),
        ("Access:Keys:1:Name", "practice"), ("Access:Keys:1:Role", "student"), ("Access:Keys:1:Sha256", Sha256Hex(StudentKey).ToLowerInvariant()),
        .. more,
    ]);

    static HttpClient WithKey(WebApplicationFactory<Program> host, string? key)
    {
        var client = host.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task WithoutKeysConfiguredTheServiceIsOpen()
    {
        using var client = factory.CreateClient();
        var response = await client.PostTrain(ApiTest.ValidRequest());
        await ApiTest.ReadOk(response);
    }

    [Fact]
    public async Task WithKeysConfiguredARequestWithoutAKeyIs401WithABearerChallenge()
    {
        using var host = Keyed();
        using var client = WithKey(host, null);
        var response = await client.PostTrain(ApiTest.ValidRequest());
        await ApiTest.ReadProblem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task AnUnknownKeyIs401WithInvalidToken()
    {
        using var host = Keyed();
        using var client = WithKey(host, InstructorKey + "x");
        var response = await client.PostTrain(ApiTest.ValidRequest());
        await ApiTest.ReadProblem(response, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task TheConfiguredHashIsNotItselfAKey()
    {
        // Whoever reads the configuration learns only the hash, and the hash does not open the service.
        using var host = Keyed();
        using var client = WithKey(host, Sha256Hex(InstructorKey));
        await ApiTest.ReadProblem(await client.PostTrain(ApiTest.ValidRequest()), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void AKeyConfiguredInClearInsteadOfItsHashStopsTheServiceFromStarting()
    {
        using var host = factory.WithSettings(("Access:Keys:0:Name", "careless"), ("Access:Keys:0:Role", "instructor"), ("Access:Keys:0:Sha256", InstructorKey));
        var failure = Assert.ThrowsAny<Exception>(() => host.CreateClient());
        Assert.Contains("Sha256", failure.ToString());
        Assert.DoesNotContain(InstructorKey, Innermost(failure).Message);
    }

    [Fact]
    public void AKeyWithAnUnknownRoleStopsTheServiceFromStarting()
    {
        using var host = factory.WithSettings(("Access:Keys:0:Name", "x"), ("Access:Keys:0:Role", "admin"), ("Access:Keys:0:Sha256", Sha256Hex("k")));
        Assert.Contains("Role", Assert.ThrowsAny<Exception>(() => host.CreateClient()).ToString());
    }

    [Fact]
    public async Task AnInstructorKeyReachesEveryRoute()
    {
        using var host = Keyed();
        using var client = WithKey(host, InstructorKey);
        await ApiTest.ReadOk(await client.PostTrain(ApiTest.ValidRequest()));
        var grade = Marking.Request(Marking.Answer("/iterations/0/forward/layers/1/a", "0.5"));
        await ApiTest.ReadOk(await client.PostJson(Marking.Route, grade.ToJsonString()));
    }

    [Theory]
    [InlineData("/v1/train")]
    [InlineData("/v1/grade/batch")]
    [InlineData("/v1/expressions/gradient")]
    public async Task AStudentKeyIsForbiddenEverywhereButGrade(string route)
    {
        using var host = Keyed();
        using var client = WithKey(host, StudentKey);
        var response = await client.PostJson(route, ApiTest.ValidRequest().ToJsonString());
        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.Forbidden);
        Assert.Contains("/v1/grade", problem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("all")]
    [InlineData(null)]
    public async Task AStudentKeyOnGradeGetsVerdictsWithoutAnyReferenceNumber(string? reveal)
    {
        // The contract's output a = sigma(-0.3 sigma(-0.7) - 0.2 sigma(0.1) + 0.1) = 0.47388...; the student wrote 0.5 and
        // then delta = (0.5 - 1)(0.5)(1 - 0.5) = -0.125 from it, which follow-through credits.
        double reference = Sigmoid(-0.3 * Sigmoid(-0.7) - 0.2 * Sigmoid(0.1) + 0.1);
        var request = Marking.Request(
            Marking.Answer("/iterations/0/forward/layers/1/a", "0.5"),
            Marking.Answer("/iterations/0/backward/layers/1/delta", "-0.125", points: 2));
        if (reveal is not null) request["reveal"] = reveal;

        using var host = Keyed();
        using var client = WithKey(host, StudentKey);
        var (body, text) = await ApiTest.ReadOk(await client.PostJson(Marking.Route, request.ToJsonString()));

        var results = body["results"]!.AsArray();
        Assert.Equal(["incorrect", "follow_through"], results.Select(r => r!["verdict"]!.GetValue<string>()));
        Assert.Equal(2, results[1]!["pointsAwarded"]!.GetValue<double>());
        foreach (var result in results.Select(r => r!.AsObject()))
        {
            Assert.Null(result["expected"]);
            Assert.Null(result["followThroughExpected"]);
            Assert.Null(result["maxAbsoluteError"]);
            Assert.DoesNotMatch(@"\d\.\d", result["explanation"]!.GetValue<string>());
        }
        Assert.DoesNotContain(reference.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.DoesNotContain(reference.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), text);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    [InlineData("/swagger/v1/swagger.json")]
    public async Task HealthMetricsAndTheDocumentNeedNoKey(string route)
    {
        using var host = Keyed();
        using var client = WithKey(host, null);
        var response = await client.GetAsync(route);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
