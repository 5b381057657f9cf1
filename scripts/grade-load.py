#!/usr/bin/env python3
"""Grading a class over HTTP: one POST /v1/grade/batch against the same submissions as single /v1/grade calls.

The class is the benchmark's (tests/GradApi.Benchmarks/GradingBenchmarks.cs): seed 001, 20 answers per
student from the /v1/train response rounded to 4 decimals, every third student with one slip.
Usage: scripts/grade-load.py [base-url] [students]   (default http://127.0.0.1:5190, 1000)
       scripts/grade-load.py --performance OUT.json [base-url] [students]
       scripts/grade-load.py --batch-only [base-url] [students]   (the batch's times alone, as --performance takes them)
Needs a running service (dotnet src/GradApi/bin/Release/net10.0/GradApi.dll --urls http://127.0.0.1:5190)
curl for the batch, and wrk for the single calls, which cycle through the class's 1000 bodies.
With --performance (scripts/performance.sh) it measures instead, and writes as JSON: POST /v1/grade against
GET /health (wrk 1 thread, 32 connections, 4 s each, alternating, ROUNDS rounds, median ratio) and the
batch's median time over BATCH_RUNS runs after 3 warm-ups. With --batch-only it times the batch alone, the same way,
and prints the median and every run (BATCH_OUT=FILE keeps the last response, to diff against another build's;
BATCH_REQUEST=FILE the request, for tests/GradApi.Benchmarks' --batch mode).
"""
import http.client, json, os, statistics, subprocess, sys, tempfile, time, urllib.parse

PERFORMANCE = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--performance" else None
BATCH_ONLY = len(sys.argv) > 1 and sys.argv[1] == "--batch-only"
ARGS = sys.argv[3:] if PERFORMANCE else sys.argv[2:] if BATCH_ONLY else sys.argv[1:]
BASE = ARGS[0] if len(ARGS) > 0 else "http://127.0.0.1:5190"
STUDENTS = int(ARGS[1]) if len(ARGS) > 1 else 1000
URL = urllib.parse.urlparse(BASE)

PROBLEM = {
    "network": {"inputSize": 3, "layers": [
        {"name": "hidden", "activation": "sigmoid", "weights": [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], "biases": [-0.4, 0.2]},
        {"name": "output", "activation": "sigmoid", "weights": [[-0.3, -0.2]], "biases": [0.1]}]},
    "data": {"inputs": [[1, 0, 1]], "targets": [[1]]},
    "loss": {"type": "half_sse", "reduction": "sum", "alsoReport": ["bce"]},
    "optimizer": {"type": "momentum", "convention": "heavy_ball", "learningRate": 0.9, "momentum": 0.9},
    "iterations": 2, "sampling": {"mode": "full"}}
PATHS = [
    "/iterations/0/forward/layers/0/z", "/iterations/0/forward/layers/0/a", "/iterations/0/forward/layers/0/activationDerivative",
    "/iterations/0/forward/layers/1/z", "/iterations/0/forward/layers/1/a", "/iterations/0/forward/layers/1/activationDerivative",
    "/iterations/0/loss/value", "/iterations/0/backward/outputGradient", "/iterations/0/backward/layers/1/delta",
    "/iterations/0/backward/layers/0/delta", "/iterations/0/backward/layers/1/weightGradient", "/iterations/0/backward/layers/1/biasGradient",
    "/iterations/0/backward/layers/0/weightGradient", "/iterations/0/backward/layers/0/biasGradient",
    "/iterations/0/update/layers/1/state/v/weights", "/iterations/0/update/layers/1/weights", "/iterations/0/update/layers/1/biases",
    "/iterations/0/update/layers/0/weights", "/iterations/0/update/layers/0/biases", "/iterations/1/forward/layers/1/a"]
TOLERANCE = {"type": "decimals", "decimals": 4}


def post(connection, path, body):
    connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {data[:300]!r}")
    return json.loads(data)


def at(document, pointer):
    for token in pointer.strip("/").split("/"):
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def rounded(value, slip):
    if isinstance(value, list):
        return [rounded(v, slip and i == 0) for i, v in enumerate(value)]
    return round(-value + 0.01, 4) if slip else round(value, 4)


def connect():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=120)


def wrk_script(bodies_file):
    """A wrk script posting the class's single-submission bodies to /v1/grade in turn."""
    script = bodies_file + ".lua"
    with open(script, "w") as f:
        f.write(f"""
local bodies = {{}}
for line in io.lines("{bodies_file}") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/grade", {{["Content-Type"] = "application/json"}}, bodies[i])
end
""")
    return script


def wrk(url, connections, duration, threads, script=None):
    """Requests/s that wrk reaches on url; any non-2xx answer is a failure."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", duration] + (["-s", script] if script else []) + [url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk: some calls to {url} failed:\n" + out)
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec:")))


def wrk_rate(bodies_file, connections, duration="10s"):
    """Requests/s of POST /v1/grade with wrk, cycling through the class's single-submission bodies."""
    script = wrk_script(bodies_file)
    threads = min(2, connections)
    wrk(BASE, connections, "3s", threads, script)
    return wrk(BASE, connections, duration, threads, script)


def write_singles(submissions, path):
    with open(path, "w") as f:
        for s in submissions:
            f.write(json.dumps({"problem": PROBLEM, "tolerance": TOLERANCE, "answers": s["answers"]}, separators=(",", ":")) + "\n")


