using System.Globalization;

namespace GradApi.Domain.Calculus.Expressions;

/// <summary>
/// Parses the MATLAB-like matrix expression language into an <see cref="Expression"/> tree.
/// <code>
/// sum     := product (('+' | '-') product)*
/// product := unary (('*' | '/' | '.*' | './') unary)*
/// unary   := ('+' | '-') unary | postfix
/// postfix := primary ('\'' | ('^' | '.^') exponent)*      left to right, as MATLAB: x'^2 = (x')^2, 2^3^2 = 64
/// exponent:= ('+' | '-') exponent | primary
/// primary := number | name | function '(' sum ')' | constant | '(' sum ')'
/// constant:= 'eye' '(' size ')' | 'ones' '(' size (',' size)? ')'     size: a positive integer literal (digits)
/// </code>
/// Power binds tighter than unary minus (-2^2 = -4). Numbers: 12, 0.5, .5, 1e-3 ("2.*x" is 2 .* x).
/// Names: a letter or _ then letters, digits, _. Errors throw <see cref="ExpressionParseException"/>
/// with the position (1-based character).
/// </summary>
public static class ExpressionParser
{
    /// <summary>The most numbers a constant (eye, ones) may hold unless the caller says otherwise: the service's maxVariableValues.</summary>
    public const int DefaultMaxConstantValues = 100_000;

    /// <summary>Every name written name(...): the functions and the constants eye and ones; none can name a variable.</summary>
    public static readonly IReadOnlyList<string> FunctionNames = [.. FunctionExpression.Names, .. ConstantExpression.Names];

    /// <param name="text">The expression.</param>
    /// <param name="maxConstantValues">The most numbers one eye(n) or ones(m, n) may hold (n^2, m n); a larger one is a parse error at its position.</param>
    /// <param name="limitName">The caller's name for that limit, given in the error ("limit maxVariableValues").</param>
    public static Expression Parse(string text, int maxConstantValues = DefaultMaxConstantValues, string? limitName = null) =>
        Parse(text, [], maxConstantValues, limitName);

