using GradApi.Domain.Vocabulary;

namespace GradApi.Contracts;

/// <summary>
/// The contract's enum values (lower snake case), shared by validation, mapping and the OpenAPI text. The domain's
/// enumerations are read from its <see cref="WireNames"/> table, never spelled here; the two that only the host knows
/// (trace sections and reveal) have their one table here.
/// </summary>
public static class Vocabulary
{
    // Before the lists below: static fields are initialized in the order they are written.
    public static readonly WireTable<Reveal> RevealNames = new((Reveal.All, "all"), (Reveal.Verdicts, "verdicts"));

    public static readonly string[] Activations = WireNames.Activation.All;
    public static readonly string[] Losses = WireNames.Loss.All;
    public static readonly string[] Reductions = WireNames.Reductions.Names;
    public static readonly string[] Optimizers = WireNames.Optimizer.All;
    public static readonly string[] MomentumConventions = WireNames.MomentumConventions.Names;
    public static readonly string[] NesterovConventions = WireNames.NesterovConventions.Names;
    public static readonly string[] RmsPropEpsilonPlacements = WireNames.RmsPropEpsilonPlacements.Names;
    public static readonly string[] AdamEpsilonPlacements = WireNames.AdamEpsilonPlacements.Names;
    public static readonly string[] SamplingModes = WireNames.Sampling.All;
    public static readonly string[] ObjectiveFunctions = WireNames.ObjectiveFunction.All;
    public static readonly string[] Sections = Section.All;
    public static readonly string[] ToleranceTypes = WireNames.ToleranceTypes.Names;
    public static readonly string[] PartialCredits = WireNames.PartialCredits.Names;
    public static readonly string[] Reveals = RevealNames.Names;

    /// <summary>The sections of an iteration that <c>include</c> of /v1/train may ask for.</summary>
    public static class Section
    {
        public const string Forward = "forward", Loss = "loss", Backward = "backward", Update = "update", State = "state";
        public static readonly string[] All = [Forward, Loss, Backward, Update, State];
    }

    public static string List(IEnumerable<string> values) => string.Join(", ", values);
}
