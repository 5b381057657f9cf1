#!/usr/bin/env python3
"""The problems scripts/performance.sh gives every framework, written once as GradApi /v1/train requests.

  problems.py OUTDIR FIXTURE

writes OUTDIR/mnist.json (issue 13's 784-128-10 network: sigmoid hidden layer, softmax output, ce with mean
reduction, Adam lr 0.001, one batch of 32 examples with sampling full, so every step sees the same batch in
every framework) and OUTDIR/seed001.json (the request of the seed-001 fixture). The PyTorch and TensorFlow.js
helpers read the same files, so all three start from the same weights and data. Numbers come from a
seeded LCG and are rounded to 6 decimals: the files are identical on every run and machine.
"""
import json, math, os, sys

INPUTS, HIDDEN, CLASSES, BATCH = 784, 128, 10, 32


class Lcg:
    """Numerical Recipes' 32-bit LCG: deterministic and trivially portable."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def uniform(self):  # [0, 1)
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state / 2**32


def mnist_request(iterations=1, include=None):
    lcg = Lcg(20261202)

    def matrix(rows, columns, scale):
        return [[round((2 * lcg.uniform() - 1) * scale, 6) for _ in range(columns)] for _ in range(rows)]

    hidden = matrix(HIDDEN, INPUTS, 1 / math.sqrt(INPUTS))
    output = matrix(CLASSES, HIDDEN, 1 / math.sqrt(HIDDEN))
    inputs = [[round(lcg.uniform(), 6) for _ in range(INPUTS)] for _ in range(BATCH)]
    targets = [[1 if k == i % CLASSES else 0 for k in range(CLASSES)] for i in range(BATCH)]
    request = {
        "network": {"inputSize": INPUTS, "layers": [
            {"name": "hidden", "activation": "sigmoid", "weights": hidden, "biases": [0] * HIDDEN},
            {"name": "output", "activation": "softmax", "weights": output, "biases": [0] * CLASSES}]},
        "data": {"inputs": inputs, "targets": targets},
        "loss": {"type": "ce", "reduction": "mean"},
        "optimizer": {"type": "adam", "learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
        "iterations": iterations,
        "sampling": {"mode": "full"},
    }
    if include is not None:
        request["include"] = include
    return request


def main():
    out, fixture = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "mnist.json"), "w") as f:
        json.dump(mnist_request(), f, separators=(",", ":"))
    with open(fixture) as f:
        seed001 = json.load(f)["request"]
    with open(os.path.join(out, "seed001.json"), "w") as f:
        json.dump(seed001, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
