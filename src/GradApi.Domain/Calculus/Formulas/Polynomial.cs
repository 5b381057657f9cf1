using System.Numerics;
using System.Text;
using GradApi.Domain.Calculus.Expressions;

namespace GradApi.Domain.Calculus.Formulas;

/// <summary>Why an expression is or is not a polynomial.</summary>
public enum ExpansionStatus
{
    Polynomial,
    /// <summary>It uses something a polynomial cannot: a function, a division by a variable, a non-integer or negative power, a matrix.</summary>
    NotPolynomial,
    /// <summary>It is one, but its expansion passes a published cap (<see cref="Polynomial.MaxTerms"/> and the rest).</summary>
    TooLarge,
}

/// <summary>The outcome of <see cref="Polynomial.Expand"/>; <see cref="Reason"/> says why not, for the response's detail.</summary>
public sealed record PolynomialExpansion(ExpansionStatus Status, Polynomial? Polynomial, string? Reason);

/// <summary>
/// A polynomial in named scalar variables with exact rational coefficients: sum of c * x_0^e_0 ... x_(n-1)^e_(n-1).
/// Two polynomials over the same variables are equal as functions exactly when their terms are equal, which is
/// how formulas are compared exactly. Immutable. Held as integer numerators over one common denominator, reduced
/// (gcd of the denominator and every numerator 1, denominator positive): arithmetic is on integers, with one gcd pass
/// per operation rather than one per coefficient, and the form is unique, so equality is equality of the parts.
/// </summary>
public sealed class Polynomial : IEquatable<Polynomial>
{
    /// <summary>Expansion caps: beyond any of them an expression is <see cref="ExpansionStatus.TooLarge"/> (checked numerically instead).</summary>
    public const int MaxTerms = 2_000, MaxDegree = 1_000, MaxCoefficientBits = 4_096;

    /// <summary>
    /// Cap on the work of one expansion: term pairs multiplied plus terms added, over the whole expression. Measured at
    /// about 1.5 us per operation with 1000-bit coefficients, so an expansion stops within about half a second.
    /// </summary>
    public const long MaxTermOperations = 250_000;

    readonly Dictionary<Monomial, BigInteger> terms; // numerators
    readonly BigInteger denominator;

    public IReadOnlyList<string> Variables { get; }

    // Reduces the fraction terms / denominator to its unique form.
    Polynomial(IReadOnlyList<string> variables, Dictionary<Monomial, BigInteger> terms, BigInteger denominator)
    {
        Variables = variables;
        if (terms.Count == 0) denominator = BigInteger.One;
        else if (!denominator.IsOne)
        {
            var g = denominator;
            foreach (var n in terms.Values)
            {
                g = BigInteger.GreatestCommonDivisor(g, n);
                if (g.IsOne) break;
            }
            if (!g.IsOne)
            {
                foreach (var m in terms.Keys.ToList()) terms[m] /= g;
                denominator /= g;
            }
        }
        this.terms = terms;
        this.denominator = denominator;
    }

    public static Polynomial Constant(IReadOnlyList<string> variables, Rational c) =>
        new(variables, c.IsZero ? [] : new() { [new Monomial(new int[variables.Count])] = c.Numerator }, c.Denominator);

    public static Polynomial Variable(IReadOnlyList<string> variables, string name)
    {
        int index = IndexOf(variables, name);
        var e = new int[variables.Count];
        e[index] = 1;
        return new(variables, new() { [new Monomial(e)] = BigInteger.One }, BigInteger.One);
    }

    /// <summary>c_0 + c_1 v + c_2 v^2 + ... in the one variable v.</summary>
    public static Polynomial FromCoefficients(string variable, IReadOnlyList<BigInteger> coefficients)
    {
        var terms = new Dictionary<Monomial, BigInteger>();
        for (int i = 0; i < coefficients.Count; i++)
            if (!coefficients[i].IsZero) terms[new Monomial([i])] = coefficients[i];
        return new([variable], terms, BigInteger.One);
    }

    public int TermCount => terms.Count;
    public bool IsZero => terms.Count == 0;
    public int TotalDegree => terms.Count == 0 ? 0 : terms.Keys.Max(m => m.Degree);
    public int Degree(int variable) => terms.Count == 0 ? 0 : terms.Keys.Max(m => m.Exponents[variable]);

    /// <summary>The constant value when the polynomial has no variable term, else null.</summary>
    public Rational? ConstantValue => terms.Count == 0 ? Rational.Zero
        : terms.Count == 1 && terms.Keys.First().Degree == 0 ? new Rational(terms.Values.First(), denominator) : null;

