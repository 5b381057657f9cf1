using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.OpenApi;

/// <summary>The prose of the OpenAPI document: conventions, defaults and limits, where graders read them.</summary>
public static class ApiText
{
    public static string Overview(ServiceLimits limits) => $$"""
        GradApi runs the computations of neural-network homework (forward passes, backprop, optimizer steps)
        and returns every intermediate tensor, so that students' hand-computed numbers can be checked.

        **Conventions.** JSON in and out, camelCase; enum values lower snake_case. Unknown fields are rejected (400),
        with the closest known name when there is one (`learning_rate`: did you mean `learningRate`?). A body that is
        not JSON is keyed `$`, with the line, the position and the field the reader stopped in.
        A matrix is an array of rows; per-example tensors are batch-first ([B][n]); a weight matrix is [out][in]
        (z = W a + b); gradients use the denominator layout (dJ/dW has W's shape). Input numbers must be finite:
        NaN, Infinity, quoted numbers and numbers that overflow a double (1e400) are rejected with 400. Output values
        that stop being finite are written as the strings "NaN", "Infinity", "-Infinity". Every error is RFC 9457
        application/problem+json; validation errors are 400 with `errors` keyed by JSON path
        (`network.layers[1].weights`). The same request always gives the byte-identical response.

        **Numbers as written.** A pre-activation z = W a + b that cancels to within the rounding error of its terms
        (as -0.3 + 0.4 - 0.1 does in binary floating point) is recomputed exactly from the decimals as written, so
        a hand calculation's exact 0 stays 0 and relu'(0) = 0 is decided as on paper.

        **Limits** (400 naming the limit, 413 for the body; 503 past the deadline):

        | limit | value |
        |---|---|
        | maxBodyBytes | {{limits.MaxBodyBytes}} |
        | maxParameters | {{limits.MaxParameters}} |
        | maxExamples | {{limits.MaxExamples}} |
        | maxIterations | {{limits.MaxIterations}} |
        | maxWork (parameters x examples per iteration x iterations + {{ServiceLimits.LayerWork}} x layers x iterations) | {{limits.MaxWork}} |
        | maxTraceValues (numbers a /v1/train trace would hold) | {{limits.MaxTraceValues}} |
        | maxHessianParameters (/v1/analysis/hessian computes the matrix up to this P) | {{limits.MaxHessianParameters}} |
        | maxHessianWork (P^2 x examples) | {{limits.MaxHessianWork}} |
        | maxTrajectorySteps / maxTrajectoryRuns / maxTrajectoryParameters | {{limits.MaxTrajectorySteps}} / {{limits.MaxTrajectoryRuns}} / {{limits.MaxTrajectoryParameters}} |
        | maxTrajectoryWork ((one evaluation's multiply-adds + 512) x (7 x runs x (maxSteps + 1) + 6 x parameters) + 2048 x runs x (maxSteps + 1)) | {{limits.MaxTrajectoryWork}} |
        | maxAnswers (answers per /v1/grade request or batch submission) | {{limits.MaxAnswers}} |
        | maxSubmissions (/v1/grade/batch) | {{limits.MaxSubmissions}} |
        | maxGradedAnswers (answers over all submissions of a batch) | {{limits.MaxGradedAnswers}} |
        | maxGradingWork ((problem work + {{ServiceLimits.GradingLayerWork}} x layers x iterations) x (submissions x runs per submission + {{ServiceLimits.GradingRunsPerProblem}} + 2 x layers answered) + answers x layers) | {{limits.MaxGradingWork}} |
        | maxResponseValues (numbers grading results echo: 4 per element answered) | {{limits.MaxResponseValues}} |
        | maxPoints (/v1/activations/derivatives) | {{CalculusLimits.MaxPoints}} |
        | maxExpressionLength / maxVariableValues (also the numbers of one eye or ones) / maxTrials | {{CalculusLimits.MaxExpressionLength}} / {{CalculusLimits.MaxVariableValues}} / {{CalculusLimits.MaxTrials}} |
        | maxExpressionWork (multiply-adds of the gradient, or the Jacobian at its price once per element of the expression, and, at 1 + trials points with a redraw each, that and every claim) | {{CalculusLimits.MaxExpressionWork}} |
        | maxJacobianValues (/v1/expressions/gradient: numbers over all Jacobians, and two per element of a claimed one) | {{CalculusLimits.MaxJacobianValues}} |
        | maxListedErrors / maxErrorTextLength (a 400 lists this many fields, each text cut to this length; errorCount counts all) | {{ServiceLimits.MaxListedErrors}} / {{ServiceLimits.MaxErrorTextLength}} |
        | maxMomentumSteps (/v1/optimizers/momentum/weights) | {{CalculusLimits.MaxMomentumSteps}} |
        | deadlineSeconds (computing time of one request) | {{limits.DeadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}} |

        **Deadline.** Work that runs past deadlineSeconds is stopped from inside its loops and answered with 503
        application/problem+json naming the deadline; send a smaller problem. A response is only ever a complete 200
        or an error: /v1/train holds its trace until it passes 64 KB (a small trace is sent whole, with its
        Content-Length, and one stopped before then is a 503), and a trace whose later iterations are still being
        computed when the deadline passes is cut off by closing the connection, never ended as if complete. /v1/grade/batch on a
        /v1/train problem is graded 50 submissions at a time while the blocks already graded are written, and held the same
        way: a batch stopped before its first 64 KB is a 503, one stopped later is cut off. A client that disconnects stops its request's work.
        """;