    /// <summary>
    /// As <see cref="Parse(string, int, string?)"/>, with <paramref name="functionNamesAsVariables"/> read as variables where no '(' follows
    /// (a derivative of tanh written in its own value: 1 - tanh^2).
    /// </summary>
    public static Expression Parse(string text, IReadOnlyCollection<string> functionNamesAsVariables, int maxConstantValues = DefaultMaxConstantValues,
        string? limitName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text)) throw new ExpressionParseException("the expression is empty", 1);
        var parser = new Parser(text, Lex(text), maxConstantValues, limitName is null ? "" : $" (limit {limitName})") { Bare = functionNamesAsVariables };
        return parser.Whole();
    }

    enum Kind { Number, Name, Operator, End }

    readonly record struct Token(Kind Kind, string Text, int Start, int End, double Number = 0)
    {
        public bool Is(string op) => Kind == Kind.Operator && Text == op;
        public string Describe => Kind == Kind.End ? "end of the expression" : $"'{Text}'";
    }

    static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            int start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                // "2.*x" is 2 .* x: a point followed by an operator character belongs to the operator.
                if (i < text.Length && text[i] == '.' && !(i + 1 < text.Length && text[i + 1] is '*' or '/' or '^' or '\''))
                {
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                }
                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    i++;
                    if (i < text.Length && text[i] is '+' or '-') i++;
                    if (i >= text.Length || !char.IsAsciiDigit(text[i]))
                        throw new ExpressionParseException($"malformed number '{text[start..Math.Min(i, text.Length)]}' at position {start + 1}: the exponent needs digits", start + 1);
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                }
                string literal = text[start..i];
                double value = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(value))
                    throw new ExpressionParseException($"the number '{literal}' at position {start + 1} is beyond the range of a double", start + 1);
                tokens.Add(new Token(Kind.Number, literal, start, i, value));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new Token(Kind.Name, text[start..i], start, i));
                continue;
            }
            if (c == '.' && i + 1 < text.Length && text[i + 1] is '*' or '/' or '^')
            {
                tokens.Add(new Token(Kind.Operator, text.Substring(i, 2), start, i + 2));
                i += 2;
                continue;
            }
            if (c is '+' or '-' or '*' or '/' or '^' or '\'' or '(' or ')' or ',')
            {
                tokens.Add(new Token(Kind.Operator, c.ToString(), start, i + 1));
                i++;
                continue;
            }
            throw new ExpressionParseException($"unexpected character '{c}' at position {start + 1}", start + 1);
        }
        tokens.Add(new Token(Kind.End, "", text.Length, text.Length));
        return tokens;
    }

    sealed class Parser(string source, List<Token> tokens, int maxConstantValues, string limit)
    {
        int index;
        int lastEnd;

        public IReadOnlyCollection<string> Bare { get; init; } = [];

        Token Current => tokens[index];

        Token Take()
        {
            var t = tokens[index++];
            lastEnd = t.End;
            return t;
        }

        const string Operand = "a number, a variable, a function call or '('";

        public Expression Whole()
        {
            var e = Sum();
            var t = Current;
            if (t.Kind == Kind.End) return e;
            if (t.Is(")")) throw new ExpressionParseException($"unbalanced parenthesis: ')' at position {t.Start + 1} has no matching '('", t.Start + 1);
            throw new ExpressionParseException($"unexpected {t.Describe} at position {t.Start + 1} after the complete expression '{e.Text}'; an operator is missing", t.Start + 1);
        }

        Expression Sum()
        {
            int start = Current.Start;
            var left = Product();
            while (Current.Is("+") || Current.Is("-"))
            {
                var op = Take().Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract;
                var right = Product();
                left = new BinaryExpression(source, start, lastEnd, op, left, right);
            }
            return left;
        }

        Expression Product()
        {
            int start = Current.Start;
            var left = Unary();
            while (Current.Kind == Kind.Operator && Current.Text is "*" or "/" or ".*" or "./")
            {
                var op = Take().Text switch
                {
                    "*" => BinaryOperator.Multiply,
                    "/" => BinaryOperator.Divide,
                    ".*" => BinaryOperator.ElementMultiply,
                    _ => BinaryOperator.ElementDivide,
                };
                var right = Unary();
                left = new BinaryExpression(source, start, lastEnd, op, left, right);
            }
            return left;
        }

        Expression Unary()
        {
            if (Current.Is("+")) { Take(); return Unary(); }
            if (Current.Is("-"))
            {
                int start = Take().Start;
                var operand = Unary();
                return new UnaryExpression(source, start, lastEnd, '-', operand);
            }
            return Postfix();
        }

        Expression Postfix()
        {
            int start = Current.Start;
            var node = Primary();
            while (true)
            {
                if (Current.Is("'"))
                {
                    Take();
                    node = new UnaryExpression(source, start, lastEnd, '\'', node);
                }
                else if (Current.Is("^") || Current.Is(".^"))
                {
                    var op = Take().Text == "^" ? BinaryOperator.Power : BinaryOperator.ElementPower;
                    var exponent = Exponent();
                    node = new BinaryExpression(source, start, lastEnd, op, node, exponent);
                }
                else return node;
            }
        }

        Expression Exponent()
        {
            if (Current.Is("+")) { Take(); return Exponent(); }
            if (Current.Is("-"))
            {
                int start = Take().Start;
                var operand = Exponent();
                return new UnaryExpression(source, start, lastEnd, '-', operand);
            }
            return Primary();
        }

        Expression Primary()
        {
            var t = Current;
            switch (t.Kind)
            {
                case Kind.Number:
                    Take();
                    return new NumberExpression(source, t.Start, t.End, t.Number);
                case Kind.Name:
                {
                    Take();
                    bool call = Current.Is("(");
                    bool known = FunctionNames.Contains(t.Text);
                    if (call && !known)
                        throw new ExpressionParseException(
                            $"unknown function '{t.Text}' at position {t.Start + 1}; the functions are {string.Join(", ", FunctionNames)}", t.Start + 1);
                    if (!call && known && !Bare.Contains(t.Text))
                        throw new ExpressionParseException($"'{t.Text}' at position {t.Start + 1} is a function; write {t.Text}(...)", t.Start + 1);
                    if (!call) return new VariableExpression(source, t.Start, t.End, t.Text);
                    if (ConstantExpression.Names.Contains(t.Text)) return Constant(t);
                    var open = Take();
                    var argument = Sum();
                    Close(open);
                    return new FunctionExpression(source, t.Start, lastEnd, t.Text, argument);
                }
                case Kind.Operator when t.Text == "(":
                {
                    var open = Take();
                    var inner = Sum();
                    Close(open);
                    return inner;
                }
                case Kind.End:
                    throw new ExpressionParseException($"unexpected end of the expression at position {t.Start + 1}; expected {Operand}", t.Start + 1);
                default:
                    throw new ExpressionParseException($"unexpected {t.Describe} at position {t.Start + 1}; expected {Operand}", t.Start + 1);
            }
        }

        // eye(n), ones(n), ones(m, n): sizes are literals, so the shape is known without values and the gradient is zero.
        Expression Constant(Token name)
        {
            var open = Take();
            bool eye = name.Text == "eye";
            int rows = Size(name), columns = eye ? rows : 1;
            if (!eye && Current.Is(","))
            {
                Take();
                columns = Size(name);
            }
            var t = Current;
            if (!t.Is(")"))
            {
                string expected = eye ? "')': eye(n) takes one size"
                    : tokens[index - 2].Is(",") ? "')': ones takes at most two sizes"
                    : "',' or ')': ones takes one or two sizes";
                throw new ExpressionParseException(
                    $"unexpected {t.Describe} at position {t.Start + 1}; expected {expected}, each a positive integer literal (not an expression), to close the '(' at position {open.Start + 1}",
                    t.Start + 1);
            }
            Take();
            long numbers = (long)rows * columns;
            string text = source[name.Start..lastEnd];
            if (numbers > maxConstantValues)
                throw new ExpressionParseException(
                    $"{text} at position {name.Start + 1} would hold {numbers} numbers; a constant holds at most {maxConstantValues}{limit}", name.Start + 1);
            return new ConstantExpression(source, name.Start, lastEnd, name.Text, rows, columns);
        }

        // A size: a positive whole number written as digits (not 2.0, not 1e3, not a variable or an expression).
        int Size(Token name)
        {
            var t = Current;
            bool digits = t.Kind == Kind.Number && t.Text.All(char.IsAsciiDigit);
            if (!digits || t.Number < 1)
                throw new ExpressionParseException(
                    $"unexpected {t.Describe} at position {t.Start + 1}; expected a size of {name.Text}(...) at position {name.Start + 1}: a positive integer literal such as 3",
                    t.Start + 1);
            if (t.Number > maxConstantValues)
                throw new ExpressionParseException(
                    $"the size {t.Text} at position {t.Start + 1} is too large; a constant holds at most {maxConstantValues} numbers{limit}", t.Start + 1);
            Take();
            return (int)t.Number;
        }

        void Close(Token open)
        {
            var t = Current;
            if (t.Is(")")) { Take(); return; }
            if (t.Kind == Kind.End)
                throw new ExpressionParseException($"unbalanced parenthesis: '(' at position {open.Start + 1} is never closed", open.Start + 1);
            throw new ExpressionParseException($"unexpected {t.Describe} at position {t.Start + 1}; expected ')' to close the '(' at position {open.Start + 1}, or an operator", t.Start + 1);
        }
    }
}
