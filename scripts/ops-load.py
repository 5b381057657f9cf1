#!/usr/bin/env python3
"""Operations load test on loopback: the figures docs/operations.md records.

  scripts/ops-load.py                       # build Release, start the service on 127.0.0.1:5195, run every section
  scripts/ops-load.py --base http://127.0.0.1:5195 --sections worst,health
  MIXED_SECONDS=20 scripts/ops-load.py      # a shorter mixed-traffic soak

Sections (each bounded in time; only 127.0.0.1 is ever targeted):
  worst   scripts/worst-requests.py: the heaviest requests found within the default limits, per endpoint, and the
          ones just past them: status, size, wall time and the server's CPU seconds, against the deadline
  health  GET /health p99 (wrk, 4 connections) while 64 connections send those heavy requests round-robin;
          the heavy side's answers are counted by status (200, 429 with Retry-After, 503)
  mixed   MIXED_SECONDS (default 60) at 64 connections of the named examples' traffic: errors (non-2xx)
          and the service's resident memory after a warm-up against the end
  ratio   seed 001's POST /v1/train throughput as a ratio of GET /health's, alternating 3 x 4 s each
          (wrk, 1 thread, 32 connections, as issue 9 measured); --baseline-dll runs a second build the
          same way in the same run, for before/after
Needs wrk (installed with apt-get when missing and run as root), curl and python3.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "src", "GradApi", "OpenApi", "Examples")
ROUTES = {  # example file prefix -> route
    "train": "/v1/train", "grade": "/v1/grade", "grade-batch": "/v1/grade/batch",
    "derivatives": "/v1/activations/derivatives", "gradient": "/v1/expressions/gradient",
    "momentum-weights": "/v1/optimizers/momentum/weights", "trajectories": "/v1/optimization/trajectories",
    "hessian": "/v1/analysis/hessian",
}


def examples():
    """(route, name, body) for every named example request."""
    out = []
    for name in sorted(os.listdir(EXAMPLES)):
        prefix = name.split(".")[0]
        with open(os.path.join(EXAMPLES, name)) as f:
            out.append((ROUTES[prefix], name, json.load(f)["value"]))
    return out


def heavy_requests():
    """(route, label, body): the heaviest accepted requests per endpoint, from scripts/worst-requests.py ("past" ones left out)."""
    with tempfile.TemporaryDirectory() as work:
        listing = os.path.join(work, "worst.jsonl")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "worst-requests.py")], check=True,
                       env=dict(os.environ, WORST_REQUESTS_LIST=listing), stdout=subprocess.DEVNULL)
        with open(listing) as f:
            rows = [json.loads(line) for line in f]
    return [(r["route"], r["name"], r["body"]) for r in rows if "(past)" not in r["name"]]


_examples = None


def examples_by_name():
    global _examples
    if _examples is None:
        _examples = {name: body for _, name, body in examples()}
    return _examples


class Service:
    def __init__(self, dll, port, env=None, log=None):
        self.base = f"http://127.0.0.1:{port}"
        environment = dict(os.environ, ASPNETCORE_ENVIRONMENT="Production", Logging__LogLevel__Default="Warning", **(env or {}))
        self.log = open(log or os.devnull, "w")
        self.process = subprocess.Popen(["dotnet", dll, "--urls", self.base], env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(120):
            try:
                if urllib.request.urlopen(self.base + "/health", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the service at {self.base} did not come up")

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def wrk_script(work, name, requests):
    """A wrk Lua script that cycles through (route, body) pairs ("GET" for GET /health) and counts answers by status."""
    index = os.path.join(work, name + ".routes")
    with open(index, "w") as f:
        for i, (route, body) in enumerate(requests):
            body_file = os.path.join(work, f"{name}-{i}.json")
            with open(body_file, "w") as b:
                json.dump(body, b, separators=(",", ":"))
            f.write(f"{route} {body_file}\n")
    script = os.path.join(work, name + ".lua")
    with open(script, "w") as f:
        f.write(f"""
