using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Calculus.Expressions;

/// <summary>
/// A parsed matrix expression (see <see cref="ExpressionParser"/>): a tree whose nodes know their
/// text in the source, their shape rule, their value and their reverse-mode derivative.
/// Values are MathNet matrices: a scalar is 1x1, a vector n x 1.
/// </summary>
public abstract class Expression
{
    private protected Expression(string source, int start, int end)
    {
        Source = source;
        Start = start;
        End = end;
    }

    /// <summary>The whole text this node was parsed from.</summary>
    public string Source { get; }

    /// <summary>Offset of the node's first character in <see cref="Source"/> (0-based).</summary>
    public int Start { get; }

    /// <summary>Offset just past the node's last character.</summary>
    public int End { get; }

    /// <summary>The node as written: "A*x", "x'", "sum(exp(x))".</summary>
    public string Text => Source[Start..End];

    public abstract IReadOnlyList<Expression> Children { get; }

    /// <summary>Every node, children before parents (post-order); the root is last.</summary>
    public IReadOnlyList<Expression> Nodes()
    {
        var list = new List<Expression>();
        void Visit(Expression e)
        {
            foreach (var c in e.Children) Visit(c);
            list.Add(e);
        }
        Visit(this);
        return list;
    }

    /// <summary>The variable names used, in order of first appearance.</summary>
    public IReadOnlyList<string> Variables =>
        Nodes().OfType<VariableExpression>().Select(v => v.Name).Distinct().ToList();

    /// <summary>The shape of every node; throws <see cref="ExpressionShapeException"/> at the first node whose shapes do not fit.</summary>
    public ShapeCheck InferShapes(IReadOnlyDictionary<string, Shape> shapes)
    {
        var nodes = Nodes();
        var known = new Dictionary<Expression, Shape>(ReferenceEqualityComparer.Instance);
        var result = new List<NodeShape>(nodes.Count);
        foreach (var node in nodes)
        {
            Shape shape = node is VariableExpression v
                ? shapes.TryGetValue(v.Name, out var s) ? s : throw UnknownVariable(v, shapes.Keys)
                : node.ShapeOf(node.Children.Select(c => known[c]).ToArray());
            known[node] = shape;
            result.Add(new NodeShape(node, shape));
        }
        return new ShapeCheck(known[this], result);
    }

    /// <summary>The value at the given variable values (shape-checked first).</summary>
    /// <param name="cancellation">Checked before each node (one node's matrix operation is not interrupted).</param>
    public Matrix<double> Evaluate(IReadOnlyDictionary<string, Matrix<double>> values, CancellationToken cancellation = default)
    {
        InferShapes(ShapesOf(values));
        return Forward(values, cancellation)[this];
    }

    /// <summary>
    /// The value and the gradient with respect to each named variable by reverse mode, in the
    /// denominator layout (the gradient has the variable's shape). The expression must be scalar.
    /// A variable the expression does not use has a zero gradient.
    /// </summary>
    /// <param name="cancellation">Checked before each node of the forward and the reverse pass.</param>
    public GradientResult Gradient(IReadOnlyDictionary<string, Matrix<double>> values, IEnumerable<string> wrt, CancellationToken cancellation = default)
    {
        var names = wrt.Distinct().ToList();
        foreach (var name in names)
            if (!values.ContainsKey(name)) throw new ExpressionShapeException($"no value was given for the variable '{name}'", name);
        var check = InferShapes(ShapesOf(values));
        if (!check.Shape.IsScalar)
            throw new ExpressionShapeException($"{Text}: a gradient needs a scalar (1x1) expression, got {check.Shape}; wrap it in sum(...) or norm(...)", Text);

        var forward = Forward(values, cancellation);
        var reverse = new ReversePass(this, names, values);
        var gradients = reverse.Run(forward, Matrix<double>.Build.Dense(1, 1, 1.0), cancellation);
        return new GradientResult(forward[this], gradients);
    }

