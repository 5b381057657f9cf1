#!/usr/bin/env node
// TensorFlow.js' time per training step on scripts/performance.sh's problems (GradApi /v1/train requests).
//
//   node tfjs_steps.cjs MODULES_DIR OUT.json PROBLEM.json[:STEPS] ...
//
// MODULES_DIR holds node_modules with @tensorflow/tfjs-node (native, used when it loads) or else
// @tensorflow/tfjs (pure JavaScript CPU backend). float32 throughout, as TF.js computes. For each problem:
// one untimed warm-up run, then ROUNDS timed runs of STEPS steps from the request's initial weights; a step
// is optimizer.minimize (forward, loss, gradients, update). Writes ms per step (median) and the losses at
// steps 1, 2 and STEPS, as GradApi reports them (the loss of iteration t is computed before update t).
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, outFile, ...specs] = process.argv.slice(2);
const ROUNDS = Number(process.env.ROUNDS || 3);

function load() {
  const from = (name) => require(path.join(modules, 'node_modules', name));
  if (process.env.TFJS_BACKEND !== 'cpu') {
    try {
      return { tf: from('@tensorflow/tfjs-node'), backend: 'tensorflow' };
    } catch (e) {
      // tfjs-node's native library may be missing; the pure JavaScript backend always works.
    }
  }
  return { tf: from('@tensorflow/tfjs'), backend: 'cpu' };
}

function run(tf, request, steps) {
  const layers = request.network.layers.map((l) => ({
    w: tf.variable(tf.tensor2d(l.weights, undefined, 'float32')),
    b: tf.variable(tf.tensor1d(l.biases, 'float32')),
    activation: l.activation,
  }));
  const x = tf.tensor2d(request.data.inputs, undefined, 'float32');
  const y = tf.tensor2d(request.data.targets, undefined, 'float32');
  const o = request.optimizer;
  let optimizer;
  if (o.type === 'adam') optimizer = tf.train.adam(o.learningRate, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-8);
  // heavy_ball (v = mu v - eta g, theta += v) is TF.js' momentum (v = mu v + g, theta -= eta v) scaled by -eta.
  else if (o.type === 'momentum') optimizer = tf.train.momentum(o.learningRate, o.momentum);
  else throw new Error(`optimizer ${o.type} is not mapped`);
  const { type, reduction = 'sum' } = request.loss;
  const lossOf = () => {
    let a = x, z;
    for (const l of layers) {
      z = tf.add(tf.matMul(a, l.w, false, true), l.b);
      a = l.activation === 'sigmoid' ? tf.sigmoid(z) : l.activation === 'softmax' ? tf.softmax(z) : z;
    }
    let perExample;
    if (type === 'ce') perExample = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1));
    else if (type === 'half_sse') perExample = tf.mul(0.5, tf.sum(tf.square(tf.sub(a, y)), 1));
    else throw new Error(`loss ${type} is not mapped`);
    return reduction === 'mean' ? tf.mean(perExample) : tf.sum(perExample);
  };
  const variables = layers.flatMap((l) => [l.w, l.b]);
  const kept = [];
  const start = process.hrtime.bigint();
  for (let t = 0; t < steps; t++) {
    const loss = optimizer.minimize(lossOf, true, variables);
    if (t < 2 || t === steps - 1) kept.push(loss); else loss.dispose();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const losses = kept.map((l) => l.dataSync()[0]);
  tf.dispose([...kept, ...variables, x, y]);
  optimizer.dispose();
  return { seconds, losses };
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

(async () => {
  const { tf, backend } = load();
  await tf.setBackend(backend);
  await tf.ready();
  const out = { framework: 'TensorFlow.js', version: tf.version.tfjs, backend: tf.getBackend(), results: {} };
  for (const spec of specs) {
    const [file, stepsText] = spec.split(':');
    const steps = Number(stepsText || 100);
    const request = JSON.parse(fs.readFileSync(file, 'utf8'));
    run(tf, request, Math.max(10, Math.floor(steps / 10)));
    const rounds = Array.from({ length: ROUNDS }, () => run(tf, request, steps));
    out.results[`${path.basename(file, '.json')}/float32`] = {
      steps,
      msPerStep: (median(rounds.map((r) => r.seconds)) * 1000) / steps,
      msPerStepRounds: rounds.map((r) => (r.seconds * 1000) / steps),
      losses: rounds[0].losses,
    };
  }
  fs.writeFileSync(outFile, JSON.stringify(out, null, 1));
})().catch((e) => {
  console.error(`tfjs_steps: ${e.stack || e}`);
  process.exit(1);
});
