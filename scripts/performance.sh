#!/usr/bin/env bash
# docs/performance.md in one run: GradApi (domain with BenchmarkDotNet, and over HTTP) against PyTorch (Debian's
# python3-torch, float64 and float32) and TensorFlow.js (npm, CPU) on the same problems from the same weights,
# the losses they reach compared, and issue 13's HTTP ratios and figures against their targets, with the
# machine and date. About 5 to 10 minutes on the 2-core machine.
#
#   scripts/performance.sh                       # writes docs/performance.md
#   OUT=/tmp/perf.md PORT=5251 scripts/performance.sh
#   KEEP_WORK=1 scripts/performance.sh           # keeps the raw figures (JSON, wrk and BenchmarkDotNet output)
#
# Installs what is missing: python3-torch and wrk (apt-get, as root), @tensorflow/tfjs (npm, pinned, into
# $CACHE, outside the repository; @tensorflow/tfjs-node is tried once first and used if its native library
# installs). The service runs on 127.0.0.1:$PORT only and is stopped on exit; every load run is bounded.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${PORT:-5250}
OUT=${OUT:-docs/performance.md}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gradapi-performance}
TFJS_VERSION=4.22.0
BASE="http://127.0.0.1:$PORT"
FIXTURE=tests/GradApi.Tests/Fixtures/Reference/seed001-two-layer-momentum.json
HERE=scripts/performance
# Debian's python3-torch installs for Debian's python; a pyenv or venv python3 earlier on PATH would not see it.
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}

started=$(date +%s)
work=$(mktemp -d)
server_pid=""
log() { echo "performance [$(($(date +%s) - started)) s]: $*"; }
note() { echo "$*" >> "$work/notes.txt"; log "$*"; }
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        log "service stopped"
    fi
    if [[ -n ${KEEP_WORK:-} ]]; then echo "performance: figures kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- 1. What the run needs -----------------------------------------------------------------------------------
apt_install() { # package: installs a Debian package if apt knows it and we may
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "performance: $1 is needed (apt-get install $1)" >&2
        return 1
    fi
    if ! apt-cache show "$1" >/dev/null 2>&1; then
        apt-get update -qq
        apt-cache show "$1" >/dev/null 2>&1 || { echo "performance: apt has no package $1" >&2; return 1; }
    fi
    log "installing $1 (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}
command -v wrk >/dev/null || apt_install wrk
"$TORCH_PYTHON" -c 'import torch' 2>/dev/null || apt_install python3-torch
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm

tfjs_dir="$CACHE/tfjs-$TFJS_VERSION"
if [[ ! -f $tfjs_dir/node_modules/@tensorflow/tfjs/package.json ]]; then
    log "installing @tensorflow/tfjs@$TFJS_VERSION into $tfjs_dir (npm)"
    mkdir -p "$tfjs_dir"
    [[ -f $tfjs_dir/package.json ]] || echo '{"private": true}' > "$tfjs_dir/package.json"
    (cd "$tfjs_dir" && npm install --no-audit --no-fund --save-exact "@tensorflow/tfjs@$TFJS_VERSION" >/dev/null)
fi
if [[ ! -e $tfjs_dir/tfjs-node.tried ]]; then
    # The native backend downloads libtensorflow in its install script; where that fails, the JavaScript CPU backend is used.
    log "trying @tensorflow/tfjs-node@$TFJS_VERSION once (native backend)"
    if (cd "$tfjs_dir" && timeout 300 npm install --no-audit --no-fund --save-exact "@tensorflow/tfjs-node@$TFJS_VERSION" \
            > "$tfjs_dir/tfjs-node.log" 2>&1); then
        echo installed > "$tfjs_dir/tfjs-node.tried"
    else
        echo failed > "$tfjs_dir/tfjs-node.tried"
    fi
fi
if [[ $(cat "$tfjs_dir/tfjs-node.tried") != installed ]]; then
    reason=$(grep -m1 -oE "(ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN)[^'\"]*" "$tfjs_dir/tfjs-node.log" 2>/dev/null || echo "npm install failed")
    note "@tensorflow/tfjs-node could not be installed (its install script downloads libtensorflow: $reason), so TF.js ran on its pure JavaScript CPU backend."
fi

# --- 2. The machine --------------------------------------------------------------------------------------------
"$TORCH_PYTHON" - "$work/machine.json" <<'EOF'
import json, os, platform, re, subprocess, sys
def run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception:
        return "?"
cpuinfo = open("/proc/cpuinfo").read()
model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
flags = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.M)
flags = set(flags.group(1).split()) if flags else set()
memory = re.search(r"^MemTotal:\s*(\d+) kB", open("/proc/meminfo").read(), re.M)
release = dict(line.split("=", 1) for line in open("/etc/os-release").read().splitlines() if "=" in line)
runtimes = [line.split()[1] for line in run("dotnet", "--list-runtimes").splitlines() if line.startswith("Microsoft.NETCore.App")]
json.dump({
    "cpu": model.group(1) if model else platform.processor(),
    "cores": os.cpu_count(),
    "flags": ", ".join(f for f in ("avx2", "fma", "avx512f") if f in flags) or "no AVX2",
    "memory": f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "?",
    "os": release.get("PRETTY_NAME", "?").strip('"'),
    "kernel": platform.release(),
    "dotnet": run("dotnet", "--version"),
    "runtime": ", ".join(runtimes) or "?",
    "torchPackage": run("dpkg-query", "-W", "-f=${Version}", "python3-torch") or "?",
    "node": run("node", "--version"),
    "loadStart": " ".join(open("/proc/loadavg").read().split()[:3]),
}, open(sys.argv[1], "w"), indent=1)
EOF
date -u '+%Y-%m-%d %H:%M UTC' > "$work/date"

