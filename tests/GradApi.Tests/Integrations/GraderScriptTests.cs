using System.Text.Json.Nodes;

namespace GradApi.Tests.Integrations;

/// <summary>
/// integrations/gradescope/run_autograder and integrations/prairielearn/run_grader, run against the service on a loopback
/// port in a temporary directory laid out as each grader lays out its own, with the results.json they write checked field
/// by field against the published specifications: Gradescope's autograder specification ("Output format", "Controlling
/// test case visibility": score, output, output_format, visibility, stdout_visibility, tests with name, score, max_score,
/// status passed or failed, output, output_format, visibility) and PrairieLearn's external grading ("Grading results":
/// gradable, score in [0, 1], message, tests with name, description, points, max_points, message, output).
/// </summary>
[Collection(KestrelCollection.Name)]
public sealed class GraderScriptTests(KestrelGradApi service) : IDisposable
{
    static readonly string[] Visibilities = ["hidden", "after_due_date", "after_published", "visible"];
    static readonly string[] OutputFormats = ["text", "html", "simple_format", "md", "ansi"];

    readonly string _root = Directory.CreateTempSubdirectory("gradapi-grader-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string PathIn(params string[] parts) => Path.Combine([_root, .. parts]);

    void Write(string relative, JsonNode json)
    {
        string path = PathIn(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
    }

    JsonObject Results(string relative)
    {
        string path = PathIn(relative.Split('/'));
        Assert.True(File.Exists(path), $"{relative} was not written");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    /// <summary>The course's side: the problem and each answer's name, path and points, with no value.</summary>
    static JsonObject Assignment() => new()
    {
        ["problem"] = GraderProblem.Problem(),
        ["answers"] = new JsonArray([.. GraderProblem.Answers.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["path"] = a.Path, ["points"] = a.Points })]),
    };

    /// <summary>The student's side: the values by answer name.</summary>
    static JsonObject StudentValues() => new([.. GraderProblem.Answers.Select(a => KeyValuePair.Create(a.Name, JsonNode.Parse(a.Value)))]);

    Task<(int ExitCode, string Output)> Gradescope(string url) =>
        GraderScripts.Run("gradescope/run_autograder", ("GRADAPI_URL", url), ("GRADAPI_AUTOGRADER_ROOT", _root));

    Task<(int ExitCode, string Output)> PrairieLearn(string url) =>
        GraderScripts.Run("prairielearn/run_grader", ("GRADAPI_URL", url), ("GRADAPI_GRADE_ROOT", _root));

    /// <summary>The fields every Gradescope results.json here has, of the specification's types and values.</summary>
    static void AssertGradescopeShape(JsonObject results)
    {
        Assert.True(results["score"] is JsonValue score && score.TryGetValue<double>(out _), $"score is not a number: {results}");
        Assert.IsType<string>(results["output"]!.GetValue<string>());
        Assert.Contains(results["output_format"]!.GetValue<string>(), OutputFormats);
        Assert.Contains(results["visibility"]!.GetValue<string>(), Visibilities);
        Assert.Contains(results["stdout_visibility"]!.GetValue<string>(), Visibilities);
        Assert.IsType<JsonArray>(results["tests"]);
    }

    [ScriptFact]
    public async Task TheGradescopeAutograderWritesTheSpecificationsResultsJsonForTheSubmission()
    {
        Write("source/gradapi-problem.json", Assignment());
        Write("submission/answers.json", StudentValues());
        var (exit, output) = await Gradescope(service.Address);
        Assert.True(exit == 0, $"run_autograder exited {exit}: {output}");

        var results = Results("results/results.json");
        AssertGradescopeShape(results);
        Assert.Equal(GraderProblem.PointsAwarded, results["score"]!.GetValue<double>());
        Assert.Equal("md", results["output_format"]!.GetValue<string>());
        Assert.Contains("4 of 7 points", results["output"]!.GetValue<string>());

        var tests = results["tests"]!.AsArray();
        Assert.Equal(GraderProblem.Answers.Length, tests.Count);
        for (int i = 0; i < tests.Count; i++)
        {
            var (name, _, points, _, verdict, awarded) = GraderProblem.Answers[i];
            var test = tests[i]!;
            Assert.Equal(name, test["name"]!.GetValue<string>());
            Assert.Equal(awarded, test["score"]!.GetValue<double>());
            Assert.Equal(points, test["max_score"]!.GetValue<double>());
            Assert.Equal(verdict is "correct" or "follow_through" ? "passed" : "failed", test["status"]!.GetValue<string>());
            Assert.Equal("md", test["output_format"]!.GetValue<string>());
            // The script asks for reveal verdicts (students read this), so every test may be shown now.
            Assert.Equal("visible", test["visibility"]!.GetValue<string>());
        }
        string text = File.ReadAllText(PathIn("results", "results.json"));
        foreach (string number in GraderProblem.ReferenceNumbers) Assert.DoesNotContain(number, text, StringComparison.Ordinal);
    }

    [ScriptFact]
    public async Task TheStudentsFileGivesValuesOnlyNeverThePoints()
    {
        Write("source/gradapi-problem.json", Assignment());
        // The /v1/grade answers form, with points the student would like: only the values are taken.
        var answers = new JsonArray([.. GraderProblem.Answers.Select(a =>
            (JsonNode)new JsonObject { ["path"] = a.Path, ["value"] = JsonNode.Parse(a.Value), ["points"] = 100 })]);
        Write("submission/answers.json", answers);
        await Gradescope(service.Address);

        var results = Results("results/results.json");
        Assert.Equal(GraderProblem.PointsAwarded, results["score"]!.GetValue<double>());
        Assert.Equal(GraderProblem.Answers.Select(a => a.Points), results["tests"]!.AsArray().Select(t => t!["max_score"]!.GetValue<double>()));
    }

    [ScriptFact]
    public async Task WhenTheServiceIsUnreachableTheGradescopeAutograderStillWritesAValidResultsJsonScoringZero()
    {
        Write("source/gradapi-problem.json", Assignment());
        Write("submission/answers.json", StudentValues());
        var (exit, output) = await Gradescope($"http://127.0.0.1:{GraderScripts.ClosedPort()}");
        Assert.True(exit == 0, $"run_autograder exited {exit}: {output}");

        var results = Results("results/results.json");
        AssertGradescopeShape(results);
        Assert.Equal(0, results["score"]!.GetValue<double>());
        Assert.Empty(results["tests"]!.AsArray());
        Assert.Contains("could not be reached", results["output"]!.GetValue<string>());
        Assert.Equal("visible", results["visibility"]!.GetValue<string>());
    }

    [ScriptFact]
    public async Task WhenTheServiceRefusesTheRequestTheGradescopeResultsSayWhichFieldScoringZero()
    {
        var assignment = Assignment();
        assignment["tolerance"] = new JsonObject { ["type"] = "roughly" };
        Write("source/gradapi-problem.json", assignment);
        Write("submission/answers.json", StudentValues());
        await Gradescope(service.Address);

        var results = Results("results/results.json");
        AssertGradescopeShape(results);
        Assert.Equal(0, results["score"]!.GetValue<double>());
        string output = results["output"]!.GetValue<string>();
        Assert.Contains("HTTP 400", output);
        Assert.Contains("tolerance.type", output);
    }

    [ScriptFact]
    public async Task WithoutAnAnswersFileOrWithOneThatIsNotJsonTheGradescopeResultsSaySoScoringZero()
    {
        Write("source/gradapi-problem.json", Assignment());
        await Gradescope(service.Address);
        Assert.Contains("no answers.json", Results("results/results.json")["output"]!.GetValue<string>());

        Directory.CreateDirectory(PathIn("submission"));
        File.WriteAllText(PathIn("submission", "answers.json"), "{\"z\": [0.25");
        await Gradescope(service.Address);
        var results = Results("results/results.json");
        AssertGradescopeShape(results);
        Assert.Equal(0, results["score"]!.GetValue<double>());
        Assert.Contains("answers.json is not valid JSON", results["output"]!.GetValue<string>());
    }

    /// <summary>data.json as PrairieLearn writes it: params (the question's) and submitted_answers (the student's, here some as typed text).</summary>
    static JsonObject Data(bool withParams)
    {
        var submitted = new JsonObject();
        foreach (var (name, _, _, value, _, _) in GraderProblem.Answers)
            // A text input gives "0.375"; a number input gives 0.375: both are read as the number (as text it would be not_a_number, 2 points fewer).
            submitted[name] = name == "dJ/dw" ? JsonValue.Create(value) : JsonNode.Parse(value);
        var data = new JsonObject { ["params"] = new JsonObject(), ["correct_answers"] = new JsonObject(), ["submitted_answers"] = submitted };
        if (withParams) data["params"]!["gradapi"] = Assignment();
        return data;
    }

    static void AssertPrairieLearnGrade(JsonObject results)
    {
        Assert.True(results["gradable"]!.GetValue<bool>());
        double score = results["score"]!.GetValue<double>();
        Assert.InRange(score, 0, 1);
        Assert.Equal(4.0 / 7.0, score, 15);
        Assert.IsType<string>(results["message"]!.GetValue<string>());
        var tests = results["tests"]!.AsArray();
        Assert.Equal(GraderProblem.Answers.Length, tests.Count);
        for (int i = 0; i < tests.Count; i++)
        {
            var (name, path, points, _, _, awarded) = GraderProblem.Answers[i];
            var test = tests[i]!;
            Assert.Equal(name, test["name"]!.GetValue<string>());
            Assert.Equal(path, test["description"]!.GetValue<string>());
            Assert.Equal(awarded, test["points"]!.GetValue<double>());
            Assert.Equal(points, test["max_points"]!.GetValue<double>());
            Assert.IsType<string>(test["message"]!.GetValue<string>());
            Assert.IsType<string>(test["output"]!.GetValue<string>());
        }
    }

    [ScriptFact]
    public async Task ThePrairieLearnGraderWritesTheExternalGradingResultsJsonFromParamsAndSubmittedAnswers()
    {
        Write("data/data.json", Data(withParams: true));
        var (exit, output) = await PrairieLearn(service.Address);
        Assert.True(exit == 0, $"run_grader exited {exit}: {output}");
        var results = Results("results/results.json");
        AssertPrairieLearnGrade(results);
        string text = File.ReadAllText(PathIn("results", "results.json"));
        foreach (string number in GraderProblem.ReferenceNumbers) Assert.DoesNotContain(number, text, StringComparison.Ordinal);
    }

    [ScriptFact]
    public async Task ThePrairieLearnGraderReadsTheRequestFromTheQuestionsTestsWhenParamsHaveNone()
    {
        Write("data/data.json", Data(withParams: false));
        Write("tests/gradapi-problem.json", Assignment());
        await PrairieLearn(service.Address);
        AssertPrairieLearnGrade(Results("results/results.json"));
    }

    // Seed 000's derivation: the third derivative of sigma in sigma, a formula answer (the course marks it "formula": true).
    static JsonObject Derivation() => JsonNode.Parse("""
        { "problem": { "endpoint": "/v1/activations/derivatives", "request": { "activation": "sigmoid", "order": 3, "at": [0] } },
          "answers": [ { "name": "d3", "path": "/polynomial", "points": 2, "formula": true },
                       { "name": "d3 at 0", "path": "/values/0/derivatives/3", "points": 1 } ] }
        """)!.AsObject();

    [ScriptFact]
    public async Task ADerivationIsGradedFromTheStudentsFormulaOnBothGraders()
    {
        // The third derivative is sigma (1 - sigma)(1 - 6 sigma + 6 sigma^2), and at 0: 1/2 - 7/4 + 12/8 - 6/16 = -1/8.
        Write("source/gradapi-problem.json", Derivation());
        Write("submission/answers.json", JsonNode.Parse("""{ "d3": "sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)", "d3 at 0": -0.125 }""")!);
        await Gradescope(service.Address);
        var gradescope = Results("results/results.json");
        AssertGradescopeShape(gradescope);
        Assert.Equal(3, gradescope["score"]!.GetValue<double>());
        Assert.All(gradescope["tests"]!.AsArray(), t => Assert.Equal("passed", t!["status"]!.GetValue<string>()));

        // The slip of a missing 1 - sigma, on PrairieLearn, typed in a string input.
        var data = new JsonObject
        {
            ["params"] = new JsonObject { ["gradapi"] = Derivation() },
            ["correct_answers"] = new JsonObject(),
            ["submitted_answers"] = new JsonObject { ["d3"] = "sigma*(1 - 6*sigma + 6*sigma^2)", ["d3 at 0"] = "-0.125" },
        };
        Write("data/data.json", data);
        await PrairieLearn(service.Address);
        var prairie = Results("results/results.json");
        Assert.True(prairie["gradable"]!.GetValue<bool>());
        Assert.Equal(1.0 / 3.0, prairie["score"]!.GetValue<double>(), 15);
        var tests = prairie["tests"]!.AsArray();
        Assert.Equal(0, tests[0]!["points"]!.GetValue<double>());
        string said = tests[0]!["message"]!.GetValue<string>();
        Assert.StartsWith("Not equivalent: 0 of 2 points.", said);
        // The point and the student's own value there, but not the function's (the script asks for reveal verdicts).
        Assert.Contains("your formula gives", said);
        Assert.DoesNotContain("where the function is", said);
        Assert.Equal(1, tests[1]!["points"]!.GetValue<double>());
    }

    [ScriptFact]
    public async Task WhenTheServiceIsUnreachableThePrairieLearnResultsAreNotGradableScoringZero()
    {
        Write("data/data.json", Data(withParams: true));
        var (exit, output) = await PrairieLearn($"http://127.0.0.1:{GraderScripts.ClosedPort()}");
        Assert.True(exit == 0, $"run_grader exited {exit}: {output}");

        var results = Results("results/results.json");
        // Not gradable: PrairieLearn awards nothing and takes no attempt for a fault that is not the student's.
        Assert.False(results["gradable"]!.GetValue<bool>());
        Assert.Equal(0, results["score"]!.GetValue<double>());
        Assert.Contains("could not be reached", results["message"]!.GetValue<string>());
        Assert.Contains("could not be reached", Assert.Single(results["format_errors"]!.AsArray())!.GetValue<string>());
        Assert.Empty(results["tests"]!.AsArray());
    }

    [Theory]
    [InlineData("gradescope/run_autograder")]
    [InlineData("gradescope/setup.sh")]
    [InlineData("prairielearn/run_grader")]
    public void TheScriptsAreExecutableAsCheckedOut(string script)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(GraderScripts.Script(script));
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute), $"{script} is not executable ({mode}); git update-index --chmod=+x it");
        Assert.StartsWith("#!/usr/bin/env bash", File.ReadLines(GraderScripts.Script(script)).First());
    }
}
