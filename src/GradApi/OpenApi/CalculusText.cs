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
        Limits: maxPoints 10000 points; maxSoftmaxJacobianValues 1000000 numbers over all Jacobians.
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
        do not fit (`claimedShape` null, `detail` names the subexpression).

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
        """;
}
