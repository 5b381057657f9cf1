// A grader's client of GradApi written with the generated types only (src/generated/gradapi.ts, from
// the running service's /swagger/v1/swagger.json by scripts/check-clients.sh). It runs the README's
// flows and every calculus and analysis route, and checks values known by hand. Written against the
// contract (docs/API.md): where the document says less than the contract, `tsc --strict` or a check
// here fails, and that is the document's defect to fix, not this program's.
// Usage: node dist/main.js [baseUrl]   (exit code 1 when any check fails)
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/gradapi.js";

type Schemas = components["schemas"];
/** The contract's number on the wire: a double, or one of three strings once a value stops being finite. */
type WireNumber = number | "NaN" | "Infinity" | "-Infinity";

const baseUrl = process.argv[2] ?? "http://127.0.0.1:5211";
const client = createClient<paths>({ baseUrl });

const failures: string[] = [];
let passed = 0;

/** Runs one check; any exception (a missing field, a wrong type, a wrong value) fails only that check. */
async function check(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed++;
    console.log(`  ok    ${name}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${name}: ${message}`);
    console.log(`  FAIL  ${name}: ${message}`);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** A finite double where the contract promises one here (a non-finite string is a wrong value). */
function finite(label: string, value: WireNumber): number {
  if (typeof value !== "number") fail(`${label} is ${JSON.stringify(value)}, expected a finite number`);
  return value;
}

function close(label: string, actual: WireNumber, expected: number, tolerance = 1e-4): void {
  const value = finite(label, actual);
  if (!(Math.abs(value - expected) <= tolerance)) fail(`${label} = ${value}, expected ${expected} +- ${tolerance}`);
}

function same<T>(label: string, actual: T, expected: T): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    fail(`${label} = ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** The 200 body, or a failure naming the status the service answered instead. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) fail(`HTTP ${result.response.status}: ${JSON.stringify(result.error)}`);
  return result.data;
}

// A grade's 200 is one of three bodies by the request's format (gradapi, the default; gradescope; prairielearn):
// the gradapi body is the one with partialCredit.
function gradapi<T extends object>(body: T): Extract<T, { partialCredit: unknown }> {
  if (!("partialCredit" in body)) fail(`expected the gradapi format, got ${JSON.stringify(body).slice(0, 200)}`);
  return body as Extract<T, { partialCredit: unknown }>;
}

// Seed 001's two-layer problem, the README's first walkthrough.
const seed001: Schemas["TrainRequest"] = {
  network: {
    inputSize: 3,
    layers: [
      { name: "hidden", activation: "sigmoid", weights: [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], biases: [-0.4, 0.2] },
      { name: "output", activation: "sigmoid", weights: [[-0.3, -0.2]], biases: [0.1] },
    ],
  },
  data: { inputs: [[1, 0, 1]], targets: [[1]] },
  loss: { type: "half_sse", reduction: "sum", alsoReport: ["bce"] },
  optimizer: { type: "momentum", convention: "heavy_ball", learningRate: 0.9, momentum: 0.9 },
  iterations: 2,
  sampling: { mode: "full" },
};

// Seed 003's y = w x at a learning rate far past 2: w1 = 1e152, w2 = -1e302, and iteration 3's loss
// 1/2 (1e302)^2 overflows, so the run diverges at iteration 3 with finite losses before it.
const diverging: Schemas["TrainRequest"] = {
  network: { inputSize: 1, layers: [{ name: "w", activation: "identity", weights: [[0]] }] },
  data: { inputs: [[1]], targets: [[100]] },
  loss: { type: "half_sse", reduction: "sum" },
  optimizer: { type: "sgd", learningRate: 1e150 },
  iterations: 5,
};

/** The k-th derivative of sigmoid as exact integers in sigma, lowest power first:
 *  P0 = sigma, P(k+1) = P(k)' sigma (1 - sigma), so n c_n moves to sigma^n and -n c_n to sigma^(n+1). */
function sigmoidPolynomial(order: number): bigint[] {
  let coefficients: bigint[] = [0n, 1n];
  for (let k = 0; k < order; k++) {
    const next: bigint[] = new Array<bigint>(coefficients.length + 1).fill(0n);
    coefficients.forEach((c, n) => {
      next[n] = (next[n] ?? 0n) + BigInt(n) * c;
      next[n + 1] = (next[n + 1] ?? 0n) - BigInt(n) * c;
    });
    coefficients = next;
  }
  return coefficients;
}

console.log(`TypeScript client (openapi-typescript + openapi-fetch) against ${baseUrl}`);

await check("train seed 001: README walkthrough values", async () => {
  const run = ok(await client.POST("/v1/train", { body: seed001 }));
  same("status", run.status, "completed");
  same("divergedAtIteration", run.divergedAtIteration, null);
  same("parameterCount", run.parameterCount, 11);
  same("optimizer.convention (echo)", run.optimizer.convention, "heavy_ball");
  const first = run.iterations[0] ?? fail("no iteration 1");
  // forward, loss, backward and update are each optional in the contract (`include` selects them).
  const forward = first.forward ?? fail("no forward section");
  const loss = first.loss ?? fail("no loss section");
  const hidden = forward.layers[0] ?? fail("no hidden layer");
  const z = hidden.z[0] ?? fail("no z row");
  close("hidden z[0][0]", z[0] ?? fail("no z[0][0]"), -0.7);
  close("hidden z[0][1]", z[1] ?? fail("no z[0][1]"), 0.1);
  close("loss.value", loss.value, 0.1384);
  close("loss.also.bce", (loss.also ?? fail("no also"))["bce"] ?? fail("no also.bce"), 0.7468);
  const outputDelta = (first.backward ?? fail("no backward section")).layers[1]?.delta[0]?.[0] ?? fail("no output delta");
  close("output delta", outputDelta, -0.1311);
  same("iterations", run.iterations.length, 2);
});

await check("train diverged run: non-finite values as strings, status diverged", async () => {
  const run = ok(await client.POST("/v1/train", { body: diverging }));
  same("status", run.status, "diverged");
  same("divergedAtIteration", run.divergedAtIteration, 3);
  close("iteration 1 loss", run.iterations[0]?.loss?.value ?? fail("no iteration 1 loss"), 5000, 1e-9);
  const third = run.iterations[2] ?? fail("no iteration 3");
  same("iteration 3 loss", (third.loss ?? fail("no loss section")).value, "Infinity");
  const updated = (third.update ?? fail("no update section")).layers[0]?.weights ?? fail("no updated weights");
  const w = updated[0]?.[0] ?? fail("no updated w");
  if (typeof w === "number" && Number.isFinite(w)) fail(`updated w = ${w}, expected a non-finite string`);
});

await check("grade: README sheet with array answers, follow-through and sign_flipped", async () => {
  const graded = gradapi(ok(
    await client.POST("/v1/grade", {
      body: {
        problem: { ...seed001, loss: { type: "half_sse", reduction: "sum" }, sampling: undefined },
        answers: [
          { path: "/iterations/0/forward/layers/0/a", value: [0.3318, 0.625] },
          { path: "/iterations/0/forward/layers/1/a", value: 0.4689 },
          { path: "/iterations/0/backward/layers/1/delta", value: -0.1323 },
          { path: "/iterations/0/backward/layers/1/weightGradient", value: [0.0439, 0.0827], points: 2 },
        ],
        tolerance: { type: "decimals", decimals: 4 },
      },
    }),
  ));
  same("verdicts", graded.results.map((r) => r.verdict), ["incorrect", "follow_through", "follow_through", "incorrect"]);
  const hiddenA = graded.results[0] ?? fail("no result 1");
  same("elements of hidden a", hiddenA.elements, [true, false]);
  const expected = hiddenA.expected;
  if (!Array.isArray(expected)) fail(`expected of hidden a is ${JSON.stringify(expected)}, expected a vector`);
  const expectedA1 = expected[1];
  if (typeof expectedA1 !== "number") fail(`expected hidden a[1] is ${JSON.stringify(expectedA1)}, expected a number`);
  close("expected hidden a[1] = sigma(0.1)", expectedA1, 0.525);
  const outputA = graded.results[1] ?? fail("no result 2");
  same("usedAnswers", outputA.usedAnswers, ["/iterations/0/forward/layers/0/a"]);
  const gradient = graded.results[3] ?? fail("no result 4");
  same("diagnoses", gradient.diagnoses.map((d) => d.code), ["sign_flipped"]);
  same("points", gradient.points, 2);
});

await check("grade: seed 003's trajectory, w4 followed through from a wrong w3, and a formula answer", async () => {
  const graded = gradapi(ok(
    await client.POST("/v1/grade", {
      body: {
        problem: {
          endpoint: "/v1/optimization/trajectories",
          request: {
            objective: { expression: "0.5*(w*x - y)^2", constants: { x: 1, y: 100 } },
            start: { w: 0 },
            runs: [{ label: "lr 2.5", optimizer: { type: "sgd", learningRate: 2.5 } }],
            maxSteps: 4,
          },
        },
        answers: [
          { path: "/runs/0/steps/3/parameters/w", value: 687.5 },
          { path: "/runs/0/steps/4/parameters/w", value: -781.25 },
        ],
      },
    }),
  ));
  same("verdicts", graded.results.map((r) => r.verdict), ["incorrect", "follow_through"]);
  same("usedAnswers", graded.results[1]?.usedAnswers, ["/runs/0/steps/3/parameters/w"]);
  const formula = gradapi(ok(
    await client.POST("/v1/grade", {
      body: {
        problem: { endpoint: "/v1/expressions/gradient",
                   request: { expression: "x' * (A*x + z)", variables: { x: [1, 2], A: [[1, 2], [3, 4]], z: [0.5, -1] } } },
        answers: [{ path: "/gradients/x", formula: "(A + A')*x + z" }, { path: "/gradients/x", formula: "2*A*x + z" }],
      },
    }),
  ));
  same("formula verdicts", formula.results.map((r) => r.verdict), ["correct", "not_equivalent"]);
  if (formula.results[1]?.counterexample == null) fail("no counterexample for 2*A*x + z");
});

await check("grade/batch: class of three, summary per path", async () => {
  const problem: Schemas["TrainRequest"] = seed001;
  const batch = gradapi(ok(
    await client.POST("/v1/grade/batch", {
      body: {
        problem,
        tolerance: { type: "decimals", decimals: 4 },
        submissions: [
          { id: "ana", answers: [
            { path: "/iterations/0/forward/layers/0/a", value: [0.3318, 0.525] },
            { path: "/iterations/0/backward/layers/1/delta", value: -0.1312, points: 2 } ] },
          { id: "ben", answers: [
            { path: "/iterations/0/forward/layers/0/a", value: [0.3318, 0.625] },
            { path: "/iterations/0/backward/layers/1/delta", value: -0.1323, points: 2 } ] },
          { id: "cara", answers: [
            { path: "/iterations/0/forward/layers/0/a", value: [0.3318, 0.525] },
            { path: "/iterations/0/backward/layers/1/delta", value: -0.5261, points: 2 } ] },
        ],
      },
    }),
  ));
  same("ids", batch.results.map((s) => s.id), ["ana", "ben", "cara"]);
  same("ben's verdicts", batch.results[1]?.results.map((r) => r.verdict), ["incorrect", "follow_through"]);
  const delta = batch.summary["/iterations/0/backward/layers/1/delta"] ?? fail("no summary for delta");
  same("delta summary (correct, followThrough, incorrect)", [delta.correct, delta.followThrough, delta.incorrect], [1, 1, 1]);
  same("delta diagnoses", delta.diagnoses.map((d) => d.code), ["missing_activation_derivative"]);
});

await check("derivatives: sigmoid order 20 at 0, exact coefficients", async () => {
  const result = ok(await client.POST("/v1/activations/derivatives", { body: { activation: "sigmoid", order: 20, at: [0] } }));
  const at0 = result.values?.[0] ?? fail("no values at 0");
  same("x", at0.x, 0);
  same("derivatives count", at0.derivatives.length, 21);
  // sigma(x) = 1/2 + x/4 - x^3/48 + x^5/480 - 17 x^7/80640 + ...
  const known: [number, number][] = [[0, 0.5], [1, 0.25], [2, 0], [3, -0.125], [5, 0.25], [7, -1.0625]];
  for (const [k, value] of known) close(`sigma^(${k})(0)`, at0.derivatives[k] ?? fail(`no order ${k}`), value, 1e-12);
  const polynomial = result.polynomial ?? fail("no polynomial for sigmoid");
  same("variable", polynomial.variable, "sigma");
  const exact = sigmoidPolynomial(20).map(String);
  same("exactCoefficients", polynomial.exactCoefficients, exact);
  same("coefficients (nearest doubles)", polynomial.coefficients, exact.map(Number));
});

await check("derivatives: sigmoid order 3 polynomial, softmax Jacobian", async () => {
  const sigmoid = ok(await client.POST("/v1/activations/derivatives", { body: { activation: "sigmoid", order: 3, at: [0, 1, 21] } }));
  same("order-3 coefficients", sigmoid.polynomial?.coefficients, [0, 1, -7, 12, -6]);
  const softmax = ok(await client.POST("/v1/activations/derivatives", { body: { activation: "softmax", at: [[1, 2, 3]] } }));
  same("softmax polynomial", softmax.polynomial, null);
  const exps = [1, 2, 3].map(Math.exp);
  const total = exps.reduce((s, e) => s + e, 0);
  const a = exps.map((e) => e / total);
  const jacobian = softmax.jacobians?.[0] ?? fail("no Jacobian");
  close("J[0][0] = a0 (1 - a0)", jacobian[0]?.[0] ?? fail("no J[0][0]"), (a[0] ?? 0) * (1 - (a[0] ?? 0)), 1e-12);
  close("J[0][1] = -a0 a1", jacobian[0]?.[1] ?? fail("no J[0][1]"), -(a[0] ?? 0) * (a[1] ?? 0), 1e-12);
});

await check("expressions/gradient: x'(Ax + z) with an equivalent claim", async () => {
  const result = ok(
    await client.POST("/v1/expressions/gradient", {
      body: {
        expression: "x' * (A*x + z)",
        variables: { x: [1, 2], A: [[1, 2], [3, 4]], z: [0.5, -1] },
        wrt: ["x"],
        claims: { x: "(A + A')*x + z" },
        trials: 20,
        seed: 1,
      },
    }),
  );
  // Ax + z = [5.5, 10], x'(Ax + z) = 25.5; the gradient (A + A')x + z = [12.5, 20].
  same("value", result.value, 25.5);
  same("shape", result.shape, [1, 1]);
  same("gradient x", result.gradients?.["x"], [12.5, 20]);
  const claim = result.claims?.["x"] ?? fail("no claim result");
  same("claim verdict", claim.verdict, "equivalent");
  same("counterexample", claim.counterexample, null);
});

await check("optimizers/momentum/weights: ema, beta 0.9, 4 steps", async () => {
  const result = ok(
    await client.POST("/v1/optimizers/momentum/weights", { body: { convention: "ema", momentum: 0.9, learningRate: 0.1, steps: 4 } }),
  );
  // beta^(T - t) (1 - beta) for t = 1..4, and eta times that in the step.
  const state = [0.0729, 0.081, 0.09, 0.1];
  state.forEach((w, i) => close(`stateWeights[${i}]`, result.stateWeights[i] ?? fail("missing"), w, 1e-12));
  state.forEach((w, i) => close(`stepWeights[${i}]`, result.stepWeights[i] ?? fail("missing"), 0.1 * w, 1e-12));
  same("dampening", result.dampening, null);
});

await check("analysis/hessian: a million parameters (size only) and a 2-2-1 network", async () => {
  const size = ok(await client.POST("/v1/analysis/hessian", { body: { parameterCount: 1000000 } }));
  same("dimension", size.dimension, [1000000, 1000000]);
  same("bytes", size.bytes, 8e12);
  same("hessian, eigenvalues, conditionNumber", [size.hessian, size.eigenvalues, size.conditionNumber], [null, null, null]);
  const small = ok(
    await client.POST("/v1/analysis/hessian", {
      body: {
        network: {
          inputSize: 2,
          layers: [
            { name: "hidden", activation: "sigmoid", weights: [[0.2, 0.4], [-0.3, 0.1]], biases: [-0.4, 0.2] },
            { name: "output", activation: "sigmoid", weights: [[-0.3, -0.2]], biases: [0.1] },
          ],
        },
        data: { inputs: [[1, 0], [0, 1], [1, 1]], targets: [[1], [0], [1]] },
        loss: { type: "half_sse", reduction: "sum" },
      },
    }),
  );
  same("parameterCount", small.parameterCount, 9);
  const hessian = small.hessian ?? fail("no Hessian");
  same("rows", hessian.length, 9);
  for (let i = 0; i < 9; i++)
    for (let j = 0; j < i; j++)
      close(`H[${i}][${j}] = H[${j}][${i}]`, hessian[i]?.[j] ?? fail("missing"), finite("H", hessian[j]?.[i] ?? fail("missing")), 1e-12);
  const eigenvalues = small.eigenvalues ?? fail("no eigenvalues");
  const trace = hessian.reduce((s, row, i) => s + finite("H", row[i] ?? fail("missing")), 0);
  close("sum of eigenvalues = trace", eigenvalues.reduce((s: number, e) => s + finite("eigenvalue", e), 0), trace, 1e-9);
});

await check("optimization/trajectories: seed 003's learning rates 0.5, 1.5, 2, 2.5", async () => {
  const result = ok(
    await client.POST("/v1/optimization/trajectories", {
      body: {
        objective: { expression: "0.5*(w*x - y)^2", constants: { x: 1, y: 100 } },
        start: { w: 0 },
        runs: [0.5, 1.5, 2, 2.5].map((lr) => ({ label: `lr ${lr}`, optimizer: { type: "sgd" as const, learningRate: lr } })),
        maxSteps: 100,
        tolerance: 1e-8,
      },
    }),
  );
  same("verdicts", result.runs.map((r) => r.verdict), ["converged", "converged", "oscillating", "diverged"]);
  const rates = result.stableLearningRates ?? fail("no stable learning rates for a quadratic");
  close("lambdaMax", rates.lambdaMax, 1, 1e-12);
  close("upper = 2 / lambdaMax", rates.upper ?? fail("no upper bound"), 2, 1e-12);
  // w_t = 100 (1 - (1 - lr)^t): lr 0.5 reaches 50 at step 1, where the gradient w - 100 is -50.
  const step1 = result.runs[0]?.steps[1] ?? fail("no step 1");
  same("step 1 parameters", step1.parameters, { w: 50 });
  same("step 1 gradient", step1.gradient, { w: -50 });
  close("step 1 objective", step1.objective, 1250, 1e-9);
});

await check("400 problem: derivative order 21 read as a typed validation problem", async () => {
  const result = await client.POST("/v1/activations/derivatives", { body: { activation: "sigmoid", order: 21, at: [0] } });
  same("HTTP status", result.response.status, 400);
  same("content type", result.response.headers.get("content-type")?.split(";")[0], "application/problem+json");
  // openapi-fetch types `error` as any of the route's problem bodies; the status picks the one the
  // document declares for 400.
  type ValidationProblem = paths["/v1/activations/derivatives"]["post"]["responses"][400]["content"]["application/problem+json"];
  const problem: ValidationProblem = (result.error as ValidationProblem | undefined) ?? fail("no problem body");
  same("status", problem.status, 400);
  const messages = problem.errors?.["order"] ?? fail(`no errors.order in ${JSON.stringify(problem.errors)}`);
  if (messages.length === 0) fail("errors.order is empty");
});

console.log(`typescript: ${passed} passed, ${failures.length} failed`);
process.exitCode = failures.length === 0 ? 0 : 1;
