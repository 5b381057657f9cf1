namespace GradApi.OpenApi;

/// <summary>The prose of the calculus operations: grammar, RNG, precision bound, defaults and limits.</summary>
public static class CalculusText
{
    public const string DerivativesDescription = """
        Returns f(x), f'(x), ..., f^(k)(x) at every point of `at` (k = `order`, 0..20, default 1), and for
        sigmoid and tanh the k-th derivative as a polynomial in the function's own value (`polynomial`:
        exact integer coefficients, lowest power first, and LaTeX; null for the other activations).

        **Polynomials.** Derived by the chain rule, never from a table: p_0(s) = s and
        p_(k+1)(s) = p_k'(s) s', with s' = s - s^2 for sigmoid and s' = 1 - s^2 for tanh. Exact integer
        arithmetic: sigmoid's order-20 coefficients reach 1.1e21 (beyond a 64-bit integer and beyond 2^53),
        and are written as exact JSON integers; read them with a big-integer parser, or read
        `exactCoefficients`: the same coefficients as exact decimal strings (JSON.parse would change 10 of
        sigmoid's 22 order-20 coefficients).

        **Values.** The same polynomials give the values. sigma^(k)(x) = P_k(q) for x < 0 and
        (-1)^(k+1) P_k(q) for x >= 0, with q = sigma(-|x|), the smaller of sigma and 1 - sigma, computed
        without cancellation (symmetry sigma^(k)(-x) = (-1)^(k+1) sigma^(k)(x), k >= 1). P_k is evaluated by
        compensated Horner on the exactly split coefficients, as accurate as twice double precision.
        tanh^(k)(x) = 2^(k+1) sigma^(k)(2x) (tanh x = 2 sigma(2x) - 1; the scaling is exact).
        softplus with beta: f^(k)(x) = beta^(k-1) sigma^(k-1)(beta x).
        **Precision bound:** the value returned is the exact k-th derivative at a point within 6 x 2^-53
        (absolute) of x, times (1 + e) with |e| <= 2^-53, plus at most 3e-29 P~_k(q), where P~_k has the
        absolute values of P_k's coefficients. So the tails keep full relative precision
        (sigma'(40) = 4.248354255291589e-18, sigma^(20)(30) = -9.3576220506534719e-14), and near one of the
        k - 1 zeros of the derivative the error is absolute, never from cancellation of the large coefficients.

        **Piecewise activations**, as /v1/train at the kink: relu'(0) = 0, leaky_relu'(0) = negativeSlope,
        elu'(0) = alpha; orders 2 and above are 0 on linear pieces, alpha e^x for elu at x <= 0.

        **softmax**: `at` is a list of vectors; the response has `jacobians` (one n x n matrix
        da_i/dz_j = a_i (delta_ij - a_j) per point) instead of `values`; order must be 1.

        Parameters as in /v1/train: `beta` (softplus, default 1, > 0), `negativeSlope` (leaky_relu, default
        0.01), `alpha` (elu, default 1); a parameter of another activation is rejected.

        **Claims.** `claims` maps an order k (0..order, as a string: `"3"`) to a student's formula for f^(k) in
        the language of /v1/expressions/gradient, written in `x` or in the function's own value (`sigma` for
        sigmoid, `tanh` for tanh: `1 - tanh^2` reads `tanh` as the value where no `(` follows); `claims` answers
        each with the verdict object of /v1/expressions/equivalence (null when none were sent). A claim in the
        own value alone that expands to a polynomial is decided exactly (`method: "exact"`) against the integer
        coefficients of `polynomial`: `sigma*(1 - sigma)*(1 - 6*sigma + 6*sigma^2)` expands to
        sigma - 7 sigma^2 + 12 sigma^3 - 6 sigma^4, equivalent for order 3; the counterexample of a wrong one is
        the own value at the first point of `at` where the two differ (with that x), else a small integer value,
        and `detail` gives the expanded difference. Any other claim is compared numerically
        (`method: "numeric"`) with the values above at every point of `at` and at `trials` random x (default 20,
        at most 1000) from `new System.Random(seed)` (`seed` default 0), each 4 NextDouble() - 2, the own value
        set to f(x); the error at a point is |claimed - f^(k)| / max(|f^(k)|, |claimed|, the largest |f^(k)| over all
        the points compared), at most 1e-8: a right formula evaluated where the function saturates loses digits to
        cancellation (1 - sigmoid(21) keeps about 7 of 16), which the truth does not. Not for softmax.
        Limits: maxPoints 10000 points; maxSoftmaxJacobianValues 1000000 numbers over all Jacobians;
        with claims, maxExpressionWork 50000000 (each claim, 4 per node, and the true derivative, (k + 1)(k + 2), at
        every point and trial, and a
        bound on the claim's expansion, at most 250000).
        """;

