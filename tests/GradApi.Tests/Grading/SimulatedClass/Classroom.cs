namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>
/// The class: for each problem and number of decimals D, two mistake-free students and one student per mistake
/// and form that can occur on that problem, the slip's site and the misconception's first iteration drawn from a seed.
/// </summary>
internal static class Classroom
{
    static readonly Mistake[] SlipOrMisconception =
    [
        Mistake.SignFlipped, Mistake.FactorOfTwo, Mistake.Transposed, Mistake.MissingActivationDerivative,
        Mistake.ActivationValueForDerivative, Mistake.LearningRateNotApplied, Mistake.StepInWrongDirection,
        Mistake.UsedUpdatedWeights,
    ];

    static readonly Mistake[] SlipOnly =
        [Mistake.WrongIteration, Mistake.WrongLayer, Mistake.RoundedTooEarly, Mistake.DegenerateFollowThrough];

    static readonly string[] Conventions = ["pytorch", "heavy_ball", "velocity_step", "ema"];

    /// <summary>
    /// The decimals each problem is worked to. Adam and RMSprop only at 3 and 4: at 2 decimals their second moments
    /// (0.1 g^2) round to 0 almost everywhere and the steps become m / epsilon.
    /// </summary>
    public static int[] DecimalsFor(HandProblem problem) => problem.Optimizer.Type is "adam" or "rmsprop" ? [3, 4] : [2, 3, 4];

    /// <summary>Every plan that can be made on this problem (dry runs), before the sites and iterations are drawn.</summary>
    static IEnumerable<(Mistake Mistake, Form Form, ConventionSwap Swap)> Kinds(HandProblem problem)
    {
        foreach (var mistake in SlipOrMisconception)
        {
            yield return (mistake, Form.Slip, ConventionSwap.None);
            yield return (mistake, Form.Misconception, ConventionSwap.None);
        }
        if (problem.Optimizer.Type == "momentum") yield return (Mistake.OtherConvention, Form.Misconception, ConventionSwap.Momentum);
        if (problem.Optimizer.Type == "adam") yield return (Mistake.OtherConvention, Form.Misconception, ConventionSwap.AdamWithoutBiasCorrection);
        if (problem.Loss == "half_sse") yield return (Mistake.OtherConvention, Form.Misconception, ConventionSwap.SseLoss);
        foreach (var mistake in SlipOnly) yield return (mistake, Form.Slip, ConventionSwap.None);
    }

    public static List<Sheet> Sheets(HandProblem problem, int decimals, IReadOnlyDictionary<string, T2> reference, Random random, out int dropped)
    {
        var sheets = new List<Sheet>();
        dropped = 0;
        string Id() => $"{problem.Name}-d{decimals}-{sheets.Count + 1:00}";

        for (int k = 0; k < 2; k++)
        {
            var sheet = Student.Work(problem, decimals, MistakePlan.NoMistake, reference, Id());
            if (sheet is null) dropped++;
            else sheets.Add(sheet);
        }

        foreach (var (mistake, form, swap) in Kinds(problem))
        {
            string? studentConvention = swap == ConventionSwap.Momentum
                ? Conventions.Where(c => c != problem.Optimizer.Convention).ElementAt(random.Next(3))
                : null;
            var eligible = Student.Eligible(problem, decimals, new MistakePlan(mistake, form, swap: swap, studentConvention: studentConvention, dryRun: true));
            if (eligible.Count == 0) continue;

            // A mistake that leaves every number as the right work gives it is no mistake: draw again (a few times).
            Sheet? chosen = null;
            for (int attempt = 0; attempt < 6 && chosen?.MistakeShows != true; attempt++)
            {
                MistakePlan plan;
                if (swap != ConventionSwap.None)
                    plan = new MistakePlan(mistake, form, 1, swap: swap, studentConvention: studentConvention);  // held for the whole run
                else if (form == Form.Slip)
                    plan = new MistakePlan(mistake, form, slipPath: eligible[random.Next(eligible.Count)].Path);
                else
                {
                    var iterations = eligible.Select(s => s.Iteration).Distinct().Order().ToArray();
                    plan = new MistakePlan(mistake, form, iterations[random.Next(iterations.Length)]);
                }
                var sheet = Student.Work(problem, decimals, plan, reference, Id());
                if (sheet is null) dropped++;
                else chosen = sheet;
            }
            if (chosen is not null) sheets.Add(chosen);
        }
        return sheets;
    }
}