    /// <summary>
    /// The value and the Jacobian d vec(f) / d vec(v) with respect to each named variable: one row per element of the
    /// value, one column per element of v, both in row-major order. By reverse mode, one pass per element of the value
    /// with that element's adjoint 1 and the others 0 (row k is then the gradient of f_k, read by rows). Any shape of
    /// expression; a scalar one gives a 1 x numel(v) row, its gradient by rows. A variable not used has a zero Jacobian.
    /// </summary>
    /// <param name="cancellation">Checked before each node of the forward pass and of every reverse pass.</param>
    public JacobianResult Jacobian(IReadOnlyDictionary<string, Matrix<double>> values, IEnumerable<string> wrt, CancellationToken cancellation = default)
    {
        var names = wrt.Distinct().ToList();
        foreach (var name in names)
            if (!values.ContainsKey(name)) throw new ExpressionShapeException($"no value was given for the variable '{name}'", name);
        var shape = InferShapes(ShapesOf(values)).Shape;
        var forward = Forward(values, cancellation);
        var reverse = new ReversePass(this, names, values);
        int outputs = shape.Rows * shape.Columns;
        var jacobians = names.ToDictionary(n => n, n => Matrix<double>.Build.Dense(outputs, values[n].RowCount * values[n].ColumnCount));
        for (int k = 0; k < outputs; k++)
        {
            var seed = Matrix<double>.Build.Dense(shape.Rows, shape.Columns);
            seed[k / shape.Columns, k % shape.Columns] = 1.0;
            foreach (var (name, gradient) in reverse.Run(forward, seed, cancellation))
            {
                var row = jacobians[name];
                int columns = gradient.ColumnCount;
                for (int r = 0; r < gradient.RowCount; r++)
                    for (int c = 0; c < columns; c++)
                        row[k, r * columns + c] = gradient[r, c];
            }
        }
        return new JacobianResult(forward[this], jacobians);
    }

    /// <summary>
    /// Reverse mode over a forward pass: from an adjoint of the root (its shape), the adjoint of each named variable
    /// (the variable's shape), visiting only nodes that lead to one of them.
    /// </summary>
    sealed class ReversePass
    {
        readonly Expression _root;
        readonly IReadOnlyList<Expression> _nodes;
        readonly Dictionary<Expression, bool> _needed = new(ReferenceEqualityComparer.Instance);
        readonly List<string> _names;
        readonly IReadOnlyDictionary<string, Matrix<double>> _values;

        public ReversePass(Expression root, List<string> names, IReadOnlyDictionary<string, Matrix<double>> values)
        {
            _root = root;
            _nodes = root.Nodes();
            _names = names;
            _values = values;
            var target = names.ToHashSet();
            foreach (var node in _nodes)
                _needed[node] = node is VariableExpression v ? target.Contains(v.Name) : node.Children.Any(c => _needed[c]);
        }

        public Dictionary<string, Matrix<double>> Run(Dictionary<Expression, Matrix<double>> forward, Matrix<double> seed, CancellationToken cancellation)
        {
            var gradients = _names.ToDictionary(n => n, n => Matrix<double>.Build.Dense(_values[n].RowCount, _values[n].ColumnCount));
            var adjoints = new Dictionary<Expression, Matrix<double>>(ReferenceEqualityComparer.Instance) { [_root] = seed };
            for (int i = _nodes.Count - 1; i >= 0; i--)
            {
                var node = _nodes[i];
                if (!_needed[node] || !adjoints.TryGetValue(node, out var adjoint)) continue;
                cancellation.ThrowIfCancellationRequested();
                if (node is VariableExpression variable)
                {
                    gradients[variable.Name] += adjoint;
                    continue;
                }
                var children = node.Children;
                var flags = children.Select(c => _needed[c]).ToArray();
                var childAdjoints = node.Backward(children.Select(c => forward[c]).ToArray(), forward[node], adjoint, flags);
                for (int c = 0; c < children.Count; c++)
                {
                    if (!flags[c] || childAdjoints[c] is not { } g) continue;
                    adjoints[children[c]] = adjoints.TryGetValue(children[c], out var sum) ? sum + g : g;
                }
            }
            return gradients;
        }
    }

    public override string ToString() => Text;

    static Dictionary<string, Shape> ShapesOf(IReadOnlyDictionary<string, Matrix<double>> values) =>
        values.ToDictionary(p => p.Key, p => Shape.Of(p.Value));