    // Bits of the largest numerator and of the denominator: what multiplying by it costs.
    long Bits => (terms.Count == 0 ? 0 : terms.Values.Max(n => (long)n.GetBitLength())) + (long)denominator.GetBitLength();

    public static Polynomial operator +(Polynomial a, Polynomial b) => Add(a, b, 1, null);
    public static Polynomial operator -(Polynomial a, Polynomial b) => Add(a, b, -1, null);
    public static Polynomial operator -(Polynomial a) => Add(Constant(a.Variables, 0), a, -1, null);
    public static Polynomial operator *(Polynomial a, Polynomial b) => Multiply(a, b, null);

    public Polynomial Pow(int exponent) => Power(this, exponent, null);

    /// <summary>The value at a point (one rational per variable, in <see cref="Variables"/> order).</summary>
    public Rational Evaluate(IReadOnlyList<Rational> point)
    {
        if (point.Count != Variables.Count) throw new ArgumentException($"expected {Variables.Count} values, got {point.Count}", nameof(point));
        var sum = Rational.Zero;
        foreach (var (m, c) in terms)
        {
            Rational term = c;
            for (int i = 0; i < m.Exponents.Length; i++)
                if (m.Exponents[i] != 0) term *= Rational.Pow(point[i], m.Exponents[i]);
            sum += term;
        }
        return sum / denominator;
    }

    /// <summary>
    /// A point of small integers where this (nonzero) polynomial is not 0. Writing p = sum_j C_j(x_1..) x_0^j with
    /// C_J the last nonzero coefficient, a point q with C_J(q) != 0 (found the same way) leaves p(x_0, q) a nonzero
    /// polynomial of degree J in x_0, which has at most J roots, so one of 0, 1, -1, 2, -2, ... (at most J + 1 tries) is not one.
    /// </summary>
    public Rational[] NonzeroPoint()
    {
        if (IsZero) throw new InvalidOperationException("the zero polynomial is zero everywhere");
        var point = new Rational[Variables.Count];
        Fill(terms.ToDictionary(t => t.Key, t => (Rational)t.Value), 0, point); // the denominator does not move the roots
        return point;

        static void Fill(Dictionary<Monomial, Rational> p, int variable, Rational[] point)
        {
            if (variable == point.Length) return;
            int top = p.Keys.Max(m => m.Exponents[variable]);
            // Fix the later variables where x_variable's top coefficient is nonzero, then pick x_variable.
            Fill(p.Where(t => t.Key.Exponents[variable] == top).ToDictionary(t => t.Key.Without(variable), t => t.Value), variable + 1, point);
            for (int k = 0; ; k++)
            {
                point[variable] = k % 2 == 1 ? (k + 1) / 2 : -(k / 2); // 0, 1, -1, 2, -2, ...
                if (!EvaluatePartial(p, variable, point).IsZero) return;
            }
        }

        // p with x_variable.. set from point, as a number (the earlier variables have exponent 0 by construction).
        static Rational EvaluatePartial(Dictionary<Monomial, Rational> p, int variable, Rational[] point)
        {
            var sum = Rational.Zero;
            foreach (var (m, c) in p)
            {
                var term = c;
                for (int i = variable; i < m.Exponents.Length; i++)
                    if (m.Exponents[i] != 0) term *= Rational.Pow(point[i], m.Exponents[i]);
                sum += term;
            }
            return sum;
        }
    }

    public bool Equals(Polynomial? other) =>
        other is not null && Variables.SequenceEqual(other.Variables) && terms.Count == other.terms.Count && denominator == other.denominator
        && terms.All(t => other.terms.TryGetValue(t.Key, out var c) && c == t.Value);

    public override bool Equals(object? obj) => Equals(obj as Polynomial);
    public override int GetHashCode() => terms.Count;

    /// <summary>"sigma - 7*sigma^2 + 12*sigma^3 - 6*sigma^4": lowest total degree first, then by the variables' order.</summary>
    public override string ToString()
    {
        if (IsZero) return "0";
        var text = new StringBuilder();
        foreach (var (m, numerator) in terms.OrderBy(t => t.Key.Degree).ThenByDescending(t => t.Key, Monomial.Order))
        {
            var c = new Rational(numerator, denominator);
            var magnitude = c.Sign < 0 ? -c : c;
            if (text.Length > 0) text.Append(c.Sign < 0 ? " - " : " + ");
            else if (c.Sign < 0) text.Append('-');
            var factors = new List<string>();
            if (m.Degree == 0 || magnitude != Rational.One) factors.Add(magnitude.ToString());
            for (int i = 0; i < m.Exponents.Length; i++)
                if (m.Exponents[i] == 1) factors.Add(Variables[i]);
                else if (m.Exponents[i] > 1) factors.Add($"{Variables[i]}^{m.Exponents[i]}");
            text.Append(string.Join('*', factors));
        }
        return text.ToString();
    }

