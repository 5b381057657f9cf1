using GradApi.Domain.Analysis;
using GradApi.Limits;

namespace GradApi.OpenApi;

/// <summary>The OpenAPI descriptions of the analysis endpoints: rules, parameter order and limits.</summary>
public static class AnalysisText
{
    public static string Hessian(ServiceLimits limits) => $$"""
        The Hessian of J (over all examples, with the loss's reduction) by every weight and bias of a /v1/train network.
        Body: `network`, `data`, `loss` exactly as in /v1/train (same shapes and checks; `loss.alsoReport` is ignored), or
        only `parameterCount` (seed 004: `{ "parameterCount": 1000000 }`).

        **Response.** `parameterCount` P; `dimension` [P, P]; `bytes` = 8 P^2 as a number (float64 entries: 1e6 parameters
        give 8e12 bytes, 8 TB); `parameterOrder` names the rows and columns of the Hessian (null when only
        parameterCount is given); `hessian` (P x P, rows), `eigenvalues` (ascending) and `conditionNumber` when
        P <= maxHessianParameters ({{limits.MaxHessianParameters}}), else those three are null. `maxHessianParameters`
        echoes the limit.

        **Parameter order.** Layer by layer from the input; within a layer the weights row-major, then the biases:
        `layers[0].weights[0][0]`, `layers[0].weights[0][1]`, ..., `layers[0].biases[0]`, ..., `layers[1].weights[0][0]`, ...
        (W is [out][in]: `weights[i][j]` is the weight from input j into unit i). A layer without biases has no bias rows.

        **Exact, not estimated.** The Hessian is computed by differentiating backprop itself (Pearlmutter's R-operator:
        a forward-mode tangent through the forward pass and the backward pass), one pass per parameter, with each
        activation's second derivative (relu and leaky_relu: 0, also at the kink; elu: alpha e^z for z <= 0) and the
        loss's second derivative in a (bce after sigmoid and ce after softmax through their fused z-forms). Its two
        triangles agree to rounding and are averaged, so the matrix is exactly symmetric.

        **Eigenvalues** come from MathNet's symmetric eigen-decomposition. **conditionNumber** = |lambda|max / |lambda|min
        (the 2-norm condition number, also for an indefinite Hessian); it is "Infinity" (a string, like every non-finite
        output) when the Hessian is singular to working precision: |lambda|min <= P x 2.22e-16 x |lambda|max
        (numpy.linalg.matrix_rank's tolerance), including the zero matrix. When an entry of the Hessian is not finite
        (the loss overflows at these parameters, as with inputs of 1e155), `hessian` comes with its "Infinity" or "NaN"
        entries and `eigenvalues` and `conditionNumber` are null: overflow is a result, not an error.

        **Limits.** maxHessianParameters {{limits.MaxHessianParameters}}; networks up to maxParameters {{limits.MaxParameters}}
        get the sizes and parameterOrder only; P^2 x examples at most maxHessianWork {{limits.MaxHessianWork}} (400 above).
        """;

