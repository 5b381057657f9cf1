using GradApi.Domain.Calculus.Expressions;
using GradApi.Domain.Optimizers;
using MathNet.Numerics.LinearAlgebra;

namespace GradApi.Domain.Calculus.Formulas;

/// <summary>Which weights of <see cref="MomentumWeights"/> a claim is about.</summary>
public enum MomentumWeightKind { State, Step }

/// <summary>
/// Checks a claimed formula for the weight of g_t after T steps of a momentum optimizer, in <c>t</c> (the
/// gradient's step), <c>T</c> (the step reached), <c>beta</c> or <c>mu</c> (the momentum, either name), <c>eta</c>
/// (the learning rate) and, for pytorch, <c>d</c> (dampening; a claim that does not name d is about the request's d,
/// decided exactly only when that is 0); compared for every t = 1..T.
/// <para>Exactly when T is at most <see cref="MaxExactSteps"/> and the claim, with t and T set, expands to a
/// polynomial in (beta, eta[, d]) for every t. The reference polynomials come from the optimizer of /v1/train itself,
/// not from a second copy of the conventions: one step is linear in (theta, v, g) with coefficients multilinear in
/// (mu, eta, d); stepping the real optimizer at the corners of [0, 1]^k, where every coefficient is exact in doubles,
/// gives those coefficients exactly by multilinear interpolation (checked at two more dyadic points, where the doubles
/// are exact too, and for steps 1, 2 and 3, since pytorch's first step differs); the impulse recursion of
/// <see cref="MomentumWeights"/> then runs over polynomials.</para>
/// <para>Otherwise numerically: the weights of the given optimizer, then of <c>trials</c> random ones from
/// <c>new Random(seed)</c> (per trial beta = NextDouble() in [0, 1), eta = 1 - NextDouble() in (0, 1], then for pytorch
/// d = NextDouble() when the claim names d), T fixed; the error of a trial is <see cref="GradientClaims.RelativeError"/> of the whole vector of
/// T weights, and a counterexample names the t where the claim is furthest off.</para>
/// </summary>
public static class MomentumWeightClaims
{
    public const string StepOfGradient = "t", StepReached = "T", Beta = "beta", Mu = "mu", Eta = "eta", Dampening = "d";

    /// <summary>Largest T decided exactly (the reference's polynomials have degree up to T).</summary>
    public const int MaxExactSteps = 256;

    /// <summary>The names a claim may use for this convention.</summary>
    public static IReadOnlyList<string> VariablesFor(MomentumConvention convention) =>
        convention == MomentumConvention.PyTorch ? [StepOfGradient, StepReached, Beta, Mu, Eta, Dampening] : [StepOfGradient, StepReached, Beta, Mu, Eta];

    public static ClaimResult Check(Momentum optimizer, int steps, MomentumWeightKind kind, Expression claim, int trials, int seed,
        double tolerance = GradientClaims.DefaultTolerance, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        // beta and mu are two names of the momentum; a claim using both is compared numerically, both set alike.
        bool both = claim.Variables.Contains(Mu) && claim.Variables.Contains(Beta);
        string momentum = claim.Variables.Contains(Mu) ? Mu : Beta;
        bool pytorch = optimizer.Convention == MomentumConvention.PyTorch;
        var shapes = VariablesFor(optimizer.Convention).ToDictionary(n => n, _ => Shape.Scalar);
        Shape claimed;
        try { claimed = claim.InferShapes(shapes).Shape; }
        catch (ExpressionShapeException e) { return new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, Shape.Scalar, null, e.Message); }
        if (!claimed.IsScalar)
            return new ClaimResult(ClaimVerdict.ShapeMismatch, 0, double.NaN, null, Shape.Scalar, claimed,
                $"a weight is a scalar; the claim {claim.Text} has shape {claimed}");