    /// <summary>
    /// Expands a parsed expression into a polynomial in <paramref name="variables"/> (each a scalar), when it is one:
    /// numbers (a literal is the decimal it spells, "0.1" = 1/10), the variables, names fixed by <paramref name="constants"/>,
    /// + - * .* (of scalars), / and ./ by a nonzero constant, ^ and .^ by a constant integer (negative only for a constant base),
    /// unary minus and transpose (of a scalar, nothing). Anything else is not a polynomial; passing a cap is too large.
    /// </summary>
    public static PolynomialExpansion Expand(Expression expression, IReadOnlyList<string> variables, IReadOnlyDictionary<string, Rational>? constants = null,
        long maxTermOperations = MaxTermOperations)
    {
        var budget = new Budget(maxTermOperations);
        try
        {
            return new PolynomialExpansion(ExpansionStatus.Polynomial, Convert(expression), null);
        }
        catch (NotPolynomialException e) { return new PolynomialExpansion(ExpansionStatus.NotPolynomial, null, e.Message); }
        catch (TooLargeException e) { return new PolynomialExpansion(ExpansionStatus.TooLarge, null, e.Message); }

        Polynomial Convert(Expression e)
        {
            switch (e)
            {
                case NumberExpression n:
                    return Constant(variables, Rational.ParseDecimal(n.Text) ?? Rational.FromDouble(n.Value));
                case VariableExpression v when constants is not null && constants.TryGetValue(v.Name, out var fixedValue):
                    return Constant(variables, fixedValue);
                case VariableExpression v when variables.Contains(v.Name):
                    return Variable(variables, v.Name);
                case VariableExpression v:
                    throw new NotPolynomialException($"'{v.Name}' is not a scalar variable of the polynomial");
                case UnaryExpression { Operator: '-' } u:
                    return Add(Constant(variables, 0), Convert(u.Operand), -1, budget);
                case UnaryExpression u:
                    return Convert(u.Operand); // the transpose of a scalar
                case BinaryExpression b:
                {
                    var left = Convert(b.Left);
                    var right = Convert(b.Right);
                    switch (b.Operator)
                    {
                        case BinaryOperator.Add: return Add(left, right, 1, budget);
                        case BinaryOperator.Subtract: return Add(left, right, -1, budget);
                        case BinaryOperator.Multiply or BinaryOperator.ElementMultiply: return Multiply(left, right, budget);
                        case BinaryOperator.Divide or BinaryOperator.ElementDivide:
                            if (right.ConstantValue is not { } divisor) throw new NotPolynomialException($"{b.Text} divides by a non-constant");
                            if (divisor.IsZero) throw new NotPolynomialException($"{b.Text} divides by 0");
                            return Multiply(left, Constant(variables, Rational.One / divisor), budget);
                        default:
                            if (right.ConstantValue is not { IsInteger: true } power)
                                throw new NotPolynomialException($"{b.Text}: the exponent is not a constant integer");
                            if (left.ConstantValue is { } c && power.Sign < 0)
                            {
                                if (c.IsZero) throw new NotPolynomialException($"{b.Text}: 0 to a negative power");
                                return Power(Constant(variables, Rational.One / c), Exponent(-power.Numerator, b), budget);
                            }
                            if (power.Sign < 0) throw new NotPolynomialException($"{b.Text}: a negative power of a variable");
                            return Power(left, Exponent(power.Numerator, b), budget);
                    }
                }
                default:
                    throw new NotPolynomialException($"{e.Text} is a function call");
            }
        }

        static int Exponent(BigInteger n, Expression at) =>
            n <= MaxDegree * 64 ? (int)n : throw new TooLargeException($"{at.Text}: the exponent {n} is beyond the cap");
    }

