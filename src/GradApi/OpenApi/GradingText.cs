using GradApi.Limits;

namespace GradApi.OpenApi;

/// <summary>The OpenAPI descriptions of the grading endpoints: pointers, tolerance, verdicts, credit, follow-through, diagnoses.</summary>
public static class GradingText
{
    public static string Grade(ServiceLimits limits) => $$"""
        Grades a student's numbers for a /v1/train problem. `problem` is exactly a /v1/train request (same fields,
        checks and limits; errors are keyed under `problem.`, as in `problem.network.layers[1].weights`; `include` is
        accepted and ignored). The service runs the problem itself and marks each answer against its trace.
        `results` come in the order of `answers`, with `points` and `pointsAwarded` totalled.

        **Paths.** `path` is an RFC 6901 JSON Pointer into the /v1/train response of `problem`; array indices are
        0-based, so iteration 1 is `/iterations/0`.

        | pointer | tensor |
        |---|---|
        | `/iterations/i/exampleIndices` | the examples iteration i used |
        | `/iterations/i/forward/layers/l/input`, `z`, `a`, `activationDerivative` | [B][n] ([B][n][n] for a softmax Jacobian) |
        | `/iterations/i/loss/value`, `perExample`, `also/bce` | J (a number), l per example [B], a further loss |
        | `/iterations/i/backward/outputGradient` | dJ/da of the last layer, [B][n] |
        | `/iterations/i/backward/layers/l/delta`, `weightGradient`, `biasGradient` | [B][n], [out][in], [out] |
        | `/iterations/i/update/layers/l/weights`, `biases` | the parameters after step i + 1 |
        | `/iterations/i/update/layers/l/state/v/weights` (slots v, m, s, gbar, b, mhat, vhat, vmax) | the optimizer state after the step |
        | `/iterations/i/update/layers/l/lookAhead/weights` | nesterov / sutskever only |
        | `/initial/layers/l/weights`, `biases` | the problem's own parameters |
        | `/final/layers/l/weights`, `biases` | the parameters after the last step taken |

        Further indices pick a row or an element: `/iterations/0/forward/layers/0/a/0/1` is unit 1 of example 0 (a
        number), `/iterations/0/update/layers/1/weights/0` is row 0. A pointer the response does not have (a misspelt
        field, an index past the end, an iteration after a divergence) is graded `unknown_path` with a message saying why.

        **Values and shapes.** `value` is a number, the strings "NaN", "Infinity", "-Infinity" (as the service writes
        divergence), or nested arrays of them, up to 3 deep. It is marked against the tensor in its shape, or:
        - **the batch axis dropped** when B = 1 (any leading axis of 1): `[0.3318, 0.5250]` for a [1][2] `a`;
        - **a scalar** for a one-element tensor: `-0.1312` for a [1][1] `delta`.
        Row-major order is the same in each form. Any other shape is `shape_mismatch`. A value that cannot be read as
        numbers (null, true, an object, a word, ragged rows, an empty array, a number beyond a double such as 1e400,
        arrays nested deeper than 3) is graded `not_a_number` with the reason in `message`, not refused; only a
        missing `value` is a 400.

        **Tolerance** (r the reference, s the submitted value, per element):

        | type | fields | right when |
        |---|---|---|
        | relative | `relative` (default 1e-3), `absolute` (default 1e-8) | abs(s - r) <= absolute + relative abs(r) (numpy.allclose) |
        | absolute | `absolute` (required) | abs(s - r) <= absolute |
        | decimals | `decimals` d (required, 0 to 15) | abs(s - r) < 0.51 x 10^-d: right when rounded to d decimals |
        | significant_figures | `figures` n (required, 1 to 17) | abs(s - r) < 0.51 x 10^-(n - 1 - floor(log10 abs(r))); n - 1 decimals when r = 0 |

        **The default tolerance**, used when `tolerance` is left out, is **relative 1e-3 with absolute 1e-8**: a value
        is right when it is within 0.1 % of the reference, plus 1e-8 (|s - r| <= 1e-8 + 1e-3 |r|). A field that does
        not belong to the type is a 400 (`tolerance.relative: applies to type relative only`). An answer's own
        `tolerance` overrides the request's; every result echoes the rule applied, and the response the default
        resolved. A difference within rounding of a rule's bound is decided in decimal arithmetic on the numbers as
        written, so 0.0087 against 0.008751 is exactly on the 0.51 boundary (wrong) and 0.35 is exactly 0.05 from 0.4
        (right under absolute 0.05), not a binary rounding either side. NaN matches only NaN, and an infinity only the same
        infinity.

        **Verdicts.**

        | verdict | meaning | points awarded |
        |---|---|---|
        | correct | every element within tolerance of the reference | points |
        | follow_through | wrong against the reference, but every element right against the reference or against the value recomputed from the student's own answers | points x (1 - penalty) |
        | incorrect | some element wrong either way | proportional: points x (right + (1 - penalty) x followed) / elements; all_or_nothing: 0 |
        | shape_mismatch | the value's shape cannot stand for the tensor's (`message` says both) | 0 |
        | unknown_path | the pointer names no tensor of the response (`message` says why) | 0 |
        | not_a_number | the value could not be read as numbers: not a wrong answer (`message` says why) | 0 |

        **Partial credit.** `proportional` (the default) awards points x the fraction of elements that count, a
        follow-through element at 1 - penalty; `all_or_nothing` awards the points only to a whole answer that is
        correct (or follow_through, less the penalty). `elements` is the mask of the elements that counted and
        `maxAbsoluteError` the largest |s - r| against the reference.

        **Follow-through** (error carried forward, as in exam marking; `followThrough.enabled`, default true). When an
        answer is wrong, the problem is run again with every readable answer to a traced tensor or to `/final` put in
        place of the tensor it names, across iterations too; for the tensors the student did not give, the computation
        continues from the run's own values. Each wrong answer is then compared with the value computed just before
        its own value replaced it (`followThroughExpected`, in the submitted shape). The dependencies are the
        computation itself: z from the layer input and parameters, a from z, the activation derivative from the
        student's own a by the hand form (a (1 - a) for the sigmoid, 1 - a^2 for tanh), delta from the next delta and
        the weights, gradients from delta and the layer input, updates from the gradients and the state.
        Each operand of a tensor is the student's value as written where they gave one (for heavy-ball's theta + v,
        their theta and their v, not a v recomputed from their gradient), else the value recomputed from their values
        further up, else the reference; for bce after a sigmoid and ce after a softmax the output delta is a - y from
        the student's own a, as by hand. `usedAnswers` lists exactly the paths of the student's answers that entered
        (the update of theta reads the previous theta and what the optimizer's step reads: v for momentum, mhat and
        vhat for adam, g for sgd). A follow_through answer earns its points less `followThrough.penalty` (a fraction
        in [0, 1], default 0). Answers to `/initial` and `exampleIndices` are marked but not carried.

        **Conventions followed through.** When a state answer (v, m, s, mhat...) matches another optimizer convention
        (diagnosis other_convention), the later answers that use that state (the parameter step, the next iteration)
        are recomputed under the student's convention from their own values; those right that way are
        follow_through, and the diagnosis stays on the state. A student who writes PyTorch's v = g on a heavy-ball
        problem loses the points of v only.

        **Degenerate follow-through** earns nothing. An answer is *trivial* when it is all zeros, or equal to the
        problem's given values (a layer's initial weights or biases), where the reference's is not (both within the
        answer's tolerance); a trivial answer that earned nothing (wrong, or itself degenerate) is a foundation of
        nothing. A follow-through answer whose every used answer is such a foundation, or which is itself trivial with
        any used answer such a foundation, stays `incorrect` with the diagnosis `degenerate_follow_through` (its elements
        right against the reference still count under proportional credit). So an output delta left as 0 earns no
        credit for the zero gradients and the unmoved weights built on it, nor does a forward pass from weights copied
        unchanged; honest work whose numbers round to 0 or back to the initial weights keeps its credit, since those
        values were earned. `followThrough.allowDegenerate: true` credits it like any other follow-through.

        **Diagnoses.** For an incorrect answer the service tries the common mistakes below and reports every one that
        reproduces the student's numbers (within the answer's tolerance) where the mistake changes the value; a
        shape_mismatch is checked for a transposed matrix. Each mistake is tried twice: on the reference's values, and
        with follow-through on, as the student would make it on their own values as written (and rounded), in every
        iteration, so a misconception repeated in iteration 2 on carried-forward numbers is named there too. A mistake
        is only run on the student's values where it could show: where no tensor it changes lies between the
        student's written values and the answer, it is not tried. `code` is stable for analytics, `message` is for the student.

        | code | the student's value is |
        |---|---|
        | sign_flipped | the expected value with the opposite sign (a - y written y - a, or the step's sign) |
        | transposed | the transpose of an [out][in] matrix (also reported for a shape_mismatch) |
        | factor_of_two | twice or half the expected value: a missing or extra 1/2 in the loss, or the 2 from differentiating a square |
        | missing_activation_derivative | backprop without the factor sigma'(z): delta = dJ/da |
        | activation_value_for_derivative | backprop with sigma(z) where sigma'(z) belongs |
        | learning_rate_not_applied | the update computed with learning rate 1 (offered when the learning rate is not 1) |
        | step_in_wrong_direction | the update theta + eta g: stepping up the gradient |
        | used_updated_weights | backprop through weights already updated in this iteration (networks of 2 or more layers) |
        | other_convention | the run under another convention, named in `convention`: `loss half_sse`, `loss sse`, `loss mse` (squared losses), `reduction sum`, `reduction mean` (not under sequential or random sampling, whose batch is one example), `momentum pytorch`, `momentum heavy_ball`, `momentum velocity_step`, `momentum ema`, `nesterov pytorch`, `nesterov sutskever`, `epsilon outside_sqrt`, `epsilon inside_sqrt`, `epsilon keras`, `adam without bias correction` (or `adam with bias correction`) |
        | wrong_iteration | the same tensor of the iteration before or after |
        | wrong_layer | the same tensor of another layer |
        | rounded_too_early | what the computation gives with every intermediate value rounded to the decimals the student wrote (2 to 8), within one unit of the last decimal; or the expected value rounded to fewer decimals (2 to 8) than the tolerance accepts |
        | degenerate_follow_through | right only given answers that are all zeros or the problem's given values (see above); the verdict stays incorrect |

        A diagnosis's `convention` is null except for other_convention; `diagnoses` is empty for answers that are not
        wrong. Every result has every field, null when absent. Tensors are written in their shape, as in /v1/train.

        **Explanation.** Every result carries `explanation`: Markdown with LaTeX math, one short paragraph with the
        tensor's formula, the numbers that went into it (the student's where follow-through used them, else the
        reference's) and the value they give, for example
        `$\delta^{[2]} = (a^{[2]} - y)\,\sigma'(z^{[2]}) = (0.5000 - 1)(0.2500) = -0.1250$` (a student who wrote a = 0.5). Layers are numbered
        from 1 there, as in the course notes (layer index 0 is `[1]`); numbers are written to the tolerance's decimals
        (4 under the other rules); a tensor of more than 8 elements is named by its symbol only. Null for an unknown path.

        **Reveal.** `reveal`: `all` (the default) or `verdicts`. With `verdicts` no result carries a reference number, so
        the response can be shown to a student as it is: `expected`, `followThroughExpected` and `maxAbsoluteError` (which
        with `submitted` would give the reference away) are null, and every number with a fraction or an exponent is left
        out of `message` and the diagnoses' messages (written …); verdicts, `elements`, points, `usedAnswers`, diagnosis
        codes, paths, iteration and layer numbers stay, and `explanation` holds the formula alone. A student's API key is
        always answered this way, whatever `reveal` says.

        **Other endpoints' problems.** `problem` may instead name any other POST endpoint of this contract:
        `{ "endpoint": "/v1/optimization/trajectories", "request": { ... } }` (one of
        {{string.Join(", ", Grading.GradableEndpoints.Routes.Select(r => $"`{r}`"))}}). `request` is exactly that endpoint's body,
        with its checks and limits (errors keyed under `problem.request.`); the service answers it with the endpoint's own
        code, and `path` is a JSON Pointer into that response (`/runs/2/steps/3/parameters/w`, `/dimension`,
        `/gradients/x`). Numbers are marked as above (tolerance, partial credit, `elements`); a path to text, an
        object or null is `unknown_path` saying what is there. Diagnoses tried on such numbers: `sign_flipped`,
        `factor_of_two`, `transposed` (a matrix written the wrong way round) and, for trajectories, `wrong_iteration`
        (the value of the step before or after). `explanation`: for a trajectory step's element under sgd or momentum
        (without weight decay), the update with its numbers, the student's where follow-through used them, as
        `$w^{(4)} = w^{(3)} - \eta\,g^{(3)} = 687.5000 - 2.5000\,(587.5000) = -781.2500$` (the state likewise; the
        objective and gradient of a one-number parameter at it); null for other values and problems.

        **Follow-through over trajectory steps.** A step's parameters, state, objective and gradient are recomputed
        from the student's own values: each input (the previous step's parameters, gradient and state, as the
        optimizer's update reads them; the parameters for the objective and gradient) is the student's value where
        one was given, else the value recomputed from the student's values further up, else the reference.
        Seed 003 at lr 2.5: after a wrong w3 = 687.5, w4 = 687.5 - 2.5 (687.5 - 100) = -781.25 is `follow_through`
        with `usedAnswers` naming w3. Degenerate follow-through is refused as for /v1/train (the start counts as the
        problem's given values); following another optimizer convention is /v1/train's only.

        **Formula answers.** An answer may give `formula` (a string in the expression language of
        /v1/expressions/gradient, at most {{ServiceLimits.MaxFormulaLength}} characters) instead of `value` where the
        response holds a function, checked as that endpoint's `claims` are (with the problem's `trials` and `seed`,
        default {{Limits.CalculusLimits.DefaultTrials}} and 0):
        - `gradients/<v>` (`jacobians/<v>` for a non-scalar expression) of /v1/expressions/gradient, in the problem's
          variables, at the given point and the seeded random points;
        - `polynomial` of /v1/activations/derivatives (sigmoid, tanh): the order-th derivative in the function's own
          value (`sigma`, `tanh`), decided exactly against the integer polynomial, or in `x`;
        - `stateWeights` and `stepWeights` of /v1/optimizers/momentum/weights, in `t`, `T`, `beta` (or `mu`), `eta`
          (and `d` for pytorch), for every t = 1..T, exactly where both sides are polynomials.
        Verdicts: `correct` (equivalent, full points; `message` says whether exactly or numerically), `not_equivalent`
        (with `counterexample`: `variables`, `expected` (null under reveal verdicts), `claimed`), `shape_mismatch`
        (`message` gives both shapes), or `not_a_formula` (it does not parse; `message` gives the position). A formula
        where the response holds numbers is `not_a_number`; a value where it holds a function is compared with the
        function's numbers in the response (`/stateWeights`, `/polynomial/coefficients`). At most
        {{ServiceLimits.MaxFormulaAnswers}} formula answers per request.

        **Format.** `format`: `gradapi` (the default: the response described here), `gradescope` or `prairielearn`: the
        grader's own `results.json`, to be written as it is, built from the same grades (under reveal verdicts from the
        grades without reference numbers, so its text holds none either). An answer may give `name`, the title of its
        test in those formats (default: its path; 1 to {{Validation.GradingChecks.MaxAnswerNameLength}} characters; gradapi does not echo it).
        - `gradescope` (Gradescope's autograder specification): `score` (points awarded), `max_score` (points possible),
          `output` (a Markdown summary:
          points and answers per verdict), `output_format: "md"`, `visibility: "visible"`, `stdout_visibility: "hidden"`
          and `tests`, one per answer in order: `name`, `score` (pointsAwarded), `max_score` (points), `status` (`passed`
          for correct and follow_through, else `failed`), `output` (Markdown: the verdict and points, the message, a formula's
          counterexample (its point and the formula's value there; the function's too unless reveal is verdicts), each
          diagnosis as `code`: message, and the explanation), `output_format: "md"` and `visibility`: `visible` under reveal
          verdicts, `after_due_date` under reveal all (the explanation then holds the reference's numbers).
        - `prairielearn` (PrairieLearn's external grading results): `gradable: true`, `score` = points awarded / points
          possible in [0, 1] (with no points possible: 1 when every answer passed, else 0), `message` (the summary) and
          `tests`, one per answer: `name`, `description` (the path), `points`, `max_points`, `message` (the verdict and
          points, the message and the diagnoses) and `output` (the explanation, empty when there is none).
        Anything else is a 400 naming `format` and the three values. The glue that runs on the graders is in the
        repository's `integrations/` directory.

        **Limits.** The problem's /v1/train limits; `answers` at most maxAnswers ({{limits.MaxAnswers}}); the grading
        work at most maxGradingWork ({{limits.MaxGradingWork}}): a run costs the problem's work (parameters x examples
        per iteration x iterations) + {{ServiceLimits.GradingLayerWork}} x layers x iterations, and there are, per
        submission, 1 + (mistakes and conventions offered for the problem) + 2 x (layers the answers name) runs
        (follow-through, and each mistake on the student's own numbers), and once {{ServiceLimits.GradingRunsPerProblem}}
        + 2 x (layers the answers name) runs (reference, mistake, convention and rounding runs; a one-layer mistake
        run of each kind per answered layer); plus each answer's elements compared in every layer
        (64 + elements per answer and layer). The response is priced before any run: 4 numbers per element each answer
        addresses (`expected`, `submitted`, `elements`, `followThroughExpected`; an answer that cannot be read still
        echoes `expected`) and 40 per answer for its `explanation` (at most 600 characters), at most maxResponseValues ({{limits.MaxResponseValues}}).
        Another endpoint's problem is priced within that endpoint's own work limit: its price x (1 for the reference +
        1 per submission with trajectory answers); each distinct formula answer (path and text) costs what its endpoint
        charges for the same formula as a claim, at the problem's points and trials, all of them within maxExpressionWork;
        its echo (counted as above) is checked once its response is known, before any result is written.
        """;

