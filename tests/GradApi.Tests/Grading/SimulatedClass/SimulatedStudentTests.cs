namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>
/// The simulated class's generator against truth: seed 001 worked by hand (the seed document and the contract's
/// 4-decimal numbers, copied as literals), and the marker's rule on a few mistakes worked out here by hand.
/// </summary>
public sealed class SimulatedStudentTests
{
    const string I1 = "/iterations/0";
    const string I2 = "/iterations/1";

    static Sheet Work(MistakePlan plan, int decimals = 4)
    {
        var problem = ClassProblems.Seed001();
        return Student.Work(problem, decimals, plan, Student.Reference(problem), "seed001")!;
    }

    static SheetAnswer At(Sheet sheet, string path) => sheet.Answers.Single(a => a.Site.Path == path);

    static void AssertWritten(Sheet sheet, string path, params double[][] rows)
    {
        var written = At(sheet, path).Written;
        Assert.Equal(rows.Length, written.Rows);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(rows[i], written.V[i]);
    }

    [Fact]
    public void AMistakeFreeStudentWorksSeed001IterationOneAsTheSeedDocumentAndTheContractDo()
    {
        var sheet = Work(MistakePlan.NoMistake);
        AssertWritten(sheet, $"{I1}/forward/layers/0/z", [-0.7, 0.1]);
        // sigma(0.1) = 0.52498: the contract's 0.5250 (the seed document's 0.5245 is a slip of its own).
        AssertWritten(sheet, $"{I1}/forward/layers/0/a", [0.3318, 0.5250]);
        AssertWritten(sheet, $"{I1}/forward/layers/0/activationDerivative", [0.2217, 0.2494]);
        AssertWritten(sheet, $"{I1}/forward/layers/1/z", [-0.1045]);
        AssertWritten(sheet, $"{I1}/forward/layers/1/a", [0.4739]);
        AssertWritten(sheet, $"{I1}/loss/value", [0.1384]);
        AssertWritten(sheet, $"{I1}/backward/outputGradient", [-0.5261]);
        AssertWritten(sheet, $"{I1}/backward/layers/1/delta", [-0.1312]);
        AssertWritten(sheet, $"{I1}/backward/layers/1/weightGradient", [-0.0435, -0.0689]);
        AssertWritten(sheet, $"{I1}/backward/layers/0/delta", [0.0087, 0.0065]);
        AssertWritten(sheet, $"{I1}/update/layers/1/state/v/weights", [0.0392, 0.0620]);
        AssertWritten(sheet, $"{I1}/update/layers/1/weights", [-0.2608, -0.1380]);
        AssertWritten(sheet, $"{I1}/update/layers/1/biases", [0.2181]);
        // The seed document's updated hidden layer, and iteration 2's hidden z from it.
        AssertWritten(sheet, $"{I1}/update/layers/0/weights", [0.1922, 0.4, -0.5078], [-0.3059, 0.1, 0.1941]);
        AssertWritten(sheet, $"{I1}/update/layers/0/biases", [-0.4078, 0.1941]);
        AssertWritten(sheet, $"{I2}/forward/layers/0/z", [-0.7234, 0.0823]);
        Assert.Equal(0.3266, At(sheet, $"{I2}/forward/layers/0/a").Written.V[0][0]);
        Assert.All(sheet.Answers, a => Assert.True(a.Credited));
        // Every path of the sheet, both iterations: 2 x (2 x 3 forward + loss + dJ/da + 2 x 3 backward + 2 x 4 update).
        Assert.Equal(2 * (6 + 2 + 6 + 8), sheet.Answers.Count);
    }

    [Fact]
    public void TheReferenceKeepsEveryDigit()
    {
        var reference = Student.Reference(ClassProblems.Seed001());
        double hidden2 = 1 / (1 + Math.Exp(-0.1));
        Assert.Equal(hidden2, reference[$"{I1}/forward/layers/0/a"].V[0][1], 12);
        Assert.Equal(0.4739, reference[$"{I1}/forward/layers/1/a"].V[0][0], 4);
        Assert.NotEqual(0.4739, reference[$"{I1}/forward/layers/1/a"].V[0][0]);
    }

    [Fact]
    public void ASignFlipHeldFromIterationOneShowsInEachOutputGradientAndIsCarriedForwardEverywhereElse()
    {
        var sheet = Work(new MistakePlan(Mistake.SignFlipped, Form.Misconception, 1));
        AssertWritten(sheet, $"{I1}/backward/outputGradient", [0.5261]);
        AssertWritten(sheet, $"{I1}/backward/layers/1/delta", [0.1312]);  // 0.5261 x 0.2493, from the flipped value
        var mistaken = sheet.Answers.Where(a => !a.Credited).ToList();
        Assert.Equal([$"{I1}/backward/outputGradient", $"{I2}/backward/outputGradient"], mistaken.Select(a => a.Site.Path));
        Assert.All(mistaken, a => Assert.Equal(["sign_flipped"], a.Codes!));
    }