    /// <summary>
    /// An upper bound, known before expanding, on the term operations <see cref="Expand"/> spends on the expression
    /// (at most <see cref="MaxTermOperations"/>, where it stops): from the tree alone, a sum has at most the terms of both
    /// sides, a product their product, a power by k (a literal, else at most <paramref name="maxExponent"/>) the
    /// monomials of its degree in <paramref name="variableCount"/> variables, reached in 2 log2 k products.
    /// For pricing a request.
    /// </summary>
    public static long WorkBound(Expression expression, int variableCount, int maxExponent = MaxDegree)
    {
        const long Cap = MaxTermOperations;
        static long Add(long a, long b) => Math.Min(Cap, a + b);
        static long Times(long a, long b) => a == 0 || b == 0 ? 0 : a > Cap / b ? Cap : Math.Min(Cap, a * b);

        // The number of monomials of degree at most d in n variables, C(n + d, n), saturated at the cap.
        long Monomials(long degree)
        {
            long c = 1;
            for (int i = 1; i <= variableCount; i++)
            {
                long product = Times(c, degree + i);
                if (product >= Cap) return Cap;
                c = product / i; // C(d + i, i), an integer at every step
            }
            return c;
        }

        (long Terms, long Degree, long Work) Visit(Expression e)
        {
            switch (e)
            {
                case NumberExpression: return (1, 0, 0);
                case VariableExpression: return (1, 1, 0);
                case UnaryExpression u:
                {
                    var (t, d, w) = Visit(u.Operand);
                    return (t, d, Add(w, t));
                }
                case BinaryExpression b:
                {
                    var l = Visit(b.Left);
                    var r = Visit(b.Right);
                    long work = Add(l.Work, r.Work);
                    switch (b.Operator)
                    {
                        case BinaryOperator.Add or BinaryOperator.Subtract:
                            return (Math.Min(Add(l.Terms, r.Terms), Monomials(Math.Max(l.Degree, r.Degree))), Math.Max(l.Degree, r.Degree), Add(work, Add(l.Terms, r.Terms)));
                        case BinaryOperator.Multiply or BinaryOperator.ElementMultiply:
                            return (Math.Min(Times(l.Terms, r.Terms), Monomials(l.Degree + r.Degree)), Math.Min(Cap, l.Degree + r.Degree), Add(work, Times(l.Terms, r.Terms)));
                        case BinaryOperator.Divide or BinaryOperator.ElementDivide:
                            return (l.Terms, l.Degree, Add(work, l.Terms));
                        default:
                        {
                            long k = b.Right is NumberExpression n && n.Value >= 0 && n.Value <= MaxDegree * 64 ? (long)n.Value : maxExponent;
                            long degree = Math.Min(Cap, Times(l.Degree, k));
                            long terms = Math.Min(l.Degree == 0 ? 1 : Monomials(degree), Pow(l.Terms, k));
                            long squarings = 2 * (64 - long.LeadingZeroCount(Math.Max(k, 1)));
                            return (terms, degree, Add(work, Times(squarings, Times(terms, terms))));
                        }
                    }
                }
                default: return (1, 0, 0); // a function call stops the expansion where it is met
            }
        }

        static long Pow(long a, long k)
        {
            if (a <= 1) return 1;
            long r = 1;
            for (long i = 0; i < k && r < Cap; i++) r = Times(r, a);
            return r;
        }

        return Math.Min(Cap, Visit(expression).Work);
    }

    public static bool TryFrom(Expression expression, IReadOnlyList<string> variables, out Polynomial polynomial)
    {
        var expansion = Expand(expression, variables);
        polynomial = expansion.Polynomial!;
        return expansion.Status == ExpansionStatus.Polynomial;
    }

    static int IndexOf(IReadOnlyList<string> variables, string name)
    {
        for (int i = 0; i < variables.Count; i++) if (variables[i] == name) return i;
        throw new ArgumentException($"'{name}' is not one of the variables", nameof(name));
    }

    static void SameVariables(Polynomial a, Polynomial b)
    {
        if (!ReferenceEquals(a.Variables, b.Variables) && !a.Variables.SequenceEqual(b.Variables))
            throw new ArgumentException("the polynomials are in different variables");
    }

    static Polynomial Add(Polynomial a, Polynomial b, int sign, Budget? budget)
    {
        SameVariables(a, b);
        budget?.Spend(a.terms.Count + b.terms.Count);
        // Over the least common denominator: a/da + b/db = (a (D/da) + b (D/db)) / D.
        var g = BigInteger.GreatestCommonDivisor(a.denominator, b.denominator);
        var scaleA = b.denominator / g;
        var scaleB = a.denominator / g;
        var sum = new Dictionary<Monomial, BigInteger>(a.terms.Count + b.terms.Count);
        foreach (var (m, c) in a.terms) sum[m] = scaleA.IsOne ? c : c * scaleA;
        foreach (var (m, c) in b.terms)
        {
            var scaled = scaleB.IsOne ? c : c * scaleB;
            var v = (sum.TryGetValue(m, out var known) ? known : BigInteger.Zero) + (sign < 0 ? -scaled : scaled);
            if (v.IsZero) sum.Remove(m); else sum[m] = v;
        }
        return Checked(new Polynomial(a.Variables, sum, a.denominator * scaleA), budget);
    }

