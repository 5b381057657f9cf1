using GradApi.Domain.Grading;
using static GradApi.Tests.Grading.GradingProblems;

namespace GradApi.Tests.Grading;

/// <summary>
/// Marking a whole worked sheet as a careful marker does: the student of the contract's problem writes every tensor
/// of two iterations rounded to 4 decimals and computes each next value from the numbers they wrote (by hand, in
/// <see cref="ContractByHand"/>, not through TrainingRun). The expected marks are the marker's: full credit except
/// where the mistake itself shows, and there the mistake named.
/// </summary>
public sealed class CarefulMarkerTests
{
    static readonly GradingOptions FourDecimals = GradingOptions.Default with { Tolerance = new Tolerance(ToleranceKind.Decimals, Decimals: 4) };

    static double Round4(double x) => Math.Round(x, 4, MidpointRounding.AwayFromZero);

    // Every HandStep value and where it sits in the /v1/train response.
    static readonly (string Name, string Path)[] Sheet =
    [
        ("Z0", "forward/layers/0/z"), ("A0", "forward/layers/0/a"), ("Derivative0", "forward/layers/0/activationDerivative"),
        ("Z1", "forward/layers/1/z"), ("A1", "forward/layers/1/a"), ("Derivative1", "forward/layers/1/activationDerivative"),
        ("Loss", "loss/value"), ("OutputGradient", "backward/outputGradient"),
        ("Delta1", "backward/layers/1/delta"), ("WeightGradient1", "backward/layers/1/weightGradient"), ("BiasGradient1", "backward/layers/1/biasGradient"),
        ("Delta0", "backward/layers/0/delta"), ("WeightGradient0", "backward/layers/0/weightGradient"), ("BiasGradient0", "backward/layers/0/biasGradient"),
        ("VW0", "update/layers/0/state/v/weights"), ("W0", "update/layers/0/weights"), ("VB0", "update/layers/0/state/v/biases"), ("B0", "update/layers/0/biases"),
        ("VW1", "update/layers/1/state/v/weights"), ("W1", "update/layers/1/weights"), ("VB1", "update/layers/1/state/v/biases"), ("B1", "update/layers/1/biases"),
    ];

    static string PathOf(int iteration, string name) => $"/iterations/{iteration}/{Sheet.Single(s => s.Name == name).Path}";

    /// <summary>Two iterations by hand, every value rounded to 4 decimals as written; <paramref name="student"/> may write another value.</summary>
    static (Answer[] Answers, Dictionary<string, double[]> Written) WorkTheSheet(Func<int, string, double[], IReadOnlyDictionary<string, double[]>, double[]>? student = null)
    {
        var written = new Dictionary<string, double[]>();
        var hand = new ContractByHand
        {
            Round = Round4,
            Replace = (i, name, computed) =>
            {
                var value = student?.Invoke(i, name, computed, written) ?? computed;
                written[$"{i}:{name}"] = value;
                return value;
            },
        };
        hand.Step();
        hand.Step();
        var answers = written.Select(w =>
        {
            int i = int.Parse(w.Key[..1]);
            string name = w.Key[2..];
            // The hidden layer's [2][3] matrices are kept flat by hand; the sheet writes them by rows.
            return name is "WeightGradient0" or "VW0" or "W0" ? Answer(PathOf(i, name), [w.Value[..3], w.Value[3..]]) : Answer(PathOf(i, name), w.Value);
        }).ToArray();
        return (answers, written);
    }

    static SubmissionGrade Mark(Answer[] answers, GradingOptions? options = null) => Grade(Contract(), answers, options ?? FourDecimals);

    static void AssertCreditedExcept(SubmissionGrade grade, IReadOnlyCollection<string> wrong, string code)
    {
        foreach (var result in grade.Results)
        {
            if (wrong.Contains(result.Path))
            {
                Assert.True(result.Verdict == Verdict.Incorrect, $"{result.Path} should be incorrect, was {result.Verdict}");
                Assert.Contains(code, result.Diagnoses.Select(d => d.Code));
                continue;
            }
            Assert.True(result.Verdict is Verdict.Correct or Verdict.FollowThrough,
                $"{result.Path} should be credited, was {result.Verdict} ({string.Join(", ", result.Diagnoses.Select(d => d.Code))})");
            Assert.Empty(result.Diagnoses);
        }
    }

