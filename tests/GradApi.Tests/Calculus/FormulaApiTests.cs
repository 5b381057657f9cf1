using System.Net;
using System.Text.Json.Nodes;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GradApi.Tests.Calculus;

public class FormulaApiTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    readonly HttpClient client = factory.CreateClient();

    Task<JsonObject> Post(string route, string json, HttpStatusCode status = HttpStatusCode.OK) => client.PostJson(route, json, status);

    Task<string> ErrorFor(string route, string json, string key) => client.ErrorFor(route, json, key);

    const string Equivalence = "/v1/expressions/equivalence";

    [Fact]
    public async Task TanhAsTwiceSigmoidOfTwiceXMinusOneIsEquivalentNumerically()
    {
        var body = await Post(Equivalence, """{ "expected": "tanh(x)", "claimed": "2*sigmoid(2*x) - 1", "variables": {"x": 0.3}, "trials": 20, "seed": 1 }""");
        Assert.Equal("equivalent", body["verdict"]!.GetValue<string>());
        Assert.Equal("numeric", body["method"]!.GetValue<string>());
        Assert.Equal(20, body["trials"]!.GetValue<int>());
        Assert.True(body["maxRelativeError"]!.GetValue<double>() <= 1e-8);
        Assert.Null(body["counterexample"]);
        Assert.Equal("[1,1]", body["expectedShape"]!.ToJsonString());
    }

    [Fact]
    public async Task TanhAsTwiceSigmoidOfXMinusOneIsNotEquivalentAtTheGivenPoint()
    {
        var body = await Post(Equivalence, """{ "expected": "tanh(x)", "claimed": "2*sigmoid(x) - 1", "variables": {"x": 0.3}, "seed": 1 }""");
        Assert.Equal("not_equivalent", body["verdict"]!.GetValue<string>());
        var c = body["counterexample"]!;
        Assert.Equal(0.3, c["variables"]!["x"]!.GetValue<double>());
        Assert.Equal(Math.Tanh(0.3), c["expected"]!.GetValue<double>(), 15);
        Assert.Equal(2 / (1 + Math.Exp(-0.3)) - 1, c["claimed"]!.GetValue<double>(), 15);
    }

    [Fact]
    public async Task APolynomialMissingItsCrossTermIsNotEquivalentExactlyWithTheDifference()
    {
        // (x + y)^2 - (x^2 + y^2) = 2xy: at (0.5, -2) that is -2, expected 2.25 vs claimed 4.25
        var body = await Post(Equivalence, """{ "expected": "(x + y)^2", "claimed": "x^2 + y^2", "variables": {"x": 0.5, "y": -2} }""");
        Assert.Equal("not_equivalent", body["verdict"]!.GetValue<string>());
        Assert.Equal("exact", body["method"]!.GetValue<string>());
        Assert.Equal(0, body["trials"]!.GetValue<int>());
        Assert.Equal(2.25, body["counterexample"]!["expected"]!.GetValue<double>());
        Assert.Equal(4.25, body["counterexample"]!["claimed"]!.GetValue<double>());
        Assert.Contains("2*x*y", body["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task AMatrixCounterexampleComesBackInEachVariablesForm()
    {
        var body = await Post(Equivalence, """{ "expected": "(A*x)'", "claimed": "A'*x", "variables": {"A": [[1, 2], [3, 4]], "x": [1, -1]} }""");
        Assert.Equal("shape_mismatch", body["verdict"]!.GetValue<string>());
        Assert.Equal("[1,2]", body["expectedShape"]!.ToJsonString());
        Assert.Equal("[2,1]", body["claimedShape"]!.ToJsonString());
        Assert.Null(body["maxRelativeError"]);

        var wrong = await Post(Equivalence, """{ "expected": "A*x", "claimed": "A'*x", "variables": {"A": [[1, 2], [3, 4]], "x": [1, -1]} }""");
        Assert.Equal("not_equivalent", wrong["verdict"]!.GetValue<string>());
        Assert.Equal("numeric", wrong["method"]!.GetValue<string>());
        var c = wrong["counterexample"]!;
        Assert.Equal("[[1,2],[3,4]]", c["variables"]!["A"]!.ToJsonString());
        Assert.Equal("[1,-1]", c["variables"]!["x"]!.ToJsonString());
        Assert.Equal("[[-1],[-1]]", c["expected"]!.ToJsonString()); // A x = (1 - 2, 3 - 4)
        Assert.Equal("[[-2],[-2]]", c["claimed"]!.ToJsonString()); // A' x = (1 - 3, 2 - 4)
    }

    [Fact]
    public async Task AParseErrorIsA400NamingTheFieldAndThePosition()
    {
        string expected = await ErrorFor(Equivalence, """{ "expected": "tanh(x", "claimed": "x", "variables": {"x": 1} }""", "expected");
        Assert.Contains("position 5", expected);
        string claimed = await ErrorFor(Equivalence, """{ "expected": "x", "claimed": "x + * 2", "variables": {"x": 1} }""", "claimed");
        Assert.Contains("position 5", claimed);
    }

    [Fact]
    public async Task AnUnknownVariableOrABadValueIsA400NamingWhere()
    {
        Assert.Contains("'z'", await ErrorFor(Equivalence, """{ "expected": "x", "claimed": "z", "variables": {"x": 1} }""", "claimed"));
        Assert.Contains("'z'", await ErrorFor(Equivalence, """{ "expected": "z", "claimed": "x", "variables": {"x": 1} }""", "expected"));
        await ErrorFor(Equivalence, """{ "expected": "x", "claimed": "x", "variables": {"x": "one"} }""", "variables.x");
        await ErrorFor(Equivalence, """{ "expected": "x", "claimed": "x", "variables": {"x": [[1, 2], [3]]} }""", "variables.x[1]");
        await ErrorFor(Equivalence, """{ "expected": "x", "claimed": "x", "variables": {"x": 1}, "trials": 1001 }""", "trials");
        await ErrorFor(Equivalence, """{ "variables": {"x": 1} }""", "expected");
    }

    [Fact]
    public async Task DerivativeClaimsAreAnsweredByOrderExactlyInSigmaAndNumericallyInX()
    {
        var body = await Post("/v1/activations/derivatives", """
            { "activation": "sigmoid", "order": 3, "at": [0.5],
              "claims": { "3": "sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)", "2": "sigma*(1 - sigma)*(1 + 2*sigma)", "1": "exp(-x)/(1 + exp(-x))^2" } }
            """);
        var claims = body["claims"]!;
        Assert.Equal("equivalent", claims["3"]!["verdict"]!.GetValue<string>());
        Assert.Equal("exact", claims["3"]!["method"]!.GetValue<string>());
        // sigma'' = sigma(1 - sigma)(1 - 2 sigma): at x = 0.5 the claim's (1 + 2 sigma) is off
        Assert.Equal("not_equivalent", claims["2"]!["verdict"]!.GetValue<string>());
        Assert.Equal(0.5, claims["2"]!["counterexample"]!["variables"]!["x"]!.GetValue<double>());
        double s = 1 / (1 + Math.Exp(-0.5));
        Assert.Equal(s * (1 - s) * (1 - 2 * s), claims["2"]!["counterexample"]!["expected"]!.GetValue<double>(), 14);
        Assert.Equal("equivalent", claims["1"]!["verdict"]!.GetValue<string>());
        Assert.Equal("numeric", claims["1"]!["method"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutClaimsTheDerivativesAnswerHasNullClaims()
    {
        var body = await Post("/v1/activations/derivatives", """{ "activation": "tanh", "order": 1, "at": [0] }""");
        Assert.True(body.ContainsKey("claims"));
        Assert.Null(body["claims"]);
    }

    [Fact]
    public async Task ATanhClaimReadsTanhAsTheValueWhereNoParenthesisFollows()
    {
        var body = await Post("/v1/activations/derivatives", """{ "activation": "tanh", "order": 1, "at": [0.2], "claims": { "1": "1 - tanh^2", "0": "tanh(x)" } }""");
        Assert.Equal("equivalent", body["claims"]!["1"]!["verdict"]!.GetValue<string>());
        Assert.Equal("exact", body["claims"]!["1"]!["method"]!.GetValue<string>());
        Assert.Equal("equivalent", body["claims"]!["0"]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadDerivativeClaimsAreA400NamingTheClaim()
    {
        const string Route = "/v1/activations/derivatives";
        Assert.Contains("0 to 2", await ErrorFor(Route, """{ "activation": "sigmoid", "order": 2, "at": [0], "claims": { "3": "sigma" } }""", "claims.3"));
        await ErrorFor(Route, """{ "activation": "sigmoid", "order": 2, "at": [0], "claims": { "first": "sigma" } }""", "claims.first");
        Assert.Contains("position", await ErrorFor(Route, """{ "activation": "sigmoid", "order": 2, "at": [0], "claims": { "1": "sigma*(1 -" } }""", "claims.1"));
        Assert.Contains("'sigma'", await ErrorFor(Route, """{ "activation": "relu", "order": 1, "at": [0], "claims": { "1": "sigma" } }""", "claims.1"));
        await ErrorFor(Route, """{ "activation": "softmax", "order": 1, "at": [[0, 1]], "claims": { "1": "x" } }""", "claims");
    }

    [Fact]
    public async Task MomentumWeightClaimsForEmaAreDecidedExactly()
    {
        var body = await Post("/v1/optimizers/momentum/weights", """
            { "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 4,
              "claims": { "stateWeights": "beta^(T - t)*(1 - beta)", "stepWeights": "eta*beta^(T - t)" } }
            """);
        var claims = body["claims"]!;
        Assert.Equal("equivalent", claims["stateWeights"]!["verdict"]!.GetValue<string>());
        Assert.Equal("exact", claims["stateWeights"]!["method"]!.GetValue<string>());
        var step = claims["stepWeights"]!;
        Assert.Equal("not_equivalent", step["verdict"]!.GetValue<string>());
        // t = 1, T = 4: eta beta^3 (1 - beta) = 0.1 * 0.729 * 0.1 against the claim's 0.1 * 0.729
        Assert.Equal(1, step["counterexample"]!["variables"]!["t"]!.GetValue<double>());
        Assert.Equal(0.00729, step["counterexample"]!["expected"]!.GetValue<double>(), 15);
        Assert.Equal(0.0729, step["counterexample"]!["claimed"]!.GetValue<double>(), 15);
    }

    [Fact]
    public async Task HeavyBallStateWeightsAreMinusEtaBetaToTheTMinusT()
    {
        var body = await Post("/v1/optimizers/momentum/weights", """
            { "convention": "heavy_ball", "momentum": 0.5, "learningRate": 0.1, "steps": 3, "claims": { "stateWeights": "-eta*beta^(T - t)" } }
            """);
        Assert.Equal("equivalent", body["claims"]!["stateWeights"]!["verdict"]!.GetValue<string>());
        Assert.Null(body["claims"]!["stepWeights"]);
    }

    [Fact]
    public async Task BadMomentumClaimsAreA400NamingTheClaim()
    {
        const string Route = "/v1/optimizers/momentum/weights";
        Assert.Contains("'d'", await ErrorFor(Route, """{ "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 4, "claims": { "stateWeights": "d*beta" } }""", "claims.stateWeights"));
        Assert.Contains("position", await ErrorFor(Route, """{ "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 4, "claims": { "stepWeights": "beta^(T - t" } }""", "claims.stepWeights"));
        await ErrorFor(Route, """{ "convention": "ema", "momentum": 0.9, "learningRate": 0.1, "steps": 10000, "trials": 1000, "claims": { "stateWeights": "beta^(T - t)*(1 - beta)" } }""", "trials");
    }
}