        // d is a variable of the claim only where the claim names it; else it stays the optimizer's (an undamped answer need not write 1 - 0).
        bool dampeningFree = pytorch && claim.Variables.Contains(Dampening);
        string? fallback = null;
        if (steps > MaxExactSteps) fallback = $"checked numerically: exact comparison is offered up to T = {MaxExactSteps}";
        else if (both) fallback = "checked numerically: the claim names the momentum both beta and mu";
        else if (pytorch && !dampeningFree && optimizer.Dampening != 0)
            fallback = $"checked numerically: the claim does not name d, so d stays {optimizer.Dampening}";
        else
        {
            IReadOnlyList<string> variables = dampeningFree ? [momentum, Eta, Dampening] : [momentum, Eta];
            var reference = Reference(optimizer.Convention, steps, kind, variables, cancellation);
            if (reference is null) fallback = "checked numerically: the optimizer's step is not multilinear in its settings";
            else if (Exactly(optimizer, steps, claim, variables, reference, cancellation) is { } exact) return exact;
            else fallback = null;
        }
        return Numerically(optimizer, steps, kind, claim, trials, seed, tolerance, cancellation) with { Detail = fallback };
    }

    // Each t's claim against its reference polynomial; null when the claim is not a polynomial for some t.
    static ClaimResult? Exactly(Momentum optimizer, int steps, Expression claim, IReadOnlyList<string> variables, Polynomial[] reference,
        CancellationToken cancellation)
    {
        var expansions = new Polynomial[steps];
        var constants = new Dictionary<string, Rational> { [StepReached] = steps };
        for (int t = 1; t <= steps; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            constants[StepOfGradient] = t;
            var expansion = Polynomial.Expand(claim, variables, constants, Polynomial.MaxTermOperations / steps);
            if (expansion.Status != ExpansionStatus.Polynomial) return null;
            expansions[t - 1] = expansion.Polynomial!;
        }
        Rational[] given = [Rational.FromDouble(optimizer.Mu), Rational.FromDouble(optimizer.LearningRate), .. variables.Count == 3 ? [Rational.FromDouble(optimizer.Dampening)] : Array.Empty<Rational>()];
        for (int t = 1; t <= steps; t++)
        {
            if (reference[t - 1].Equals(expansions[t - 1])) continue;
            int at = t;
            var result = FormulaEquivalence.CompareExactly(reference[t - 1], expansions[t - 1], [given], point =>
            {
                var values = new Dictionary<string, Matrix<double>>
                {
                    [StepOfGradient] = FormulaEquivalence.Scalar(at),
                    [StepReached] = FormulaEquivalence.Scalar(steps),
                };
                for (int i = 0; i < variables.Count; i++) values[variables[i]] = FormulaEquivalence.Scalar(point[i].ToDouble());
                return values;
            });
            return result with { Detail = $"at t = {t}: {result.Detail}" };
        }
        return new ClaimResult(ClaimVerdict.Equivalent, 0, 0, null, Shape.Scalar, Shape.Scalar,
            $"every weight t = 1..{steps} expands to the reference polynomial")
        { Method = ClaimMethod.Exact };
    }

    /// <summary>
    /// The weights as polynomials in (mu, eta[, d]), t = 1..T, from the real optimizer (see the class summary); null when
    /// a probe shows its step is not the multilinear linear map this relies on.
    /// </summary>
    internal static Polynomial[]? Reference(MomentumConvention convention, int steps, MomentumWeightKind kind, IReadOnlyList<string> variables,
        CancellationToken cancellation = default)
    {
        var first = StepMap(convention, 1, variables);
        var later = StepMap(convention, 2, variables);
        var third = StepMap(convention, 3, variables);
        if (first is null || later is null || third is null || !Same(later, third)) return null;

        var zero = Polynomial.Constant(variables, 0);
        // Impulses at step 1 and at step 2 (as MomentumWeights.Of): state and step weight after each step s.
        var weightAfter = new Polynomial[2, steps + 1];
        for (int impulse = 0; impulse < 2; impulse++)
        {
            Polynomial theta = zero, v = zero;
            for (int s = 1; s <= steps; s++)
            {
                cancellation.ThrowIfCancellationRequested();
                var map = s == 1 ? first : later;
                var g = Polynomial.Constant(variables, s == impulse + 1 ? 1 : 0);
                var nextTheta = map[0, 0] * theta + map[0, 1] * v + map[0, 2] * g;
                var nextV = map[1, 0] * theta + map[1, 1] * v + map[1, 2] * g;
                weightAfter[impulse, s] = kind == MomentumWeightKind.State ? nextV : theta - nextTheta;
                (theta, v) = (nextTheta, nextV);
            }
        }
        var weights = new Polynomial[steps];
        weights[0] = weightAfter[0, steps];
        for (int t = 2; t <= steps; t++) weights[t - 1] = weightAfter[1, steps - t + 2];
        return weights;
    }

    static bool Same(Polynomial[,] a, Polynomial[,] b)
    {
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
                if (!a[r, c].Equals(b[r, c])) return false;
        return true;
    }

    // Step s's map [theta', v'] = M [theta, v, g], each entry the multilinear interpolant of the corners of [0, 1]^k.
    static Polynomial[,]? StepMap(MomentumConvention convention, int step, IReadOnlyList<string> variables)
    {
        int k = variables.Count;
        var map = new Polynomial[2, 3];
        for (int r = 0; r < 2; r++) for (int c = 0; c < 3; c++) map[r, c] = Polynomial.Constant(variables, 0);
        for (int corner = 0; corner < 1 << k; corner++)
        {
            var at = new double[k];
            var basis = Polynomial.Constant(variables, 1);
            for (int i = 0; i < k; i++)
            {
                at[i] = (corner >> i) & 1;
                var x = Polynomial.Variable(variables, variables[i]);
                basis *= at[i] == 1 ? x : Polynomial.Constant(variables, 1) - x;
            }
            var probe = Probe(convention, at, step);
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 3; c++)
                    if (probe[r, c] != 0) map[r, c] += basis * Polynomial.Constant(variables, Rational.FromDouble(probe[r, c]));
        }
        // Dyadic points where every product and 1 - x of the step is exact in doubles.
        double[][] checks = [[0.5, 0.5, 0.5], [0.25, 0.75, 0.375]];
        foreach (var check in checks)
        {
            var at = check[..k];
            var probe = Probe(convention, at, step);
            var point = at.Select(Rational.FromDouble).ToArray();
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 3; c++)
                    if (map[r, c].Evaluate(point) != Rational.FromDouble(probe[r, c])) return null;
        }
        return map;
    }

    // One step of the real optimizer at (mu, eta[, d]) from theta = e_1, v = e_2, g = e_3 (one parameter each): its map's columns.
    static double[,] Probe(MomentumConvention convention, double[] at, int step)
    {
        var optimizer = new Momentum(at[1], at[0], convention, at.Length > 2 ? at[2] : 0);
        double[] theta = [1, 0, 0], gradient = [0, 0, 1];
        var state = optimizer.CreateState(3);
        state[0][1] = 1;
        optimizer.Step(theta, gradient, state, step, theta);
        var map = new double[2, 3];
        for (int c = 0; c < 3; c++) (map[0, c], map[1, c]) = (theta[c], state[0][c]);
        return map;
    }

    /// <summary>The numeric comparison alone (see the class summary).</summary>
    public static ClaimResult Numerically(Momentum optimizer, int steps, MomentumWeightKind kind, Expression claim,
        int trials, int seed, double tolerance = GradientClaims.DefaultTolerance, CancellationToken cancellation = default)
    {
        // The momentum under the name(s) the claim uses (beta when it uses neither).
        string[] momentumNames = [.. new[] { Beta, Mu }.Where(claim.Variables.Contains)];
        if (momentumNames.Length == 0) momentumNames = [Beta];
        bool pytorch = optimizer.Convention == MomentumConvention.PyTorch;
        var names = VariablesFor(optimizer.Convention);
        var compiled = ScalarFormula.TryCompile(claim, names);
        var arguments = new double[names.Count];
        int stepIndex = 0; // t is the first name
        var random = new Random(seed);
        double worst = 0;
        Counterexample? counter = null;
        for (int trial = 0; trial <= trials; trial++)
        {
            cancellation.ThrowIfCancellationRequested();
            var momentum = trial == 0 ? optimizer : DrawOptimizer(optimizer, claim.Variables.Contains(Dampening), random);
            var weights = MomentumWeights.Of(momentum, steps, cancellation);
            var expected = Matrix<double>.Build.Dense(steps, 1, kind == MomentumWeightKind.State ? weights.StateWeights : weights.StepWeights);
            var claimed = Matrix<double>.Build.Dense(steps, 1);
            var values = new Dictionary<string, Matrix<double>>
            {
                [StepReached] = FormulaEquivalence.Scalar(steps),
                [Eta] = FormulaEquivalence.Scalar(momentum.LearningRate),
            };
            foreach (var name in momentumNames) values[name] = FormulaEquivalence.Scalar(momentum.Mu);
            if (pytorch) values[Dampening] = FormulaEquivalence.Scalar(momentum.Dampening);
            values[StepOfGradient] = FormulaEquivalence.Scalar(1);
            for (int v = 0; v < names.Count; v++) arguments[v] = values.TryGetValue(names[v], out var known) ? known[0, 0] : 0;
            for (int t = 1; t <= steps; t++)
            {
                if ((t & 1023) == 0) cancellation.ThrowIfCancellationRequested();
                arguments[stepIndex] = t;
                if (compiled is not null) claimed[t - 1, 0] = compiled.Evaluate(arguments);
                else
                {
                    values[StepOfGradient] = FormulaEquivalence.Scalar(t);
                    claimed[t - 1, 0] = claim.Evaluate(values, cancellation)[0, 0];
                }
            }
            double error = GradientClaims.RelativeError(expected, claimed);
            if (!(error <= worst)) worst = error;
            if (!(error <= tolerance) && counter is null)
            {
                int at = FurthestOff(expected, claimed);
                values[StepOfGradient] = FormulaEquivalence.Scalar(at + 1);
                counter = new Counterexample(values, FormulaEquivalence.Scalar(expected[at, 0]), FormulaEquivalence.Scalar(claimed[at, 0]));
            }
        }
        return new ClaimResult(counter is null ? ClaimVerdict.Equivalent : ClaimVerdict.NotEquivalent, trials, worst, counter,
            Shape.Scalar, Shape.Scalar, null);
    }

    static Momentum DrawOptimizer(Momentum given, bool dampeningFree, Random random)
    {
        double beta = random.NextDouble();
        double eta = 1 - random.NextDouble();
        double d = given.Convention != MomentumConvention.PyTorch ? 0 : dampeningFree ? random.NextDouble() : given.Dampening;
        return new Momentum(eta, beta, given.Convention, d);
    }

    // The first t with the largest |claimed - expected| (a non-finite claim first of all).
    static int FurthestOff(Matrix<double> expected, Matrix<double> claimed)
    {
        int best = 0;
        double most = -1;
        for (int i = 0; i < expected.RowCount; i++)
        {
            double off = double.IsFinite(claimed[i, 0]) ? Math.Abs(claimed[i, 0] - expected[i, 0]) : double.PositiveInfinity;
            if (off > most) (best, most) = (i, off);
        }
        return best;
    }
}