    static Polynomial Multiply(Polynomial a, Polynomial b, Budget? budget)
    {
        SameVariables(a, b);
        if (budget is not null && a.TotalDegree + b.TotalDegree > MaxDegree)
            throw new TooLargeException($"the expansion's degree passes {MaxDegree}");
        if (budget is not null && a.Bits + b.Bits > 2L * MaxCoefficientBits)
            throw new TooLargeException($"a coefficient passes {MaxCoefficientBits} bits");
        budget?.Spend((long)a.terms.Count * b.terms.Count);
        var product = new Dictionary<Monomial, BigInteger>();
        foreach (var (ma, ca) in a.terms)
            foreach (var (mb, cb) in b.terms)
            {
                var m = ma.Times(mb);
                product[m] = (product.TryGetValue(m, out var known) ? known : BigInteger.Zero) + ca * cb;
            }
        foreach (var m in product.Where(t => t.Value.IsZero).Select(t => t.Key).ToList()) product.Remove(m);
        return Checked(new Polynomial(a.Variables, product, a.denominator * b.denominator), budget);
    }

    static Polynomial Power(Polynomial a, int exponent, Budget? budget)
    {
        if (budget is not null && a.ConstantValue is null && (long)a.TotalDegree * exponent > MaxDegree)
            throw new TooLargeException($"the expansion's degree passes {MaxDegree}");
        if (budget is not null && a.ConstantValue is { } c && c.Bits * (long)exponent > 2L * MaxCoefficientBits)
            throw new TooLargeException($"a coefficient passes {MaxCoefficientBits} bits");
        var result = Constant(a.Variables, Rational.One);
        var square = a;
        for (int e = exponent; e > 0; e >>= 1)
        {
            if ((e & 1) == 1) result = Multiply(result, square, budget);
            if (e > 1) square = Multiply(square, square, budget);
        }
        return result;
    }

    static Polynomial Checked(Polynomial p, Budget? budget)
    {
        if (budget is null) return p;
        if (p.terms.Count > MaxTerms) throw new TooLargeException($"the expansion passes {MaxTerms} terms");
        if (p.Bits > 2L * MaxCoefficientBits) throw new TooLargeException($"a coefficient passes {MaxCoefficientBits} bits");
        return p;
    }

    sealed class Budget(long limit)
    {
        long spent;
        public void Spend(long operations)
        {
            spent += operations;
            if (spent > limit) throw new TooLargeException($"the expansion passes {limit} term operations");
        }
    }

    sealed class NotPolynomialException(string message) : Exception(message);
    sealed class TooLargeException(string message) : Exception(message);

    /// <summary>Exponents of one term, compared by value.</summary>
    readonly struct Monomial : IEquatable<Monomial>
    {
        public readonly int[] Exponents;
        readonly int hash;

        public Monomial(int[] exponents)
        {
            Exponents = exponents;
            var h = new HashCode();
            foreach (var e in exponents) h.Add(e);
            hash = h.ToHashCode();
        }

        public int Degree => Exponents.Sum();

        public Monomial Times(Monomial other)
        {
            var e = new int[Exponents.Length];
            for (int i = 0; i < e.Length; i++) e[i] = Exponents[i] + other.Exponents[i];
            return new Monomial(e);
        }

        public Monomial Without(int variable)
        {
            var e = (int[])Exponents.Clone();
            e[variable] = 0;
            return new Monomial(e);
        }

        public bool Equals(Monomial other) => Exponents.AsSpan().SequenceEqual(other.Exponents);
        public override bool Equals(object? obj) => obj is Monomial m && Equals(m);
        public override int GetHashCode() => hash;

        public static readonly IComparer<Monomial> Order = Comparer<Monomial>.Create((a, b) =>
        {
            for (int i = 0; i < a.Exponents.Length; i++)
                if (a.Exponents[i] != b.Exponents[i]) return a.Exponents[i].CompareTo(b.Exponents[i]);
            return 0;
        });
    }
}