    static ExpressionShapeException UnknownVariable(VariableExpression v, IEnumerable<string> known)
    {
        var names = known.ToList();
        string given = names.Count == 0 ? "no variables were given" : $"the variables are {string.Join(", ", names)}";
        return new ExpressionShapeException($"unknown variable '{v.Name}' at position {v.Start + 1}; {given}", v.Name);
    }

    Dictionary<Expression, Matrix<double>> Forward(IReadOnlyDictionary<string, Matrix<double>> values, CancellationToken cancellation)
    {
        var result = new Dictionary<Expression, Matrix<double>>(ReferenceEqualityComparer.Instance);
        foreach (var node in Nodes())
        {
            cancellation.ThrowIfCancellationRequested();
            result[node] = node is VariableExpression v
                ? values[v.Name]
                : node.Forward(node.Children.Select(c => result[c]).ToArray());
        }
        return result;
    }

    /// <summary>The node's shape from its children's; throws <see cref="ExpressionShapeException"/> naming <see cref="Text"/>.</summary>
    private protected abstract Shape ShapeOf(Shape[] children);

    /// <summary>The node's value from its children's values (shapes already checked).</summary>
    private protected abstract Matrix<double> Forward(Matrix<double>[] children);

    /// <summary>The adjoints of the children (null where not needed) from the node's adjoint.</summary>
    private protected abstract Matrix<double>?[] Backward(Matrix<double>[] children, Matrix<double> value, Matrix<double> adjoint, bool[] needed);

    private protected ExpressionShapeException ShapeError(string message) => new($"{Text}: {message}", Text);

    // MathNet's matrix / scalar throws on a zero divisor; x / 0 is infinite (or NaN) here, as with ./ .
    private protected static Matrix<double> DivideEach(Matrix<double> m, double divisor) =>
        divisor == 0 ? m.Map(x => x / divisor, MathNet.Numerics.LinearAlgebra.Zeros.Include) : m / divisor;

    // An elementwise chain rule g_ij x (local derivative)_ij in which a zero adjoint stays zero even where the local derivative is
    // infinite (log, sqrt, ./ at 0): in a Jacobian's unit seeds those zeros are elements that do not depend on this one, and
    // d log(x_2)/dx_1 is 0, not 0 x Infinity = NaN.
    private protected static Matrix<double> Chain(Matrix<double> g, Func<int, int, double> term) =>
        Matrix<double>.Build.Dense(g.RowCount, g.ColumnCount, (i, j) => g[i, j] == 0 ? 0.0 : term(i, j));

    // A 1x1 child of an elementwise operation stands for a matrix of the result's shape.
    private protected static Matrix<double> Broadcast(Matrix<double> m, int rows, int columns) =>
        m.RowCount == rows && m.ColumnCount == columns ? m : Matrix<double>.Build.Dense(rows, columns, m[0, 0]);

    // The adjoint of a broadcast scalar is the sum of the adjoints it was spread over.
    private protected static Matrix<double> Reduce(Matrix<double> adjoint, Matrix<double> child) =>
        child.RowCount == adjoint.RowCount && child.ColumnCount == adjoint.ColumnCount
            ? adjoint
            : Matrix<double>.Build.Dense(1, 1, adjoint.Enumerate().Sum());
}

/// <summary>A number literal: a 1x1 constant.</summary>
public sealed class NumberExpression : Expression
{
    internal NumberExpression(string source, int start, int end, double value) : base(source, start, end) => Value = value;
    public double Value { get; }
    public override IReadOnlyList<Expression> Children => [];
    private protected override Shape ShapeOf(Shape[] children) => Shape.Scalar;
    private protected override Matrix<double> Forward(Matrix<double>[] children) => Matrix<double>.Build.Dense(1, 1, Value);
    private protected override Matrix<double>?[] Backward(Matrix<double>[] c, Matrix<double> v, Matrix<double> g, bool[] n) => [];
}

/// <summary>A variable, whose value and shape come from the caller.</summary>
public sealed class VariableExpression : Expression
{
    internal VariableExpression(string source, int start, int end, string name) : base(source, start, end) => Name = name;
    public string Name { get; }
    public override IReadOnlyList<Expression> Children => [];
    private protected override Shape ShapeOf(Shape[] children) => throw new InvalidOperationException("a variable's shape comes from the caller");
    private protected override Matrix<double> Forward(Matrix<double>[] children) => throw new InvalidOperationException("a variable's value comes from the caller");
    private protected override Matrix<double>?[] Backward(Matrix<double>[] c, Matrix<double> v, Matrix<double> g, bool[] n) => [];
}