def batch_times(batch, runs, warmups):
    """curl's time_total of POST /v1/grade/batch, from sending the request to the last byte of the answer, the answer
    discarded as it arrives (written to a file, its 12 MB cost the client 5 to 10 ms more; python's own HTTP client
    spends as long again reading it, which is the client's cost, not the service's). The answer itself comes from one
    more run, untimed."""
    with tempfile.TemporaryDirectory() as work:
        batch_file = os.path.join(work, "batch.json")
        answer_file = os.path.join(work, "batch.out")
        with open(batch_file, "w") as f:
            f.write(batch)
        def curl(out):
            return ["curl", "-sS", "-o", out, "-w", "%{http_code} %{time_total}", "-H", "Content-Type: application/json",
                    "-H", "Expect:", "--data-binary", "@" + batch_file, BASE + "/v1/grade/batch"]
        times = []
        for attempt in range(warmups + runs + 1):
            last = attempt == warmups + runs
            code, seconds = subprocess.run(curl(answer_file if last else "/dev/null"), check=True, capture_output=True, text=True).stdout.split()
            if code != "200":
                subprocess.run(curl(answer_file), capture_output=True)
                raise SystemExit(f"batch: {code} {open(answer_file).read(300)}")
            if warmups <= attempt < warmups + runs:
                times.append(float(seconds))
        with open(answer_file) as f:
            body = f.read()
    return times, body


def performance(submissions, batch, out_file):
    """Issue 13's figures: /v1/grade against /health in alternating wrk rounds, and the batch's median time."""
    rounds = int(os.environ.get("ROUNDS", "3"))
    duration = os.environ.get("DURATION", "4s")
    with tempfile.TemporaryDirectory() as work:
        bodies = os.path.join(work, "singles.jsonl")
        write_singles(submissions, bodies)
        script = wrk_script(bodies)
        wrk(BASE + "/health", 32, "2s", 1)
        wrk(BASE, 32, "2s", 1, script)
        health, grade = [], []
        for _ in range(rounds):
            health.append(wrk(BASE + "/health", 32, duration, 1))
            grade.append(wrk(BASE, 32, duration, 1, script))
    times, body = batch_times(batch, int(os.environ.get("BATCH_RUNS", "10")), 3)
    result = {
        "gradeRps": statistics.median(grade), "healthRps": statistics.median(health),
        "gradeOverHealth": statistics.median(g / h for g, h in zip(grade, health)),
        "rounds": [{"health": h, "grade": g} for h, g in zip(health, grade)],
        "batchMedianMs": statistics.median(times) * 1000, "batchMinMs": min(times) * 1000, "batchRuns": len(times),
        "batchRequestBytes": len(batch), "batchResponseBytes": len(body), "students": STUDENTS, "answers": len(PATHS),
    }
    with open(out_file, "w") as f:
        json.dump(result, f, indent=1)
    print(f"grade-load: /v1/grade {result['gradeRps']:.0f} req/s, /health {result['healthRps']:.0f} req/s, "
          f"ratio {result['gradeOverHealth']:.3f} (median of {rounds}); batch median {result['batchMedianMs']:.1f} ms")


def batch_only(batch):
    """The batch part of --performance alone: BATCH_RUNS runs after 3 warm-ups, the median and each run in ms."""
    if os.environ.get("BATCH_REQUEST"):
        with open(os.environ["BATCH_REQUEST"], "w") as f:
            f.write(batch)
    times, body = batch_times(batch, int(os.environ.get("BATCH_RUNS", "10")), 3)
    if os.environ.get("BATCH_OUT"):
        with open(os.environ["BATCH_OUT"], "w") as f:
            f.write(body)
    print(f"batch median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms of {len(times)}; "
          f"request {len(batch) / 1e6:.2f} MB, response {len(body) / 1e6:.2f} MB; runs "
          + " ".join(f"{t * 1000:.1f}" for t in times))


def main():
    connection = connect()
    trace = post(connection, "/v1/train", PROBLEM)
    submissions = [{"id": f"s{s:04d}", "answers": [
        {"path": p, "value": rounded(at(trace, p), s % 3 == 2 and i == s % len(PATHS))} for i, p in enumerate(PATHS)]}
        for s in range(STUDENTS)]
    batch = json.dumps({"problem": PROBLEM, "tolerance": TOLERANCE, "submissions": submissions}, separators=(",", ":"))
    if PERFORMANCE:
        return performance(submissions, batch, PERFORMANCE)
    if BATCH_ONLY:
        return batch_only(batch)

    times, body = batch_times(batch, 20, 10)  # the first ten warm up
    summary = json.loads(body)["summary"]
    verdicts = {v: sum(c[v] for c in summary.values()) for v in ("correct", "followThrough", "incorrect")}

    with tempfile.TemporaryDirectory() as work:
        bodies = os.path.join(work, "singles.jsonl")
        write_singles(submissions, bodies)
        one = wrk_rate(bodies, 1)
        many = wrk_rate(bodies, 32)

    batch_ms = statistics.median(times) * 1000
    print(f"class: {STUDENTS} submissions x {len(PATHS)} answers; verdicts {verdicts}")
    print(f"one POST /v1/grade/batch: median {batch_ms:.1f} ms of 20 (min {min(times) * 1000:.1f} ms); "
          f"request {len(batch) / 1e6:.2f} MB, response {len(body) / 1e6:.2f} MB")
    print(f"POST /v1/grade, 1 connection: {one:.0f} req/s, so {STUDENTS} calls take {STUDENTS / one * 1000:.0f} ms: "
          f"{STUDENTS / one * 1000 / batch_ms:.1f} x the batch")
    print(f"POST /v1/grade, 32 connections: {many:.0f} req/s, so {STUDENTS} calls take {STUDENTS / many * 1000:.0f} ms: "
          f"{STUDENTS / many * 1000 / batch_ms:.1f} x the batch")


if __name__ == "__main__":
    main()