# --- 3. Build and the problems ---------------------------------------------------------------------------------
log "building Release (service and benchmarks)"
dotnet build tests/GradApi.Benchmarks/GradApi.Benchmarks.csproj -c Release -nologo -v quiet -p:MSBuildTerminalLogger=off >/dev/null
python3 "$HERE/problems.py" "$work/problems" "$FIXTURE"

# --- 4. GradApi's domain: BenchmarkDotNet -----------------------------------------------------------------------
# In process (no generated project to build), one launch, 2 warm-up and 9 measured iterations: fewer than
# BenchmarkDotNet's default, so the whole run stays within its time budget; the page reports the median.
bdn_filters=('*TrainingRunBenchmarks.Run_Seed001*')
if grep -q 'class MnistStepBenchmarks' tests/GradApi.Benchmarks/*.cs 2>/dev/null; then
    bdn_filters+=('*MnistStepBenchmarks.Run_100*')
else
    note "tests/GradApi.Benchmarks has no MnistStepBenchmarks in this build, so the 784-128-10 step has no domain figure."
fi
log "BenchmarkDotNet: ${bdn_filters[*]}"
if ! timeout 420 dotnet tests/GradApi.Benchmarks/bin/Release/net10.0/GradApi.Benchmarks.dll --filter "${bdn_filters[@]}" \
        --launchCount 1 --warmupCount 2 --iterationCount 9 --inProcess --exporters json --artifacts "$work/bdn" > "$work/bdn.log" 2>&1; then
    note "BenchmarkDotNet did not finish (the last lines of its log: $(tail -3 "$work/bdn.log" | tr '\n' ' '))"
fi

# --- 5. GradApi over HTTP ---------------------------------------------------------------------------------------
# Limits raised so the 784-128-10 runs (101,770 parameters, 100 Adam iterations; a 45 MB trace) are admitted and
# not cut by the deadline on a loaded machine; every other setting is the default.
log "starting the service on $BASE"
ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Limits__MaxParameters=200000 Limits__MaxWork=2000000000 Limits__MaxTraceValues=100000000 \
    Limits__MaxResponseValues=100000000 Limits__DeadlineSeconds=120 \
    dotnet src/GradApi/bin/Release/net10.0/GradApi.dll --urls "$BASE" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "performance: the service exited:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.5
done
curl -fsS -o /dev/null "$BASE/health"

log "HTTP: steps and trace writing (curl)"
SERVER_PID=$server_pid python3 "$HERE/http_steps.py" "$BASE" "$work/http.json" "$work/problems"
# Five rounds, not three: on this shared machine one round's ratio swings by a tenth either way, and a median of three
# moved with it.
HTTP_ROUNDS=${HTTP_ROUNDS:-5}
log "HTTP: /v1/train against /health (scripts/load.sh, $HTTP_ROUNDS alternating rounds)"
BASE_URL="$BASE" ROUNDS=$HTTP_ROUNDS DURATION=4s WARMUP=2s THREADS=1 CONNECTIONS=32 scripts/load.sh > "$work/load.txt"
tail -1 "$work/load.txt"
log "HTTP: /v1/grade against /health and the batch (scripts/grade-load.py --performance)"
ROUNDS=$HTTP_ROUNDS DURATION=4s BATCH_RUNS=10 python3 scripts/grade-load.py --performance "$work/grade.json" "$BASE" 1000

kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""
log "service stopped"

# --- 6. PyTorch and TensorFlow.js -------------------------------------------------------------------------------
log "PyTorch (float64 and float32 on 2 threads, float64 on 1)"
ROUNDS=3 "$TORCH_PYTHON" "$HERE/torch_steps.py" "$work/torch.json" "$work/problems/mnist.json:100" "$work/problems/seed001.json:1000" \
    || note "the PyTorch helper failed"
log "TensorFlow.js"
ROUNDS=3 node "$HERE/tfjs_steps.cjs" "$tfjs_dir" "$work/tfjs.json" "$work/problems/mnist.json:100" "$work/problems/seed001.json:1000" \
    2> >(grep -v -e '^=*$' -e 'tfjs-node' -e 'Hi, looks like' >&2) || note "the TensorFlow.js helper failed"

# --- 7. The page ------------------------------------------------------------------------------------------------
python3 - "$work/timing.json" "$(cat "$work/date")" "$(($(date +%s) - started))" <<'EOF'
import json, sys
json.dump({"date": sys.argv[2], "seconds": int(sys.argv[3]),
           "loadEnd": " ".join(open("/proc/loadavg").read().split()[:3])}, open(sys.argv[1], "w"))
EOF
mkdir -p "$(dirname "$OUT")"
python3 "$HERE/report.py" "$work" "$OUT"
log "wrote $OUT"