/// <summary>
/// eye(n) (the n x n identity), ones(n) (an n x 1 column of ones) and ones(m, n): constants of a fixed shape, written
/// with positive integer literals, so their gradient is zero and the shape check needs no values.
/// </summary>
public sealed class ConstantExpression : Expression
{
    internal ConstantExpression(string source, int start, int end, string name, int rows, int columns) : base(source, start, end)
    {
        Name = name;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The names of the constants of the grammar.</summary>
    public static readonly IReadOnlyList<string> Names = ["eye", "ones"];

    /// <summary>eye or ones.</summary>
    public string Name { get; }
    public int Rows { get; }
    public int Columns { get; }
    public override IReadOnlyList<Expression> Children => [];
    private protected override Shape ShapeOf(Shape[] children) => new(Rows, Columns);
    private protected override Matrix<double> Forward(Matrix<double>[] children) =>
        Name == "eye" ? Matrix<double>.Build.DenseIdentity(Rows) : Matrix<double>.Build.Dense(Rows, Columns, 1.0);
    private protected override Matrix<double>?[] Backward(Matrix<double>[] c, Matrix<double> v, Matrix<double> g, bool[] n) => [];
}

/// <summary>-e and e' (transpose).</summary>
public sealed class UnaryExpression : Expression
{
    internal UnaryExpression(string source, int start, int end, char op, Expression operand) : base(source, start, end)
    {
        Operator = op;
        Operand = operand;
    }

    /// <summary>'-' or '\'' (transpose).</summary>
    public char Operator { get; }
    public Expression Operand { get; }
    public override IReadOnlyList<Expression> Children => [Operand];

    private protected override Shape ShapeOf(Shape[] c) => Operator == '\'' ? new Shape(c[0].Columns, c[0].Rows) : c[0];
    private protected override Matrix<double> Forward(Matrix<double>[] c) => Operator == '\'' ? c[0].Transpose() : -c[0];
    private protected override Matrix<double>?[] Backward(Matrix<double>[] c, Matrix<double> v, Matrix<double> g, bool[] n) =>
        [Operator == '\'' ? g.Transpose() : -g];
}

/// <summary>The binary operators of the grammar.</summary>
public enum BinaryOperator { Add, Subtract, Multiply, Divide, ElementMultiply, ElementDivide, Power, ElementPower }

/// <summary>l op r. * is the matrix product (or a scaling when one side is 1x1); .* ./ .^ + - are elementwise.</summary>
public sealed class BinaryExpression : Expression
{
    internal BinaryExpression(string source, int start, int end, BinaryOperator op, Expression left, Expression right) : base(source, start, end)
    {
        Operator = op;
        Left = left;
        Right = right;
    }

    public BinaryOperator Operator { get; }
    public Expression Left { get; }
    public Expression Right { get; }
    public override IReadOnlyList<Expression> Children => [Left, Right];

    public static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.ElementMultiply => ".*",
        BinaryOperator.ElementDivide => "./",
        BinaryOperator.Power => "^",
        _ => ".^",
    };

    bool IsElementwise => Operator is BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.ElementMultiply
        or BinaryOperator.ElementDivide or BinaryOperator.ElementPower;

    private protected override Shape ShapeOf(Shape[] c)
    {
        Shape l = c[0], r = c[1];
        switch (Operator)
        {
            case BinaryOperator.Multiply:
                if (l.IsScalar) return r;
                if (r.IsScalar) return l;
                if (l.Columns != r.Rows) throw ShapeError($"inner dimensions differ, {l} times {r}");
                return new Shape(l.Rows, r.Columns);
            case BinaryOperator.Divide:
                if (!r.IsScalar) throw ShapeError($"/ divides by a scalar only, got {l} / {r}; use ./ for elementwise division");
                return l;
            case BinaryOperator.Power:
                if (!l.IsScalar || !r.IsScalar) throw ShapeError($"^ is the power of a scalar, got {l} ^ {r}; use .^ for an elementwise power");
                return l;
            default:
                if (l == r || r.IsScalar) return l;
                if (l.IsScalar) return r;
                throw ShapeError($"elementwise {Symbol(Operator)} needs equal shapes or a scalar, got {l} {Symbol(Operator)} {r}");
        }
    }