    [Fact]
    public void AStudentHoldingPyTorchsMomentumOnAHeavyBallProblemLosesOnlyTheState()
    {
        var sheet = Work(new MistakePlan(Mistake.OtherConvention, Form.Misconception, 1, swap: ConventionSwap.Momentum, studentConvention: "pytorch"));
        // v = g; theta -= eta v: -0.3 + 0.9 (0.0435) = -0.26085 and -0.2 + 0.9 (0.0689) = -0.13799.
        AssertWritten(sheet, $"{I1}/update/layers/1/state/v/weights", [-0.0435, -0.0689]);
        AssertWritten(sheet, $"{I1}/update/layers/1/weights", [-0.2609, -0.1380]);
        Assert.True(At(sheet, $"{I1}/update/layers/1/weights").Credited);
        var mistaken = sheet.Answers.Where(a => !a.Credited).ToList();
        Assert.Equal(8, mistaken.Count);  // v of weights and biases, 2 layers, 2 iterations
        Assert.All(mistaken, a => Assert.Equal(What.State, a.Site.What));
    }

    [Fact]
    public void BackpropThroughTheUpdatedOutputWeightsShowsInTheHiddenDeltaAlone()
    {
        // -0.1312 x (-0.2608, -0.1380) = (0.03422, 0.01811), times sigma' (0.2217, 0.2494) = (0.0076, 0.0045).
        var sheet = Work(new MistakePlan(Mistake.UsedUpdatedWeights, Form.Slip, slipPath: $"{I1}/backward/layers/0/delta"));
        AssertWritten(sheet, $"{I1}/backward/layers/0/delta", [0.0076, 0.0045]);
        var mistaken = Assert.Single(sheet.Answers, a => !a.Credited);
        Assert.Equal($"{I1}/backward/layers/0/delta", mistaken.Site.Path);
        Assert.Equal(["used_updated_weights"], mistaken.Codes!);
    }

    [Fact]
    public void AHeavyBallStepWithoutTheLearningRateShowsInTheVelocityAndTheStepFromItIsCredited()
    {
        // v = 0.9 (0) - g = (0.0435, 0.0689); theta + v = (-0.2565, -0.1311).
        var sheet = Work(new MistakePlan(Mistake.LearningRateNotApplied, Form.Slip, slipPath: $"{I1}/update/layers/1/state/v/weights"));
        AssertWritten(sheet, $"{I1}/update/layers/1/state/v/weights", [0.0435, 0.0689]);
        AssertWritten(sheet, $"{I1}/update/layers/1/weights", [-0.2565, -0.1311]);
        Assert.Equal($"{I1}/update/layers/1/state/v/weights", Assert.Single(sheet.Answers, a => !a.Credited).Site.Path);
    }

    [Fact]
    public void AGradientWrittenTransposedIsAShapeMismatchAndTheUpdateStillUsesItTheRightWayRound()
    {
        var sheet = Work(new MistakePlan(Mistake.Transposed, Form.Slip, slipPath: $"{I1}/backward/layers/0/weightGradient"));
        var gradient = At(sheet, $"{I1}/backward/layers/0/weightGradient");
        Assert.False(gradient.Credited);
        Assert.True(gradient.ShapeMismatch);
        AssertWritten(sheet, $"{I1}/backward/layers/0/weightGradient", [0.0087, 0.0065], [0, 0], [0.0087, 0.0065]);
        AssertWritten(sheet, $"{I1}/update/layers/0/weights", [0.1922, 0.4, -0.5078], [-0.3059, 0.1, 0.1941]);
        Assert.Single(sheet.Answers, a => !a.Credited);
    }

    [Fact]
    public void AZeroedLastDeltaMakesTheTensorsBuiltOnlyOnZerosDegenerateButNotTheParameters()
    {
        var sheet = Work(new MistakePlan(Mistake.DegenerateFollowThrough, Form.Slip, slipPath: $"{I2}/backward/layers/1/delta"));
        var delta = At(sheet, $"{I2}/backward/layers/1/delta");
        Assert.False(delta.Credited);
        Assert.Null(delta.Codes);
        // Zeros built on the zeroed delta: db = sum delta (its one operand), and dW = delta a^T, the hidden delta and its
        // gradients, each itself zero where the reference is not, with the zeroed delta (or a zero built on it) among its operands.
        string[] degenerate =
        [
            $"{I2}/backward/layers/1/weightGradient", $"{I2}/backward/layers/1/biasGradient",
            $"{I2}/backward/layers/0/delta", $"{I2}/backward/layers/0/weightGradient", $"{I2}/backward/layers/0/biasGradient",
        ];
        Assert.Equal(degenerate, sheet.Answers.Where(a => a.Codes is ["degenerate_follow_through"]).Select(a => a.Site.Path));
        // v = 0.9 v + 0 and theta + v: neither zero nor the given parameters, so credited.
        Assert.True(At(sheet, $"{I2}/update/layers/1/state/v/weights").Credited);
        Assert.True(At(sheet, $"{I2}/update/layers/1/weights").Credited);
    }

