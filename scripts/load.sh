#!/usr/bin/env bash
# Load test on loopback: builds and starts GradApi in Release on 127.0.0.1, warms it up, then drives
# GET /health and POST /v1/train (seed 001's two-layer momentum request) with wrk for DURATION each,
# prints requests/s and latency for both and their ratio, and stops the service.
#
#   scripts/load.sh                           # defaults below
#   DURATION=30s CONNECTIONS=64 scripts/load.sh
#   BASE_URL=http://127.0.0.1:5250 ROUNDS=3 scripts/load.sh   # a service already running; 3 alternating rounds
#
# With ROUNDS > 1 the two endpoints are measured alternately that many times and the summary reports the
# median requests/s of each and the median of the rounds' ratios (scripts/performance.sh uses it so).
# Only 127.0.0.1 is ever targeted; every wrk run is bounded in time and connections.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${PORT:-5190}                 # not 5080, so a `dotnet run` dev server can keep running
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-1}
FIXTURE=tests/GradApi.Tests/Fixtures/Reference/seed001-two-layer-momentum.json
BASE=${BASE_URL:-"http://127.0.0.1:$PORT"}

if ! command -v wrk >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "load: installing wrk (Debian package)"
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    else
        echo "load: wrk is needed (apt-get install wrk)" >&2
        exit 1
    fi
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        echo "load: service stopped"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The request of the seed-001 fixture, as a client would send it.
python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["request"], separators=(",", ":")))' \
    "$FIXTURE" > "$work/train.json"
# wrk posts seed 001's request from that file (scripts/wrk-post.lua reads WRK_BODY).
export WRK_BODY="$work/train.json"

if [[ -z ${BASE_URL:-} ]]; then
    echo "load: building Release"
    dotnet build src/GradApi/GradApi.csproj -c Release -nologo -v quiet -p:MSBuildTerminalLogger=off >/dev/null

    echo "load: starting the service on $BASE"
    ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
        dotnet src/GradApi/bin/Release/net10.0/GradApi.dll --urls "$BASE" > "$work/server.log" 2>&1 &
    server_pid=$!

    for _ in $(seq 1 120); do
        if curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; then break; fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "load: the service exited:" >&2
            cat "$work/server.log" >&2
            exit 1
        fi
        sleep 0.5
    done
else
    echo "load: using the service at $BASE"
fi
curl -fsS -o /dev/null "$BASE/health"

# Both endpoints must answer 200 before they are timed.
code=$(curl -sS -o "$work/train.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$work/train.json" "$BASE/v1/train")
if [[ $code != 200 ]]; then
    echo "load: POST /v1/train answered $code:" >&2
    cat "$work/train.out" >&2
    exit 1
fi
echo "load: /v1/train answers 200 with $(wc -c < "$work/train.out") bytes"

echo "load: warming up ($WARMUP each)"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" "$BASE/health" >/dev/null
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" -s scripts/wrk-post.lua "$BASE/v1/train" >/dev/null

echo "load: measuring, $DURATION each, $CONNECTIONS connections, $THREADS threads, $ROUNDS round(s) alternating"
for round in $(seq 1 "$ROUNDS"); do
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$BASE/health" | tee "$work/health.$round.txt"
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency -s scripts/wrk-post.lua "$BASE/v1/train" | tee "$work/train.$round.txt"
done

# wrk's figures: requests/s, mean latency, p50 and p99, and any non-2xx answers.
figure() { # file, awk program
    awk "$2" "$1"
}
rps() { figure "$1" '/^Requests\/sec:/ { print $2 }'; }
mean() { figure "$1" '/^ +Latency / { print $2; exit }'; }
pct() { figure "$1" "/^ +$2% / { print \$2 }"; }
errors() { figure "$1" '/Non-2xx or 3xx responses:/ { n = $NF } /Socket errors:/ { s = $0 } END { printf "%s", (n == "" ? "0" : n); if (s != "") printf " (%s)", s }'; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "== summary ($DURATION, $CONNECTIONS connections, 127.0.0.1) =="
printf '%-14s %6s %12s %10s %10s %10s  %s\n' endpoint round req/s mean p50 p99 non-2xx
for round in $(seq 1 "$ROUNDS"); do
    for name in health train; do
        label=$([[ $name == health ]] && echo "GET /health" || echo "POST /v1/train")
        file="$work/$name.$round.txt"
        printf '%-14s %6s %12s %10s %10s %10s  %s\n' "$label" "$round" "$(rps "$file")" "$(mean "$file")" \
            "$(pct "$file" 50)" "$(pct "$file" 99)" "$(errors "$file")"
    done
    awk -v t="$(rps "$work/train.$round.txt")" -v h="$(rps "$work/health.$round.txt")" 'BEGIN { if (h > 0) print t / h }' >> "$work/ratios"
done
health_rps=$(for round in $(seq 1 "$ROUNDS"); do rps "$work/health.$round.txt"; done | median)
train_rps=$(for round in $(seq 1 "$ROUNDS"); do rps "$work/train.$round.txt"; done | median)
ratio=$(median < "$work/ratios")
if [[ $ROUNDS -gt 1 ]]; then
    echo "median of $ROUNDS rounds: GET /health $health_rps req/s, POST /v1/train $train_rps req/s"
fi
awk -v r="$ratio" -v n="$ROUNDS" \
    'BEGIN { printf "ratio /v1/train : /health = %.3f (%.1f%% of the health check'"'"'s throughput%s)\n", r, 100 * r, (n > 1 ? ", median of " n " rounds" : "") }'
