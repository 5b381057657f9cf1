using System.Text.Json.Serialization;

namespace GradApi.Contracts;

// The shape of the /v1/train response, for the OpenAPI document. The response itself is
// streamed iteration by iteration by TrainTraceResult; these records describe what it writes.
// Numbers that stop being finite are written as the strings "NaN", "Infinity", "-Infinity".
// The writer leaves a field out rather than writing null (a layer without biases, a section that include
// leaves out): such fields are marked WhenWritingNull, which the OpenAPI document reads as optional, never null.

/// <summary>Every tensor of the run. status and divergedAtIteration come last: the trace is streamed.</summary>
public sealed record TrainResponse(
    int ParameterCount,
    IReadOnlyDictionary<string, object> Optimizer,
    LossEcho Loss,
    ParametersResponse Initial,
    IReadOnlyList<IterationResponse> Iterations,
    ParametersResponse Final,
    string Status,
    int? DivergedAtIteration);

/// <summary>The resolved loss: type, reduction and the further reported losses.</summary>
public sealed record LossEcho(string Type, string Reduction, IReadOnlyList<string> AlsoReport);

public sealed record ParametersResponse(IReadOnlyList<LayerParametersResponse> Layers);

public sealed record LayerParametersResponse(string Name, double[][] Weights, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? Biases);

/// <summary>One iteration; iteration is 1-based, its index in the array 0-based. A section include leaves out is absent.</summary>
public sealed record IterationResponse(
    int Iteration,
    int[] ExampleIndices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ForwardResponse? Forward,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LossResponse? Loss,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BackwardResponse? Backward,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UpdateResponse? Update);

public sealed record ForwardResponse(IReadOnlyList<ForwardLayerResponse> Layers);

/// <summary>input, z, a: [B][n]; activationDerivative: sigma'(z) [B][n], or for softmax the Jacobian [B][n][n].</summary>
public sealed record ForwardLayerResponse(string Name, double[][] Input, double[][] Z, double[][] A, object ActivationDerivative);

/// <summary>value is J; perExample is l for each example of the batch; also holds the alsoReport losses' J.</summary>
public sealed record LossResponse(string Type, double Value, double[] PerExample, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, double>? Also);

/// <summary>outputGradient is dJ/da of the last layer (with a mean's 1/B); layers in network order.</summary>
public sealed record BackwardResponse(double[][] OutputGradient, IReadOnlyList<BackwardLayerResponse> Layers);

/// <summary>delta = dJ/dz [B][n]; weightGradient = dJ/dW [out][in]; biasGradient = dJ/db [out].</summary>
public sealed record BackwardLayerResponse(string Name, double[][] Delta, double[][] WeightGradient, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? BiasGradient);

public sealed record UpdateResponse(IReadOnlyList<UpdateLayerResponse> Layers);

/// <summary>Parameters after the step (left out when include has state but not update); state slots (left out without state in include) (v, m, s, gbar, b, mhat, vhat, vmax) shaped like them; lookAhead for nesterov/sutskever.</summary>
public sealed record UpdateLayerResponse(
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[][]? Weights,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? Biases,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, SlotParametersResponse>? State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SlotParametersResponse? LookAhead);

/// <summary>A state slot or the look-ahead point: tensors shaped like the layer's weights and biases (no name: the key or the layer names it).</summary>
public sealed record SlotParametersResponse(double[][] Weights, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? Biases);