    [Fact]
    public void AMistakeFreeSheetRoundedAndCarriedForwardGetsFullMarks()
    {
        var (answers, _) = WorkTheSheet();
        var grade = Mark(answers);
        Assert.Equal(grade.Points, grade.PointsAwarded);
        // Carried rounding shows against the reference somewhere, or follow-through would prove nothing here.
        Assert.Contains(grade.Results, r => r.Verdict == Verdict.FollowThrough);
    }

    [Fact]
    public void APyTorchVelocityOnAHeavyBallProblemLosesTheVelocityOnlyAndTheStepsFollowThroughUnderIt()
    {
        // The student's convention: v = g at t = 1, then v = mu v + g; theta -= eta v. Each from their own written numbers.
        var gradientOf = new Dictionary<string, string> { ["VW0"] = "WeightGradient0", ["VB0"] = "BiasGradient0", ["VW1"] = "WeightGradient1", ["VB1"] = "BiasGradient1" };
        var velocityOf = new Dictionary<string, string> { ["W0"] = "VW0", ["B0"] = "VB0", ["W1"] = "VW1", ["B1"] = "VB1" };
        double[] Initial(string theta) => theta switch
        {
            "W0" => ContractByHand.InitialW0.SelectMany(r => r).ToArray(),
            "B0" => ContractByHand.InitialB0,
            "W1" => ContractByHand.InitialW1,
            _ => [ContractByHand.InitialB1],
        };
        var (answers, written) = WorkTheSheet((i, name, computed, sheet) =>
        {
            if (gradientOf.TryGetValue(name, out var g))
            {
                var gradient = sheet[$"{i}:{g}"];
                return gradient.Select((x, k) => Round4(i == 0 ? x : ContractByHand.Mu * sheet[$"{i - 1}:{name}"][k] + x)).ToArray();
            }
            if (velocityOf.TryGetValue(name, out var v))
            {
                var before = i == 0 ? Initial(name) : sheet[$"{i - 1}:{name}"];
                return before.Select((x, k) => Round4(x - ContractByHand.Eta * sheet[$"{i}:{v}"][k])).ToArray();
            }
            return null!;
        });
        var grade = Mark(answers);

        var velocities = new[] { 0, 1 }.SelectMany(i => gradientOf.Keys.Select(v => PathOf(i, v))).ToArray();
        AssertCreditedExcept(grade, velocities, "other_convention");
        Assert.All(grade.Results.Where(r => velocities.Contains(r.Path)),
            r => Assert.Equal("momentum pytorch", r.Diagnoses.Single(d => d.Code == "other_convention").Convention));
        // theta = theta - eta v reads the student's previous theta and v, not the gradient.
        var secondStep = grade.Results.Single(r => r.Path == PathOf(1, "W1"));
        if (secondStep.Verdict == Verdict.FollowThrough) Assert.Equal([PathOf(0, "W1"), PathOf(1, "VW1")], secondStep.UsedAnswers.Order());
        Assert.True(written.Count == 44);
    }

    [Fact]
    public void SigmaWrittenForSigmaPrimeInBothIterationsIsNamedEachTimeAndEverythingAfterFollowsThrough()
    {
        var (answers, _) = WorkTheSheet((i, name, computed, sheet) =>
            name == "Derivative0" ? sheet[$"{i}:A0"] : name == "Derivative1" ? sheet[$"{i}:A1"] : null!);
        var grade = Mark(answers);
        AssertCreditedExcept(grade, [PathOf(0, "Derivative0"), PathOf(0, "Derivative1"), PathOf(1, "Derivative0"), PathOf(1, "Derivative1")],
            "activation_value_for_derivative");
    }