    public const string EquivalenceDescription = """
        Decides whether `claimed` equals `expected` as a function of the variables: both formulas in the
        language of /v1/expressions/gradient (grammar, values and errors there). `variables` fix every
        variable's shape and the first point compared; the claim may use only given variables.

        **Exactly** (`method: "exact"`) when every variable the formulas use is a scalar and both expand to
        polynomials: numbers (a literal is the decimal it spells: `0.1` is 1/10), variables, `+ - * .*`,
        `/` and `./` by a nonzero constant, `^` and `.^` by a constant integer (negative only for a constant
        base), unary minus and transpose. They are then compared in rational arithmetic: `equivalent` when the
        expansions are equal (an identity, whatever values are drawn), else `not_equivalent` with a
        `counterexample`: the given point when they differ there, else a point of small integers (0, 1, -1,
        2, ...) where the difference is not 0, with both values; `detail` gives both expansions or their
        difference, `trials` is 0 and `maxRelativeError` is 0 or the error at the counterexample.
        Expansion caps: 2000 terms, total degree 1000, 4096-bit coefficients, 250000 term operations per
        formula; past a cap (`(1 + x)^1000000`) the check is numeric and `detail` says which cap.

        **Numerically** (`method: "numeric"`) otherwise (`exp`, `sigmoid`, division by a variable, matrices):
        at the given point and at `trials` random points (default 20, at most 1000) seeded by `seed` (default
        0), with the RNG, redraw rule, error measure and 1e-8 tolerance of the claims of
        /v1/expressions/gradient (the expected formula plays the true gradient's part). `tanh(x)` and
        `2*sigmoid(2*x) - 1` are equivalent this way; `2*sigmoid(x) - 1` is not.

        **Response** (the verdict object of every formula check): `verdict` (`equivalent`, `not_equivalent`,
        `shape_mismatch`), `method`, `trials`, `maxRelativeError` (null for shape_mismatch), `counterexample`
        (`variables` in their JSON forms, `expected` and `claimed` values), `expectedShape`, `claimedShape`
        (null when the claim's own shapes do not fit), `detail`.

        **Errors** (400 problem+json): parse errors under `expected` or `claimed` with the position; a shape
        error of the expected formula under `expected`; an unknown variable under the field that names it;
        bad values under `variables.<name>`. Limits: as /v1/expressions/gradient; maxExpressionWork counts both
        formulas at each of the 1 + trials points (the expected one twice per redrawn trial) plus a bound on each
        expansion's term operations read from the formula before expanding (at most 250000 each).
        """;

