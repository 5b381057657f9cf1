#!/usr/bin/env python3
"""GradApi over HTTP on scripts/performance.sh's problems, timed by curl (time_total: request sent to last byte).

  http_steps.py BASE OUT.json PROBLEM_DIR

- Per step: each problem's request with `iterations` STEPS and include ["loss"], median of ROUNDS runs after
  WARMUPS (3) warm-ups, divided by STEPS; the losses at iterations 1, 2 and STEPS for the cross-check. Three, not one: the
  service compiles its methods a second time with what they did, and a fresh process's first 784-128-10 requests (its
  warm-up runs seed-sized examples only) take about 0.8, 0.75 and 0.4 s for 100 steps before 0.1 s; the cold times are
  kept in the figures as warmUpSeconds.
- Trace writing: the 784-128-10 network's whole 1-iteration trace and 20 iterations of include ["update"],
  MB/s = bytes received / time_total, median of TRACE_RUNS runs after one warm-up, curl discarding the body
  (-o /dev/null, as scripts/trace-throughput.sh does): the service's writing, not the client's disk.
- Peak memory while writing them (SERVER_PID, the service's process id, set): Linux's peak resident set (VmHWM) is
  reset after the warm-up (writing 5 to /proc/PID/clear_refs); the figure is the peak over the timed runs less the
  resident set before them, against the response's size.
"""
import json, os, statistics, subprocess, sys, tempfile

BASE, OUT, PROBLEMS = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TRACE_RUNS = int(os.environ.get("TRACE_RUNS", "5"))
WARMUPS = int(os.environ.get("WARMUPS", "3"))
STEPS = {"mnist": 100, "seed001": 1000}
SERVER_PID = os.environ.get("SERVER_PID")


def status_kb(field):
    """A field of the service's /proc/PID/status in kB (VmRSS, VmHWM), or None where it cannot be read."""
    try:
        with open(f"/proc/{SERVER_PID}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
    except (OSError, StopIteration, TypeError, ValueError):
        return None


def reset_peak():
    """Starts a new peak: VmHWM becomes the current resident set. False where the kernel refuses."""
    try:
        with open(f"/proc/{SERVER_PID}/clear_refs", "w") as f:
            f.write("5")
        return True
    except (OSError, TypeError):
        return False


def curl(body_file, answer_file=os.devnull):
    out = subprocess.run(["curl", "-sS", "-o", answer_file, "-w", "%{http_code} %{time_total} %{size_download}",
                          "-H", "Content-Type: application/json", "-H", "Expect:", "--data-binary", "@" + body_file,
                          BASE + "/v1/train"], check=True, capture_output=True, text=True).stdout.split()
    if out[0] != "200":
        if answer_file == os.devnull:
            # A trace's timed runs discard the body: post once more to keep the error's text.
            answer_file = body_file + ".error"
            subprocess.run(["curl", "-sS", "-o", answer_file, "-H", "Content-Type: application/json", "-H", "Expect:",
                            "--data-binary", "@" + body_file, BASE + "/v1/train"], check=True)
        with open(answer_file, errors="replace") as f:
            raise SystemExit(f"http_steps: /v1/train answered {out[0]}: {f.read(600)}")
    return float(out[1]), int(out[2])


def timed(request, runs, work, name, memory=None, keep=True, warmups=1):
    """The runs' (seconds, bytes) after the warm-ups; with memory (a dict), also the peak resident growth over them.
    keep=False discards the bodies (the answer file is then not written). The warm-ups' own times are returned after."""
    body = os.path.join(work, name + ".json")
    answer = os.path.join(work, name + ".out") if keep else os.devnull
    with open(body, "w") as f:
        json.dump(request, f, separators=(",", ":"))
    cold = [curl(body, answer)[0] for _ in range(warmups)]
    measured = memory is not None and reset_peak()
    resident = status_kb("VmRSS") if measured else None
    samples = [curl(body, answer) for _ in range(runs)]
    peak = status_kb("VmHWM") if measured else None
    if memory is not None and resident is not None and peak is not None:
        memory.update(peakGrowthBytes=(peak - resident) * 1024, residentBeforeBytes=resident * 1024)
    return samples, answer, cold


def main():
    result = {"results": {}, "traces": {}}
    with tempfile.TemporaryDirectory() as work:
        for name, steps in STEPS.items():
            with open(os.path.join(PROBLEMS, name + ".json")) as f:
                request = json.load(f)
            request.update(iterations=steps, include=["loss"])
            samples, answer, cold = timed(request, ROUNDS, work, name, warmups=WARMUPS)
            with open(answer) as f:
                response = json.load(f)
            iterations = response["iterations"]
            seconds = [s for s, _ in samples]
            result["results"][name] = {
                "steps": steps, "status": response["status"],
                "msPerStep": statistics.median(seconds) * 1000 / steps,
                "msPerStepRounds": [s * 1000 / steps for s in seconds],
                "warmUpSeconds": cold,
                "losses": [iterations[0]["loss"]["value"], iterations[1]["loss"]["value"], iterations[-1]["loss"]["value"]],
            }
        with open(os.path.join(PROBLEMS, "mnist.json")) as f:
            mnist = json.load(f)
        for name, changes in (("full trace, 1 iteration", {"iterations": 1}),
                              ("include update, 20 iterations", {"iterations": 20, "include": ["update"]})):
            request = {**mnist, **changes}
            if "include" not in changes:
                request.pop("include", None)
            memory = {}
            samples, _, _ = timed(request, TRACE_RUNS, work, "trace", memory, keep=False)
            result["traces"][name] = {**memory,
                "bytes": statistics.median(b for _, b in samples),
                "medianSeconds": statistics.median(s for s, _ in samples),
                "mbPerSecond": statistics.median(b / s / 1e6 for s, b in samples),
                "mbPerSecondRuns": [b / s / 1e6 for s, b in samples],
            }
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
