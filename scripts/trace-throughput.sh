#!/usr/bin/env bash
# Trace writing over loopback (issue 13): a 784-128-10 network (sigmoid, then softmax with ce, Adam, 32 examples,
# full batch; 101,770 parameters) posted to /v1/train as
#   full1     its full 1-iteration trace (about 17 MB), and
#   update20  20 iterations with include ["update"] (about 46 MB);
# each RUNS times with curl -o /dev/null. Prints MB/s = size / time_total per run, the best and the median, MB per second
# of the server's CPU (user + system, from /proc: steadier than the wall clock on a shared machine), and the server's
# peak memory growth (VmHWM of a fresh process after a warm-up against after the request's runs) next to the response size.
#
#   scripts/trace-throughput.sh                          # this tree, port 5240
#   BEFORE=/tmp/writer-before scripts/trace-throughput.sh  # also another tree (built in Release), port 5241, alternating
#   RUNS=9 scripts/trace-throughput.sh
#
# Only 127.0.0.1 is ever targeted. The machine is shared, so read the best and the median, not one run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-7}
PORT=${PORT:-5240}
BEFORE_PORT=${BEFORE_PORT:-5241}
BEFORE=${BEFORE:-}

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

# The two requests: fixed seed, inputs and weights with a few digits as a client would send them.
python3 - "$work" <<'EOF'
import json, random, sys
random.seed(20261202)
inputs, hidden, classes, examples = 784, 128, 10, 32
def matrix(rows, cols, scale):
    return [[round(random.uniform(-scale, scale), 6) for _ in range(cols)] for _ in range(rows)]
x = [[round(random.random(), 4) for _ in range(inputs)] for _ in range(examples)]
y = [[1 if c == i % classes else 0 for c in range(classes)] for i in range(examples)]
base = {
    "network": {"inputSize": inputs, "layers": [
        {"name": "hidden", "activation": "sigmoid", "weights": matrix(hidden, inputs, 0.05), "biases": [0.0] * hidden},
        {"name": "output", "activation": "softmax", "weights": matrix(classes, hidden, 0.1), "biases": [0.0] * classes}]},
    "data": {"inputs": x, "targets": y},
    "loss": {"type": "ce", "reduction": "mean"},
    "optimizer": {"type": "adam", "learningRate": 0.001},
    "sampling": {"mode": "full"},
}
small = {"network": {"inputSize": 3, "layers": [
    {"name": "hidden", "activation": "sigmoid", "weights": [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], "biases": [-0.4, 0.2]},
    {"name": "output", "activation": "softmax", "weights": [[-0.3, -0.2], [0.1, 0.3]], "biases": [0.1, 0.0]}]},
    "data": {"inputs": [[1, 0, 1]], "targets": [[1, 0]]}, "loss": {"type": "ce", "reduction": "mean"},
    "optimizer": {"type": "adam", "learningRate": 0.001}, "sampling": {"mode": "full"}, "iterations": 20}
with open(f"{sys.argv[1]}/small.json", "w") as f:
    json.dump(small, f, separators=(",", ":"))
for name, extra in {"full1": {"iterations": 1}, "update20": {"iterations": 20, "include": ["update"]},
                    "lossonly": {"iterations": 2, "include": ["loss"]}}.items():
    with open(f"{sys.argv[1]}/{name}.json", "w") as f:
        json.dump({**base, **extra}, f, separators=(",", ":"))
EOF

limits=(Limits__MaxParameters=200000 Limits__MaxWork=2000000000 Limits__MaxTraceValues=50000000
        Limits__MaxBodyBytes=16777216 Limits__DeadlineSeconds=600)

