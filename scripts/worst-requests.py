#!/usr/bin/env python3
"""The heaviest requests found within the default limits, one or more per endpoint, and the ones just past them.

Usage: scripts/worst-requests.py [base-url] [server-pid]
       WORST_REQUESTS_LIST=file scripts/worst-requests.py    # only write the requests, one JSON line each (scripts/ops-load.py)
Posts each request to a running service (Release build, default http://127.0.0.1:5080) and prints status, response
size, wall time and, when the server's pid is given, the CPU seconds it spent (wall time on a shared machine says
little). Each request is built here, so the script needs nothing but Python 3.
"""
import json, os, random, sys, time, urllib.error, urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5080"
PID = int(sys.argv[2]) if len(sys.argv) > 2 else None


def cpu():
    if PID is None:
        return 0.0
    fields = open(f"/proc/{PID}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


LIST = os.environ.get("WORST_REQUESTS_LIST")  # a file: write each request there as a JSON line instead of sending it


def post(name, route, body):
    if LIST:
        with open(LIST, "a") as f:
            f.write(json.dumps({"name": name, "route": route, "body": body}, separators=(",", ":")) + "\n")
        return
    data = json.dumps(body).encode()
    request = urllib.request.Request(BASE + route, data=data, headers={"Content-Type": "application/json"})
    c0, t0 = cpu(), time.time()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            status, out = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, out = e.code, e.read()
    wall, spent = time.time() - t0, cpu() - c0
    limit = ""
    if status == 400:
        errors = json.loads(out).get("errors", {})
        limit = next(iter(errors.values()), [""])[0][:110]
    print(f"{name:44} {status} {len(out):>10} B {wall:6.2f} s wall {spent:6.2f} s cpu  {limit}")


def matrix(rows, columns, value):
    return [[value(i, j) for j in range(columns)] for i in range(rows)]


random.seed(9)
rnd = lambda *_: round(random.uniform(-1, 1), 3)

# /v1/train: a 990-100 layer at maxWork with the whole trace; the same with every sum cancelling exactly
# (17-digit weights, the exact-decimal fallback on every unit); 16,000 one-unit layers.
wide = {"network": {"inputSize": 990, "layers": [{"activation": "relu", "weights": matrix(100, 990, rnd), "biases": [0.0] * 100}]},
        "data": {"inputs": matrix(33, 990, rnd), "targets": matrix(33, 100, lambda *_: 0.5)},
        "loss": {"type": "half_sse"}, "optimizer": {"type": "sgd", "learningRate": 0.1}, "iterations": 6}
post("train: maxWork, whole trace", "/v1/train", wide)
cancel = json.loads(json.dumps(wide))
cancel["network"]["layers"][0]["weights"] = matrix(100, 990, lambda i, j: 0.12345678901234567 if j % 2 == 0 else -0.12345678901234567)
cancel["data"] = {"inputs": matrix(100, 990, lambda *_: 0.98765432109876543), "targets": matrix(100, 100, lambda *_: 0.5)}
cancel["iterations"], cancel["include"] = 2, ["loss"]
post("train: maxWork, every sum cancels", "/v1/train", cancel)
# /v1/train at maxParameters (120,000): MNIST-sized homework, a 784-128-10 Adam run of as many batch-32 iterations as maxWork
# admits (6), with include ["loss"] and with the whole trace; a 998-120 layer (119,880 parameters) at maxWork with every sum cancelling
# (relu(0) = 0 on a target of 0: the weights never move, so every iteration's sums cancel again).
mnist = {"network": {"inputSize": 784, "layers": [
    {"activation": "sigmoid", "weights": matrix(128, 784, lambda *_: random.uniform(-0.05, 0.05)), "biases": [0.0] * 128},
    {"activation": "softmax", "weights": matrix(10, 128, lambda *_: random.uniform(-0.1, 0.1)), "biases": [0.0] * 10}]},
    "data": {"inputs": matrix(32, 784, lambda *_: round(random.random(), 4)), "targets": matrix(32, 10, lambda b, k: 1 if k == b % 10 else 0)},
    "loss": {"type": "ce", "reduction": "mean"}, "optimizer": {"type": "adam", "learningRate": 0.001}, "iterations": 6}
post("train: 784-128-10 adam, 6 x batch 32, loss", "/v1/train", dict(mnist, include=["loss"]))
post("train: 784-128-10 adam, 6 x batch 32, trace", "/v1/train", mnist)
post("train: 784-128-10 adam, 7 iterations (past)", "/v1/train", dict(mnist, iterations=7, include=["loss"]))
wide_cancel = {"network": {"inputSize": 998, "layers": [{"activation": "relu", "biases": [0.0] * 120,
    "weights": matrix(120, 998, lambda i, j: 0.12345678901234567 if j % 2 == 0 else -0.12345678901234567)}]},
    "data": {"inputs": matrix(40, 998, lambda *_: 0.98765432109876543), "targets": matrix(40, 120, lambda *_: 0.0)},
    "loss": {"type": "half_sse"}, "optimizer": {"type": "sgd", "learningRate": 0.1}, "iterations": 4, "include": ["loss"]}
post("train: 119,880 parameters, maxWork, cancels", "/v1/train", wide_cancel)
mnist_answers = [{"path": p, "value": 0.0123} for p in ["/iterations/0/backward/layers/1/delta/0/0", "/iterations/0/backward/layers/0/delta/0/0",
                                                       "/iterations/0/backward/layers/0/weightGradient/0/0", "/iterations/0/update/layers/0/weights/0/0"]]
post("grade: 784-128-10 adam, batch 32, 4 answers", "/v1/grade", {"problem": dict(mnist, iterations=1), "answers": mnist_answers})
deep = lambda layers, iterations: {"network": {"inputSize": 1, "layers": [{"activation": "sigmoid", "weights": [[0.5]], "biases": [0.1]}] * layers},
                                   "data": {"inputs": [[1.0]], "targets": [[1.0]]}, "loss": {"type": "half_sse"},
                                   "optimizer": {"type": "sgd", "learningRate": 0.1}, "iterations": iterations}
post("train: 16000 one-unit layers x 2", "/v1/train", deep(16000, 2))
post("train: 16000 one-unit layers x 3 (past)", "/v1/train", deep(16000, 3))

# /v1/grade: 50 layers of 44 units, an answer at every layer's delta (232 runs: per submission its follow-through run, 11
# mistakes and conventions on its own numbers and 2 per layer; once, 20 and 2 per layer); 16,000 layers with 400 answers;
# null answers at a 99,000-number tensor.
def layered(layers, units, examples):
    return {"network": {"inputSize": units, "layers": [{"activation": "sigmoid", "weights": matrix(units, units, lambda *_: round(random.uniform(-1, 1), 2)), "biases": [0.1] * units} for _ in range(layers)]},
            "data": {"inputs": [[0.5] * units] * examples, "targets": [[0.5] * units] * examples},
            "loss": {"type": "half_sse"}, "optimizer": {"type": "momentum", "learningRate": 0.1, "momentum": 0.9}, "iterations": 1}
answers = [{"path": f"/iterations/0/backward/layers/{l}/delta/0/0", "value": 0.1234} for l in range(50)]
post("grade: 50 x 44 units, an answer per layer", "/v1/grade", {"problem": layered(50, 44, 7), "answers": answers})
post("grade: the same, 8 examples (past)", "/v1/grade", {"problem": layered(50, 44, 8), "answers": answers})
post("grade: 16000 layers, 400 answers (past)", "/v1/grade", {"problem": deep(16000, 1), "answers": [
    {"path": f"/iterations/0/backward/layers/{40 * i}/delta", "value": 0.123} for i in range(400)]})
big = {"network": {"inputSize": 990, "layers": [{"activation": "sigmoid", "weights": matrix(100, 990, rnd), "biases": [0.0] * 100}]},
       "data": {"inputs": [[0.5] * 990], "targets": [[0.5] * 100]}, "loss": {"type": "half_sse"},
       "optimizer": {"type": "sgd", "learningRate": 0.1}, "iterations": 1}
null_answers = lambda n: [{"path": "/iterations/0/update/layers/0/weights", "value": None}] * n
post("grade: 12 null answers at 99000 numbers", "/v1/grade", {"problem": big, "answers": null_answers(12)})
post("grade/batch: 5 x 40 null answers (past)", "/v1/grade/batch", {"problem": big, "submissions": [{"id": f"s{k}", "answers": null_answers(40)} for k in range(5)]})

# /v1/grade/batch: 1,450 submissions of 20 answers to the contract's problem (16 runs each), and 1,600 (past).
contract = {"network": {"inputSize": 3, "layers": [
    {"name": "hidden", "activation": "sigmoid", "weights": [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], "biases": [-0.4, 0.2]},
    {"name": "output", "activation": "sigmoid", "weights": [[-0.3, -0.2]], "biases": [0.1]}]},
    "data": {"inputs": [[1, 0, 1]], "targets": [[1]]}, "loss": {"type": "half_sse", "reduction": "sum"},
    "optimizer": {"type": "momentum", "convention": "heavy_ball", "learningRate": 0.9, "momentum": 0.9}, "iterations": 2}
paths = ["forward/layers/0/a", "forward/layers/1/a", "backward/layers/1/delta", "backward/layers/0/delta", "backward/layers/0/weightGradient",
         "update/layers/0/weights", "update/layers/1/weights", "forward/layers/0/z", "loss/value", "update/layers/0/state/v/weights"]
class_answers = [{"path": f"/iterations/{(i // 10) % 2}/{paths[i % 10]}", "value": None if i % 7 == 3 else 0.1234} for i in range(20)]
post("grade/batch: 1450 x 20 answers", "/v1/grade/batch", {"problem": contract, "submissions": [{"id": f"s{k}", "answers": class_answers} for k in range(1450)]})
post("grade/batch: 1600 x 20 answers (past)", "/v1/grade/batch", {"problem": contract, "submissions": [{"id": f"s{k}", "answers": class_answers} for k in range(1600)]})

# /v1/activations/derivatives, /v1/optimizers/momentum/weights, /v1/analysis/hessian.
post("derivatives: 10000 points, order 20", "/v1/activations/derivatives", {"activation": "sigmoid", "order": 20, "at": [random.uniform(-5, 5) for _ in range(10000)]})
post("derivatives: softmax of 1000 (1e6 numbers)", "/v1/activations/derivatives", {"activation": "softmax", "order": 1, "at": [[random.uniform(-5, 5) for _ in range(1000)]]})
post("momentum weights: 10000 steps", "/v1/optimizers/momentum/weights", {"convention": "pytorch", "momentum": 0.9, "learningRate": 0.1, "steps": 10000, "dampening": 0.1})
post("hessian: P = 500, 200 examples", "/v1/analysis/hessian", {"network": {"inputSize": 9, "layers": [{"activation": "sigmoid", "weights": matrix(50, 9, rnd), "biases": [0.0] * 50}]},
     "data": {"inputs": matrix(200, 9, rnd), "targets": matrix(200, 50, lambda *_: 0.5)}, "loss": {"type": "half_sse"}})

# /v1/expressions/gradient: claims at maxExpressionWork; the 999-product claim.
A = matrix(100, 100, lambda *_: random.uniform(-1, 1))
post("gradient: A*A claim, 20 trials", "/v1/expressions/gradient", {"expression": "x'*A*A*x", "variables": {"A": A, "x": [1.0] * 100}, "wrt": ["x"], "claims": {"x": "(A*A + (A*A)')*x"}, "trials": 20})
A300 = matrix(300, 300, lambda i, j: ((i * 7 + j * 3) % 11 - 5) / 50)
post("gradient: 999 products of 300x300 (past)", "/v1/expressions/gradient", {"expression": "sum(x)", "variables": {"A": A300, "x": [1.0] * 300}, "wrt": ["x"], "claims": {"x": "*".join(["A"] * 999) + "*x"}, "trials": 1000})

# /v1/optimization/trajectories: the per-step cost (w^2, 20 nesterov runs), a 100-parameter quadratic, a 215x215 constant.
nesterov = {"type": "nesterov", "learningRate": 0.001, "momentum": 0.9, "convention": "sutskever"}
post("trajectories: w^2, 20 runs x 2863 steps", "/v1/optimization/trajectories", {"objective": {"expression": "w^2"}, "start": {"w": 0.5}, "runs": [{"optimizer": nesterov}] * 20, "maxSteps": 2863, "tolerance": 0})
post("trajectories: quadratic 100, 20 x 155", "/v1/optimization/trajectories", {"objective": {"function": "quadratic", "matrix": matrix(100, 100, lambda i, j: 2.0 if i == j else 0.01)},
     "start": {"p": [1.0] * 100}, "runs": [{"optimizer": nesterov}] * 20, "maxSteps": 155, "tolerance": 0})
C = matrix(215, 215, lambda i, j: ((i * 7 + j * 3) % 11 - 5) / 50)
post("trajectories: w*sum(C*C), C 215x215, 3 steps", "/v1/optimization/trajectories", {"objective": {"expression": "w*sum(C*C) + w^2", "constants": {"C": C}}, "start": {"w": 0.5},
     "runs": [{"optimizer": {"type": "sgd", "learningRate": 0.001}}], "maxSteps": 3, "tolerance": 0})
C316 = matrix(317, 317, lambda i, j: 0.5)
post("trajectories: 317x317 constant (past)", "/v1/optimization/trajectories", {"objective": {"expression": "w*sum(C*C)", "constants": {"C": C316}}, "start": {"w": 0.5},
     "runs": [{"optimizer": {"type": "sgd", "learningRate": 0.001}}], "maxSteps": 1})
