using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GradApi.OpenApi;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Calculus;

public class CalculusApiTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    readonly HttpClient client = factory.CreateClient();

    Task<JsonObject> Post(string route, string json, HttpStatusCode status = HttpStatusCode.OK) => client.PostJson(route, json, status);

    Task<string> ErrorFor(string route, string json, string key) => client.ErrorFor(route, json, key);

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

    // f = A'x (A 2x3, x 2x1) is 3x1: f_i = sum_k A_ki x_k, so df/dx = A' (3x2) and df_i/dA_kl = delta_il x_k,
    // columns A11 A12 A13 A21 A22 A23: row i has x_1 under A_1i and x_2 under A_2i.
    [Fact]
    public async Task ANonScalarExpressionAnswersJacobiansByRowsAndAnEmptyGradients()
    {
        var body = await Post("/v1/expressions/gradient", """{ "expression": "A'*x", "variables": { "x": [1, 2], "A": [[1, 2, 3], [3, 4, 5]] } }""");
        Assert.Equal("[[7],[10],[13]]", body["value"]!.ToJsonString());
        Assert.Equal("[3,1]", body["shape"]!.ToJsonString());
        Assert.Equal("{}", body["gradients"]!.ToJsonString());
        Assert.Equal("[[1,3],[2,4],[3,5]]", body["jacobians"]!["x"]!.ToJsonString());
        Assert.Equal("[[1,0,0,2,0,0],[0,1,0,0,2,0],[0,0,1,0,0,2]]", body["jacobians"]!["A"]!.ToJsonString());
        Assert.Null(body["claims"]);
    }

    [Fact]
    public async Task AScalarExpressionAnswersGradientsAndNullJacobians()
    {
        var body = await Post("/v1/expressions/gradient", """{ "expression": "ones(2)'*x", "variables": { "x": [1, 2] } }""");
        Assert.Equal(3.0, body["value"]!.GetValue<double>());
        Assert.Equal("[1,1]", body["gradients"]!["x"]!.ToJsonString());
        Assert.True(body.ContainsKey("jacobians"));
        Assert.Null(body["jacobians"]);
    }

    // A Jacobian of a vector by a scalar is still 2-D: d(c x)/dc = x as a 3x1 column.
    [Fact]
    public async Task AJacobianIsAlwaysATwoDimensionalArray()
    {
        var body = await Post("/v1/expressions/gradient", """{ "expression": "c*x", "variables": { "x": [1, 2, 3], "c": 2 }, "wrt": ["c"] }""");
        Assert.Equal("[[1],[2],[3]]", body["jacobians"]!["c"]!.ToJsonString());
        Assert.False(body["jacobians"]!.AsObject().ContainsKey("x"));
    }

    // d log(x_i)/dx_i = 1/x_i: at 0 infinite, written as the string the service uses for any non-finite output.
    [Fact]
    public async Task ANonFiniteJacobianIsA200WithInfinitySpelledOut()
    {
        var body = await Post("/v1/expressions/gradient", """{ "expression": "log(x)", "variables": { "x": [0, 2] } }""");
        Assert.Equal("[[\"Infinity\",0],[0,0.5]]", body["jacobians"]!["x"]!.ToJsonString());
    }

    [Fact]
    public async Task TheSoftmaxJacobianClaimOfSeed003IsEquivalentAndTheOnePlusFSlipIsNotWithACounterexample()
    {
        var body = await Post("/v1/expressions/gradient", """
            { "expression": "softmax(x)", "variables": { "x": [1, 2, 3], "y": [0, 0] },
              "claims": { "x": "diag(softmax(x)) - softmax(x)*softmax(x)'" }, "trials": 20, "seed": 1 }
            """);
        var right = body["claims"]!["x"]!;
        Assert.Equal("equivalent", right["verdict"]!.GetValue<string>());
        Assert.Equal("[3,3]", right["expectedShape"]!.ToJsonString());
        Assert.Equal("[3,3]", right["claimedShape"]!.ToJsonString());

        body = await Post("/v1/expressions/gradient", """
            { "expression": "softmax(x)", "variables": { "x": [1, 2, 3] },
              "claims": { "x": "diag(softmax(x).*(1 + softmax(x)))" }, "trials": 20, "seed": 1 }
            """);
        var wrong = body["claims"]!["x"]!;
        Assert.Equal("not_equivalent", wrong["verdict"]!.GetValue<string>());
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] a = [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z];
        var expected = wrong["counterexample"]!["expected"]!.AsArray();
        var claimed = wrong["counterexample"]!["claimed"]!.AsArray();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal((i == j ? a[i] : 0) - a[i] * a[j], expected[i]![j]!.GetValue<double>(), 1e-15);
                Assert.Equal(i == j ? a[i] * (1 + a[i]) : 0, claimed[i]![j]!.GetValue<double>(), 1e-15);
            }
        Assert.Equal("[1,2,3]", wrong["counterexample"]!["variables"]!["x"]!.ToJsonString());
    }

    [Fact]
    public async Task AJacobianClaimOfTheGradientsShapeIsAShapeMismatch()
    {
        var body = await Post("/v1/expressions/gradient", """{ "expression": "W*x", "variables": { "W": [[1, 2], [3, 4], [5, 6]], "x": [1, 1] }, "claims": { "x": "W'" } }""");
        var claim = body["claims"]!["x"]!;
        Assert.Equal("shape_mismatch", claim["verdict"]!.GetValue<string>());
        Assert.Equal("[3,2]", claim["expectedShape"]!.ToJsonString());
        Assert.Equal("[2,3]", claim["claimedShape"]!.ToJsonString());
    }

    public static TheoryData<string, string> ConstantErrors => new()
    {
        { "sum(eye(x))", "unexpected 'x' at position 9; expected a size of eye(...) at position 5: a positive integer literal such as 3" },
        { "ones(0)", "unexpected '0' at position 6; expected a size of ones(...) at position 1: a positive integer literal such as 3" },
        { "ones(2,)", "unexpected ')' at position 8; expected a size of ones(...) at position 1: a positive integer literal such as 3" },
        { "eye(2.5)", "unexpected '2.5' at position 5; expected a size of eye(...) at position 1: a positive integer literal such as 3" },
        { "eye(400)", "eye(400) at position 1 would hold 160000 numbers; a constant holds at most 100000 (limit maxVariableValues)" },
    };

    [Theory]
    [MemberData(nameof(ConstantErrors))]
    public async Task BadSizesOfEyeAndOnesAreA400NamingThePosition(string expression, string message) =>
        Assert.Equal(message, await ExpressionError(expression));

    [Fact]
    public async Task AConstantsNameCannotNameAVariable() =>
        Assert.Equal("'ones' is a function of the language and cannot name a variable",
            await ErrorFor("/v1/expressions/gradient", """{ "expression": "sum(x)", "variables": { "x": [1], "ones": 2 } }""", "variables.ones"));

    // x x' for x of 1000 numbers is 1000x1000: its Jacobian by x holds 10^9 numbers, refused before any is computed.
    [Fact]
    public async Task JacobiansBeyondMaxJacobianValuesAreA400NamingTheLimit()
    {
        string x = string.Join(",", Enumerable.Repeat("1", 1000));
        string message = await ErrorFor("/v1/expressions/gradient", $$"""{ "expression": "x*x'", "variables": { "x": [{{x}}] } }""", "expression");
        Assert.StartsWith("the Jacobians would hold 1000000000 numbers", message);
        Assert.Contains("limit maxJacobianValues", message);
    }

    // A (300x300) times x: one evaluation of A*x counts A 90,000 + x 300 + the product 90,000 = 180,300, so the gradient of
    // sum(A*x) prices at 3 x 180,600 = 0.5M; the Jacobian of A*x by x makes a reverse pass per element, 300 x 3 x 180,300 = 162M > 50M.
    [Fact]
    public async Task AJacobiansPriceIsTheGradientsOncePerOutputElementAndBeyondTheWorkLimitIsA400()
    {
        string row = "[" + string.Join(",", Enumerable.Repeat("0.5", 300)) + "]";
        string a = "[" + string.Join(",", Enumerable.Repeat(row, 300)) + "]";
        string variables = $$"""{ "A": {{a}}, "x": {{row}} }""";
        await Post("/v1/expressions/gradient", $$"""{ "expression": "sum(A*x)", "variables": {{variables}}, "wrt": ["x"] }""");
        string message = await ErrorFor("/v1/expressions/gradient", $$"""{ "expression": "A*x", "variables": {{variables}}, "wrt": ["x"] }""", "trials");
        Assert.Contains("exceed the limit maxExpressionWork 50000000", message);
        Assert.Contains("a reverse pass for each of the expression's 300 elements", message);
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