    public static string Batch(ServiceLimits limits) => $$"""
        Grades a class's submissions to one problem. Takes `problem` (a /v1/train request or another endpoint's
        problem), `tolerance`, `partialCredit` and `followThrough` as POST /v1/grade (the same rules, defaults and verdicts; the default tolerance is
        relative 1e-3 with absolute 1e-8) and `submissions: [{ "id": "...", "answers": [...] }]`. The reference and the diagnosis runs are computed
        once for the whole batch; each submission with a wrong answer adds one follow-through run, and one run on its own
        numbers per mistake that could show at an answer still wrong.

        **Response.** `results` holds one entry per submission, in the order given: its `id`, its `results` (as in
        /v1/grade, in the order of its answers), `points` and `pointsAwarded`. `summary` holds one entry per path, in the
        order the paths first appear in the batch, with the number of answers to it per verdict (`correct`,
        `followThrough`, `incorrect`, `shapeMismatch`, `unknownPath`, `notANumber`, `notEquivalent`, `notAFormula`) and `diagnoses`: the most
        frequent diagnosis codes (up to 5) with the number of answers each was reported for, most frequent first,
        ties by code. `tolerance`, `partialCredit` and `followThrough` echo the resolved options.
        `reveal: "verdicts"` leaves out every reference number as in /v1/grade; the summary is the same either way.

        **Format.** `format` as in /v1/grade. With `gradescope` or `prairielearn` the response is
        `{ "results": [{ "id": "s1", "document": { ...that submission's results.json... } }, ...] }`, one per submission in
        the order given, each `document` exactly what /v1/grade answers for it in that format (no summary, no echoed
        rules); sent a piece at a time as the gradapi response is.

        **Submissions.** `id` is required, not empty, and unique within the batch
        (`submissions[3].id: "s1" is already used by submissions[0]`); errors are keyed by JSON path, as in
        `submissions[1].answers[0].path`.

        **Limits.** The problem's /v1/train limits; `submissions` at most maxSubmissions ({{limits.MaxSubmissions}});
        answers at most maxAnswers ({{limits.MaxAnswers}}) per submission and maxGradedAnswers
        ({{limits.MaxGradedAnswers}}) over all; the grading work as in /v1/grade with each submission's runs counted,
        at most maxGradingWork ({{limits.MaxGradingWork}}); the numbers echoed over all submissions
        (4 per element each answer addresses, 40 per answer) at most maxResponseValues ({{limits.MaxResponseValues}}).
        """;
}