trees=(after)
declare -A tree_of=([after]=. [before]=$BEFORE) port_of=([after]=$PORT [before]=$BEFORE_PORT) pid_of=()
[[ -n $BEFORE ]] && trees=(before after)
for label in "${trees[@]}"; do
    echo "trace: building ${tree_of[$label]} (Release)" >&2
    dotnet build "${tree_of[$label]}/src/GradApi/GradApi.csproj" -c Release -nologo -v quiet -p:MSBuildTerminalLogger=off >/dev/null
done

start() { # label: a fresh process, so its VmHWM is this request's alone
    local label=$1 port=${port_of[$1]}
    env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning "${limits[@]}" \
        dotnet "${tree_of[$label]}/src/GradApi/bin/Release/net10.0/GradApi.dll" --urls "http://127.0.0.1:$port" \
        > "$work/server-$port.log" 2>&1 &
    pid_of[$label]=$!
    pids+=("$!")
    for _ in $(seq 1 120); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then return; fi
        if ! kill -0 "${pid_of[$label]}" 2>/dev/null; then cat "$work/server-$port.log" >&2; exit 1; fi
        sleep 0.5
    done
    echo "trace: ${tree_of[$label]} did not start" >&2; exit 1
}
stop() { kill "${pid_of[$1]}" 2>/dev/null || true; wait "${pid_of[$1]}" 2>/dev/null || true; }

hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; } # kB
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }         # the process's user + system clock ticks

post() { # label, request -> "size time code"
    curl -sS -o /dev/null -w '%{size_download} %{time_total} %{http_code}\n' -H 'Content-Type: application/json' \
        --data-binary "@$work/$2.json" "http://127.0.0.1:${port_of[$1]}/v1/train"
}

echo "trace: $RUNS runs of each request$([[ -n $BEFORE ]] && echo ", alternating before ($BEFORE) and after (.)")"
declare -A base_hwm
for request in full1 update20; do
    for label in "${trees[@]}"; do
        start "$label"
        # Warm-up without a large body: seed-sized traces (the writer's code) and the network with include ["loss"].
        for _ in $(seq 1 40); do post "$label" small >/dev/null; done
        post "$label" lossonly >/dev/null
        base_hwm[$label]=$(hwm "${pid_of[$label]}")
    done
    : > "$work/$request.runs"
    for run in $(seq 1 "$RUNS"); do
        for label in "${trees[@]}"; do
            before_cpu=$(cpu "${pid_of[$label]}")
            read -r size time code < <(post "$label" "$request")
            ticks=$(( $(cpu "${pid_of[$label]}") - before_cpu ))
            [[ $code == 200 ]] || { echo "trace: $label $request answered $code" >&2; cat "$work/server-${port_of[$label]}.log" >&2; exit 1; }
            echo "$label $size $time $ticks" >> "$work/$request.runs"
        done
    done
    for label in "${trees[@]}"; do
        peak=$(hwm "${pid_of[$label]}")
        stop "$label"
        ticks_per_s=$(getconf CLK_TCK)
        cpu_rate=$(awk -v l="$label" -v hz="$ticks_per_s" '$1 == l { b += $2; t += $4 } END { printf "%.1f", (t > 0 ? b / (t / hz) / 1e6 : 0) }' "$work/$request.runs")
        awk -v l="$label" '$1 == l { printf "%s %.6f\n", $2, $2 / $3 / 1e6 }' "$work/$request.runs" | sort -k2 -g |
        awk -v l="$label" -v r="$request" -v grow=$(( peak - base_hwm[$label] )) -v cpu="$cpu_rate" '
            { size = $1; rate[++n] = $2 }
            END {
                median = (n % 2) ? rate[(n + 1) / 2] : (rate[n / 2] + rate[n / 2 + 1]) / 2
                printf "%-7s %-9s %5.1f MB  best %6.1f MB/s  median %6.1f MB/s  per server CPU second %6.1f MB  (%d runs)  peak RSS +%.1f MB = %.2fx the response\n",
                    l, r, size / 1e6, rate[n], median, cpu, n, grow / 1024, grow * 1024 / size
            }'
    done
done