    public static string Trajectories(ServiceLimits limits) => $$"""
        Runs /v1/train's optimizers (the same optimizer object, the same update code, PyTorch defaults echoed in each
        run's `optimizer`) on a test function from one start, step by step, and says how each run ended.

        **Objective.** `function`: `quadratic` (`matrix` Q, `vector` b, default zeros: f = 1/2 p'Qp - b'p; Q need not
        be symmetric, only its symmetric part S = (Q + Q')/2 matters: gradient S p - b, Hessian S), `rosenbrock`
        ((a - x)^2 + b (y - x^2)^2, `a` 1 and `b` 100 by default), `beale` ((1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 +
        (2.625 - x + xy^3)^2, minimum at (3, 0.5)), `himmelblau` ((x^2 + y - 11)^2 + (x + y^2 - 7)^2). Or an
        `expression` in the language of POST /v1/expressions/gradient over the parameters named in `start` (each a
        number, a column vector or a matrix), with `constants` giving every other name's value; it must be scalar. Its
        value and gradient come from the same evaluation and reverse mode as /v1/expressions/gradient. An expression
        that is a polynomial of degree at most 2 in its parameters (sums, products, whole powers, sum, trace,
        norm(...)^2) has a constant Hessian, taken exactly as the central difference of its affine gradient, and
        gets `stableLearningRates`; any other expression gets null.

        **Start.** An expression takes its parameters by name, in the order given: `"start": {"w": 0}`. Named functions take one vector parameter, named as start names it (any name of the expression language;
        `p` in the examples): `"start": {"p": [x, y]}` (quadratic: n values for an n x n Q; a 1 x 1 quadratic also
        takes `{"w": 0}` and is then reported as a number). Every step reports
        `parameters`, `gradient` (at the parameters), `state` (each optimizer slot by name: v, m, s, gbar, b, mhat, vhat,
        vmax, then by parameter) and `lookAhead` (nesterov/sutskever: where this step's gradient was taken, else null),
        in the same form as `start`. Step 0 is the start, with the optimizer's initial state.

        **Verdicts** (first rule that holds; a run stops at converged and diverged):
        1. `diverged` at the first step whose parameters, objective or gradient are not finite, or whose largest
           |parameter| exceeds {{Trajectory.DivergenceFactor:0e0}} x max(1, largest |start parameter|). The run stops there;
           non-finite values are written as "NaN" / "Infinity".
        2. `converged` at the first step t (step 0 included) with ||grad f(p_t)||_2 <= `tolerance` (default
           {{AnalysisDefaults.Tolerance}}): a stationary point, within tolerance.
        3. At `maxSteps` T (default {{AnalysisDefaults.MaxSteps}}), over the last K = min({{Trajectory.Window}}, T) steps
           d_t = p_t - p_(t-1): `diverged` when the last step is longer than the window's first (|d_T| > |d_(T-K+1)|)
           and f(p_T) > max(f(p_0), f(p_(T-K))), that is growing steps and a rising objective; `oscillating` when every
           step in the window reverses the one before (d_t . d_(t-1) < 0) and the steps do not shrink
           (|d_T| >= |d_(T-K+1)| > 0); otherwise `max_steps` (still moving, not within tolerance). These comparisons
           carry a relative margin of 1e-9 against rounding; `verdictStep` is T.
        `verdictStep` is the step at which the verdict was reached; `reason` states the rule with the numbers.
        Seed 003 (1/2 (w - 100)^2 from w = 0, tolerance 1e-8, 100 steps): lr 0.5 and 1.5 converge at step 34 (1.5 by
        alternating sides with shrinking steps), lr 2 jumps between 0 and 200 (oscillating), lr 2.5 passes the bound at
        step 57 (diverged; with 50 steps, diverged at step 50 by growing steps).

        **stableLearningRates** (quadratic only, else null): `lambdaMin`, `lambdaMax` of the Hessian S (MathNet
        symmetric eigenvalues) and `upper` = 2 / lambdaMax: plain gradient descent converges for 0 < lr < upper when
        S is positive definite (null when lambdaMax <= 0); null when S has an entry beyond the doubles.

        **Limits.** runs at most {{limits.MaxTrajectoryRuns}} (maxTrajectoryRuns); maxSteps at most
        {{limits.MaxTrajectorySteps}} (maxTrajectorySteps); parameters at most {{limits.MaxTrajectoryParameters}}
        (maxTrajectoryParameters); runs x (maxSteps + 1) x parameters x 8 at most maxTraceValues {{limits.MaxTraceValues}};
        start and constants together at most maxVariableValues numbers, as in /v1/expressions/gradient; (one evaluation
        of the objective, multiply-adds as maxExpressionWork counts them, + 512) x (7 x runs x (maxSteps + 1) + 6 x
        parameters) + 2048 x runs x (maxSteps + 1) at most maxTrajectoryWork {{limits.MaxTrajectoryWork}} (a named
        function's evaluation counts 64, the quadratic's n^2 + n + 64).
        """;
}

static class AnalysisDefaults
{
    public const double Tolerance = Contracts.AnalysisMapper.DefaultTolerance;
    public const int MaxSteps = Contracts.AnalysisMapper.DefaultMaxSteps;
}