    public const string GradientDescription = """
        Parses a matrix expression, checks its shapes, evaluates it and takes its gradient (a scalar expression) or its
        Jacobians (any other) by reverse mode; optionally checks students' gradient or Jacobian formulas (`claims`).

        **Values.** In `variables` a JSON number is a scalar (1x1), a 1-D array a column vector (n x 1), a
        2-D array a matrix given by rows. A gradient is returned in the same JSON form as its variable
        (denominator layout: dJ/dW has W's shape). `value` is a number when 1x1, else a matrix by rows.

        **Grammar** (MATLAB-like), loosest binding first:
        ```
        sum      := product (('+' | '-') product)*
        product  := unary (('*' | '/' | '.*' | './') unary)*
        unary    := ('+' | '-') unary | postfix
        postfix  := primary ("'" | ('^' | '.^') exponent)*     left to right: x'^2 = (x')^2, 2^3^2 = 64
        exponent := ('+' | '-') exponent | primary
        primary  := number | name | function '(' sum ')' | constant | '(' sum ')'
        constant := 'eye' '(' size ')' | 'ones' '(' size (',' size)? ')'
        ```
        `-2^2` is -4 (power binds tighter than unary minus). Numbers: `12`, `0.5`, `.5`, `1e-3`; `2.*x` is
        `2 .* x`. Names: a letter or `_`, then letters, digits, `_`. `'` is the transpose. `*` is the matrix
        product; a 1x1 side scales the other. `/` divides by a scalar only (by IEEE rules, as `./`: x / 0 is
        "Infinity", 0 / 0 "NaN"). `+ - .* ./ .^` are elementwise and need equal shapes or a 1x1 side. `^` is the power of a scalar. Functions: `sum(e)` (sum of all
        elements), `norm(e)` (2-norm of a vector, Frobenius norm of a matrix; its gradient at 0 is taken
        as 0), `trace(e)` (square matrices), `softmax(v)` (of a vector, shifted by its maximum), `diag(e)` (as
        MATLAB's: a vector's diagonal matrix, a matrix's diagonal as a column), and elementwise `exp`, `log`, `sqrt`, `abs` (abs'(0) = 0),
        `sigmoid`, `tanh`, `softplus` (beta 1; write softplus(b*x)/b for another beta), `relu` (relu'(0) = 0).
        Constants: `eye(n)` (the n x n identity), `ones(n)` (an n x 1 column of ones), `ones(m, n)` (m x n); a size is a
        positive integer literal written as digits (`3`; not `3.0`, `1e3`, a variable or an expression), and one constant
        holds at most maxVariableValues numbers (n^2 for eye, m n for ones); anything else is a parse error at its position.
        Their shapes are fixed and their gradient is zero. None of these names can name a variable.

        **Errors** (400 problem+json, errors keyed by JSON path: `expression`, `claims.x`, `variables.A[1]`,
        `wrt[0]`). Parse errors name the position (characters counted from 1): unexpected token, unbalanced
        parenthesis, unknown function, empty expression, trailing input. Shape errors name the subexpression
        as written and both shapes: `A*x: inner dimensions differ, 2x3 times 2x1`; an unknown variable is
        named with its position.

        **Response.** `shape` [rows, columns]; `subexpressions`: every node of the parsed expression as
        written, with its shape, children before parents (the shape check). `wrt` defaults to every variable the
        expression uses; claimed variables are always differentiated.
        - A scalar (1x1) expression: `gradients` per variable of `wrt`, in the variable's JSON form (denominator
          layout); `jacobians` is null.
        - Any other: `jacobians` per variable v of `wrt`, the matrix d vec(f) / d vec(v), numel(f) x numel(v): one row
          per element of f and one column per element of v, both in row-major order (f's element (r, c) is
          row r x columns(f) + c, and v's (k, l) column k x columns(v) + l), always a 2-D array (for `A*x`, A 2x3: by x it is A; by A it is
          [x' 0; 0 x']); `gradients` is an empty object. Computed by reverse mode, one pass per element of f.

        **Claims.** Per variable, a formula for the gradient in the same language (for a non-scalar expression, for
        the Jacobian: its shape is numel(f) x numel(v), and `expected` and `claimed` of a counterexample are
        matrices by rows; for softmax(x) of a 3-vector, `diag(softmax(x)) - softmax(x)*softmax(x)'`), checked at the given
        point and at `trials` random points (default 20, at most 1000), seeded by `seed` (default 0).
        RNG: `new System.Random(seed)` (.NET's seeded generator), one stream per request; per trial, every
        variable in the order of `variables`, elements row by row, is drawn uniformly from [-2, 2) as
        4 NextDouble() - 2. Where the expression or its gradient (Jacobian) is not finite (outside the domain of log,
        sqrt, ./) the trial is redrawn once keeping each element's sign from the given point (0 counts as +),
        magnitudes uniform in [0.25, 2); if still not finite it is skipped (`trials` counts the random points
        compared). Error at a point: ||claimed - expected||_inf / max(||expected||_inf, ||claimed||_inf)
        (0 when both are 0). `verdict`: `equivalent` when every error is at most 1e-8; `not_equivalent` with
        `counterexample` (`variables`, `expected`, `claimed` at the first point off); `shape_mismatch` when
        the claim's shape is not the expected one, the variable's or numel(f) x numel(v) (`expectedShape`, `claimedShape`), or the claim's own shapes
        do not fit (`claimedShape` null, `detail` names the subexpression). `method` is always `numeric` here
        (the verdict object of /v1/expressions/equivalence, where it can be `exact`).

        Limits: maxExpressionLength 2000 characters; maxVariableValues 100000 numbers (over all variables, and in
        one eye or ones); maxExpressionWork 50000000 multiply-adds over everything evaluated: one evaluation counts
        a matrix product as rows x inner x columns, any other node its size and at least 64; a gradient counts 3
        evaluations, a Jacobian 3 evaluations per element of the expression; with claims, each of the trials + 1
        points costs the gradient or Jacobian (twice for a redrawn trial) plus every claim's own evaluation;
        maxJacobianValues 1000000 numbers over all Jacobians of the response, counting 2 numel(f) numel(v) more per
        claimed variable (its counterexample). Over a limit is a 400 naming it, before any work.
        """;

