namespace GradApi.Domain.Training;

/// <summary>
/// A slip students make, switched on in a whole run so its every tensor shows what the slip produces.
/// Grading's diagnoses compare a wrong answer with these runs. Changes of convention (loss, momentum,
/// epsilon, learning rate) are other problems, not mistakes in the run.
/// </summary>
public enum Mistake
{
    None,

    /// <summary>delta = dJ/da: the factor sigma'(z) left out of the chain rule.</summary>
    MissingActivationDerivative,

    /// <summary>sigma(z) written where sigma'(z) belongs (elementwise activations).</summary>
    ActivationValueForDerivative,

    /// <summary>theta + step instead of theta - step: the update's sign reversed.</summary>
    StepInWrongDirection,

    /// <summary>Backprop into layer l through W of layer l + 1 already updated this iteration.</summary>
    UsedUpdatedWeights,
}
