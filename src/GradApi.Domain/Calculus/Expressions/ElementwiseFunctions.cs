using GradApi.Domain.Activations;
using GradApi.Domain.Numerics;

namespace GradApi.Domain.Calculus.Expressions;

/// <summary>
/// The elementwise functions of the expression grammar, value and derivative side by side.
/// sigmoid, tanh, softplus and relu are the activations of /v1/train (softplus with beta 1,
/// relu'(0) = 0); abs'(0) = 0.
/// </summary>
public static class ElementwiseFunctions
{
    public static readonly IReadOnlyList<string> Names = ["exp", "log", "sqrt", "abs", "sigmoid", "tanh", "softplus", "relu"];

    public static Func<double, double> Value(string name) => name switch
    {
        "exp" => Math.Exp,
        "log" => Math.Log,
        "sqrt" => Math.Sqrt,
        "abs" => Math.Abs,
        "sigmoid" => Precise.Sigmoid,
        "tanh" => Math.Tanh,
        "softplus" => Precise.Softplus,
        "relu" => Relu.Instance.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not an elementwise function"),
    };

    public static Func<double, double> Derivative(string name) => name switch
    {
        "exp" => Math.Exp,
        "log" => x => 1.0 / x,
        "sqrt" => x => 0.5 / Math.Sqrt(x),
        "abs" => x => Math.Sign(x),
        "sigmoid" => Sigmoid.Instance.Derivative,
        "tanh" => Tanh.Instance.Derivative,
        "softplus" => Precise.Sigmoid,
        "relu" => Relu.Instance.Derivative,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not an elementwise function"),
    };
}
