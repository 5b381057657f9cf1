using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace GradApi.Tests.Integrations;

/// <summary>
/// One small problem worked by hand, and a student's answers to it, for the graders' formats. A single identity unit,
/// x = 0.5, w = 0.3, b = 0.1, y = 1, half_sse summed, sgd with eta = 0.1:
/// z = a = 0.3 x 0.5 + 0.1 = 0.25; delta = (a - y) x 1 = -0.75; dJ/dw = delta x = -0.375; dJ/db = -0.75;
/// w' = 0.3 - 0.1 (-0.375) = 0.3375; b' = 0.1 - 0.1 (-0.75) = 0.175.
/// The student: z = 0.25 (right, 1 point); delta = 0.75 (the sign flipped, 2 points); dJ/dw = 0.75 x 0.5 = 0.375 (right from
/// their delta: follow-through, 2 points); w' = 0.3 - 0.1 x 0.375 = 0.2625 (right from their gradient: follow-through, 1 point);
/// b' left out (null: not a number, 1 point). So 1 + 0 + 2 + 1 + 0 = 4 of 7 points.
/// </summary>
static class GraderProblem
{
    public const double PointsPossible = 7, PointsAwarded = 4;

    /// <summary>The reference's numbers, as the text would write them (no reveal verdicts text may hold any).</summary>
    public static readonly string[] ReferenceNumbers = ["0.25", "0.75", "0.375", "0.3375", "0.175"];

    /// <summary>The answers: name, path, points, the student's value (JSON), and the verdict they earn by hand.</summary>
    public static readonly (string Name, string Path, double Points, string Value, string Verdict, double Awarded)[] Answers =
    [
        ("z", "/iterations/0/forward/layers/0/z", 1, "0.25", "correct", 1),
        ("delta", "/iterations/0/backward/layers/0/delta", 2, "0.75", "incorrect", 0),
        ("dJ/dw", "/iterations/0/backward/layers/0/weightGradient", 2, "0.375", "follow_through", 2),
        ("w after the step", "/iterations/0/update/layers/0/weights", 1, "0.2625", "follow_through", 1),
        ("b after the step", "/iterations/0/update/layers/0/biases", 1, "null", "not_a_number", 0),
    ];

    public static JsonObject Problem() => (JsonObject)JsonNode.Parse("""
        { "network": { "inputSize": 1, "layers": [ { "name": "out", "activation": "identity", "weights": [[0.3]], "biases": [0.1] } ] },
          "data": { "inputs": [[0.5]], "targets": [[1]] },
          "loss": { "type": "half_sse", "reduction": "sum" },
          "optimizer": { "type": "sgd", "learningRate": 0.1 },
          "iterations": 1 }
        """)!;

    /// <summary>The answers in the /v1/grade form, with their values (and names, when asked).</summary>
    public static JsonArray AnswersWithValues(bool named) => [.. Answers.Select(a =>
    {
        var answer = new JsonObject { ["path"] = a.Path, ["value"] = JsonNode.Parse(a.Value), ["points"] = a.Points };
        if (named) answer["name"] = a.Name;
        return (JsonNode)answer;
    })];

    /// <summary>A /v1/grade request for the student's answers.</summary>
    public static JsonObject Request(string? format, string? reveal = null, bool named = true)
    {
        var request = new JsonObject { ["problem"] = Problem(), ["answers"] = AnswersWithValues(named) };
        if (format is not null) request["format"] = format;
        if (reveal is not null) request["reveal"] = reveal;
        return request;
    }

    public static Task<HttpResponseMessage> Post(this HttpClient client, string route, JsonNode body)
    {
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(route, content);
    }
}