    [Fact]
    public void AMissingSigmaPrimeFromTheSecondIterationOnIsNamedThereOnly()
    {
        // delta = dJ/da in the output layer and W^T delta in the hidden one, from iteration 2 on.
        var (answers, _) = WorkTheSheet((i, name, computed, sheet) => i == 0 ? null! : name switch
        {
            "Delta1" => sheet[$"{i}:OutputGradient"],
            "Delta0" => new[] { 0, 1 }.Select(k => Round4(sheet[$"0:W1"][k] * sheet[$"{i}:Delta1"][0])).ToArray(),
            _ => null!,
        });
        var grade = Mark(answers);
        AssertCreditedExcept(grade, [PathOf(1, "Delta1"), PathOf(1, "Delta0")], "missing_activation_derivative");
    }

    [Fact]
    public void AnUphillStepInEveryIterationIsNamedOnEveryParameter()
    {
        // theta - v where theta + v belongs, from the student's own v.
        var velocityOf = new Dictionary<string, string> { ["W0"] = "VW0", ["B0"] = "VB0", ["W1"] = "VW1", ["B1"] = "VB1" };
        var (answers, _) = WorkTheSheet((i, name, computed, sheet) =>
        {
            if (!velocityOf.TryGetValue(name, out var v)) return null!;
            // computed = before + v, so before - v = computed - 2 v.
            return computed.Select((x, k) => Round4(x - 2 * sheet[$"{i}:{v}"][k])).ToArray();
        });
        var grade = Mark(answers);
        AssertCreditedExcept(grade, new[] { 0, 1 }.SelectMany(i => velocityOf.Keys.Select(t => PathOf(i, t))).ToArray(), "step_in_wrong_direction");
    }

    [Fact]
    public void ZerosCarriedForwardEarnNoFollowThroughUnlessAllowed()
    {
        // The output delta left as 0 in iteration 1: every zero built on it (its gradients, the hidden delta and its
        // gradients, the velocities) and the parameters left at their initial values earn nothing.
        var (answers, _) = WorkTheSheet((i, name, computed, sheet) => i == 0 && name == "Delta1" ? [0.0] : null!);
        var grade = Mark(answers);
        var degenerate = new[] { "WeightGradient1", "BiasGradient1", "Delta0", "WeightGradient0", "BiasGradient0", "VW0", "VB0", "W0", "B0", "VW1", "VB1", "W1", "B1" }
            .Select(n => PathOf(0, n)).ToArray();
        // Iteration 2's forward pass from the initial weights is not zero or given itself, but every operand of the
        // hidden z (W and b, both left at their initial values) is: no credit; what reads that z is credited again.
        Assert.Equal(Verdict.Incorrect, grade.Results.Single(r => r.Path == PathOf(1, "Z0")).Verdict);
        Assert.Equal(Verdict.FollowThrough, grade.Results.Single(r => r.Path == PathOf(1, "A0")).Verdict);
        foreach (var path in degenerate)
        {
            var result = grade.Results.Single(r => r.Path == path);
            Assert.Equal(Verdict.Incorrect, result.Verdict);
            Assert.Equal(["degenerate_follow_through"], result.Diagnoses.Select(d => d.Code));
            // Only the elements right against the reference count (x_2 = 0 makes a column of the hidden gradient 0 either way).
            Assert.True(result.PointsAwarded < result.Points, path);
        }

        var allowed = Mark(answers, FourDecimals with { AllowDegenerate = true });
        Assert.All(allowed.Results.Where(r => degenerate.Contains(r.Path)), r => Assert.Equal(Verdict.FollowThrough, r.Verdict));
    }

    [Fact]
    public void ExplanationsUseTheStudentsNumbersWhereFollowThroughDid()
    {
        var (answers, _) = WorkTheSheet((i, name, computed, sheet) => i == 0 && name == "A1" ? [0.5] : null!);
        var grade = Mark(answers);
        Assert.All(grade.Results, r => Assert.False(string.IsNullOrEmpty(r.Explanation), r.Path));
        var verdictsOnly = Mark(answers, FourDecimals with { ExplainWithNumbers = false });
        Assert.All(verdictsOnly.Results, r => Assert.DoesNotMatch(@"\d\.\d", r.Explanation!));
    }
}