    private protected override Matrix<double> Forward(Matrix<double>[] c)
    {
        Matrix<double> l = c[0], r = c[1];
        if (Operator == BinaryOperator.Multiply)
            return l.RowCount == 1 && l.ColumnCount == 1 ? l[0, 0] * r
                : r.RowCount == 1 && r.ColumnCount == 1 ? l * r[0, 0]
                : l * r;
        if (Operator == BinaryOperator.Divide) return DivideEach(l, r[0, 0]);
        int rows = Math.Max(l.RowCount, r.RowCount), columns = Math.Max(l.ColumnCount, r.ColumnCount);
        var a = Broadcast(l, rows, columns);
        var b = Broadcast(r, rows, columns);
        return Operator switch
        {
            BinaryOperator.Add => a + b,
            BinaryOperator.Subtract => a - b,
            BinaryOperator.ElementMultiply => a.PointwiseMultiply(b),
            BinaryOperator.ElementDivide => a.PointwiseDivide(b),
            _ => a.Map2(Math.Pow, b),
        };
    }

    private protected override Matrix<double>?[] Backward(Matrix<double>[] c, Matrix<double> value, Matrix<double> g, bool[] needed)
    {
        Matrix<double> l = c[0], r = c[1];
        bool lScalar = l.RowCount == 1 && l.ColumnCount == 1, rScalar = r.RowCount == 1 && r.ColumnCount == 1;
        switch (Operator)
        {
            case BinaryOperator.Multiply:
                if (lScalar) return [Scalar(g.PointwiseMultiply(r).Enumerate().Sum()), needed[1] ? l[0, 0] * g : null];
                if (rScalar) return [needed[0] ? g * r[0, 0] : null, Scalar(g.PointwiseMultiply(l).Enumerate().Sum())];
                // d(l r) : G r' for l, l' G for r (denominator layout)
                return [needed[0] ? g * r.Transpose() : null, needed[1] ? l.Transpose() * g : null];
            case BinaryOperator.Divide:
            {
                double s = r[0, 0];
                return [needed[0] ? DivideEach(g, s) : null, needed[1] ? Scalar(-g.PointwiseMultiply(l).Enumerate().Sum() / (s * s)) : null];
            }
        }
        int rows = value.RowCount, columns = value.ColumnCount;
        var a = Broadcast(l, rows, columns);
        var b = Broadcast(r, rows, columns);
        Matrix<double>? gl = null, gr = null;
        switch (Operator)
        {
            case BinaryOperator.Add:
                gl = g; gr = g;
                break;
            case BinaryOperator.Subtract:
                gl = g; gr = -g;
                break;
            case BinaryOperator.ElementMultiply:
                if (needed[0]) gl = Chain(g, (i, j) => g[i, j] * b[i, j]);
                if (needed[1]) gr = Chain(g, (i, j) => g[i, j] * a[i, j]);
                break;
            case BinaryOperator.ElementDivide:
                if (needed[0]) gl = Chain(g, (i, j) => g[i, j] / b[i, j]);
                if (needed[1]) gr = Chain(g, (i, j) => -g[i, j] * a[i, j] / (b[i, j] * b[i, j]));
                break;
            default: // ^ and .^: d(a^b) = b a^(b-1) da + a^b ln a db
                if (needed[0]) gl = Chain(g, (i, j) => g[i, j] * b[i, j] * Math.Pow(a[i, j], b[i, j] - 1));
                if (needed[1]) gr = Chain(g, (i, j) => g[i, j] * value[i, j] * Math.Log(a[i, j]));
                break;
        }
        return [gl is null ? null : Reduce(gl, l), gr is null ? null : Reduce(gr, r)];
    }

    static Matrix<double> Scalar(double v) => Matrix<double>.Build.Dense(1, 1, v);
}

/// <summary>name(e): sum, norm, trace, softmax (of a vector), diag (a vector's diagonal matrix, or a matrix's diagonal), or an elementwise function.</summary>
public sealed class FunctionExpression : Expression
{
    internal FunctionExpression(string source, int start, int end, string name, Expression argument) : base(source, start, end)
    {
        Name = name;
        Argument = argument;
    }