    public const string TrainDescription = """
        Runs `iterations` optimizer steps and returns, per iteration: the examples used, the forward pass
        (input, z, a, activationDerivative per layer), the loss (value J, perExample l, `also` for alsoReport),
        the backward pass (outputGradient dJ/da of the last layer, and per layer delta = dJ/dz, weightGradient,
        biasGradient) and the update (parameters after the step and the optimizer state). Layers are listed in
        network order in all three sections. `include` selects sections (forward, loss, backward, update, state).

        **Losses** (J is the sum over the batch, `reduction: sum`, or the mean, `mean`, the default as in PyTorch):

        | type | l(a, y) | notes |
        |---|---|---|
        | half_sse | 1/2 sum_k (a_k - y_k)^2 | |
        | sse | sum_k (a_k - y_k)^2 | |
        | mse | (1/K) sum_k (a_k - y_k)^2 | with mean: PyTorch's MSELoss |
        | bce | -sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)] | sigmoid or softmax output, targets in [0, 1] |
        | ce | -sum_k y_k ln a_k | softmax or sigmoid output, targets one-hot or a distribution |

        bce after sigmoid and ce after softmax are computed from z (no ln(0) where the value is finite) and their
        delta is the short form a - y.

        **Activations.** identity, sigmoid, tanh, relu (relu'(0) = 0), leaky_relu (negativeSlope 0.01;
        f'(0) = negativeSlope), elu (alpha 1; f'(0) = alpha), softplus (beta 1; exact in both tails), softmax (output layer
        only; activationDerivative is the Jacobian [B][n][n]). sigma'(z) is computed as sigma(z) sigma(-z).

        **Optimizers.** g is dJ/dtheta, t the 1-based step. Defaults are PyTorch's and the resolved optimizer is echoed
        in `optimizer`. State slots are reported under `update.layers[l].state` by these names.

        | type / convention | state update | parameter update |
        |---|---|---|
        | sgd | | theta -= eta g |
        | momentum / pytorch (default) | v = g at t = 1, else v = mu v + (1 - dampening) g | theta -= eta v |
        | momentum / heavy_ball | v = mu v - eta g (v0 = 0) | theta += v |
        | momentum / velocity_step | v = mu v + eta g (v0 = 0) | theta -= v |
        | momentum / ema | m = mu m + (1 - mu) g (m0 = 0) | theta -= eta m |
        | nesterov / pytorch (default) | v as momentum/pytorch (dampening 0) | theta -= eta (g + mu v) |
        | nesterov / sutskever | g at the look-ahead theta + mu v (reported as lookAhead; forward, loss and backward are computed there); v = mu v - eta g | theta += v |
        | adagrad | s += g^2 (s0 = initialAccumulator, default 0) | theta -= eta / (1 + (t - 1) learningRateDecay) g / (sqrt(s) + eps), eps 1e-10 |
        | rmsprop | s = rho s + (1 - rho) g^2 (rho 0.99); centered: gbar = rho gbar + (1 - rho) g; momentum: b = mu b + g / denominator | theta -= eta g / (sqrt(s) + eps) (eps 1e-8; sqrt(s - gbar^2) when centered), or theta -= eta b |
        | adam | m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; mhat = m / (1 - b1^t), vhat = v / (1 - b2^t); amsgrad: vmax = max(vmax, v) | theta -= eta mhat / (sqrt(vhat) + eps) |
        | adamw | as adam | theta -= eta lambda theta, then as adam |

        Adam: beta1 0.9, beta2 0.999, epsilon 1e-8, biasCorrection true (false: mhat = m, vhat = v), amsgrad false.
        epsilonPlacement (rmsprop and adam): outside_sqrt (default, PyTorch), inside_sqrt (sqrt(s + eps), Keras RMSprop),
        and for adam keras (theta -= eta sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps), which reports m and v only).
        weightDecay lambda (default 0, for adamw too: pass PyTorch's 0.01 explicitly) adds lambda theta to g, with theta
        where g is taken, for weights and biases alike; adamw decays theta directly. backward's gradients are those of J
        alone, without the decay term.

        **Sampling.** full (default); sequential (iteration t uses example (t - 1) mod N); random (one example per
        iteration, index floor(u N) with u the t-th draw of SplitMix64(seed), u = (next >> 11) / 2^53); minibatch
        (batchSize; each epoch a Fisher-Yates permutation from the same SplitMix64(seed) stream, i from N - 1 down to 1,
        j = floor(u (i + 1)), the last batch holding the remainder); schedule (indices, one batch per iteration).

        **Divergence is a result.** When a loss or parameter stops being finite the run stops after that iteration,
        `status` is "diverged" and `divergedAtIteration` names it. The response is streamed iteration by iteration, so
        `status` and `divergedAtIteration` come at the end of the object, after `final`.
        """;
}