    public const string MomentumWeightsDescription = """
        After T = `steps` steps of momentum with gradients g_1..g_T: `stateWeights` w_t with
        state_T = sum_t w_t g_t (v, or m for ema) and `stepWeights` c_t with
        theta_T - theta_(T-1) = -sum_t c_t g_t, t = 1..T, and `closedForm` (LaTeX).

        The weights are not a formula of this endpoint: it runs the momentum optimizer of /v1/train (the
        same code) for T steps on T independent parameters, parameter t receiving g = 1 at step t and 0
        otherwise; the update is linear in the gradients, so parameter t's state and last change are the
        weights of g_t. Conventions, mu = `momentum`, eta = `learningRate`:
        - `pytorch` (default): v = g at step 1, else v = mu v + (1 - dampening) g; theta -= eta v.
          w_t = mu^(T-1) for t = 1, (1 - dampening) mu^(T-t) after; c_t = eta w_t.
        - `heavy_ball`: v = mu v - eta g; theta += v. w_t = -eta mu^(T-t); c_t = eta mu^(T-t).
        - `velocity_step`: v = mu v + eta g; theta -= v. w_t = eta mu^(T-t); c_t = w_t.
        - `ema`: m = beta m + (1 - beta) g; theta -= eta m. w_t = beta^(T-t) (1 - beta); c_t = eta w_t.
        `dampening` (pytorch only, default 0, in [0, 1]); `momentum` in [0, 1]; `learningRate` > 0;
        `steps` from 1 to 10000.

        **Claims.** `claims: {"stateWeights": "beta^(T - t)*(1 - beta)", "stepWeights": "..."}` (either may be
        left out): formulas for w_t and c_t in `t` (the gradient's step), `T` (the step reached), `beta` or `mu`
        (the momentum, either name), `eta` (the learning rate) and, for pytorch, `d` (the dampening; a
        claim that does not name d is about the request's dampening). Each is compared for every t = 1..T and
        answered in `claims` with the verdict object of /v1/expressions/equivalence (null when none were sent).
        Exactly (`method: "exact"`) when T <= 256 and the claim, with t and T set, expands to a polynomial in
        beta, eta (and d when named; an unnamed nonzero d makes the check numeric) for every t: the reference
        polynomials come from the same optimizer, not from the formulas above (one step is linear in theta, v
        and g with coefficients multilinear in mu, eta and d; stepping the optimizer at the corners of [0, 1]^k,
        where the doubles are exact, gives the coefficients by interpolation, checked at two more dyadic points
        and at steps 1, 2 and 3; the impulse recursion then runs over polynomials). The counterexample is at the
        first t that differs, at the request's settings when the two differ there, else at small integer
        settings. Otherwise numerically (`method: "numeric"`): the weights at the request's settings and at
        `trials` random ones (default 20, at most 1000) from `new System.Random(seed)` (`seed` default 0), per
        trial beta = NextDouble(), eta = 1 - NextDouble() and, for a claim naming d, d = NextDouble(); the error
        of a trial is that of /v1/expressions/gradient over the vector of the T weights (tolerance 1e-8), and
        the counterexample names the t where the claim is furthest off.
        For ema, `beta^(T - t)*(1 - beta)` is the state weight; `beta^(T - t)` is not_equivalent.
        Limit with claims: maxExpressionWork 50000000, counted as (trials + 1) x T x (the claim's evaluation + 8)
        per claim (an evaluation of a claim in scalars counts 4 per node: it is compiled to arithmetic on doubles), plus for T <= 256 a bound on its T expansions (at most 250000) and the reference's 2 T (4 T + 16).
        """;
}