    /// <summary>The function names of the grammar.</summary>
    public static readonly IReadOnlyList<string> Names = ["sum", "norm", "trace", "softmax", "diag", .. ElementwiseFunctions.Names];

    public string Name { get; }
    public Expression Argument { get; }
    public override IReadOnlyList<Expression> Children => [Argument];

    private protected override Shape ShapeOf(Shape[] c) => Name switch
    {
        "sum" or "norm" => Shape.Scalar,
        "trace" => c[0].Rows == c[0].Columns ? Shape.Scalar : throw ShapeError($"trace needs a square matrix, got {c[0]}"),
        "softmax" => IsVector(c[0]) ? c[0] : throw ShapeError($"softmax needs a vector, got {c[0]}"),
        // MATLAB's diag: a vector's n x n diagonal matrix, a matrix's diagonal as a column.
        "diag" => IsVector(c[0]) ? new Shape(Length(c[0]), Length(c[0])) : new Shape(Math.Min(c[0].Rows, c[0].Columns), 1),
        _ => c[0],
    };

    static bool IsVector(Shape shape) => shape.Rows == 1 || shape.Columns == 1;

    static int Length(Shape shape) => shape.Rows * shape.Columns;

    private protected override Matrix<double> Forward(Matrix<double>[] c) => Name switch
    {
        "sum" => Matrix<double>.Build.Dense(1, 1, c[0].Enumerate().Sum()),
        "norm" => Matrix<double>.Build.Dense(1, 1, c[0].FrobeniusNorm()),
        "trace" => Matrix<double>.Build.Dense(1, 1, c[0].Trace()),
        "softmax" => Softmax(c[0]),
        "diag" => IsVector(c[0].RowCount, c[0].ColumnCount)
            ? Matrix<double>.Build.DenseOfDiagonalArray(c[0].ToColumnMajorArray())
            : Matrix<double>.Build.DenseOfColumnArrays(c[0].Diagonal().ToArray()),
        _ => c[0].Map(ElementwiseFunctions.Value(Name), MathNet.Numerics.LinearAlgebra.Zeros.Include),
    };

    static bool IsVector(int rows, int columns) => rows == 1 || columns == 1;

    // e^(x_i - max x) / sum_j e^(x_j - max x): the shift keeps every exponent at most 0.
    static Matrix<double> Softmax(Matrix<double> x)
    {
        double max = x.Enumerate().Max();
        var e = x.Map(v => Math.Exp(v - max));
        return e / e.Enumerate().Sum();
    }

    private protected override Matrix<double>?[] Backward(Matrix<double>[] c, Matrix<double> value, Matrix<double> g, bool[] needed)
    {
        var a = c[0];
        double s = g[0, 0];
        return Name switch
        {
            "sum" => [Matrix<double>.Build.Dense(a.RowCount, a.ColumnCount, s)],
            // d||a|| = a / ||a|| (0 at a = 0, the smallest subgradient)
            "norm" => [value[0, 0] == 0 ? Matrix<double>.Build.Dense(a.RowCount, a.ColumnCount) : a * (s / value[0, 0])],
            "trace" => [Matrix<double>.Build.DenseIdentity(a.RowCount) * s],
            // J^T g with J = diag(a) - a a^T: a .* (g - a'g)
            "softmax" => [value.PointwiseMultiply(g - value.PointwiseMultiply(g).Enumerate().Sum())],
            // diag(v): dv_i = G_ii, in v's shape; diag(M): dM = the diagonal matrix of g, in M's shape.
            "diag" => [IsVector(a.RowCount, a.ColumnCount)
                ? Matrix<double>.Build.Dense(a.RowCount, a.ColumnCount, g.Diagonal().ToArray())
                : Matrix<double>.Build.Dense(a.RowCount, a.ColumnCount, (i, j) => i == j ? g[i, 0] : 0.0)],
            _ => [ElementwiseBackward(g, a)],
        };
    }

    Matrix<double> ElementwiseBackward(Matrix<double> g, Matrix<double> a)
    {
        var derivative = ElementwiseFunctions.Derivative(Name);
        return Chain(g, (i, j) => g[i, j] * derivative(a[i, j]));
    }
}
