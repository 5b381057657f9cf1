namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>The mistakes of the contract's diagnosis table (plus degenerate follow-through), as students make them.</summary>
internal enum Mistake
{
    None,
    SignFlipped,
    FactorOfTwo,
    Transposed,
    MissingActivationDerivative,
    ActivationValueForDerivative,
    LearningRateNotApplied,
    StepInWrongDirection,
    UsedUpdatedWeights,
    OtherConvention,
    WrongIteration,
    WrongLayer,
    RoundedTooEarly,
    DegenerateFollowThrough,
}

/// <summary>Made once (one tensor of one iteration, then carried forward) or from some iteration on, everywhere it applies.</summary>
internal enum Form { Slip, Misconception }

/// <summary>What kind of tensor a place of the sheet holds.</summary>
internal enum What { Z, A, ActivationDerivative, Loss, OutputGradient, Delta, WeightGradient, BiasGradient, State, Parameter }

/// <summary>One place of the worked sheet: a tensor of one iteration (1-based) and layer, with its JSON Pointer.</summary>
internal sealed record Site(int Iteration, What What, int Layer, string Path, string? Slot = null);

/// <summary>Which other convention a student holds when the mistake is other_convention.</summary>
internal enum ConventionSwap { None, Momentum, AdamWithoutBiasCorrection, SseLoss }

internal static class Codes
{
    public static string Of(Mistake mistake) => mistake switch
    {
        Mistake.SignFlipped => "sign_flipped",
        Mistake.FactorOfTwo => "factor_of_two",
        Mistake.Transposed => "transposed",
        Mistake.MissingActivationDerivative => "missing_activation_derivative",
        Mistake.ActivationValueForDerivative => "activation_value_for_derivative",
        Mistake.LearningRateNotApplied => "learning_rate_not_applied",
        Mistake.StepInWrongDirection => "step_in_wrong_direction",
        Mistake.UsedUpdatedWeights => "used_updated_weights",
        Mistake.OtherConvention => "other_convention",
        Mistake.WrongIteration => "wrong_iteration",
        Mistake.WrongLayer => "wrong_layer",
        Mistake.RoundedTooEarly => "rounded_too_early",
        Mistake.DegenerateFollowThrough => "degenerate_follow_through",
        _ => "none",
    };
}

/// <summary>
/// A student's mistake: which, in what form, where (the slip's site) or from when (the misconception's first
/// iteration). In a dry run it only records the sites where the mistake could be made.
/// </summary>
internal sealed class MistakePlan
{
    public Mistake Mistake { get; }
    public Form Form { get; }
    public int FirstIteration { get; }
    public string? SlipPath { get; }
    public ConventionSwap Swap { get; }
    /// <summary>The momentum convention the student holds (other_convention on a momentum problem).</summary>
    public string? StudentConvention { get; }
    public bool DryRun { get; }
    public List<Site> Eligible { get; } = [];

    public MistakePlan(Mistake mistake, Form form, int firstIteration = 1, string? slipPath = null,
        ConventionSwap swap = ConventionSwap.None, string? studentConvention = null, bool dryRun = false)
    {
        Mistake = mistake;
        Form = form;
        FirstIteration = firstIteration;
        SlipPath = slipPath;
        Swap = swap;
        StudentConvention = studentConvention;
        DryRun = dryRun;
    }

    public static MistakePlan NoMistake { get; } = new(Mistake.None, Form.Slip);

    /// <summary>Whether the student makes this mistake at this site.</summary>
    public bool Makes(Mistake mistake, Site site)
    {
        if (mistake != Mistake) return false;
        if (DryRun)
        {
            Eligible.Add(site);
            return false;
        }
        return Form == Form.Slip ? site.Path == SlipPath : site.Iteration >= FirstIteration;
    }

    public string Label => Mistake == Mistake.None ? "none" : $"{Codes.Of(Mistake)}{SwapLabel} ({(Form == Form.Slip ? "slip" : "misconception")})";

    string SwapLabel => Swap switch
    {
        ConventionSwap.Momentum => " momentum",
        ConventionSwap.AdamWithoutBiasCorrection => " adam",
        ConventionSwap.SseLoss => " sse",
        _ => "",
    };
}
