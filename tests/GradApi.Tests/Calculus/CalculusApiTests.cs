using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GradApi.OpenApi;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Calculus;

public class CalculusApiTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    readonly HttpClient client = factory.CreateClient();

    async Task<JsonObject> Post(string route, string json, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = await client.PostAsync(route, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        if (status != HttpStatusCode.OK) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!.AsObject();
    }

    async Task<string> ErrorFor(string route, string json, string key)
    {
        var problem = await Post(route, json, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(key), $"no error keyed {key}: {problem.ToJsonString()}");
        return errors[key]![0]!.GetValue<string>();
    }

    const string Variables = """{ "x": [1, 2], "y": [[1, 2]], "A": [[1, 2, 3], [3, 4, 5]] }""";

    Task<string> ExpressionError(string expression, string key = "expression") =>
        ErrorFor("/v1/expressions/gradient", $$"""{ "expression": {{System.Text.Json.JsonSerializer.Serialize(expression)}}, "variables": {{Variables}} }""", key);

    [Fact]
    public async Task AnUnexpectedTokenIsA400NamingItsPosition() =>
        Assert.Equal("unexpected '*' at position 5; expected a number, a variable, a function call or '('", await ExpressionError("x + * y"));

    [Fact]
    public async Task AnUnclosedParenthesisIsA400NamingWhereItOpens() =>
        Assert.Equal("unbalanced parenthesis: '(' at position 1 is never closed", await ExpressionError("(x + x"));

    [Fact]
    public async Task AClosingParenthesisWithoutOpeningIsA400NamingItsPosition() =>
        Assert.Equal("unbalanced parenthesis: ')' at position 6 has no matching '('", await ExpressionError("x + x)"));

    [Fact]
    public async Task AnUnknownFunctionIsA400NamingItAndItsPosition() =>
        Assert.StartsWith("unknown function 'foo' at position 5;", await ExpressionError("2 + foo(x)"));

    [Fact]
    public async Task AnEmptyExpressionIsA400() =>
        Assert.Equal("the expression is empty", await ExpressionError("   "));

    [Fact]
    public async Task TrailingInputIsA400NamingItsPosition() =>
        Assert.Equal("unexpected 'y' at position 3 after the complete expression 'x'; an operator is missing", await ExpressionError("x y"));

    [Fact]
    public async Task DifferingInnerDimensionsAreA400NamingTheProductAndBothShapes() =>
        Assert.Equal("A*y: inner dimensions differ, 2x3 times 1x2", await ExpressionError("sum(A*y)"));

    [Fact]
    public async Task AnElementwiseShapeMismatchIsA400NamingTheSubexpressionAndBothShapes() =>
        Assert.Equal("x + y: elementwise + needs equal shapes or a scalar, got 2x1 + 1x2", await ExpressionError("sum(x + y)"));

    [Fact]
    public async Task AGradientOfANonScalarExpressionIsA400()
    {
        string message = await ErrorFor("/v1/expressions/gradient", """{ "expression": "A'*x", "variables": { "x": [1, 2], "A": [[1, 2, 3], [3, 4, 5]] }, "wrt": ["x"] }""", "expression");
        Assert.StartsWith("A'*x: a gradient needs a scalar (1x1) expression, got 3x1", message);
    }

    [Fact]
    public async Task AnUnknownVariableIsA400NamingItAndItsPosition() =>
        Assert.Equal("unknown variable 'q' at position 5; the variables are x, y, A", await ExpressionError("x + q"));

    [Fact]
    public async Task AClaimThatDoesNotParseIsA400KeyedByItsVariable()
    {
        string message = await ErrorFor("/v1/expressions/gradient", """{ "expression": "sum(x)", "variables": { "x": [1, 2] }, "claims": { "x": "2*(x" } }""", "claims.x");
        Assert.Contains("position 3", message);
    }

    [Fact]
    public async Task ARaggedMatrixIsA400KeyedByItsRow()
    {
        string message = await ErrorFor("/v1/expressions/gradient", """{ "expression": "sum(A)", "variables": { "A": [[1, 2], [3]] } }""", "variables.A[1]");
        Assert.Equal("expected 2 numbers like row 0, got 1", message);
    }

    [Fact]
    public async Task TheApiExampleReturnsTheValueGradientInTheVariablesFormAndAnEquivalentClaim()
    {
        var body = await Post("/v1/expressions/gradient", """
            { "expression": "x' * (A*x + z)", "variables": { "x": [1, 2], "A": [[1, 2], [3, 4]], "z": [0.5, -1] },
              "wrt": ["x"], "claims": { "x": "(A + A')*x + z" }, "trials": 20, "seed": 1 }
            """);
        Assert.Equal(25.5, body["value"]!.GetValue<double>());
        Assert.Equal("[1,1]", body["shape"]!.ToJsonString());
        Assert.Equal("[12.5,20]", body["gradients"]!["x"]!.ToJsonString());
        var subexpressions = body["subexpressions"]!.AsArray();
        Assert.Contains(subexpressions, s => s!["text"]!.GetValue<string>() == "A*x" && s["shape"]!.ToJsonString() == "[2,1]");
        Assert.Contains(subexpressions, s => s!["text"]!.GetValue<string>() == "x'" && s["shape"]!.ToJsonString() == "[1,2]");
        var claim = body["claims"]!["x"]!;
        Assert.Equal("equivalent", claim["verdict"]!.GetValue<string>());
        Assert.Equal(20, claim["trials"]!.GetValue<int>());
        Assert.Null(claim["counterexample"]);
    }

    [Fact]
    public async Task AMatrixGradientComesBackAsRowsAndAScalarAsANumber()
    {
        var body = await Post("/v1/expressions/gradient", """
            { "expression": "norm(W*x + b - y)^2 + c^2",
              "variables": { "W": [[1, 0, -1], [2, 1, 0]], "x": [1, 2, 3], "b": [0.5, -0.5], "y": [1, 1], "c": 3 },
              "wrt": ["W", "c"], "claims": { "W": "2*(W*x + b - y)*x'" } }
            """);
        Assert.Equal("[[-5,-10,-15],[5,10,15]]", body["gradients"]!["W"]!.ToJsonString());
        Assert.Equal(6.0, body["gradients"]!["c"]!.GetValue<double>());
        Assert.Equal("equivalent", body["claims"]!["W"]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheSoftmaxDerivativeClaimedAsFTimesOnePlusFIsNotEquivalentWithACounterexample()
    {
        var body = await Post("/v1/expressions/gradient", """
            { "expression": "exp(a) / (exp(a) + exp(b))", "variables": { "a": 1, "b": 2 },
              "claims": { "a": "exp(a)/(exp(a) + exp(b)) * (1 + exp(a)/(exp(a) + exp(b)))" }, "trials": 20, "seed": 1 }
            """);
        var claim = body["claims"]!["a"]!;
        Assert.Equal("not_equivalent", claim["verdict"]!.GetValue<string>());
        double f = 1 / (1 + Math.E);
        Assert.Equal(f * (1 - f), claim["counterexample"]!["expected"]!.GetValue<double>(), 1e-15);
        Assert.Equal(f * (1 + f), claim["counterexample"]!["claimed"]!.GetValue<double>(), 1e-15);
        Assert.Equal(1.0, claim["counterexample"]!["variables"]!["a"]!.GetValue<double>());
    }

    [Fact]
    public async Task AClaimOfTheWrongShapeIsAShapeMismatchWithBothShapes()
    {
        var body = await Post("/v1/expressions/gradient", """
            { "expression": "0.5*norm(X*w - y)^2", "variables": { "X": [[1, 2], [3, 4], [5, 6]], "w": [0.1, -0.2], "y": [1, 0, 2] },
              "claims": { "w": "(X*w - y)'*X" } }
            """);
        var claim = body["claims"]!["w"]!;
        Assert.Equal("shape_mismatch", claim["verdict"]!.GetValue<string>());
        Assert.Equal("[2,1]", claim["expectedShape"]!.ToJsonString());
        Assert.Equal("[1,2]", claim["claimedShape"]!.ToJsonString());
    }

    [Fact]
    public async Task AClaimWhoseOwnShapesDoNotFitIsAShapeMismatchNamingTheSubexpression()
    {
        var body = await Post("/v1/expressions/gradient", """
            { "expression": "0.5*norm(X*w - y)^2", "variables": { "X": [[1, 2], [3, 4], [5, 6]], "w": [0.1, -0.2], "y": [1, 0, 2] },
              "claims": { "w": "X*(X*w - y)" } }
            """);
        var claim = body["claims"]!["w"]!;
        Assert.Equal("shape_mismatch", claim["verdict"]!.GetValue<string>());
        Assert.Null(claim["claimedShape"]);
        Assert.Equal("X*(X*w - y): inner dimensions differ, 3x2 times 3x1", claim["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task SigmoidDerivativesOfOrder3MatchTheContractExampleAndKeepPrecisionAt40()
    {
        var body = await Post("/v1/activations/derivatives", """{ "activation": "sigmoid", "order": 3, "at": [0, 40] }""");
        Assert.Equal("[0.5,0.25,0,-0.125]", body["values"]![0]!["derivatives"]!.ToJsonString());
        Assert.Equal(4.248354255291589e-18, body["values"]![1]!["derivatives"]![1]!.GetValue<double>(), 1e-30);
        Assert.Equal("[0,1,-7,12,-6]", body["polynomial"]!["coefficients"]!.ToJsonString());
        Assert.Equal("sigma", body["polynomial"]!["variable"]!.GetValue<string>());
    }

    [Fact]
    public async Task Order20CoefficientsAreWrittenAsExactIntegers()
    {
        var body = await Post("/v1/activations/derivatives", """{ "activation": "sigmoid", "order": 20, "at": [1] }""");
        Assert.Contains("1140942623868343296000", body["polynomial"]!["coefficients"]!.ToJsonString());
    }

    [Fact]
    public async Task SoftmaxAnswersJacobiansInsteadOfValues()
    {
        var body = await Post("/v1/activations/derivatives", """{ "activation": "softmax", "at": [[0, 0]] }""");
        Assert.False(body.ContainsKey("values"));
        Assert.Equal("[[[0.25,-0.25],[-0.25,0.25]]]", body["jacobians"]!.ToJsonString());
    }

    [Fact]
    public async Task AParameterOfAnotherActivationIsA400() =>
        Assert.Equal("is a parameter of softplus, not of sigmoid",
            await ErrorFor("/v1/activations/derivatives", """{ "activation": "sigmoid", "beta": 2, "at": [1] }""", "beta"));

    [Fact]
    public async Task AnOrderAbove20IsA400() =>
        Assert.Equal("must be between 0 and 20, got 21",
            await ErrorFor("/v1/activations/derivatives", """{ "activation": "tanh", "order": 21, "at": [1] }""", "order"));

    [Fact]
    public async Task EmaMomentumWeightsOfSeed004AreBetaPowersTimesOneMinusBeta()
    {
        var body = await Post("/v1/optimizers/momentum/weights", """{ "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 4 }""");
        var state = body["stateWeights"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var step = body["stepWeights"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        double[] expected = [0.9 * 0.9 * 0.9 * 0.1, 0.9 * 0.9 * 0.1, 0.9 * 0.1, 0.1];
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(expected[t], state[t], 1e-15);
            Assert.Equal(0.1 * expected[t], step[t], 1e-15);
        }
        Assert.Equal("m", body["stateName"]!.GetValue<string>());
        Assert.Contains(@"\beta^{T-t}", body["closedForm"]!.GetValue<string>());
    }

    [Fact]
    public async Task DampeningOutsidePytorchIsA400() =>
        Assert.Equal("is not used by momentum/ema",
            await ErrorFor("/v1/optimizers/momentum/weights", """{ "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 4, "dampening": 0.1 }""", "dampening"));

    public static TheoryData<string, string> Examples()
    {
        var data = new TheoryData<string, string>();
        foreach (var (prefix, route) in new[] { ("derivatives", "/v1/activations/derivatives"), ("gradient", "/v1/expressions/gradient"), ("momentum-weights", "/v1/optimizers/momentum/weights"), ("equivalence", "/v1/expressions/equivalence") })
            foreach (var (name, _) in RequestExamples.Load(prefix)) data.Add($"{prefix}.{name}", route);
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task EverySwaggerExampleIsAnswered(string example, string route)
    {
        string prefix = example[..example.IndexOf('.')];
        var value = RequestExamples.Load(prefix).Single(e => $"{prefix}.{e.Name}" == example).Example["value"]!;
        var body = await Post(route, value.ToJsonString());
        // An equivalence answer is one verdict; the other routes answer claims by name, a claim not sent being null.
        var verdicts = body["verdict"] is { } verdict ? [verdict.GetValue<string>()]
            : body["claims"] is JsonObject claims ? claims.Where(c => c.Value is not null).Select(c => c.Value!["verdict"]!.GetValue<string>()).ToList()
            : new List<string>();
        if (example.Contains("wrong-claim")) Assert.Contains("not_equivalent", verdicts);
        else Assert.All(verdicts, v => Assert.Equal("equivalent", v));
    }
}
