using System.Globalization;
using System.Text;
using GradApi.Domain.Activations;
using GradApi.Domain.Losses;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Domain.Grading;


/// <summary>
/// The <c>explanation</c> of a graded answer: one line of Markdown with LaTeX math, in the seed documents'
/// notation (layers 1-based, <c>a^{[0]} = x</c>): the tensor's formula, the numbers that went into it and
/// the value they give, e.g. <c>$\delta^{[2]} = (a^{[2]} - y)\,\sigma'(z^{[2]}) = (0.4739 - 1)(0.2493) = -0.1312$</c>.
/// The formula is always the contract's computation, whatever mistake a student made.
/// </summary>
public static class Explanation
{
    /// <summary>Longest text written; past it the numbers that went in are left out, then the value.</summary>
    public const int MaxLength = 600;

    /// <summary>Tensors with more elements are written by their symbol only.</summary>
    public const int MaxShownElements = 8;

    [ThreadStatic] static StringBuilder? _spare;

    /// <param name="decimals">How numbers are written (4: 0.2493, -0.1311); null: the formula only, with no number at all (safe to show a student).</param>
    public static string Of(TrainingProblem problem, Computation computation, int? decimals)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(computation);
        var text = _spare ?? new StringBuilder(MaxLength + 64);
        _spare = null;
        text.Clear();
        new Writer(text, problem, computation, decimals is { } d ? Math.Clamp(d, 0, 15) : null).Write();
        var result = text.ToString();
        _spare = text;
        return result;
    }

    /// <summary>
    /// The value of a point no step computes (iteration index -1): the problem's initial weights and biases, and the
    /// optimizer's initial state slots (zeros; Adagrad's initial accumulator). Null for any other point.
    /// </summary>
    public static Tensor? InitialValue(TrainingProblem problem, TracePoint point)
    {
        if (point.IterationIndex >= 0 || point.Layer < 0 || point.Layer >= problem.Network.Layers.Count) return null;
        var layer = problem.Network.Layers[point.Layer];
        switch (point.Field)
        {
            case TraceField.Weights: return layer.Weights;
            case TraceField.Biases: return layer.Biases;
            case TraceField.StateWeights or TraceField.StateBiases:
                var shapeOf = point.Field == TraceField.StateWeights ? layer.Weights : layer.Biases;
                if (shapeOf is null) return null;
                var names = problem.Optimizer.StateNames;
                for (int s = 0; s < names.Count; s++)
                    if (names[s] == point.Name)
                        return new Tensor((int[])shapeOf.Shape.Clone(), problem.Optimizer.CreateState(shapeOf.Length)[s]);
                return null;
            default: return null;
        }
    }

    enum Context
    {
        /// <summary>Standing alone: a number as it is.</summary>
        Plain,
        /// <summary>After + or -: a negative number in parentheses.</summary>
        Term,
        /// <summary>A factor of a product: a single number always in parentheses, (0.4739 - 1)(0.2493).</summary>
        Factor,
    }

    /// <summary>How a traced tensor is laid out on paper: [B][n] batches as columns per example (a column when B = 1).</summary>
    enum Layout
    {
        Natural,
        RowBatch,
        PerExample,
    }

    /// <summary>One explanation being written: the formula twice, in symbols and then with numbers, then the value.</summary>
    sealed class Writer(StringBuilder text, TrainingProblem problem, Computation computation, int? decimals)
    {
        static readonly string[] Fixed = Enumerable.Range(0, 16).Select(d => "F" + d.ToString(CultureInfo.InvariantCulture)).ToArray();
        static readonly string[] Exponent = Enumerable.Range(0, 16).Select(d => "E" + d.ToString(CultureInfo.InvariantCulture)).ToArray();

        readonly TracePoint _node = computation.Node;
        readonly IReadOnlyList<KeyValuePair<TracePoint, Tensor>> _operands = computation.Operands;
        readonly Optimizer _optimizer = problem.Optimizer;
        readonly int _batch = Math.Max(1, computation.Examples.Length);
        readonly int _outputs = problem.Network.Layers[^1].OutputSize;
        bool _numbers;
        bool _matrices;
        bool _abandon;
        int _shown;
        Tensor? _targets;

        public void Write()
        {
            int start = text.Length;
            text.Append('$');
            bool update = Lhs();
            int beforeFormula = text.Length;
            text.Append(update ? " \\leftarrow " : " = ");
            _numbers = false;
            if (!Formula()) text.Length = beforeFormula;
            if (decimals is null)
            {
                text.Append('$');
                return;
            }

            int mark = text.Length;
            _matrices = computation.Value.Length > 1 || problem.Data.Targets.Columns * computation.Examples.Length > 1;
            for (int i = 0; i < _operands.Count; i++) _matrices |= _operands[i].Value is { Length: > 1 };
            _numbers = true;
            _shown = 0;
            _abandon = false;
            text.Append(" = ");
            if (!Formula() || _abandon || _shown == 0) text.Length = mark;
            int beforeValue = text.Length;
            WriteValue();
            if (text.Length - start + 1 > MaxLength)
            {
                text.Length = mark;
                WriteValue();
                if (text.Length - start + 1 > MaxLength) text.Length = mark;
            }
            text.Append('$');
        }

        void WriteValue()
        {
            var value = computation.Value;
            if (!Shows(value, LayoutOf(_node, value))) return;
            text.Append(" = ");
            Numbers(value, LayoutOf(_node, value), Context.Plain, transposed: false, given: IsGiven(_node));
        }

        // ---- the left-hand side: the tensor's own symbol; true when it is an update (theta <- ...)

        bool Lhs()
        {
            switch (_node.Field)
            {
                case TraceField.Input when _node.Layer == 0:
                    text.Append("a^{[0]}");
                    return false;
                case TraceField.LossPerExample when _batch > 1:
                    text.Append("\\ell_i");
                    return false;
                case TraceField.StateWeights or TraceField.StateBiases or TraceField.Weights or TraceField.Biases:
                    Symbol(_node, false);
                    // Slots recomputed from scratch (Adam's mhat, vhat) are plain definitions.
                    return !(_node.Name is "mhat" or "vhat");
                default:
                    Symbol(_node, false);
                    return false;
            }
        }

        // ---- the right-hand side, in symbols or with numbers (_numbers); false when there is none

        bool Formula()
        {
            switch (_node.Field)
            {
                case TraceField.Input:
                    if (_node.Layer > 0) return false;
                    if (_numbers) return false;
                    text.Append('x');
                    return true;
                case TraceField.Z: Z(); return true;
                case TraceField.A: A(); return true;
                case TraceField.ActivationDerivative: Derivative(); return true;
                case TraceField.LossPerExample: LossPerExample(); return true;
                case TraceField.LossValue: LossValue(); return true;
                case TraceField.LossAlso: LossAlso(); return true;
                case TraceField.OutputGradient: OutputGradient(); return true;
                case TraceField.Delta: Delta(); return true;
                case TraceField.WeightGradient: WeightGradient(); return true;
                case TraceField.BiasGradient: BiasGradient(); return true;
                case TraceField.LookAheadWeights or TraceField.LookAheadBiases: LookAhead(); return true;
                case TraceField.StateWeights or TraceField.StateBiases: Slot(); return true;
                default: Step(); return true;
            }
        }

        // z = W a + b
        void Z()
        {
            int weights = Find(TraceField.Weights, TraceField.LookAheadWeights);
            int biases = Find(TraceField.Biases, TraceField.LookAheadBiases);
            Operand(weights, Context.Factor, new(_node.IterationIndex - 1, TraceField.Weights, _node.Layer));
            text.Append(' ');
            Operand(Find(TraceField.Input), Context.Factor, new(_node.IterationIndex, TraceField.Input, _node.Layer));
            if (biases < 0) return;
            text.Append(" + ");
            Operand(biases, Context.Term, default);
        }

        // a = f(z)
        void A()
        {
            var activation = ActivationOf(_node.Layer);
            int z = Find(TraceField.Z);
            if (activation is Identity)
            {
                Operand(z, Context.Plain, new(_node.IterationIndex, TraceField.Z, _node.Layer));
                return;
            }
            Apply(FunctionName(activation), z, new(_node.IterationIndex, TraceField.Z, _node.Layer));
        }

        // f'(z), in z or (the hand form) in a
        void Derivative()
        {
            var activation = ActivationOf(_node.Layer);
            int z = Find(TraceField.Z), a = Find(TraceField.A);
            TracePoint zAt = new(_node.IterationIndex, TraceField.Z, _node.Layer), aAt = new(_node.IterationIndex, TraceField.A, _node.Layer);
            string times = Times(computation.Value);
            if (!activation.IsElementwise)
            {
                // softmax: diag(a) - a a^T, per example
                if (_numbers && _batch > 1) _abandon = true;
                text.Append("\\operatorname{diag}");
                Open();
                Operand(a, Context.Plain, aAt);
                Close();
                text.Append(" - ");
                Operand(a, Context.Factor, aAt);
                text.Append("\\,");
                Operand(a, Context.Factor, aAt, transposed: true);
                return;
            }
            bool fromOutput = z < 0;
            int from = fromOutput ? a : z;
            TracePoint fromAt = fromOutput ? aAt : zAt;
            switch (activation)
            {
                case Sigmoid when fromOutput:
                    Operand(from, Context.Factor, fromAt);
                    text.Append(times).Append("(1 - ");
                    Operand(from, Context.Term, fromAt);
                    text.Append(')');
                    return;
                case Tanh when fromOutput:
                    text.Append("1 - ");
                    Square(from, fromAt);
                    return;
                case Sigmoid or Tanh when _numbers:
                    Apply(FunctionName(activation) + "'", from, fromAt);
                    return;
                case Sigmoid:
                    text.Append("\\sigma(").Append("z^{[").Append(_node.Layer + 1).Append("]})").Append(times)
                        .Append("(1 - \\sigma(z^{[").Append(_node.Layer + 1).Append("]}))");
                    return;
                case Tanh:
                    text.Append("1 - \\tanh^{2}(z^{[").Append(_node.Layer + 1).Append("]})");
                    return;
                case Identity:
                    text.Append('1');
                    return;
                case Relu:
                    Positive(from, fromAt);
                    return;
                case LeakyRelu leaky:
                    Positive(from, fromAt);
                    text.Append(" + ");
                    Hyper("s", leaky.NegativeSlope);
                    text.Append("\\,");
                    NotPositive(from, fromAt);
                    return;
                case Elu elu:
                    Positive(from, fromAt);
                    text.Append(" + ");
                    if (fromOutput)
                    {
                        Open();
                        Operand(from, Context.Plain, fromAt);
                        text.Append(" + ");
                        Hyper("\\alpha", elu.Alpha);
                        Close();
                    }
                    else
                    {
                        Hyper("\\alpha", elu.Alpha);
                        text.Append("\\,e^{");
                        Operand(from, Context.Plain, fromAt);
                        text.Append('}');
                    }
                    text.Append(times);
                    NotPositive(from, fromAt);
                    return;
                case Softplus softplus:
                    if (fromOutput)
                    {
                        text.Append("1 - e^{-");
                        Hyper("\\beta", softplus.Beta);
                        text.Append("\\,");
                        Operand(from, Context.Factor, fromAt);
                        text.Append('}');
                        return;
                    }
                    text.Append("\\sigma(");
                    Hyper("\\beta", softplus.Beta);
                    text.Append("\\,");
                    Operand(from, Context.Factor, fromAt);
                    text.Append(')');
                    return;
                default:
                    Apply(FunctionName(activation) + "'", from, fromAt);
                    return;
            }
        }

        // l = the loss of one example (per example: numbers only for a single example)
        void LossPerExample()
        {
            if (_numbers && _batch > 1) _abandon = true;
            LossOf(problem.Loss.Loss, OutputA());
        }

        // J = sum or mean of l over the batch
        void LossValue()
        {
            int l = Find(TraceField.LossPerExample);
            bool mean = Mean;
            if (!_numbers)
            {
                if (_batch == 1)
                {
                    LossOf(problem.Loss.Loss, -1);
                    return;
                }
                if (mean) text.Append("\\frac{1}{B}");
                text.Append("\\sum_i \\ell_i");
                return;
            }
            // one example: J is l itself, so the only number is the value
            if (_batch == 1 || l < 0 || !Shows(_operands[l].Value, Layout.PerExample))
            {
                _abandon = true;
                return;
            }
            if (mean)
            {
                text.Append("\\frac{1}{").Append(_batch).Append('}');
                Open();
            }
            var values = _operands[l].Value.Data;
            for (int i = 0; i < values.Length; i++)
            {
                if (i > 0) text.Append(" + ");
                Number(values[i], i == 0 ? Context.Plain : Context.Term, given: false);
            }
            _shown++;
            if (mean) Close();
        }

        // J of a further loss, over the batch
        void LossAlso()
        {
            Loss? loss = null;
            foreach (var also in problem.Loss.AlsoReport)
                if (also.Name == _node.Name) loss = also;
            if (loss is null)
            {
                _abandon = true;
                text.Append("J_{\\text{").Append(_node.Name).Append("}}");
                return;
            }
            bool prefixed = _batch > 1 && (Mean || !_numbers);
            if (_batch > 1)
            {
                if (Mean) Reciprocal("B", _batch);
                if (!_numbers) text.Append("\\sum_i ");
            }
            bool wrap = prefixed && loss is Bce or Ce;
            if (wrap) Open();
            LossOf(loss, OutputA());
            if (wrap) Close();
        }

        // dJ/da = scale dl/da
        void OutputGradient()
        {
            int a = OutputA();
            bool scaled = Mean && _batch > 1;
            if (scaled) Reciprocal("B", _batch);
            var loss = problem.Loss.Loss;
            switch (loss)
            {
                // ce: -y / a; bce adds (1 - y) / (1 - a)
                case Bce or Ce:
                    if (scaled) Open();
                    text.Append("-\\frac{");
                    Targets(Context.Plain);
                    text.Append("}{");
                    OutputOperand(a, Context.Plain);
                    text.Append('}');
                    if (loss is Bce)
                    {
                        text.Append(" + \\frac{1 - ");
                        Targets(Context.Term);
                        text.Append("}{1 - ");
                        OutputOperand(a, Context.Term);
                        text.Append('}');
                    }
                    if (scaled) Close();
                    return;
                default:
                    SquaredLossGradient(loss, scaled, a, gradient: -1);
                    return;
            }
        }

        // 2 (a - y), (a - y), 2/K (a - y): the derivative of the squared losses; a is read back from dJ/da when given
        void SquaredLossGradient(Loss loss, bool parenthesized, int a, int gradient)
        {
            bool factor = loss is Sse or Mse;
            if (loss is Sse) text.Append('2');
            if (loss is Mse) Fraction("2", "K", _outputs);
            if (factor || parenthesized) Open();
            if (gradient >= 0) OutputFromGradient(loss, gradient);
            else OutputOperand(a, Context.Plain);
            text.Append(" - ");
            Targets(Context.Term);
            if (factor || parenthesized) Close();
        }

        void Delta()
        {
            int last = problem.Network.Layers.Count - 1;
            var activation = ActivationOf(_node.Layer);
            int derivative = Find(TraceField.ActivationDerivative);
            TracePoint derivativeAt = new(_node.IterationIndex, TraceField.ActivationDerivative, _node.Layer);
            string times = Times(computation.Value);
            if (_node.Layer == last)
            {
                int gradient = Find(TraceField.OutputGradient);
                if (gradient < 0)
                {
                    ShortFormDelta();
                    return;
                }
                if (!activation.IsElementwise)
                {
                    if (_numbers && _batch > 1) _abandon = true;
                    Operand(derivative, Context.Factor, derivativeAt);
                    text.Append("\\,");
                    Operand(gradient, Context.Factor, new(_node.IterationIndex, TraceField.OutputGradient));
                    return;
                }
                DJda(gradient);
                text.Append(times);
                Operand(derivative, Context.Factor, derivativeAt);
                return;
            }
            // delta_l = (W_(l+1)^T delta_(l+1)) (.) f'(z_l)
            int weights = Find(TraceField.Weights, TraceField.LookAheadWeights);
            int above = Find(TraceField.Delta);
            bool elementwise = activation.IsElementwise;
            if (!elementwise)
            {
                if (_numbers && _batch > 1) _abandon = true;
                Operand(derivative, Context.Factor, derivativeAt);
                text.Append("\\,");
            }
            Open();
            Operand(weights, Context.Factor, new(_node.IterationIndex - 1, TraceField.Weights, _node.Layer + 1), transposed: true);
            text.Append("\\,");
            Operand(above, Context.Factor, new(_node.IterationIndex, TraceField.Delta, _node.Layer + 1));
            Close();
            if (!elementwise) return;
            text.Append(times);
            Operand(derivative, Context.Factor, derivativeAt);
        }

        // dJ/da inside the output delta: for the squared losses written out as (a - y), a read back from dJ/da
        void DJda(int gradient)
        {
            var loss = problem.Loss.Loss;
            TracePoint gradientAt = new(_node.IterationIndex, TraceField.OutputGradient);
            if (loss is not (HalfSse or Sse or Mse) || gradient < 0)
            {
                Operand(gradient, Context.Factor, gradientAt);
                return;
            }
            bool scaled = Mean && _batch > 1;
            if (scaled) Reciprocal("B", _batch);
            SquaredLossGradient(loss, parenthesized: true, -1, gradient);
        }

        // The output a behind a squared loss's dJ/da (the student's own a when follow-through computed dJ/da from it).
        void OutputFromGradient(Loss loss, int gradient)
        {
            TracePoint aAt = new(_node.IterationIndex, TraceField.A, problem.Network.Layers.Count - 1);
            var g = _operands[gradient].Value;
            if (!_numbers || !Shows(g, Layout.RowBatch) || g.Rank != 2 || g.Length != TargetValues().Length)
            {
                Symbol(aAt, false);
                return;
            }
            // a = dJ/da / c + y, c the loss's factor times the reduction's
            double c = (loss is HalfSse ? 1.0 : loss is Sse ? 2.0 : 2.0 / _outputs) * (Mean ? 1.0 / _batch : 1.0);
            var y = TargetValues();
            var a = new double[g.Length];
            for (int i = 0; i < a.Length; i++) a[i] = g.Data[i] / c + y.Data[i];
            Numbers(new Tensor(g.Shape, a), Layout.RowBatch, Context.Plain, transposed: false, given: false);
            _shown++;
        }

        // delta_L = a - y for bce after sigmoid, a sum(y) - y for ce after softmax (a - y for distributions)
        void ShortFormDelta()
        {
            int a = Find(TraceField.A);
            TracePoint aAt = new(_node.IterationIndex, TraceField.A, _node.Layer);
            bool scaled = Mean && _batch > 1;
            if (scaled)
            {
                Reciprocal("B", _batch);
                Open();
            }
            Operand(a, Context.Plain, aAt);
            if (problem.Loss.Loss is Ce && !TargetsSumToOne())
            {
                if (_numbers && _batch > 1) _abandon = true;
                text.Append("\\,");
                if (_numbers)
                {
                    double sum = 0;
                    foreach (var v in TargetValues().Data) sum += v;
                    Number(sum, Context.Factor, given: true);
                }
                else text.Append("\\textstyle\\sum_k y_k");
            }
            text.Append(" - ");
            Targets(Context.Term);
            if (scaled) Close();
        }

        // dJ/dW = delta a^T
        void WeightGradient()
        {
            Operand(Find(TraceField.Delta), Context.Factor, new(_node.IterationIndex, TraceField.Delta, _node.Layer));
            text.Append("\\,");
            Operand(Find(TraceField.Input), Context.Factor, new(_node.IterationIndex, TraceField.Input, _node.Layer), transposed: true);
        }

        // dJ/db = delta, summed over the examples
        void BiasGradient()
        {
            int delta = Find(TraceField.Delta);
            TracePoint deltaAt = new(_node.IterationIndex, TraceField.Delta, _node.Layer);
            if (_batch == 1)
            {
                // the one number is the value itself
                if (_numbers) _abandon = true;
                Operand(delta, Context.Plain, deltaAt);
                return;
            }
            if (!_numbers || delta < 0 || _operands[delta].Value.Rank != 2 || !Shows(_operands[delta].Value, Layout.RowBatch))
            {
                text.Append("\\textstyle\\sum_i ");
                Symbol(deltaAt, false);
                text.Append("_i");
                return;
            }
            var value = _operands[delta].Value;
            int n = value.Columns;
            for (int i = 0; i < value.Rows; i++)
            {
                if (i > 0) text.Append(" + ");
                Matrix(value.Data, i * n, n, 1, 1, 0, i == 0 ? Context.Plain : Context.Term, given: false);
            }
            _shown++;
        }

        // Sutskever's look-ahead theta + mu v
        void LookAhead()
        {
            bool weights = _node.Field == TraceField.LookAheadWeights;
            TraceField thetaField = weights ? TraceField.Weights : TraceField.Biases;
            TraceField slotField = weights ? TraceField.StateWeights : TraceField.StateBiases;
            Operand(Find(thetaField), Context.Plain, new(_node.IterationIndex - 1, thetaField, _node.Layer));
            text.Append(" + ");
            Hyper("\\mu", _optimizer is Nesterov n ? n.Mu : 0);
            text.Append("\\,");
            Operand(Find(slotField), Context.Factor, new(_node.IterationIndex - 1, slotField, _node.Layer, _optimizer.StateNames.Count > 0 ? _optimizer.StateNames[0] : "v"));
        }

        // ---- optimizer state slots and the parameter step, from the optimizer's own formulas

        bool Weights => _node.Field is TraceField.Weights or TraceField.StateWeights;
        int Iteration => _node.IterationIndex + 1;

        TracePoint ThetaAt => new(_node.IterationIndex - 1, Weights ? TraceField.Weights : TraceField.Biases, _node.Layer);
        TracePoint GradientAt => new(_node.IterationIndex, Weights ? TraceField.WeightGradient : TraceField.BiasGradient, _node.Layer);
        TracePoint SlotAt(string name, bool previous = false) =>
            new(_node.IterationIndex - (previous ? 1 : 0), Weights ? TraceField.StateWeights : TraceField.StateBiases, _node.Layer, name);

        // this step's slot, or (previous) the slot's value before it
        void SlotOperand(string name, Context context, bool previous = false)
        {
            var at = SlotAt(name, previous);
            Operand(FindPoint(at), context, at);
        }

        // g, or g + lambda theta under (coupled) weight decay; squared elementwise when asked
        void Gradient(bool squared = false, Context context = Context.Factor)
        {
            bool decay = _optimizer.WeightDecay != 0 && !(_optimizer is Adam { Decoupled: true });
            int g = FindPoint(GradientAt);
            if (!decay)
            {
                if (squared) Square(g, GradientAt);
                else Operand(g, context, GradientAt);
                return;
            }
            Open();
            Operand(g, Context.Plain, GradientAt);
            text.Append(" + ");
            Hyper("\\lambda", _optimizer.WeightDecay);
            text.Append("\\,");
            Operand(FindPoint(ThetaAt), Context.Factor, ThetaAt);
            Close();
            if (squared) text.Append("^{2}");
        }

        void Slot()
        {
            string name = _node.Name ?? "";
            int t = Iteration;
            switch (_optimizer)
            {
                case Momentum m when m.Convention == MomentumConvention.PyTorch:
                    if (t == 1)
                    {
                        // v = g: the one number is the value itself
                        if (_numbers) _abandon = true;
                        Gradient();
                        return;
                    }
                    MuTimes(m.Mu, name);
                    text.Append(" + ");
                    if (m.Dampening != 0)
                    {
                        text.Append('(').Append("1 - ");
                        Hyper("\\tau", m.Dampening);
                        text.Append(")\\,");
                    }
                    Gradient();
                    return;
                case Momentum m when m.Convention == MomentumConvention.Ema:
                    MuTimes(m.Mu, name);
                    text.Append(" + (1 - ");
                    Hyper("\\mu", m.Mu);
                    text.Append(")\\,");
                    Gradient();
                    return;
                case Momentum m:
                    MuTimes(m.Mu, name);
                    text.Append(m.Convention == MomentumConvention.HeavyBall ? " - " : " + ");
                    Hyper("\\eta", m.LearningRate);
                    text.Append("\\,");
                    Gradient();
                    return;
                case Nesterov n when n.Convention == NesterovConvention.PyTorch:
                    if (t == 1)
                    {
                        // v = g: the one number is the value itself
                        if (_numbers) _abandon = true;
                        Gradient();
                        return;
                    }
                    MuTimes(n.Mu, name);
                    text.Append(" + ");
                    Gradient();
                    return;
                case Nesterov n:
                    MuTimes(n.Mu, name);
                    text.Append(" - ");
                    Hyper("\\eta", n.LearningRate);
                    text.Append("\\,");
                    Gradient();
                    return;
                case Adam adam:
                    AdamSlot(adam, name, t);
                    return;
                case RmsProp rms:
                    RmsPropSlot(rms, name);
                    return;
                case Adagrad:
                    SlotOperand(name, Context.Plain, previous: true);
                    text.Append(" + ");
                    Gradient(squared: true);
                    return;
                default:
                    Gradient();
                    return;
            }
        }

        // mu v (v the slot before this step)
        void MuTimes(double mu, string name)
        {
            Hyper("\\mu", mu);
            text.Append("\\,");
            SlotOperand(name, Context.Factor, previous: true);
        }

        void AdamSlot(Adam adam, string name, int t)
        {
            switch (name)
            {
                case "m":
                    Hyper("\\beta_1", adam.Beta1);
                    text.Append("\\,");
                    SlotOperand("m", Context.Factor, previous: true);
                    text.Append(" + (1 - ");
                    Hyper("\\beta_1", adam.Beta1);
                    text.Append(")\\,");
                    Gradient();
                    return;
                case "v":
                    Hyper("\\beta_2", adam.Beta2);
                    text.Append("\\,");
                    SlotOperand("v", Context.Factor, previous: true);
                    text.Append(" + (1 - ");
                    Hyper("\\beta_2", adam.Beta2);
                    text.Append(")\\,");
                    Gradient(squared: true);
                    return;
                case "vmax":
                    text.Append("\\max");
                    Open();
                    SlotOperand("vmax", Context.Plain, previous: true);
                    text.Append(", ");
                    SlotOperand("v", Context.Plain);
                    Close();
                    return;
                case "mhat" or "vhat":
                    string moment = name == "mhat" ? "m" : adam.Amsgrad ? "vmax" : "v";
                    if (!adam.BiasCorrection)
                    {
                        if (_numbers) _abandon = true;
                        SlotOperand(moment, Context.Plain);
                        return;
                    }
                    text.Append("\\frac{");
                    SlotOperand(moment, Context.Plain);
                    text.Append("}{");
                    Correction(name == "mhat" ? "\\beta_1" : "\\beta_2", name == "mhat" ? adam.Beta1 : adam.Beta2, t);
                    text.Append('}');
                    return;
                default:
                    Gradient();
                    return;
            }
        }

        // 1 - beta^t
        void Correction(string beta, double value, int t)
        {
            text.Append("1 - ");
            Hyper(beta, value);
            text.Append("^{");
            if (_numbers) text.Append(t);
            else text.Append('t');
            text.Append('}');
        }

        void RmsPropSlot(RmsProp rms, string name)
        {
            switch (name)
            {
                case "s":
                    Hyper("\\rho", rms.Rho);
                    text.Append("\\,");
                    SlotOperand("s", Context.Factor, previous: true);
                    text.Append(" + (1 - ");
                    Hyper("\\rho", rms.Rho);
                    text.Append(")\\,");
                    Gradient(squared: true);
                    return;
                case "gbar":
                    Hyper("\\rho", rms.Rho);
                    text.Append("\\,");
                    SlotOperand("gbar", Context.Factor, previous: true);
                    text.Append(" + (1 - ");
                    Hyper("\\rho", rms.Rho);
                    text.Append(")\\,");
                    Gradient();
                    return;
                default:
                    // b = mu b + g / denominator
                    Hyper("\\mu", rms.Mu);
                    text.Append("\\,");
                    SlotOperand(name, Context.Factor, previous: true);
                    text.Append(" + \\frac{");
                    Gradient(context: Context.Plain);
                    text.Append("}{");
                    RmsDenominator(rms);
                    text.Append('}');
                    return;
            }
        }

        // sqrt(s) + eps, sqrt(s - gbar^2) + eps, or with eps inside the root
        void RmsDenominator(RmsProp rms)
        {
            bool inside = rms.Placement == EpsilonPlacement.InsideSqrt;
            text.Append("\\sqrt{");
            SlotOperand("s", Context.Plain);
            if (rms.Centered)
            {
                text.Append(" - ");
                Square(FindPoint(SlotAt("gbar")), SlotAt("gbar"));
            }
            if (inside)
            {
                text.Append(" + ");
                Hyper("\\epsilon", rms.Epsilon);
                text.Append('}');
                return;
            }
            text.Append("} + ");
            Hyper("\\epsilon", rms.Epsilon);
        }

        // theta <- theta - ..., the step of each optimizer
        void Step()
        {
            int theta = FindPoint(ThetaAt);
            int t = Iteration;
            if (_optimizer is Adam { Decoupled: true } decoupled)
            {
                text.Append("(1 - ");
                Hyper("\\eta", decoupled.LearningRate);
                // two numbers side by side need a visible product sign
                text.Append(_numbers ? " \\cdot " : "\\,");
                Hyper("\\lambda", decoupled.WeightDecay);
                text.Append(")\\,");
                Operand(theta, Context.Factor, ThetaAt);
            }
            else Operand(theta, Context.Plain, ThetaAt);

            switch (_optimizer)
            {
                case Momentum m when m.Convention == MomentumConvention.HeavyBall:
                    text.Append(" + ");
                    SlotOperand("v", Context.Term);
                    return;
                case Momentum m when m.Convention == MomentumConvention.VelocityStep:
                    text.Append(" - ");
                    SlotOperand("v", Context.Term);
                    return;
                case Momentum m:
                    EtaTimes(m.LearningRate);
                    SlotOperand(m.Convention == MomentumConvention.Ema ? "m" : "v", Context.Factor);
                    return;
                case Nesterov n when n.Convention == NesterovConvention.Sutskever:
                    text.Append(" + ");
                    SlotOperand("v", Context.Term);
                    return;
                case Nesterov n:
                    EtaTimes(n.LearningRate);
                    Open();
                    Gradient(context: Context.Plain);
                    text.Append(" + ");
                    Hyper("\\mu", n.Mu);
                    text.Append("\\,");
                    SlotOperand("v", Context.Factor);
                    Close();
                    return;
                case Adam adam when adam.Placement == EpsilonPlacement.Keras:
                    EtaTimes(adam.LearningRate);
                    text.Append("\\frac{\\sqrt{");
                    Correction("\\beta_2", adam.Beta2, t);
                    text.Append("}}{");
                    Correction("\\beta_1", adam.Beta1, t);
                    text.Append("}\\,\\frac{");
                    SlotOperand("m", Context.Plain);
                    text.Append("}{\\sqrt{");
                    SlotOperand(adam.Amsgrad ? "vmax" : "v", Context.Plain);
                    text.Append("} + ");
                    Hyper("\\epsilon", adam.Epsilon);
                    text.Append('}');
                    return;
                case Adam adam:
                    EtaTimes(adam.LearningRate);
                    text.Append("\\frac{");
                    SlotOperand("mhat", Context.Plain);
                    text.Append("}{\\sqrt{");
                    SlotOperand("vhat", Context.Plain);
                    if (adam.Placement == EpsilonPlacement.InsideSqrt)
                    {
                        text.Append(" + ");
                        Hyper("\\epsilon", adam.Epsilon);
                        text.Append("}}");
                        return;
                    }
                    text.Append("} + ");
                    Hyper("\\epsilon", adam.Epsilon);
                    text.Append('}');
                    return;
                case RmsProp rms when rms.Mu != 0:
                    EtaTimes(rms.LearningRate);
                    SlotOperand(rms.StateNames[^1], Context.Factor);
                    return;
                case RmsProp rms:
                    EtaTimes(rms.LearningRate);
                    text.Append("\\frac{");
                    Gradient(context: Context.Plain);
                    text.Append("}{");
                    RmsDenominator(rms);
                    text.Append('}');
                    return;
                case Adagrad adagrad:
                    text.Append(" - ");
                    if (adagrad.LearningRateDecay == 0) Hyper("\\eta", adagrad.LearningRate);
                    else
                    {
                        text.Append("\\frac{");
                        Hyper("\\eta", adagrad.LearningRate);
                        text.Append("}{1 + (");
                        if (_numbers) text.Append(t);
                        else text.Append('t');
                        text.Append(" - 1)\\,");
                        Hyper("\\gamma", adagrad.LearningRateDecay);
                        text.Append('}');
                    }
                    text.Append("\\,\\frac{");
                    Gradient(context: Context.Plain);
                    text.Append("}{\\sqrt{");
                    SlotOperand("s", Context.Plain);
                    text.Append("} + ");
                    Hyper("\\epsilon", adagrad.Epsilon);
                    text.Append('}');
                    return;
                default:
                    EtaTimes(_optimizer.LearningRate);
                    Gradient();
                    return;
            }
        }

        void EtaTimes(double eta)
        {
            text.Append(" - ");
            Hyper("\\eta", eta);
            text.Append("\\,");
        }

        // ---- the losses, written for the output a (operand index) and the targets y

        void LossOf(Loss loss, int a)
        {
            // over the elements of the output (and, with numbers, of the batch: J sums both)
            bool sum = _outputs > 1 || (_numbers && _batch > 1 && _node.Field != TraceField.LossPerExample);
            string over = _numbers ? "\\sum " : "\\sum_k ";
            string index = _numbers || _outputs == 1 ? "" : "_k";
            // y (.) ln a between whole tensors of numbers
            string product = _numbers && _outputs * _batch > 1 ? " \\odot " : "";
            switch (loss)
            {
                case Bce:
                    text.Append('-');
                    if (sum) text.Append(over);
                    text.Append('[');
                    Targets(Context.Factor, index);
                    text.Append(product).Append("\\ln ");
                    OutputOperand(a, Context.Factor, index);
                    text.Append(" + (1 - ");
                    Targets(Context.Term, index);
                    text.Append(')').Append(product).Append("\\ln(1 - ");
                    OutputOperand(a, Context.Term, index);
                    text.Append(")]");
                    return;
                case Ce:
                    text.Append('-');
                    if (sum) text.Append(over);
                    Targets(Context.Factor, index);
                    text.Append(product).Append("\\ln ");
                    OutputOperand(a, Context.Factor, index);
                    return;
                default:
                    if (loss is HalfSse) text.Append("\\tfrac{1}{2}");
                    if (loss is Mse) Reciprocal("K", _outputs);
                    if (sum) text.Append(over);
                    text.Append('(');
                    OutputOperand(a, Context.Plain, index);
                    text.Append(" - ");
                    Targets(Context.Term, index);
                    text.Append(")^{2}");
                    return;
            }
        }

        int OutputA() => Find(TraceField.A);

        void OutputOperand(int a, Context context, string index = "")
        {
            TracePoint at = new(_node.IterationIndex, TraceField.A, problem.Network.Layers.Count - 1);
            if (!_numbers || a < 0)
            {
                Symbol(at, false);
                text.Append(index);
                return;
            }
            Operand(a, context, at);
        }

        // y, the targets of the iteration's examples (given data, never traced)
        void Targets(Context context, string index = "")
        {
            var y = TargetValues();
            if (!_numbers || !Shows(y, Layout.RowBatch))
            {
                text.Append('y').Append(index);
                return;
            }
            Numbers(y, Layout.RowBatch, context, transposed: false, given: true);
            _shown++;
        }

        Tensor TargetValues()
        {
            if (_targets is not null) return _targets;
            var rows = problem.Data.Targets;
            int n = rows.Columns;
            var values = new double[computation.Examples.Length * n];
            for (int b = 0; b < computation.Examples.Length; b++)
            {
                int example = computation.Examples[b];
                if (example >= 0 && example < rows.Rows) rows.ReadRow(example).CopyTo(values.AsSpan(b * n, n));
            }
            return _targets = new Tensor([computation.Examples.Length, n], values);
        }

        bool TargetsSumToOne()
        {
            var y = TargetValues();
            int n = y.Columns;
            for (int b = 0; b < y.Rows; b++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += y.Data[b * n + k];
                if (Math.Abs(sum - 1) > 1e-12) return false;
            }
            return true;
        }

        bool Mean => problem.Loss.Reduction == Reduction.Mean;

        // ---- pieces: operands, symbols, numbers

        int Find(TraceField field, TraceField alternative = (TraceField)(-1))
        {
            for (int i = 0; i < _operands.Count; i++)
            {
                var f = _operands[i].Key.Field;
                if (f == field || f == alternative) return i;
            }
            return -1;
        }

        int FindPoint(TracePoint point)
        {
            for (int i = 0; i < _operands.Count; i++)
                if (_operands[i].Key.Equals(point)) return i;
            return -1;
        }

        // An operand in symbols, or its numbers when it is small enough (else its symbol); fallback names a missing operand.
        void Operand(int index, Context context, TracePoint fallback, bool transposed = false)
        {
            if (index < 0)
            {
                Symbol(fallback, transposed);
                return;
            }
            var (point, value) = (_operands[index].Key, _operands[index].Value);
            var layout = LayoutOf(point, value);
            if (!_numbers || value is null || !Shows(value, layout))
            {
                Symbol(point, transposed);
                return;
            }
            Numbers(value, layout, context, transposed, IsGiven(point));
            _shown++;
        }

        // (x)^2 elementwise
        void Square(int index, TracePoint fallback)
        {
            bool single = index >= 0 && _operands[index].Value is { Length: 1 };
            bool symbol = !_numbers || index < 0;
            if (symbol || single) text.Append('(');
            Operand(index, Context.Plain, fallback);
            if (symbol || single) text.Append(')');
            text.Append("^{2}");
        }

        // f(x): \sigma(z^{[1]}), \sigma(-0.7000), \sigma\left(matrix\right)
        void Apply(string function, int index, TracePoint fallback)
        {
            text.Append(function);
            Open();
            Operand(index, Context.Plain, fallback);
            Close();
        }

        // Iverson brackets [x > 0], [x <= 0]
        void Positive(int index, TracePoint at)
        {
            text.Append('[');
            Operand(index, Context.Plain, at);
            text.Append(" > 0]");
        }

        void NotPositive(int index, TracePoint at)
        {
            text.Append('[');
            Operand(index, Context.Plain, at);
            text.Append(" \\le 0]");
        }

        // \left( only where numbers in matrices stand inside: (0.4739 - 1) stays plain
        void Open() => text.Append(_numbers && _matrices ? "\\left(" : "(");
        void Close() => text.Append(_numbers && _matrices ? "\\right)" : ")");

        // \frac{1}{B} in symbols, \frac{1}{2} with numbers
        void Reciprocal(string symbol, int value) => Fraction("1", symbol, value);

        void Fraction(string numerator, string symbol, int value)
        {
            text.Append("\\frac{").Append(numerator).Append("}{");
            if (_numbers) text.Append(value);
            else text.Append(symbol);
            text.Append('}');
        }

        // A hyperparameter: its symbol, or its value as given (shortest form, 10^{-8} for 1e-8)
        void Hyper(string symbol, double value)
        {
            if (!_numbers)
            {
                text.Append(symbol);
                return;
            }
            _shown++;
            Span<char> buffer = stackalloc char[32];
            // 0.9, 0.001: the fewest decimals that give the value back, without the round-trip formatter
            for (int d = 0; d < PowersOfTen.Length && Math.Abs(value) >= 1e-4; d++)
                if (Math.Round(value, d) == value && TryFixedFast(value, d, buffer, out int fixedDigits))
                {
                    text.Append(buffer[..fixedDigits]);
                    return;
                }
            if (!double.IsFinite(value) || !value.TryFormat(buffer, out int written, "R", CultureInfo.InvariantCulture))
            {
                Number(value, Context.Plain, given: true);
                return;
            }
            var digits = buffer[..written];
            int e = digits.IndexOf('E');
            if (e < 0)
            {
                text.Append(digits);
                return;
            }
            var mantissa = digits[..e];
            var exponent = digits[(e + 1)..];
            if (exponent.Length > 0 && exponent[0] == '+') exponent = exponent[1..];
            bool negativeExponent = exponent.Length > 0 && exponent[0] == '-';
            if (negativeExponent) exponent = exponent[1..];
            while (exponent.Length > 1 && exponent[0] == '0') exponent = exponent[1..];
            if (!mantissa.SequenceEqual("1")) text.Append(mantissa).Append(" \\times ");
            text.Append("10^{");
            if (negativeExponent) text.Append('-');
            text.Append(exponent).Append('}');
        }

        // elementwise product: juxtaposition for single numbers, (0.4739 - 1)(0.2493)
        string Times(Tensor value) => value.Length > 1 ? " \\odot " : _numbers ? "" : "\\,";

        // The symbol of a traced tensor in the seeds' notation, layers 1-based.
        void Symbol(TracePoint point, bool transposed)
        {
            int layer = point.Layer + 1;
            if (point.Field == TraceField.Input && point.Layer == 0)
            {
                text.Append(transposed ? "x^\\top" : "x");
                return;
            }
            if (transposed) text.Append('(');
            switch (point.Field)
            {
                case TraceField.Input: text.Append("a^{[").Append(point.Layer).Append("]}"); break;
                case TraceField.Z: text.Append("z^{[").Append(layer).Append("]}"); break;
                case TraceField.A: text.Append("a^{[").Append(layer).Append("]}"); break;
                case TraceField.ActivationDerivative:
                    var activation = ActivationOf(point.Layer);
                    if (activation.IsElementwise) text.Append(FunctionName(activation)).Append("'(z^{[").Append(layer).Append("]})");
                    else text.Append("\\frac{\\partial a^{[").Append(layer).Append("]}}{\\partial z^{[").Append(layer).Append("]}}");
                    break;
                case TraceField.LossPerExample: text.Append("\\ell"); break;
                case TraceField.LossValue: text.Append('J'); break;
                case TraceField.LossAlso: text.Append("J_{\\text{").Append(point.Name).Append("}}"); break;
                case TraceField.OutputGradient:
                    text.Append("\\frac{\\partial J}{\\partial a^{[").Append(problem.Network.Layers.Count).Append("]}}");
                    break;
                case TraceField.Delta: text.Append("\\delta^{[").Append(layer).Append("]}"); break;
                case TraceField.WeightGradient or TraceField.BiasGradient:
                    text.Append("\\frac{\\partial J}{\\partial ");
                    if (_optimizer.UsesLookAhead) text.Append("\\tilde{");
                    text.Append(point.Field == TraceField.WeightGradient ? 'W' : 'b');
                    if (_optimizer.UsesLookAhead) text.Append('}');
                    text.Append("^{[").Append(layer).Append("]}}");
                    break;
                case TraceField.LookAheadWeights: text.Append("\\tilde{W}^{[").Append(layer).Append("]}"); break;
                case TraceField.LookAheadBiases: text.Append("\\tilde{b}^{[").Append(layer).Append("]}"); break;
                case TraceField.StateWeights or TraceField.StateBiases:
                    string parameter = point.Field == TraceField.StateWeights ? "W" : "b";
                    switch (point.Name)
                    {
                        case "mhat": text.Append("\\hat{m}_{").Append(parameter); break;
                        case "vhat": text.Append("\\hat{v}_{").Append(parameter); break;
                        case "vmax": text.Append("v_{\\max,").Append(parameter); break;
                        case "gbar": text.Append("\\bar{g}_{").Append(parameter); break;
                        case "b": text.Append("\\mathrm{buf}_{").Append(parameter); break;
                        default: text.Append(point.Name).Append("_{").Append(parameter); break;
                    }
                    text.Append("}^{[").Append(layer).Append("]}");
                    break;
                case TraceField.Weights: text.Append("W^{[").Append(layer).Append("]}"); break;
                default: text.Append("b^{[").Append(layer).Append("]}"); break;
            }
            if (transposed) text.Append(")^\\top");
        }

        Activation ActivationOf(int layer)
        {
            var layers = problem.Network.Layers;
            return layers[Math.Clamp(layer, 0, layers.Count - 1)].Activation;
        }

        static string FunctionName(Activation activation) => activation switch
        {
            Sigmoid => "\\sigma",
            Tanh => "\\tanh",
            Relu => "\\operatorname{ReLU}",
            LeakyRelu => "\\operatorname{LReLU}",
            Elu => "\\operatorname{ELU}",
            Softplus => "\\operatorname{softplus}",
            Softmax => "\\operatorname{softmax}",
            Identity => "\\operatorname{id}",
            _ => "\\operatorname{" + activation.Name + "}",
        };

        static Layout LayoutOf(TracePoint point, Tensor value) => point.Field switch
        {
            TraceField.Input or TraceField.Z or TraceField.A or TraceField.OutputGradient or TraceField.Delta => Layout.RowBatch,
            TraceField.ActivationDerivative => value.Rank == 2 ? Layout.RowBatch : Layout.Natural,
            TraceField.LossPerExample => Layout.PerExample,
            _ => Layout.Natural,
        };

        // The problem's own numbers (inputs, initial parameters and state) are written as given: 1, 0.2, not 1.0000.
        static bool IsGiven(TracePoint point) => point.IterationIndex < 0 || (point.Field == TraceField.Input && point.Layer == 0);

        static bool Shows(Tensor? value, Layout layout)
        {
            if (value is null || value.Length == 0 || value.Length > MaxShownElements) return false;
            if (layout == Layout.Natural && value.Rank == 3) return value.Shape[0] == 1;
            return value.Rank <= 2;
        }

        // A tensor on paper: a number, or a bmatrix of the layout's 2-D view (transposed when asked).
        void Numbers(Tensor value, Layout layout, Context context, bool transposed, bool given)
        {
            int rows, columns, rowStride, columnStride;
            switch (layout)
            {
                case Layout.RowBatch when value.Rank == 2:
                    // [B][n] written as n rows, one column per example
                    rows = value.Shape[1]; columns = value.Shape[0]; rowStride = 1; columnStride = value.Shape[1];
                    break;
                case Layout.PerExample:
                    rows = 1; columns = value.Length; rowStride = 0; columnStride = 1;
                    break;
                default:
                    if (value.Rank == 0 || value.Rank == 1)
                    {
                        rows = value.Length; columns = 1; rowStride = 1; columnStride = 0;
                    }
                    else
                    {
                        rows = value.Shape[^2]; columns = value.Shape[^1]; rowStride = value.Shape[^1]; columnStride = 1;
                    }
                    break;
            }
            if (transposed) (rows, columns, rowStride, columnStride) = (columns, rows, columnStride, rowStride);
            Matrix(value.Data, 0, rows, columns, rowStride, columnStride, context, given);
        }

        void Matrix(double[] data, int offset, int rows, int columns, int rowStride, int columnStride, Context context, bool given)
        {
            if (rows * columns == 1)
            {
                Number(data[offset], context, given);
                return;
            }
            text.Append("\\begin{bmatrix} ");
            for (int r = 0; r < rows; r++)
            {
                if (r > 0) text.Append(" \\\\ ");
                for (int c = 0; c < columns; c++)
                {
                    if (c > 0) text.Append(" & ");
                    Number(data[offset + r * rowStride + c * columnStride], Context.Plain, given);
                }
            }
            text.Append(" \\end{bmatrix}");
        }

        // A number with exactly `decimals` decimals (given numbers without trailing zeros); -0 as 0; NaN and infinities in words.
        void Number(double value, Context context, bool given)
        {
            if (double.IsNaN(value))
            {
                text.Append("\\text{NaN}");
                return;
            }
            if (double.IsInfinity(value))
            {
                bool negative = value < 0;
                bool wrap = negative && context != Context.Plain;
                if (wrap) text.Append('(');
                text.Append(negative ? "-\\infty" : "\\infty");
                if (wrap) text.Append(')');
                return;
            }
            int d = decimals ?? 4;
            Span<char> buffer = stackalloc char[64];
            bool scientific = Math.Abs(value) >= 1e15;
            int written;
            if (scientific || !TryFixedFast(value, d, buffer, out written))
                if (!value.TryFormat(buffer, out written, scientific ? Exponent[d] : Fixed[d], CultureInfo.InvariantCulture))
                    written = 0;
            ReadOnlySpan<char> digits = buffer[..written];
            int e = scientific ? digits.IndexOf('E') : -1;
            var mantissa = e < 0 ? digits : digits[..e];
            if (given) mantissa = TrimZeros(mantissa);
            bool negativeNumber = mantissa.Length > 0 && mantissa[0] == '-';
            if (negativeNumber && IsZero(mantissa[1..]))
            {
                mantissa = mantissa[1..];
                negativeNumber = false;
            }
            bool parenthesize = context == Context.Factor || (context == Context.Term && negativeNumber);
            if (parenthesize) text.Append('(');
            text.Append(mantissa);
            if (e >= 0)
            {
                var exponent = digits[(e + 1)..];
                bool negativeExponent = exponent.Length > 0 && exponent[0] == '-';
                if (exponent.Length > 0 && (exponent[0] == '+' || exponent[0] == '-')) exponent = exponent[1..];
                while (exponent.Length > 1 && exponent[0] == '0') exponent = exponent[1..];
                text.Append(" \\times 10^{");
                if (negativeExponent) text.Append('-');
                text.Append(exponent).Append('}');
            }
            if (parenthesize) text.Append(')');
        }

        static readonly double[] PowersOfTen = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

        // Fixed-point digits without the general formatter (several times faster; explanations are written for every
        // answer of a batch). Only where value * 10^d is small enough to be exact to 1e-8 and not near a half, so the
        // rounding is the one "F" formatting gives; else false and the formatter decides.
        static bool TryFixedFast(double value, int d, Span<char> buffer, out int written)
        {
            written = 0;
            if (d >= PowersOfTen.Length) return false;
            double scaled = Math.Abs(value) * PowersOfTen[d];
            if (!(scaled < 1e7)) return false;
            double floor = Math.Floor(scaled);
            double fraction = scaled - floor;
            if (Math.Abs(fraction - 0.5) < 1e-6) return false;
            long units = (long)floor + (fraction > 0.5 ? 1 : 0);
            int n = 0;
            if (value < 0 && units != 0) buffer[n++] = '-';
            long scale = (long)PowersOfTen[d];
            long whole = units / scale, part = units % scale;
            if (!whole.TryFormat(buffer[n..], out int wholeDigits, default, CultureInfo.InvariantCulture)) return false;
            n += wholeDigits;
            if (d > 0)
            {
                buffer[n++] = '.';
                for (int i = d - 1; i >= 0; i--)
                {
                    buffer[n + i] = (char)('0' + part % 10);
                    part /= 10;
                }
                n += d;
            }
            written = n;
            return true;
        }

        static ReadOnlySpan<char> TrimZeros(ReadOnlySpan<char> digits)
        {
            if (digits.IndexOf('.') < 0) return digits;
            int end = digits.Length;
            while (end > 0 && digits[end - 1] == '0') end--;
            if (end > 0 && digits[end - 1] == '.') end--;
            return digits[..end];
        }

        static bool IsZero(ReadOnlySpan<char> digits)
        {
            foreach (var c in digits)
                if (c != '0' && c != '.') return false;
            return true;
        }
    }
}