    [Fact]
    public void TheClassCoversEveryMistakeOnSomeProblemAndTheDrawIsRepeatable()
    {
        var problems = ClassProblems.All();
        Assert.Equal(42, problems.Count);
        Assert.Equal(problems.Select(p => p.ToJson().ToJsonString()), ClassProblems.All().Select(p => p.ToJson().ToJsonString()));
        var problem = problems.First(p => p.LayerCount == 3 && p.Optimizer.Type == "momentum");
        var sheets = Classroom.Sheets(problem, 4, Student.Reference(problem), new Random(1), out _);
        Assert.Contains(sheets, s => s.Plan.Mistake == Mistake.WrongLayer && s.MistakeShows);
        Assert.Contains(sheets, s => s.Plan.Mistake == Mistake.UsedUpdatedWeights && s.MistakeShows);
        Assert.Contains(sheets, s => s.Plan.Mistake == Mistake.RoundedTooEarly && s.MistakeShows);
    }

    [Fact]
    public void TheGeneratorsBackpropMatchesCentralDifferencesOfItsOwnLossOnEveryProblem()
    {
        const double h = 1e-6;
        foreach (var problem in ClassProblems.All())
        {
            var reference = Student.Reference(problem);
            for (int l = 0; l < problem.LayerCount; l++)
            {
                var gradient = reference[$"{I1}/backward/layers/{l}/weightGradient"];
                for (int r = 0; r < gradient.Rows; r++)
                    for (int c = 0; c < gradient.Columns; c++)
                    {
                        double numeric = (LossWith(problem, l, r, c, h) - LossWith(problem, l, r, c, -h)) / (2 * h);
                        Assert.True(Math.Abs(numeric - gradient.V[r][c]) < 1e-6,
                            $"{problem.Label}: dJ/dW[{l}][{r}][{c}] backprop {gradient.V[r][c]}, central difference {numeric}");
                    }
            }
        }
    }

    /// <summary>Iteration 1's loss with one initial weight moved by h.</summary>
    static double LossWith(HandProblem problem, int layer, int row, int column, double h)
    {
        var weights = problem.Weights.Select((w, l) => l != layer ? w
            : new T2(w.V.Select((rowValues, r) => rowValues.Select((x, c) => r == row && c == column ? x + h : x).ToArray()).ToArray())).ToArray();
        return Student.Reference(problem with { Weights = weights })[$"{I1}/loss/value"].V[0][0];
    }

    [Theory]
    [InlineData("sgd", null)]
    [InlineData("momentum", "pytorch")]
    [InlineData("momentum", "heavy_ball")]
    [InlineData("momentum", "velocity_step")]
    [InlineData("momentum", "ema")]
    [InlineData("adam", null)]
    [InlineData("rmsprop", null)]
    public void TheFirstStepOfEachOptimizerIsItsClosedForm(string type, string? convention)
    {
        // From zero state: every momentum convention but ema steps eta g; ema eta (1 - mu) g; Adam's corrected
        // mhat = g and vhat = g^2 step eta g / (|g| + eps); RMSprop's s = (1 - rho) g^2 steps eta g / (sqrt(1 - rho) |g| + eps).
        var optimizer = ClassProblems.Optimizers.Single(o => o.Type == type && o.Convention == convention);
        var problem = ClassProblems.All().First(p => p.Optimizer == optimizer);
        var reference = Student.Reference(problem);
        Func<double, double> step = type switch
        {
            "adam" => g => optimizer.LearningRate * g / (Math.Abs(g) + optimizer.Epsilon),
            "rmsprop" => g => optimizer.LearningRate * g / (Math.Sqrt(1 - optimizer.Rho) * Math.Abs(g) + optimizer.Epsilon),
            _ when convention == "ema" => g => optimizer.LearningRate * (1 - optimizer.Momentum) * g,
            _ => g => optimizer.LearningRate * g,
        };
        for (int l = 0; l < problem.LayerCount; l++)
        {
            var g = reference[$"{I1}/backward/layers/{l}/weightGradient"];
            var after = reference[$"{I1}/update/layers/{l}/weights"];
            for (int r = 0; r < g.Rows; r++)
                for (int c = 0; c < g.Columns; c++)
                    Assert.Equal(problem.Weights[l].V[r][c] - step(g.V[r][c]), after.V[r][c], 12);
        }
    }

    [Fact]
    public void PyTorchHeavyBallAndVelocityStepMomentumReachTheSameParametersWithTheSameRateAndMomentum()
    {
        // v_pytorch = -v_heavy_ball / eta = v_velocity_step / eta at every step, so theta is the same in all three.
        var problem = ClassProblems.All().First(p => p.Optimizer.Convention == "pytorch");
        var finals = new[] { "pytorch", "heavy_ball", "velocity_step" }
            .Select(c => Student.Reference(problem with { Optimizer = problem.Optimizer with { Convention = c } })[$"{I2}/update/layers/0/weights"])
            .ToArray();
        Assert.True(finals[0].Within(finals[1], 1e-12) && finals[0].Within(finals[2], 1e-12), string.Join(" ", finals.Select(f => f.ToString())));
        var ema = Student.Reference(problem with { Optimizer = problem.Optimizer with { Convention = "ema" } })[$"{I2}/update/layers/0/weights"];
        Assert.False(finals[0].Within(ema, 1e-6));
    }
}