local routes, bodies = {{}}, {{}}
for line in io.lines("{index}") do
  local route, file = line:match("^(%S+) (%S+)$")
  local handle = assert(io.open(file, "rb"))
  routes[#routes + 1] = route
  bodies[#bodies + 1] = handle:read("*a")
  handle:close()
end
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
local i = 0
c200, c400, c429, c503, cother, bare429 = 0, 0, 0, 0, 0, 0
function init(args) i = math.random(#routes) - 1 end
function request()
  i = i % #routes + 1
  if routes[i] == "GET" then return wrk.format("GET", "/health") end
  return wrk.format("POST", routes[i], {{["Content-Type"] = "application/json"}}, bodies[i])
end
function response(status, headers, body)
  if status == 200 then c200 = c200 + 1 elseif status == 400 then c400 = c400 + 1
  elseif status == 429 then
    c429 = c429 + 1
    if headers["Retry-After"] == nil then bare429 = bare429 + 1 end
  elseif status == 503 then c503 = c503 + 1 else cother = cother + 1 end
end
function done(summary, latency, requests)
  local names = {{"c200", "c400", "c429", "c503", "cother", "bare429"}}
  for _, name in ipairs(names) do
    local n = 0
    for _, thread in ipairs(threads) do n = n + thread:get(name) end
    io.write(string.format("status %s %d\\n", name:sub(2), n))
  end
end
""")
    return script


def wrk(base, args, script=None, path="/"):
    command = ["wrk", *args, "--latency"] + (["-s", script] if script else []) + [base + path]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def rps(out):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def percentile(out, p):
    value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def statuses(out):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^status (.+) (\d+)$", out, re.M)}


def section_worst(base, service):
    print("\n== the heaviest requests within the default limits, and those just past them (scripts/worst-requests.py) ==")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "worst-requests.py"), base] +
                   ([str(service.process.pid)] if service else []), check=True)


def section_health(base, work, seconds):
    print(f"\n== GET /health while 64 connections send the heavy requests ({seconds} s) ==")
    script = wrk_script(work, "heavy", [(route, body) for route, _, body in heavy_requests()])
    heavy = subprocess.Popen(["wrk", "-t", "2", "-c", "64", "-d", f"{seconds + 4}s", "--timeout", "60s", "-s", script, base + "/"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    health = wrk(base, ["-t", "1", "-c", "4", "-d", f"{seconds}s"], path="/health")
    heavy_out, _ = heavy.communicate(timeout=seconds + 120)
    print(f"/health: {rps(health):.0f} req/s, p50 {percentile(health, 50):.2f} ms, p90 {percentile(health, 90):.2f} ms, "
          f"p99 {percentile(health, 99):.2f} ms (target p99 < 50 ms)")
    print(f"heavy side: {rps(heavy_out):.1f} req/s, answers by status {statuses(heavy_out)}")


def section_mixed(base, work, seconds, service):
    print(f"\n== mixed traffic: the named examples and GET /health, 64 connections, {seconds} s ==")
    requests = [(route, body) for route, _, body in examples()] + [("GET", None)] * 8
    script = wrk_script(work, "mixed", requests)
    wrk(base, ["-t", "2", "-c", "64", "-d", "10s", "--timeout", "30s"], script)  # warm-up
    before = service.rss_mb() if service else None
    out = wrk(base, ["-t", "2", "-c", "64", "-d", f"{seconds}s", "--timeout", "30s"], script)
    after = service.rss_mb() if service else None
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors:.*", out)
    print(f"{rps(out):.0f} req/s, p50 {percentile(out, 50):.2f} ms, p99 {percentile(out, 99):.2f} ms; "
          f"non-2xx {errors.group(1) if errors else 0}; {sockets.group(0) if sockets else 'no socket errors'}; "
          f"by status {statuses(out)}")
    if before:
        print(f"resident memory: {before:.0f} MB after warm-up, {after:.0f} MB at the end ({(after - before) / before * 100:+.1f}%)")


def section_ratio(bases, work):
    print("\n== seed 001 POST /v1/train against GET /health (wrk 1 thread, 32 connections, 4 s each, alternating x 3) ==")
    script = os.path.join(work, "train.lua")
    with open(script, "w") as f:
        body = json.dumps(examples_by_name()["train.seed001-two-layer-momentum.json"], separators=(",", ":"))
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ' + json.dumps(body) + "\n")
    figures = {label: {"health": [], "train": []} for label in bases}
    for label, base in bases.items():
        wrk(base, ["-t", "1", "-c", "32", "-d", "2s"], path="/health")
        wrk(base, ["-t", "1", "-c", "32", "-d", "2s"], script, "/v1/train")
    for _ in range(3):
        for label, base in bases.items():
            figures[label]["health"].append(rps(wrk(base, ["-t", "1", "-c", "32", "-d", "4s"], path="/health")))
            figures[label]["train"].append(rps(wrk(base, ["-t", "1", "-c", "32", "-d", "4s"], script, "/v1/train")))
    for label, f in figures.items():
        h, t = statistics.median(f["health"]), statistics.median(f["train"])
        print(f"{label:10} /health {h:8.0f} req/s   /v1/train {t:8.0f} req/s   ratio {t / h:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="a running service; otherwise the Release build is started on --port")
    parser.add_argument("--port", type=int, default=5195)
    parser.add_argument("--sections", default="worst,health,mixed,ratio")
    parser.add_argument("--baseline-dll", help="another build's GradApi.dll, run beside this one in the ratio section")
    args = parser.parse_args()
    sections = args.sections.split(",")

    if not shutil.which("wrk"):
        if os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run("apt-get update -qq && apt-get install -y -qq wrk >/dev/null", shell=True, check=True)
        else:
            raise SystemExit("wrk is needed (apt-get install wrk)")

    services = []
    try:
        with tempfile.TemporaryDirectory() as work:
            service = None
            if args.base:
                base = args.base
            else:
                subprocess.run(["dotnet", "build", os.path.join(ROOT, "src", "GradApi", "GradApi.csproj"), "-c", "Release",
                                "-nologo", "-v", "quiet"], check=True, stdout=subprocess.DEVNULL)
                dll = os.path.join(ROOT, "src", "GradApi", "bin", "Release", "net10.0", "GradApi.dll")
                service = Service(dll, args.port, log=os.path.join(work, "service.log"))
                services.append(service)
                base = service.base
            print(f"service: {base}; {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
            if "worst" in sections:
                section_worst(base, service)
            if "health" in sections:
                section_health(base, work, int(os.environ.get("HEALTH_SECONDS", "20")))
            if "mixed" in sections:
                section_mixed(base, work, int(os.environ.get("MIXED_SECONDS", "60")), service)
            if "ratio" in sections:
                bases = {"this build": base}
                if args.baseline_dll:
                    baseline = Service(args.baseline_dll, args.port + 1)
                    services.append(baseline)
                    bases["baseline"] = baseline.base
                section_ratio(bases, work)
    finally:
        for s in services:
            s.stop()


if __name__ == "__main__":
    main()
