using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FluentValidation;
using FluentValidation.Results;
using GradApi.Contracts;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GradApi.Tests.Robustness;

/// <summary>
/// Inputs that once answered 500: each is now a 400 naming the field, or a 200 whose numbers say what happened
/// (divergence and overflow are results). And an unexpected failure is logged with the trace id its answer names.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RobustnessTests(GradApiFactory factory)
{
    async Task<HttpResponseMessage> Post(string route, string body) =>
        await factory.CreateClient().PostAsync(route, new StringContent(body, Encoding.UTF8, "application/json"));

    static readonly string Train = ApiTest.ValidRequest().ToJsonString();

    [Fact]
    public async Task DividingByZeroInAnExpressionGivesInfinityNotAnError()
    {
        // d/dx (x / 0) = 1 / 0 = +Infinity, and the value 1 / 0 is +Infinity too (IEEE division).
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/expressions/gradient", """{ "expression": "x/0", "variables": { "x": 1 } }"""));
        Assert.Equal("Infinity", body["value"]!.GetValue<string>());
        Assert.Equal("Infinity", body["gradients"]!["x"]!.GetValue<string>());
    }

    [Fact]
    public async Task ZeroDividedByZeroInAClaimIsNotANumberAndTheClaimIsJudgedNotEquivalent()
    {
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/expressions/gradient",
            """{ "expression": "x*x", "variables": { "x": 0.5 }, "claims": { "x": "x/(x-x)" } }"""));
        Assert.Equal("not_equivalent", body["claims"]!["x"]!["verdict"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string> NullElements() => new()
    {
        { "/v1/train", Train.Replace("\"layers\":[", "\"layers\":[null,"), "network.layers[0]" },
        { "/v1/train", Train.Replace("\"inputs\":[[1,0],[0,1]]", "\"inputs\":[[1,0],null]"), "data.inputs[1]" },
        { "/v1/train", Train.Replace("\"weights\":[[0.5,-0.6]]", "\"weights\":[null]"), "network.layers[1].weights[0]" },
        { "/v1/train", Train.Replace("\"iterations\":2", "\"iterations\":2,\"include\":[\"loss\",null]"), "include[1]" },
        { "/v1/train", Train.Replace("\"reduction\":\"sum\"", "\"reduction\":\"sum\",\"alsoReport\":[null]"), "loss.alsoReport[0]" },
        { "/v1/grade", $$"""{ "problem": {{Train.Replace("\"layers\":[", "\"layers\":[null,")}}, "answers": [{ "path": "/final/loss", "value": 1 }] }""", "problem.network.layers[0]" },
        { "/v1/grade", $$"""{ "problem": {{Train}}, "answers": [null] }""", "answers[0]" },
        { "/v1/grade/batch", $$"""{ "problem": {{Train.Replace("\"layers\":[", "\"layers\":[null,")}}, "submissions": [{ "id": "a", "answers": [{ "path": "/final/loss", "value": 1 }] }] }""", "problem.network.layers[0]" },
        { "/v1/grade/batch", $$"""{ "problem": {{Train}}, "submissions": [null] }""", "submissions[0]" },
        { "/v1/grade/batch", $$"""{ "problem": {{Train}}, "submissions": [{ "id": "a", "answers": [null] }] }""", "submissions[0].answers[0]" },
        { "/v1/expressions/gradient", """{ "expression": "x*x", "variables": { "x": 1 }, "claims": { "x": null } }""", "claims.x" },
        { "/v1/expressions/gradient", """{ "expression": "x*x", "variables": { "x": 1 }, "wrt": [null] }""", "wrt[0]" },
        { "/v1/optimization/trajectories", """{ "objective": { "function": "rosenbrock" }, "start": { "p": [0, 0] }, "runs": [null] }""", "runs[0]" },
        { "/v1/optimization/trajectories", """{ "objective": { "function": "quadratic", "matrix": [[1, 0], null] }, "start": { "p": [0, 0] }, "runs": [{ "optimizer": { "type": "sgd", "learningRate": 0.1 } }] }""", "objective.matrix[1]" },
    };

    [Theory]
    [MemberData(nameof(NullElements))]
    public async Task ANullElementInAnyArrayIsA400KeyedByItsJsonPath(string route, string body, string path)
    {
        var messages = await ApiTest.ReadValidationError(await Post(route, body), path);
        Assert.Contains("must not be null", messages);
    }

    [Fact]
    public async Task AGivenTwiceFieldIsA400NamingTheFieldAndNoType()
    {
        var messages = await ApiTest.ReadValidationError(await Post("/v1/train", Train.Replace("\"iterations\":2", "\"iterations\":2,\"iterations\":3")), "iterations");
        Assert.Equal(["duplicate field 'iterations'; a field may be given only once"], messages);
    }

    [Fact]
    public async Task AVariableGivenTwiceIsA400NamingTheVariable()
    {
        var messages = await ApiTest.ReadValidationError(
            await Post("/v1/expressions/gradient", """{ "expression": "x*x", "variables": { "x": 1, "x": 2 } }"""), "variables.x");
        Assert.Equal(["duplicate field 'x'; a field may be given only once"], messages);
    }

    [Fact]
    public async Task TheHessianAtInputsOf1e155IsInfiniteAndHasNoEigenvalues()
    {
        // J = 1/2 (w x)^2 with x = 1e155: d2J/dw2 = x^2 = 1e310, beyond the largest double.
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/analysis/hessian", """
            { "network": { "inputSize": 1, "layers": [{ "activation": "identity", "weights": [[1]] }] },
              "data": { "inputs": [[1e155]], "targets": [[0]] }, "loss": { "type": "half_sse", "reduction": "sum" } }
            """));
        Assert.Equal("Infinity", body["hessian"]![0]![0]!.GetValue<string>());
        Assert.Null(body["eigenvalues"]);
        Assert.Null(body["conditionNumber"]);
    }

    [Fact]
    public async Task TheHessianAtInputsOfTheSmallestDoubleHasItsEigenvalues()
    {
        // J = sum (w x + b - t)^2 at x = 5e-324: d2J/dw2 = 2 sum x^2 underflows to 0, d2J/db2 = 2 N = 6,
        // and the cross term 2 sum x is subnormal. Eigenvalues 0 and 6; 0 makes the condition number infinite.
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/analysis/hessian", """
            { "network": { "inputSize": 1, "layers": [{ "activation": "identity", "weights": [[0.5]], "biases": [0] }] },
              "data": { "inputs": [[5e-324], [5e-324], [5e-324]], "targets": [[2], [4], [7]] }, "loss": { "type": "sse", "reduction": "sum" } }
            """));
        Assert.Equal(6, body["hessian"]![1]![1]!.GetValue<double>());
        Assert.Equal(0, body["eigenvalues"]![0]!.GetValue<double>(), 1e-300);
        Assert.Equal(6, body["eigenvalues"]![1]!.GetValue<double>(), 1e-15);
        Assert.Equal("Infinity", body["conditionNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task AQuadraticOf1e308DivergesAsARunVerdict()
    {
        // f = 1/2 (1e308 x^2 + y^2) from (1, 1), lr 0.1: the first step moves x to 1 - 1e307, the next gradient overflows.
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[1e308, 0], [0, 1]] }, "start": { "p": [1, 1] },
              "runs": [{ "optimizer": { "type": "sgd", "learningRate": 0.1 } }], "maxSteps": 50 }
            """));
        Assert.Equal("diverged", body["runs"]![0]!["verdict"]!.GetValue<string>());
        // The symmetric part's eigenvalues are the diagonal; SGD is stable below 2 / 1e308.
        Assert.Equal(1e308, body["stableLearningRates"]!["lambdaMax"]!.GetValue<double>());
        Assert.Equal(1.0, body["stableLearningRates"]!["lambdaMin"]!.GetValue<double>());
    }

    [Fact]
    public async Task AQuadraticWhoseSymmetricPartOverflowsHasNoStableLearningRates()
    {
        // (Q + Q')/2 of [[0, 1e308], [1.7e308, 0]] needs 1e308 + 1.7e308, beyond the largest double: no spectrum.
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/optimization/trajectories", """
            { "objective": { "function": "quadratic", "matrix": [[0, 1e308], [1.7e308, 0]] }, "start": { "p": [1, 1] },
              "runs": [{ "optimizer": { "type": "sgd", "learningRate": 0.1 } }], "maxSteps": 50 }
            """));
        Assert.Equal("diverged", body["runs"]![0]!["verdict"]!.GetValue<string>());
        Assert.Null(body["stableLearningRates"]);
    }

    [Fact]
    public async Task AnExpressionScaledBy1e308DivergesAsARunVerdict()
    {
        // f = c w'w with c = 1e308: the gradient 2 c w at w = (1, 1) is 2e308, beyond the largest double.
        var (body, _) = await ApiTest.ReadOk(await Post("/v1/optimization/trajectories", """
            { "objective": { "expression": "c*(w'*w)", "constants": { "c": 1e308 } }, "start": { "w": [1, 1] },
              "runs": [{ "optimizer": { "type": "sgd", "learningRate": 0.1 } }], "maxSteps": 50 }
            """));
        Assert.Equal("diverged", body["runs"]![0]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnUnexpectedFailureIsLoggedAtErrorLevelWithTheTraceIdItsAnswerNames()
    {
        var errors = new LoggedErrors();
        using var host = factory.WithWebHostBuilder(b =>
        {
            b.ConfigureLogging(logging => logging.AddProvider(errors));
            b.ConfigureTestServices(s => s.AddSingleton<IValidator<MomentumWeightsRequest>, FailingValidator>());
        });
        var response = await host.CreateClient().PostAsync("/v1/optimizers/momentum/weights",
            new StringContent("""{ "momentum": 0.9, "learningRate": 0.1, "steps": 2 }""", Encoding.UTF8, "application/json"));

        var problem = await ApiTest.ReadProblem(response, HttpStatusCode.InternalServerError);
        string traceId = problem["traceId"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(traceId));
        Assert.DoesNotContain("broken on purpose", problem.ToJsonString());
        var logged = Assert.Single(errors.Entries, e => e.Exception is InvalidOperationException);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains(traceId, logged.Message);
    }

    sealed class FailingValidator : AbstractValidator<MomentumWeightsRequest>
    {
        public override ValidationResult Validate(ValidationContext<MomentumWeightsRequest> context) =>
            throw new InvalidOperationException("GradApi.Validation broken on purpose");
    }
}
