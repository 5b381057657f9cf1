#!/usr/bin/env python3
"""PyTorch's time per training step on scripts/performance.sh's problems (GradApi /v1/train requests).

  torch_steps.py OUT.json PROBLEM.json[:STEPS] ...

Runs with Debian's python3-torch (/usr/bin/python3): float64 and float32 on 2 threads, and float64 on 1 thread
(on a loaded machine two threads wait for each other; one thread shows what that costs). For each problem and
configuration: one untimed warm-up run, then ROUNDS timed runs of STEPS steps, each from the request's initial
weights; a step is zero_grad, forward, loss, backward, optimizer step. Prints nothing but errors; writes
ms per step (median of the rounds) and the losses at steps 1, 2 and STEPS, as GradApi reports them (the
loss of iteration t is computed before update t).
"""
import json, os, statistics, sys, time

import torch

ROUNDS = int(os.environ.get("ROUNDS", "3"))


def build(request, dtype):
    layers = []
    for layer in request["network"]["layers"]:
        weight = torch.tensor(layer["weights"], dtype=dtype, requires_grad=True)
        bias = torch.tensor(layer["biases"], dtype=dtype, requires_grad=True)
        layers.append((weight, bias, layer["activation"]))
    x = torch.tensor(request["data"]["inputs"], dtype=dtype)
    y = torch.tensor(request["data"]["targets"], dtype=dtype)
    return layers, x, y


def optimizer(request, parameters):
    o = request["optimizer"]
    if o["type"] == "adam":
        return torch.optim.Adam(parameters, lr=o["learningRate"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
                                eps=o.get("epsilon", 1e-8))
    if o["type"] == "momentum" and o.get("convention") in ("heavy_ball", "pytorch", None):
        # heavy_ball (v = mu v - eta g, theta += v) is PyTorch's (v = mu v + g, theta -= eta v) scaled by -eta.
        return torch.optim.SGD(parameters, lr=o["learningRate"], momentum=o["momentum"])
    raise SystemExit(f"torch_steps: optimizer {o} is not mapped")


def loss_function(request):
    loss = request["loss"]
    kind, reduction = loss["type"], loss.get("reduction", "sum")
    if kind == "ce":
        per_example = lambda z, a, y: -(y * torch.log_softmax(z, dim=1)).sum(dim=1)
    elif kind == "half_sse":
        per_example = lambda z, a, y: 0.5 * ((a - y) ** 2).sum(dim=1)
    else:
        raise SystemExit(f"torch_steps: loss {kind} is not mapped")
    return (lambda z, a, y: per_example(z, a, y).mean()) if reduction == "mean" else (lambda z, a, y: per_example(z, a, y).sum())


def run(request, dtype, steps):
    layers, x, y = build(request, dtype)
    parameters = [p for weight, bias, _ in layers for p in (weight, bias)]
    opt = optimizer(request, parameters)
    loss_of = loss_function(request)
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        a = x
        for weight, bias, activation in layers:
            z = torch.nn.functional.linear(a, weight, bias)
            a = torch.sigmoid(z) if activation == "sigmoid" else torch.softmax(z, dim=1) if activation == "softmax" else z
        loss = loss_of(z, a, y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    elapsed = time.perf_counter() - start
    return elapsed, [float(losses[0]), float(losses[1]), float(losses[-1])]


def main():
    torch.set_num_threads(2)
    out = {"framework": "PyTorch", "version": torch.__version__, "threads": torch.get_num_threads(), "results": {}}
    for spec in sys.argv[2:]:
        path, _, steps = spec.partition(":")
        steps = int(steps or 100)
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            request = json.load(f)
        for dtype, label, threads in ((torch.float64, "float64", 2), (torch.float32, "float32", 2), (torch.float64, "float64-1thread", 1)):
            torch.set_num_threads(threads)
            run(request, dtype, max(10, steps // 10))  # warm-up
            rounds = [run(request, dtype, steps) for _ in range(ROUNDS)]
            out["results"][f"{name}/{label}"] = {
                "steps": steps,
                "msPerStep": statistics.median(seconds for seconds, _ in rounds) * 1000 / steps,
                "msPerStepRounds": [seconds * 1000 / steps for seconds, _ in rounds],
                "losses": rounds[0][1],
                "threads": threads,
            }
    torch.set_num_threads(2)
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
