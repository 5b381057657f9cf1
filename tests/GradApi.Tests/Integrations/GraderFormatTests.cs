using System.Net;
using System.Text.Json.Nodes;
using GradApi.Tests.Api;
using GradApi.Tests.OpenApi;

namespace GradApi.Tests.Integrations;

/// <summary>
/// format of /v1/grade and /v1/grade/batch (API 1.1, "Grading every computation, and formulas"): the results.json of
/// Gradescope's autograder specification and of PrairieLearn's external grader, field by field against the published
/// specifications, on a problem worked by hand (<see cref="GraderProblem"/>).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GraderFormatTests(GradApiFactory factory)
{
    static async Task<(JsonObject Body, string Text)> Grade(HttpClient client, JsonObject request, string route = "/v1/grade") =>
        await ApiTest.ReadOk(await client.Post(route, request));

    [Fact]
    public async Task GradescopeFormatIsTheSpecificationsResultsJsonWithOneTestPerAnswer()
    {
        using var client = factory.CreateClient();
        var (body, _) = await Grade(client, GraderProblem.Request("gradescope"));

        // Gradescope's top level: score, max_score (the contract's), output, output_format, visibility, stdout_visibility, tests; nothing else.
        Assert.Equal(["score", "max_score", "output", "output_format", "visibility", "stdout_visibility", "tests"], body.Select(p => p.Key));
        Assert.Equal(GraderProblem.PointsAwarded, body["score"]!.GetValue<double>());
        Assert.Equal(GraderProblem.PointsPossible, body["max_score"]!.GetValue<double>());
        Assert.Equal("md", body["output_format"]!.GetValue<string>());
        Assert.Equal("visible", body["visibility"]!.GetValue<string>());
        Assert.Equal("hidden", body["stdout_visibility"]!.GetValue<string>());
        string output = body["output"]!.GetValue<string>();
        Assert.Contains("4 of 7 points", output);
        Assert.Contains("1 correct, 2 follow through, 1 incorrect, 1 not a number", output);

        var tests = body["tests"]!.AsArray();
        Assert.Equal(GraderProblem.Answers.Length, tests.Count);
        for (int i = 0; i < tests.Count; i++)
        {
            var (name, _, points, _, verdict, awarded) = GraderProblem.Answers[i];
            var test = tests[i]!.AsObject();
            Assert.Equal(["name", "score", "max_score", "status", "output", "output_format", "visibility"], test.Select(p => p.Key));
            Assert.Equal(name, test["name"]!.GetValue<string>());
            Assert.Equal(awarded, test["score"]!.GetValue<double>());
            Assert.Equal(points, test["max_score"]!.GetValue<double>());
            Assert.Equal(verdict is "correct" or "follow_through" ? "passed" : "failed", test["status"]!.GetValue<string>());
            Assert.Equal("md", test["output_format"]!.GetValue<string>());
            // reveal all (the default): the explanation holds the reference's numbers, so not before the due date.
            Assert.Equal("after_due_date", test["visibility"]!.GetValue<string>());
        }
        // The tests' scores add up to the top-level score, as Gradescope would add them without it.
        Assert.Equal(GraderProblem.PointsAwarded, tests.Sum(t => t!["score"]!.GetValue<double>()));

        // The output is Markdown: the verdict and points, the diagnosis by code with its message, the explanation.
        string delta = tests[1]!["output"]!.GetValue<string>();
        Assert.StartsWith("**Incorrect**: 0 of 2 points.", delta);
        Assert.Contains("- `sign_flipped`: ", delta);
        Assert.Contains("-0.7500", delta); // (a - y) sigma'(z) = (0.25 - 1)(1) worked out
        Assert.StartsWith("**Correct given your earlier answers (follow-through)**: 2 of 2 points.", tests[2]!["output"]!.GetValue<string>());
        Assert.Contains("null is not a number", tests[4]!["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task PrairieLearnFormatScoresTheFractionOfThePointsAwardedWithOneTestPerAnswer()
    {
        using var client = factory.CreateClient();
        var (body, _) = await Grade(client, GraderProblem.Request("prairielearn"));

        Assert.Equal(["gradable", "score", "message", "tests"], body.Select(p => p.Key));
        Assert.True(body["gradable"]!.GetValue<bool>());
        Assert.Equal(4.0 / 7.0, body["score"]!.GetValue<double>(), 15);
        Assert.Contains("4 of 7 points", body["message"]!.GetValue<string>());

        var tests = body["tests"]!.AsArray();
        Assert.Equal(GraderProblem.Answers.Length, tests.Count);
        for (int i = 0; i < tests.Count; i++)
        {
            var (name, path, points, _, _, awarded) = GraderProblem.Answers[i];
            var test = tests[i]!.AsObject();
            Assert.Equal(["name", "description", "points", "max_points", "message", "output"], test.Select(p => p.Key));
            Assert.Equal(name, test["name"]!.GetValue<string>());
            Assert.Equal(path, test["description"]!.GetValue<string>());
            Assert.Equal(awarded, test["points"]!.GetValue<double>());
            Assert.Equal(points, test["max_points"]!.GetValue<double>());
        }
        Assert.StartsWith("Incorrect: 0 of 2 points.", tests[1]!["message"]!.GetValue<string>());
        Assert.Contains("sign_flipped: ", tests[1]!["message"]!.GetValue<string>());
        // The explanation: w' = 0.3 - 0.1 (0.375) = 0.2625 from the student's own gradient.
        Assert.Contains("0.2625", tests[3]!["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutNamesEachTestIsNamedByItsPath()
    {
        using var client = factory.CreateClient();
        var (gradescope, _) = await Grade(client, GraderProblem.Request("gradescope", named: false));
        var (prairielearn, _) = await Grade(client, GraderProblem.Request("prairielearn", named: false));
        Assert.Equal(GraderProblem.Answers.Select(a => a.Path), gradescope["tests"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(GraderProblem.Answers.Select(a => a.Path), prairielearn["tests"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TheGradApiFormatIsByteForByteTheResponseWithoutFormatAndDoesNotEchoNames()
    {
        using var client = factory.CreateClient();
        var (_, plain) = await Grade(client, GraderProblem.Request(null, named: false));
        var (_, explicitFormat) = await Grade(client, GraderProblem.Request("gradapi", named: false));
        var (_, named) = await Grade(client, GraderProblem.Request(null, named: true));
        Assert.Equal(plain, explicitFormat);
        Assert.Equal(plain, named);
        Assert.DoesNotContain("\"name\"", plain);
    }

    [Theory]
    [InlineData("gradescope")]
    [InlineData("prairielearn")]
    public async Task RevealVerdictsLeavesEveryReferenceNumberOutOfTheGradersFormats(string format)
    {
        using var client = factory.CreateClient();
        var (_, all) = await Grade(client, GraderProblem.Request(format, reveal: "all"));
        var (body, verdicts) = await Grade(client, GraderProblem.Request(format, reveal: "verdicts"));
        // Shown under reveal all, so the check below can fail.
        Assert.Contains(GraderProblem.ReferenceNumbers, n => all.Contains(n, StringComparison.Ordinal));
        foreach (string number in GraderProblem.ReferenceNumbers) Assert.DoesNotContain(number, verdicts, StringComparison.Ordinal);
        // Nor any other number with a fraction in any text (the points are whole here; PrairieLearn's score, 4/7, is a number, not text).
        Assert.All(Strings(body), text => Assert.DoesNotMatch(@"\d\.\d", text));
        if (format == "gradescope")
            Assert.All(body["tests"]!.AsArray(), t => Assert.Equal("visible", t!["visibility"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("gradescope")]
    [InlineData("prairielearn")]
    public async Task AStudentKeyGetsTheGradersFormatsWithoutAnyReferenceNumberEvenAskingForAll(string format)
    {
        const string key = "student-key-formats-5c1e";
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        using var host = factory.WithSettings(("Access:Keys:0:Name", "practice"), ("Access:Keys:0:Role", "student"), ("Access:Keys:0:Sha256", hash));
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var (body, text) = await Grade(client, GraderProblem.Request(format, reveal: "all"));
        foreach (string number in GraderProblem.ReferenceNumbers) Assert.DoesNotContain(number, text, StringComparison.Ordinal);
        if (format == "gradescope")
            Assert.All(body["tests"]!.AsArray(), t => Assert.Equal("visible", t!["visibility"]!.GetValue<string>()));
    }

    static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Strings(p.Value)),
        JsonArray array => array.SelectMany(Strings),
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        _ => [],
    };

    [Theory]
    [InlineData("/v1/grade")]
    [InlineData("/v1/grade/batch")]
    public async Task AnUnknownFormatIsA400NamingTheFieldAndTheAllowedValues(string route)
    {
        using var client = factory.CreateClient();
        var request = route == "/v1/grade" ? GraderProblem.Request("moodle") : BatchRequest("moodle");
        var messages = await ApiTest.ReadValidationError(await client.Post(route, request), "format");
        Assert.Contains("gradapi, gradescope, prairielearn", Assert.Single(messages));
        Assert.Contains("'moodle'", messages[0]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task AnEmptyBlankOrOverlongAnswerNameIsA400NamingTheAnswer(string name)
    {
        using var client = factory.CreateClient();
        var request = GraderProblem.Request("gradescope");
        request["answers"]![1]!["name"] = name;
        await ApiTest.ReadValidationError(await client.Post("/v1/grade", request), "answers[1].name");
        request["answers"]![1]!["name"] = new string('n', 201);
        await ApiTest.ReadValidationError(await client.Post("/v1/grade", request), "answers[1].name");
    }

    static JsonObject BatchRequest(string? format, string? reveal = null)
    {
        // s1 as the class's worked student; s2 right throughout (z 0.25, delta -0.75, dJ/dw -0.375, w' 0.3375, b' 0.175: 7 of 7).
        var right = GraderProblem.AnswersWithValues(named: true);
        string[] values = ["0.25", "-0.75", "-0.375", "0.3375", "0.175"];
        for (int i = 0; i < values.Length; i++) right[i]!["value"] = JsonNode.Parse(values[i]);
        var request = new JsonObject
        {
            ["problem"] = GraderProblem.Problem(),
            ["submissions"] = new JsonArray(
                new JsonObject { ["id"] = "s1", ["answers"] = GraderProblem.AnswersWithValues(named: true) },
                new JsonObject { ["id"] = "s2", ["answers"] = right }),
        };
        if (format is not null) request["format"] = format;
        if (reveal is not null) request["reveal"] = reveal;
        return request;
    }

    [Theory]
    [InlineData("gradescope")]
    [InlineData("prairielearn")]
    public async Task ABatchHoldsOneDocumentPerSubmissionWithItsIdEachAsTheGradeWouldBe(string format)
    {
        using var client = factory.CreateClient();
        var (body, _) = await Grade(client, BatchRequest(format, reveal: "verdicts"), "/v1/grade/batch");
        Assert.Equal(["results"], body.Select(p => p.Key));
        var results = body["results"]!.AsArray();
        Assert.Equal(["s1", "s2"], results.Select(r => r!["id"]!.GetValue<string>()));
        Assert.All(results, r => Assert.Equal(["id", "document"], r!.AsObject().Select(p => p.Key)));

        var (single, _) = await Grade(client, GraderProblem.Request(format, reveal: "verdicts"));
        Assert.True(JsonNode.DeepEquals(single, results[0]!["document"]), $"s1's document differs from /v1/grade's: {results[0]!["document"]}");
        var second = results[1]!["document"]!;
        // 7 of 7: every test passed with its points.
        if (format == "gradescope")
        {
            Assert.Equal(GraderProblem.PointsPossible, second["score"]!.GetValue<double>());
            Assert.All(second["tests"]!.AsArray(), t => Assert.Equal("passed", t!["status"]!.GetValue<string>()));
        }
        else Assert.Equal(1.0, second["score"]!.GetValue<double>());
    }

    [Fact]
    public async Task WithNoPointsPossiblePrairieLearnScoresOneWhenEveryAnswerPassedElseZero()
    {
        using var client = factory.CreateClient();
        var request = GraderProblem.Request("prairielearn");
        foreach (var answer in request["answers"]!.AsArray()) answer!["points"] = 0;
        var (wrong, _) = await Grade(client, request);
        Assert.Equal(0.0, wrong["score"]!.GetValue<double>());

        // The right z = 0.25 and the right dJ/dw = -0.375 alone: each passed.
        var passing = GraderProblem.Request("prairielearn");
        passing["answers"] = new JsonArray(request["answers"]![0]!.DeepClone(), request["answers"]![2]!.DeepClone());
        passing["answers"]![1]!["value"] = -0.375;
        var (right, _) = await Grade(client, passing);
        Assert.Equal(1.0, right["score"]!.GetValue<double>());
    }

    [Fact]
    public async Task TheGradersBodiesMatchTheDocumentsSchemas()
    {
        using var client = factory.CreateClient();
        var schemas = await DocumentSchemas.Fetch(client);
        foreach (string format in new[] { "gradescope", "prairielearn" })
            foreach (string reveal in new[] { "all", "verdicts" })
            {
                var single = await client.Post("/v1/grade", GraderProblem.Request(format, reveal));
                schemas.AssertValid("/v1/grade", "post", single.StatusCode, single.Content.Headers.ContentType?.MediaType,
                    await single.Content.ReadAsStringAsync(), $"{format}, reveal {reveal}");
                var batch = await client.Post("/v1/grade/batch", BatchRequest(format, reveal));
                schemas.AssertValid("/v1/grade/batch", "post", batch.StatusCode, batch.Content.Headers.ContentType?.MediaType,
                    await batch.Content.ReadAsStringAsync(), $"batch {format}, reveal {reveal}");
            }
        // The 200 of each is one of the three bodies, and a gradescope body is not a gradapi one.
        var grade200 = schemas.ResponseSchema("/v1/grade", "post", 200, out _);
        Assert.Equal(3, grade200["oneOf"]!.AsArray().Count);
        var gradapi = grade200["oneOf"]![0]!;
        var gradescope = await client.Post("/v1/grade", GraderProblem.Request("gradescope"));
        Assert.NotEmpty(schemas.Errors(gradapi, await gradescope.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, gradescope.StatusCode);
    }
}
