using GradApi.Domain.Calculus.Expressions;

namespace GradApi.Domain.Calculus.Formulas;

/// <summary>
/// A formula in scalar variables compiled to a function of doubles, for checks that evaluate a claim thousands of
/// times (every t of a momentum claim, every x of a derivative claim): the same IEEE operations as
/// <see cref="Expression.Evaluate"/> on 1x1 values (+ - * / and powers, the elementwise functions; sum, trace and diag
/// of a scalar are the scalar) without its matrices and dictionaries. A formula using anything else (norm, softmax)
/// is not compiled and is evaluated as an expression.
/// </summary>
public sealed class ScalarFormula
{
    /// <summary>What one node of a compiled formula is priced at, in multiply-adds (a call of exp or pow costs a few).</summary>
    public const int NodeWork = 4;

    readonly Func<double[], double> evaluate;

    ScalarFormula(Func<double[], double> evaluate, int nodes)
    {
        this.evaluate = evaluate;
        Work = (long)nodes * NodeWork;
    }

    /// <summary>The price of one evaluation.</summary>
    public long Work { get; }

    /// <summary>The value with variable i set to values[i] (in the order given to <see cref="TryCompile"/>).</summary>
    public double Evaluate(double[] values) => evaluate(values);

    /// <summary>The compiled formula, or null when it uses a variable not listed or a function kept for matrices.</summary>
    public static ScalarFormula? TryCompile(Expression expression, IReadOnlyList<string> variables)
    {
        var compiled = Compile(expression);
        return compiled is null ? null : new ScalarFormula(compiled, expression.Nodes().Count);

        Func<double[], double>? Compile(Expression e)
        {
            switch (e)
            {
                case NumberExpression n:
                {
                    double v = n.Value;
                    return _ => v;
                }
                case VariableExpression v:
                {
                    int index = -1;
                    for (int i = 0; i < variables.Count; i++) if (variables[i] == v.Name) index = i;
                    return index < 0 ? null : x => x[index];
                }
                case UnaryExpression u:
                {
                    var operand = Compile(u.Operand);
                    if (operand is null) return null;
                    return u.Operator == '-' ? x => -operand(x) : operand; // the transpose of a scalar is itself
                }
                case BinaryExpression b:
                {
                    var l = Compile(b.Left);
                    var r = Compile(b.Right);
                    if (l is null || r is null) return null;
                    return b.Operator switch
                    {
                        BinaryOperator.Add => x => l(x) + r(x),
                        BinaryOperator.Subtract => x => l(x) - r(x),
                        BinaryOperator.Multiply or BinaryOperator.ElementMultiply => x => l(x) * r(x),
                        BinaryOperator.Divide or BinaryOperator.ElementDivide => x => l(x) / r(x),
                        _ => x => Math.Pow(l(x), r(x)),
                    };
                }
                case FunctionExpression f:
                {
                    var argument = Compile(f.Argument);
                    if (argument is null) return null;
                    if (f.Name is "sum" or "trace" or "diag") return argument;
                    if (!ElementwiseFunctions.Names.Contains(f.Name)) return null;
                    var function = ElementwiseFunctions.Value(f.Name);
                    return x => function(argument(x));
                }
                default:
                    return null;
            }
        }
    }
}
