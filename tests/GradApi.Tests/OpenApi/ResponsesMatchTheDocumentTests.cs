using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GradApi.Domain.Vocabulary;
using GradApi.Tests.Api;
using GradApi.Tests.Grading.SimulatedClass;

namespace GradApi.Tests.OpenApi;

/// <summary>
/// Real answers of the service, checked with a JSON Schema validator against the schema the OpenAPI document gives for
/// that route and status: every named request example, and the edge answers a generated client meets (a diverged run's
/// non-finite strings, every null, array answers, every verdict and diagnosis, every problem status).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ResponsesMatchTheDocumentTests(GradApiFactory factory)
{
    static async Task<(HttpStatusCode Status, string? ContentType, string Body)> Send(HttpClient client, HttpMethod method, string path,
        string? body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts the body, asserts the status, validates the answer against the document and returns it.</summary>
    static async Task<string> Check(HttpClient client, DocumentSchemas schemas, string path, JsonNode body, string what,
        HttpStatusCode status = HttpStatusCode.OK, string? documentedPath = null)
    {
        var (got, contentType, text) = await Send(client, HttpMethod.Post, path, body.ToJsonString());
        Assert.True(got == status, $"{what}: expected {(int)status}, got {(int)got}: {ApiTest.Clip(text)}");
        schemas.AssertValid(documentedPath ?? path, "post", got, contentType, text, what);
        return text;
    }

    static JsonNode Json(string text) => JsonNode.Parse(text)!;

    [Fact]
    public async Task EveryNamedRequestExampleIsAnsweredWithABodyItsResponseSchemaAccepts()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        int checkedExamples = 0;
        foreach (var (path, item) in schemas.Document["paths"]!.AsObject())
        {
            if (item!["post"]?["requestBody"]?["content"]?["application/json"]?["examples"] is not JsonObject examples) continue;
            foreach (var (name, example) in examples)
            {
                await Check(client, schemas, path, example!["value"]!, $"request example '{name}'");
                checkedExamples++;
            }
        }
        Assert.True(checkedExamples >= 31, $"only {checkedExamples} request examples were found in the document");
    }

    [Fact]
    public async Task ADivergedRunWithInfinityAndNaNStringsMatchesTheTrainSchema()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        // z = 1e308 + 1e308 overflows to Infinity at once; the weight gradient of the input that is 0 is Infinity x 0 = NaN.
        var request = Json("""
            { "network": { "inputSize": 3, "layers": [ { "name": "w", "activation": "identity", "weights": [[1e308, 1e308, 0]], "biases": [0] } ] },
              "data": { "inputs": [[1, 1, 0]], "targets": [[100]] },
              "loss": { "type": "half_sse", "reduction": "sum", "alsoReport": ["mse"] },
              "optimizer": { "type": "momentum", "learningRate": 0.1, "momentum": 0.9 },
              "iterations": 3 }
            """);
        string text = await Check(client, schemas, "/v1/train", request, "a diverged run");
        Assert.Contains("\"Infinity\"", text);
        Assert.Contains("\"NaN\"", text);
        Assert.Equal("diverged", Json(text)["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task TrainAnswersThatLeaveFieldsOutMatchTheTrainSchema()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        const string Network = """
            "network": { "inputSize": 2, "layers": [
              { "activation": "tanh", "weights": [[0.1, -0.2], [0.3, 0.4]] },
              { "activation": "softmax", "weights": [[0.5, -0.6], [0.2, 0.1]], "biases": [0.1, 0] } ] },
            "data": { "inputs": [[1, 0], [0, 1]], "targets": [[1, 0], [0, 1]] },
            "loss": { "type": "ce", "reduction": "mean" }
            """;
        string[] optimizers =
        [
            """{ "type": "nesterov", "convention": "sutskever", "learningRate": 0.1, "momentum": 0.9 }""",
            """{ "type": "adam", "learningRate": 0.01, "amsgrad": true }""",
            """{ "type": "rmsprop", "learningRate": 0.01, "centered": true, "momentum": 0.5 }""",
            """{ "type": "adagrad", "learningRate": 0.1 }""",
            """{ "type": "momentum", "convention": "ema", "learningRate": 0.1, "momentum": 0.9 }""",
        ];
        string[][] includes = [["state"], ["forward", "loss"], ["update"], ["backward", "state"]];
        foreach (var optimizer in optimizers)
        {
            await Check(client, schemas, "/v1/train", Json($$"""{ {{Network}}, "optimizer": {{optimizer}}, "iterations": 2 }"""), optimizer);
            foreach (var include in includes)
            {
                var request = Json($$"""{ {{Network}}, "optimizer": {{optimizer}}, "iterations": 2, "sampling": { "mode": "minibatch", "batchSize": 1, "seed": 3 } }""");
                request["include"] = new JsonArray(include.Select(i => (JsonNode)i).ToArray());
                await Check(client, schemas, "/v1/train", request, $"{optimizer} with include {string.Join(",", include)}");
            }
        }
    }

    [Fact]
    public async Task CalculusAnswersWithEveryNullAndEveryVerdictMatchTheirSchemas()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        foreach (var activation in WireNames.Activation.All.Where(a => a != WireNames.Activation.Softmax))
        {
            string text = await Check(client, schemas, "/v1/activations/derivatives", Json($$"""{ "activation": "{{activation}}", "order": 20, "at": [-30, 0, 0.5, 40] }"""), activation);
            bool polynomial = activation is WireNames.Activation.Sigmoid or WireNames.Activation.Tanh;
            Assert.Equal(polynomial, Json(text)["polynomial"] is not null);
        }
        await Check(client, schemas, "/v1/activations/derivatives", Json("""{ "activation": "softmax", "at": [[1, 2, 3], [0, 0, 0]] }"""), "softmax");

        const string Gradient = "/v1/expressions/gradient";
        var claims = new (string Body, string Verdict)[]
        {
            ("""{ "expression": "sum(A*x)", "variables": { "A": [[1, 2], [3, 4]], "x": [1, 1] } }""", ""),
            ("""{ "expression": "A*x", "variables": { "A": [[1, 2], [3, 4]], "x": [1, 1] } }""", ""),
            ("""{ "expression": "x'*x", "variables": { "x": [1, 2] }, "claims": { "x": "2*x" } }""", "equivalent"),
            ("""{ "expression": "x'*x", "variables": { "x": [1, 2] }, "claims": { "x": "x" } }""", "not_equivalent"),
            ("""{ "expression": "x'*x", "variables": { "x": [1, 2] }, "claims": { "x": "x'" } }""", "shape_mismatch"),
            ("""{ "expression": "a*b", "variables": { "a": 2, "b": 3 }, "claims": { "a": "b" } }""", "equivalent"),
        };
        foreach (var (body, verdict) in claims)
        {
            string text = await Check(client, schemas, Gradient, Json(body), body);
            if (verdict.Length == 0) { Assert.Null(Json(text)["claims"]); continue; }
            var claim = Json(text)["claims"]!.AsObject().First().Value!;
            Assert.Equal(verdict, claim["verdict"]!.GetValue<string>());
            Assert.Equal(verdict == "not_equivalent", claim["counterexample"] is not null);
        }

        foreach (var convention in WireNames.MomentumConventions.Names)
        {
            string text = await Check(client, schemas, "/v1/optimizers/momentum/weights",
                Json($$"""{ "convention": "{{convention}}", "momentum": 0.9, "learningRate": 0.1, "steps": 4 }"""), convention);
            Assert.Equal(convention == "pytorch", Json(text)["dampening"] is not null);
        }
    }

    [Fact]
    public async Task AnalysisAnswersWithEveryNullAndEveryTrajectoryVerdictMatchTheirSchemas()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        const string Hessian = "/v1/analysis/hessian";
        string sizes = await Check(client, schemas, Hessian, Json("""{ "parameterCount": 1000000 }"""), "sizes only");
        Assert.Null(Json(sizes)["parameterOrder"]);
        await Check(client, schemas, Hessian, Json("""
            { "network": { "inputSize": 2, "layers": [ { "activation": "sigmoid", "weights": [[0.1, 0.2]], "biases": [0] } ] },
              "data": { "inputs": [[1, 2]], "targets": [[1]] }, "loss": { "type": "bce" } }
            """), "a full Hessian");

        var seen = new HashSet<string>();
        var trajectories = new[]
        {
            """
            { "objective": { "function": "quadratic", "matrix": [[1, 0], [0, 10]] }, "start": { "p": [1, 1] },
              "runs": [ { "optimizer": { "type": "sgd", "learningRate": 0.05 } }, { "optimizer": { "type": "sgd", "learningRate": 0.2 } },
                        { "optimizer": { "type": "sgd", "learningRate": 0.3 } }, { "optimizer": { "type": "sgd", "learningRate": 0.001 } },
                        { "label": "n", "optimizer": { "type": "nesterov", "convention": "sutskever", "learningRate": 0.05, "momentum": 0.5 } } ],
              "maxSteps": 200 }
            """,
            """{ "objective": { "function": "rosenbrock" }, "start": { "p": [-1.2, 1] }, "runs": [ { "optimizer": { "type": "adam", "learningRate": 0.01 } } ], "maxSteps": 20 }""",
            """
            { "objective": { "expression": "(w - c)^2 + sum(b .* b)", "constants": { "c": 3 } }, "start": { "w": 0, "b": [1, 2] },
              "runs": [ { "optimizer": { "type": "momentum", "learningRate": 0.1, "momentum": 0.5 } } ] }
            """,
        };
        foreach (var body in trajectories)
        {
            var answer = Json(await Check(client, schemas, "/v1/optimization/trajectories", Json(body), body));
            foreach (var run in answer["runs"]!.AsArray()) seen.Add(run!["verdict"]!.GetValue<string>());
            // Stable learning rates exist only for a constant Hessian: null for rosenbrock.
            Assert.Equal(!body.Contains("rosenbrock", StringComparison.Ordinal), answer["stableLearningRates"] is not null);
        }
        Assert.Superset(new HashSet<string>(WireNames.TrajectoryVerdicts.Names), seen);
    }

    [Fact]
    public async Task GradingAnswersWithEveryVerdictAndEveryDiagnosisMatchTheirSchemas()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        var verdicts = new HashSet<string>();
        var codes = new HashSet<string>();
        void Collect(JsonNode answer)
        {
            foreach (var result in answer["results"]!.AsArray())
            {
                var results = result!["results"] is JsonArray inner ? inner.ToList() : [result];
                foreach (var r in results)
                {
                    verdicts.Add(r!["verdict"]!.GetValue<string>());
                    foreach (var d in r["diagnoses"]!.AsArray()) codes.Add(d!["code"]!.GetValue<string>());
                }
            }
        }

        // A simulated class's sheets: every mistake of the diagnosis table, as students make them, with array answers;
        // problems are worked until every diagnosis has been seen (the first one also under reveal verdicts).
        var random = new Random(ClassGrading.Seed);
        int worked = 0;
        foreach (var problem in ClassProblems.All())
        {
            if (codes.IsSupersetOf(WireNames.DiagnosisCode.All)) break;
            var reference = Student.Reference(problem);
            // At 4 decimals, where a student who rounds as they go is told so (rounded_too_early) besides the other mistakes.
            int decimals = Classroom.DecimalsFor(problem)[^1];
            // The first sheet, and each sheet that brings a diagnosis not met yet: the answers stay small enough to validate quickly.
            var planned = new HashSet<string>(codes);
            var sheets = Classroom.Sheets(problem, decimals, reference, random, out _)
                .Where((sheet, i) => sheet.Answers.SelectMany(a => a.Codes ?? []).Append(Codes.Of(sheet.Plan.Mistake)).Count(planned.Add) > 0 || i == 0)
                .ToList();
            foreach (var reveal in worked++ == 0 ? new[] { "all", "verdicts" } : ["all"])
            {
                var request = new JsonObject
                {
                    ["problem"] = problem.ToJson(),
                    ["tolerance"] = new JsonObject { ["type"] = "decimals", ["decimals"] = decimals },
                    ["reveal"] = reveal,
                    ["submissions"] = new JsonArray(sheets.Select(s => (JsonNode)new JsonObject
                    {
                        ["id"] = s.Id,
                        ["answers"] = new JsonArray(s.Answers.Select(a => (JsonNode)new JsonObject { ["path"] = a.Site.Path, ["value"] = a.Written.ToJson() }).ToArray()),
                    }).ToArray()),
                };
                Collect(Json(await Check(client, schemas, "/v1/grade/batch", request, $"class on {problem.Label}, reveal {reveal}")));
            }
        }

        // The verdicts a sheet of numbers does not give: a wrong shape, a path that is not in the trace, a value that is not numbers.
        var odd = ApiTest.ValidRequest();
        var grade = new JsonObject
        {
            ["problem"] = odd,
            ["answers"] = Json("""
                [ { "path": "/iterations/0/forward/layers/0/a", "value": [[0.5, 0.5, 0.5]] },
                  { "path": "/iterations/7/forward/layers/0/a", "value": 1 },
                  { "path": "/iterations/0/loss/value", "value": "a lot" },
                  { "path": "/iterations/0/forward/layers/1/a", "value": ["NaN", "Infinity"], "tolerance": { "type": "significant_figures", "figures": 3 } },
                  { "path": "/iterations/0/loss/perExample", "value": [0.1, 0.2], "points": 2, "tolerance": { "type": "absolute", "absolute": 0.5 } } ]
                """),
            ["partialCredit"] = "all_or_nothing",
            ["followThrough"] = new JsonObject { ["enabled"] = false },
        };
        Collect(Json(await Check(client, schemas, "/v1/grade", grade, "odd answers")));

        // Formula answers on another endpoint's problem: equivalent, not equivalent (with a counterexample), not a formula.
        var formulas = Json("""
            { "problem": { "endpoint": "/v1/expressions/gradient",
                           "request": { "expression": "x' * (A*x + z)", "variables": { "x": [1, 2], "A": [[1, 2], [3, 4]], "z": [0.5, -1] } } },
              "answers": [ { "path": "/gradients/x", "formula": "(A + A')*x + z" },
                           { "path": "/gradients/x", "formula": "2*A*x + z" },
                           { "path": "/gradients/x", "formula": "(A + " } ] }
            """);
        foreach (var reveal in new[] { "all", "verdicts" })
        {
            formulas["reveal"] = reveal;
            Collect(Json(await Check(client, schemas, "/v1/grade", formulas, $"formula answers, reveal {reveal}")));
        }

        Assert.Empty(WireNames.Verdicts.Names.Except(verdicts));
        Assert.True(codes.IsSupersetOf(WireNames.DiagnosisCode.All),
            $"after {worked} problems, never diagnosed: {string.Join(", ", WireNames.DiagnosisCode.All.Except(codes))}");
    }

    [Fact]
    public async Task EveryProblemTheServiceAnswersMatchesTheDocumentedProblemSchema()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        // Each with the operation whose responses document it (a 405 is documented on the path's one operation).
        var cases = new (HttpMethod Method, string Path, string? Body, string ContentType, HttpStatusCode Status, string What)[]
        {
            (HttpMethod.Post, "/v1/train", "{}", "application/json", HttpStatusCode.BadRequest, "an empty object"),
            (HttpMethod.Post, "/v1/train", """{"network": """, "application/json", HttpStatusCode.BadRequest, "a truncated body"),
            (HttpMethod.Post, "/v1/train", """{"learning_rate": 1}""", "application/json", HttpStatusCode.BadRequest, "an unknown field"),
            (HttpMethod.Post, "/v1/grade", null, "application/json", HttpStatusCode.BadRequest, "no body"),
            (HttpMethod.Post, "/v1/expressions/gradient", """{"expression": "x +"}""", "application/json", HttpStatusCode.BadRequest, "a parse error"),
            (HttpMethod.Post, "/v1/train", "x", "text/plain", HttpStatusCode.UnsupportedMediaType, "plain text"),
            (HttpMethod.Get, "/v1/train", null, "", HttpStatusCode.MethodNotAllowed, "a GET"),
            (HttpMethod.Post, "/health", "{}", "application/json", HttpStatusCode.MethodNotAllowed, "a POST to health"),
        };
        foreach (var (method, path, body, contentType, status, what) in cases)
        {
            var (got, type, text) = await Send(client, method, path, body, contentType);
            Assert.True(got == status, $"{what}: expected {(int)status}, got {(int)got}: {ApiTest.Clip(text)}");
            string documented = path.StartsWith("/v1/", StringComparison.Ordinal) ? "post" : "get";
            schemas.AssertValid(path, documented, got, type, text, what);
        }

        // A path the service does not serve answers with the 404 every /v1 operation documents.
        var (notFound, notFoundType, notFoundText) = await Send(client, HttpMethod.Post, "/v1/trains", "{}");
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        schemas.AssertValid("/v1/train", "post", notFound, notFoundType, notFoundText, "a mistyped path");

        using (var small = factory.WithSettings(("Limits:MaxBodyBytes", "100")))
        {
            using var smallClient = small.CreateClient();
            var (tooLarge, type, text) = await Send(smallClient, HttpMethod.Post, "/v1/train", ApiTest.ValidRequest().ToJsonString());
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
            schemas.AssertValid("/v1/train", "post", tooLarge, type, text, "a body over maxBodyBytes");
        }

        using (var rated = factory.WithSettings(("Operations:ClientRequestsPerMinute", "1")))
        {
            using var ratedClient = rated.CreateClient();
            await Send(ratedClient, HttpMethod.Post, "/v1/train", ApiTest.ValidRequest().ToJsonString());
            var (tooMany, type, text) = await Send(ratedClient, HttpMethod.Post, "/v1/train", ApiTest.ValidRequest().ToJsonString());
            Assert.Equal(HttpStatusCode.TooManyRequests, tooMany);
            schemas.AssertValid("/v1/train", "post", tooMany, type, text, "a used-up client rate");
        }

        using (var late = factory.WithSettings(("Limits:DeadlineSeconds", "0.002")))
        {
            using var lateClient = late.CreateClient();
            var (unavailable, type, text) = await Send(lateClient, HttpMethod.Post, "/v1/train", DeadlineTests.HeavyRequest("train").ToJsonString());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable);
            schemas.AssertValid("/v1/train", "post", unavailable, type, text, "a request past the deadline");
        }

        const string StudentKey = "student-key-for-schema-tests";
        using (var keyed = factory.WithSettings(("Access:Keys:0:Name", "practice"), ("Access:Keys:0:Role", "student"),
            ("Access:Keys:0:Sha256", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(StudentKey))))))
        {
            using var keyedClient = keyed.CreateClient();
            var (unauthorized, type, text) = await Send(keyedClient, HttpMethod.Post, "/v1/train", ApiTest.ValidRequest().ToJsonString());
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
            schemas.AssertValid("/v1/train", "post", unauthorized, type, text, "no key");

            keyedClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StudentKey);
            var (forbidden, forbiddenType, forbiddenText) = await Send(keyedClient, HttpMethod.Post, "/v1/train", ApiTest.ValidRequest().ToJsonString());
            Assert.Equal(HttpStatusCode.Forbidden, forbidden);
            schemas.AssertValid("/v1/train", "post", forbidden, forbiddenType, forbiddenText, "a student key on /v1/train");
        }
    }
}
