using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;
using GradApi.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Api;

/// <summary>
/// One reader per request: a validator hands what it read (a parsed expression, an objective's values and start) to the
/// handler through the validation filter, and the handler computes from that read alone.
/// </summary>
public sealed class ValidatedInputTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    readonly HttpClient _client = factory.CreateClient();

    static T Body<T>(string json) => JsonSerializer.Deserialize<T>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    static ValidatedInput? ReadBy<T>(IValidator<T> validator, T request)
    {
        var context = new ValidationContext<T>(request);
        Assert.True(validator.Validate(context).IsValid);
        return ValidatedInput.Of(context);
    }

    [Fact]
    public void AHandlerWithoutItsValidatedInputFailsLoudlyNamingTheMissingValidation()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/v1/expressions/gradient";
        var failure = Assert.Throws<InvalidOperationException>(() => context.ValidatedInput<ExpressionProblem>());
        Assert.Contains("/v1/expressions/gradient", failure.Message);
        Assert.Contains("Validate", failure.Message);
    }

    [Fact]
    public void TheExpressionGradientValidatorHandsOverTheParsedExpressionAndItsVariables()
    {
        var request = Body<ExpressionGradientRequest>("""{ "expression": "sum(A*x)", "variables": { "A": [[1, 2], [3, 4]], "x": [5, 6] } }""");
        var problem = Assert.IsType<ExpressionProblem>(ReadBy(new ExpressionGradientRequestValidator(), request)?.Value);
        Assert.Equal("sum(A*x)", problem.Expression.Text.Replace(" ", ""));
        Assert.Equal(["A", "x"], problem.Variables.Select(v => v.Name));
        Assert.Equal(4.0, problem.Variables[0].Value[1, 1]);
        Assert.Equal(ValueForm.Vector, problem.Variables[1].Form);
        Assert.Equal(["A", "x"], problem.Wrt);
    }

    [Fact]
    public void TheTrajectoryValidatorHandsOverStartAsThetaInStartsOrderEachRowMajor()
    {
        var request = Body<TrajectoryRequest>("""
            { "objective": { "expression": "0.5*(W*x + b - y)^2", "constants": { "x": [1, 2], "y": 3 } },
              "start": { "b": 7, "W": [[8, 9]] }, "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ] }
            """);
        var read = Assert.IsType<ObjectiveInput>(ReadBy(new TrajectoryRequestValidator(new ServiceLimits()), request)?.Value);
        Assert.NotNull(read.Expression);
        Assert.Equal(["b", "W"], read.Parameters.Select(p => p.Name));
        Assert.Equal([[], [1, 2]], read.Parameters.Select(p => p.Shape));
        Assert.Equal([7.0, 8.0, 9.0], read.Start);
        Assert.Equal(["x", "y"], read.Constants.Keys);
        Assert.Equal(2.0, read.Constants["x"][1, 0]);
    }

    [Fact]
    public void ANamedObjectivesStartIsHandedOverAsItsOneParameterP()
    {
        var request = Body<TrajectoryRequest>("""
            { "objective": { "function": "rosenbrock" }, "start": { "p": [-1.2, 1] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.001 } } ] }
            """);
        var read = Assert.IsType<ObjectiveInput>(ReadBy(new TrajectoryRequestValidator(new ServiceLimits()), request)?.Value);
        Assert.Null(read.Expression);
        Assert.Equal([-1.2, 1.0], read.Start);
        Assert.Equal([2], read.Parameters.Single(p => p.Name == "p").Shape);
    }

    [Fact]
    public void TheDerivativesValidatorHandsOverItsPointsAsNumbersOrSoftmaxVectors()
    {
        var validator = new ActivationDerivativesRequestValidator();
        var sigmoid = Assert.IsType<ActivationPoints>(ReadBy(validator, Body<ActivationDerivativesRequest>("""{ "activation": "sigmoid", "at": [0, -1.5] }"""))?.Value);
        Assert.Equal([0.0, -1.5], sigmoid.Numbers);
        Assert.Null(sigmoid.Vectors);
        var softmax = Assert.IsType<ActivationPoints>(ReadBy(validator, Body<ActivationDerivativesRequest>("""{ "activation": "softmax", "at": [[1, 2], [3]] }"""))?.Value);
        Assert.Null(softmax.Numbers);
        Assert.Equal([[1.0, 2.0], [3.0]], softmax.Vectors);
    }

    [Fact]
    public async Task ATrajectoryOverAMatrixAndAScalarParameterStepsFromTheStartItsValidatorRead()
    {
        // f = 1/2 (W x + b - y)^2 with x = [1, 2], y = 3, from b = 0, W = [0 0]: r = -3, so dW = r x' = [-3 -6], db = -3,
        // and one step of lr 0.1 gives b = 0.3, W = [0.3 0.6], where r = 0.3 + 1.2 + 0.3 - 3 = -1.2 and f = 0.72.
        var response = await _client.PostAsync("/v1/optimization/trajectories", new StringContent("""
            { "objective": { "expression": "0.5*(W*x + b - y)^2", "constants": { "x": [1, 2], "y": 3 } },
              "start": { "b": 0, "W": [[0, 0]] }, "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.1 } } ], "maxSteps": 1 }
            """, System.Text.Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var steps = JsonNode.Parse(text)!["runs"]![0]!["steps"]!.AsArray();
        Assert.Equal(4.5, steps[0]!["objective"]!.GetValue<double>(), 12);
        Assert.Equal(-3.0, steps[0]!["gradient"]!["b"]!.GetValue<double>(), 12);
        Assert.Equal([-3.0, -6.0], steps[0]!["gradient"]!["W"]![0]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal(0.3, steps[1]!["parameters"]!["b"]!.GetValue<double>(), 12);
        Assert.Equal([0.3, 0.6], steps[1]!["parameters"]!["W"]![0]!.AsArray().Select(v => Math.Round(v!.GetValue<double>(), 12)));
        Assert.Equal(0.72, steps[1]!["objective"]!.GetValue<double>(), 12);
    }
}
