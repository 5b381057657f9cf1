#!/usr/bin/env bash
# The scale-out topology of docker-compose.yml, proven on loopback without Docker: N GradApi
# processes (Release) behind Debian's nginx running the proxy settings of docker/nginx.conf (its
# "shared" block as it is; only the upstream server line and the listen line are replaced). Then:
#   1. identical: the same POST /v1/train (seed 001, and a streamed multi-MB trace) answered with the
#      same bytes (sha256) by every replica directly and through nginx;
#   2. spread:    a wrk load through nginx, counted per replica from nginx's $upstream_addr and from
#      each replica's own request log; every replica must serve a fair share;
#   3. kill:      one replica killed (SIGKILL) in the middle of a wrk load: no failed request, since
#      nginx sends the request on to the next replica;
#   4. rejoin:    the replica restarted on its port serves its share again;
#   and nginx's own answers: its 413 at the service's body limit, X-Request-Id passed and returned,
#   502 problem+json once no replica is left.
# Prints a summary, exits non-zero if any check fails, and stops everything it started.
#
#   scripts/scale-out.sh                                  # 3 replicas on 127.0.0.1:5241.., nginx on :5240
#   REPLICAS=4 CONNECTIONS=32 KILL_SECONDS=8 scripts/scale-out.sh
#
# Needs the .NET 10 SDK, python3, curl, nginx and wrk; as root it installs nginx and wrk (Debian
# packages) when missing. Only 127.0.0.1 is used; every load is bounded, and so is the whole run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

REPLICAS=${REPLICAS:-3}
NGINX_PORT=${NGINX_PORT:-5240}
FIRST_PORT=${FIRST_PORT:-5241}          # replicas on FIRST_PORT .. FIRST_PORT+REPLICAS-1
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
SPREAD_SECONDS=${SPREAD_SECONDS:-3}
KILL_SECONDS=${KILL_SECONDS:-6}         # the load during which one replica is killed ...
KILL_AFTER=${KILL_AFTER:-2}             # ... this many seconds in
TIME_LIMIT=${TIME_LIMIT:-300}           # the whole run, build included
KEEP_LOGS=${KEEP_LOGS:-0}               # 1: keep the temporary directory (logs, generated config)
NO_POST_RETRY=${NO_POST_RETRY:-0}       # 1: a control run without "non_idempotent" (the kill check then fails)
NGINX_CONF=docker/nginx.conf
EXAMPLE=src/GradApi/OpenApi/Examples/train.seed001-two-layer-momentum.json
DLL=src/GradApi/bin/Release/net10.0/GradApi.dll

say() { echo "scale-out: $*"; }
fail() { echo "scale-out: FAILED: $*" >&2; exit 1; }

(( REPLICAS >= 2 )) || fail "REPLICAS must be at least 2 (one is killed)"

# ---- tools ----
need_package() { # command, Debian package
    command -v "$1" >/dev/null && return
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing $2 (Debian package)"
        if [[ -z ${apt_updated:-} ]]; then apt-get update -qq; apt_updated=1; fi
        # No init script may start the system's nginx on port 80 while the package installs.
        local policy=/usr/sbin/policy-rc.d own_policy=""
        if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; own_policy=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
        if [[ -n $own_policy ]]; then rm -f "$policy"; fi
    fi
    command -v "$1" >/dev/null || fail "$1 is needed (apt-get install $2)"
}
PATH=$PATH:/usr/sbin
need_package nginx nginx
need_package wrk wrk
for tool in curl python3 dotnet sha256sum; do command -v "$tool" >/dev/null || fail "$tool is needed"; done

ports=()
for ((i = 0; i < REPLICAS; i++)); do ports+=($((FIRST_PORT + i))); done
for port in "$NGINX_PORT" "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "127.0.0.1:$port is already in use"; fi
done

# ---- processes: every one started here is stopped on exit ----
work=$(mktemp -d -t gradapi-scale-out.XXXXXX)
chmod 711 "$work"                       # nginx's workers (nobody) reach their temporary paths below
declare -A replica_pid=()
nginx_pid=""
load_pid=""
watchdog_pid=""

stop() { # pid: TERM, then KILL after 5 s
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n $watchdog_pid ]] && stop "$watchdog_pid"
    [[ -n $load_pid ]] && stop "$load_pid"
    [[ -n $nginx_pid ]] && stop "$nginx_pid"
    for i in "${!replica_pid[@]}"; do stop "${replica_pid[$i]}"; done
    if [[ $KEEP_LOGS == 1 || $rc -ne 0 ]]; then say "logs and generated config kept in $work"; else rm -rf "$work"; fi
    say "stopped every process it started"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The whole run is bounded: past TIME_LIMIT the script is stopped (and cleans up).
(
    trap 'kill "$timer" 2>/dev/null; exit 0' TERM
    sleep "$TIME_LIMIT" & timer=$!
    wait "$timer"
    echo "scale-out: time limit of ${TIME_LIMIT}s reached" >&2
    kill -TERM $$
) &
watchdog_pid=$!

# ---- requests ----
python3 - "$EXAMPLE" "$work" <<'PY'
import json, sys
request = json.load(open(sys.argv[1]))["value"]
compact = lambda value: json.dumps(value, separators=(",", ":"))
open(f"{sys.argv[2]}/train.json", "w").write(compact(request))
# The same problem run for 2000 iterations: a trace of a few MB, streamed by the service.
request["iterations"] = 2000
open(f"{sys.argv[2]}/train-long.json", "w").write(compact(request))
PY
# wrk posts seed 001's request from that file (scripts/wrk-post.lua reads WRK_BODY).
export WRK_BODY="$work/train.json"

post() { # url, body file, output file -> prints the status
    curl -sS --max-time 30 -o "$3" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$2" "$1"
}
wait_ready() { # base url, pid or "", label
    for _ in $(seq 1 120); do
        if [[ $(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$1/health/ready") == 200 ]]; then return 0; fi
        if [[ -n $2 ]] && ! kill -0 "$2" 2>/dev/null; then cat "$work/$3.log" >&2; fail "$3 exited"; fi
        sleep 0.5
    done
    fail "$3 did not answer GET /health/ready with 200 within 60 s"
}

# ---- replicas ----
say "building Release"
dotnet build src/GradApi/GradApi.csproj -c Release -nologo -v quiet -p:MSBuildTerminalLogger=off >/dev/null

start_replica() { # index
    local i=$1
    # As in the image: appsettings.json from beside the assembly. Hosting.Diagnostics logs a
    # "Request finished" line per request: each replica's own count.
    ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1 \
        dotnet "$DLL" --urls "http://127.0.0.1:${ports[$i]}" --contentRoot "$PWD/$(dirname "$DLL")" \
        --Logging:LogLevel:Default=Warning \
        --Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information \
        >> "$work/replica-$i.log" 2>&1 &
    replica_pid[$i]=$!
}
for ((i = 0; i < REPLICAS; i++)); do start_replica "$i"; done
for ((i = 0; i < REPLICAS; i++)); do wait_ready "http://127.0.0.1:${ports[$i]}" "${replica_pid[$i]}" "replica-$i"; done
say "$REPLICAS replicas ready on 127.0.0.1:${ports[0]}..${ports[$((REPLICAS - 1))]}"

# ---- nginx, with docker/nginx.conf's shared block ----
mkdir -p "$work/nginx"
python3 - "$NGINX_CONF" "$work/nginx" "$NO_POST_RETRY" "$NGINX_PORT" "${ports[@]}" <<'PY'
import re, sys
source, out, control, listen, ports = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5:]
text = open(source).read()
shared = re.search(r"^[ \t]*# BEGIN shared\n(.*?)^[ \t]*# END shared\n", text, re.S | re.M)
assert shared, "docker/nginx.conf has no '# BEGIN shared' ... '# END shared' block"
block = shared.group(1)

# The upstream's server line, one per loopback replica, with the same parameters.
servers = re.search(r"(^[ \t]*# BEGIN upstream servers\n)(.*?)(^[ \t]*# END upstream servers\n)", block, re.S | re.M)
assert servers, "no '# BEGIN upstream servers' ... '# END upstream servers' in the shared block"
lines = [l for l in servers.group(2).splitlines() if l.strip() and not l.strip().startswith("#")]
assert len(lines) == 1 and "gradapi:8080 resolve" in lines[0], f"expected one 'server gradapi:8080 resolve ...' line, got {lines}"
loopback = "".join(lines[0].replace("gradapi:8080 resolve", f"127.0.0.1:{p}") + "\n" for p in ports)
block = block[:servers.start(2)] + loopback + block[servers.end(2):]

block, listens = re.subn(r"^([ \t]*)listen 8080;", rf"\g<1>listen 127.0.0.1:{listen};", block, flags=re.M)
assert listens == 1, f"expected one 'listen 8080;' in the shared block, found {listens}"
if control:
    block, retries = re.subn(r"^([ \t]*proxy_next_upstream .*) non_idempotent;", r"\1;", block, flags=re.M)
    assert retries == 1, "no 'proxy_next_upstream ... non_idempotent;' to remove"

header = f"""# Generated by scripts/scale-out.sh from {source}: its shared block, with the upstream's
# server line per loopback replica and the listen address replaced. Everything else is as it is there.
daemon off;
worker_processes 1;
pid {out}/nginx.pid;
error_log {out}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {out}/client_body;
    proxy_temp_path {out}/proxy;
    fastcgi_temp_path {out}/fastcgi;
    uwsgi_temp_path {out}/uwsgi;
    scgi_temp_path {out}/scgi;
"""
footer = f"""    access_log {out}/access.log gradapi;
}}
"""
open(f"{out}/nginx.conf", "w").write(header + block + footer)
PY
# What differs from the repository's block: only the server and listen lines.
diff <(sed -n '/# BEGIN shared/,/# END shared/p' "$NGINX_CONF" | sed '1d;$d') \
     <(sed -n '/^    server_tokens/,/^    access_log/p' "$work/nginx/nginx.conf" | sed '$d') \
    > "$work/nginx/differences.txt" || true
nginx_args=(-p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log")
nginx -t -q "${nginx_args[@]}" || fail "nginx rejects the generated configuration"
nginx "${nginx_args[@]}" > "$work/nginx.log" 2>&1 &
nginx_pid=$!
NGINX="http://127.0.0.1:$NGINX_PORT"
wait_ready "$NGINX" "$nginx_pid" nginx
say "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on $NGINX; lines changed from $NGINX_CONF's shared block:"
grep '^[<>]' "$work/nginx/differences.txt" | sed 's/^/    /'

failures=()
check() { # condition-status, message
    if [[ $1 -eq 0 ]]; then say "ok: $2"; else say "NOT OK: $2"; failures+=("$2"); fi
}

# ---- 1. identical answers ----
declare -A hashes=()
identical() { # body file, label
    local body=$1 label=$2 first="" same=0 code hash target
    for target in "${ports[@]}" nginx; do
        local url="http://127.0.0.1:$target"; [[ $target == nginx ]] && url=$NGINX
        : > "$work/answer.$target"
        code=$(post "$url/v1/train" "$body" "$work/answer.$target") || code=000
        [[ $code == 200 ]] || same=1
        hash=$(sha256sum < "$work/answer.$target" | cut -c1-64)
        hashes["$label $target"]="$code $(wc -c < "$work/answer.$target") $hash"
        [[ -z $first ]] && first=$hash
        [[ $hash == "$first" ]] || same=1
    done
    check $same "$label: the same bytes from every replica and through nginx"
}
identical "$work/train.json" "seed 001"
identical "$work/train-long.json" "seed 001 x 2000 iterations"

# ---- the body limit at nginx matches the service's (maxBodyBytes, 4 MiB) ----
python3 - "$work" <<'PY'
import sys
limit = 4 * 1024 * 1024
for name, size in (("at-limit", limit), ("over-limit", limit + 1)):
    open(f"{sys.argv[1]}/{name}.json", "w").write(" " * (size - 2) + "{}")
PY
code=$(post "$NGINX/v1/train" "$work/at-limit.json" "$work/at-limit.out") || code=000
# A replica answers it (400: an empty request), not nginx's 413.
check $(( code == 413 || code == 000 || code >= 500 )) "body limit: a body of exactly 4 MiB reaches a replica ($code)"
code=$(curl -sS --max-time 30 -o "$work/over-limit.out" -w '%{http_code} %{content_type}' -H 'Content-Type: application/json' \
    --data-binary "@$work/over-limit.json" "$NGINX/v1/train") || code=000
refused=1
[[ $code == "413 application/problem+json" ]] && grep -q 'maxBodyBytes' "$work/over-limit.out" && refused=0
check $refused \
    "body limit: 4 MiB + 1 byte is refused by nginx with 413 problem+json naming maxBodyBytes ($code)"

# ---- load through nginx ----
access_lines() { wc -l < "$work/nginx/access.log"; }
wrk_args() { # seconds
    echo -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" --timeout 10s -s scripts/wrk-post.lua "$NGINX/v1/train"
}
run_wrk() { # seconds, output file
    wrk $(wrk_args "$1") > "$2" 2>&1
}
wrk_requests() { awk '/requests in/ { print $1 }' "$1"; }
wrk_failures() { # non-2xx answers plus socket errors
    awk '/Non-2xx or 3xx responses:/ { n += $NF }
         /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
         END { print n + 0 }' "$1"
}
# Per replica, from the access log lines after line $1: "port count" (the replica that answered last).
served_by() {
    tail -n +"$(($1 + 1))" "$work/nginx/access.log" | grep ' "POST /v1/train ' |
        sed -E 's/.* up="([^"]*)".*/\1/; s/.*, //; s/.*://' | sort | uniq -c | awk '{ print $2, $1 }'
}
own_count() { grep -c 'Request finished .*POST .*/v1/train' "$work/replica-$1.log" || true; }

# ---- 2. spread ----
before=$(access_lines)
declare -A own_before=()
for ((i = 0; i < REPLICAS; i++)); do own_before[$i]=$(own_count "$i"); done
run_wrk "$SPREAD_SECONDS" "$work/wrk-spread.txt"
sleep 1    # the replicas' console loggers write asynchronously
spread_total=$(wrk_requests "$work/wrk-spread.txt")
spread_failed=$(wrk_failures "$work/wrk-spread.txt")
served_by "$before" > "$work/spread.txt"
spread_fair=0 spread_logged=0 spread_lines=()
spread_logged_total=$(awk '{ n += $2 } END { print n + 0 }' "$work/spread.txt")   # wrk's count leaves out the requests in flight at its end
for ((i = 0; i < REPLICAS; i++)); do
    n=$(awk -v p="${ports[$i]}" '$1 == p { print $2 }' "$work/spread.txt"); n=${n:-0}
    own=$(( $(own_count "$i") - ${own_before[$i]} ))
    share=$(awk -v n="$n" -v t="$spread_logged_total" 'BEGIN { printf "%.1f", (t > 0 ? 100 * n / t : 0) }')
    spread_lines+=("replica $i (:${ports[$i]}): $n requests ($share%) by nginx's log, $own by its own log")
    # A fair share: at least half of an even split.
    (( n * REPLICAS * 2 >= spread_logged_total )) || spread_fair=1
    (( own == n )) || spread_logged=1
done
printf '    %s\n' "${spread_lines[@]}"
check $(( spread_failed != 0 || spread_total == 0 )) "spread: $spread_total requests in ${SPREAD_SECONDS}s, $spread_failed failed"
check $spread_fair "spread: every replica served at least half of an even share"
check $spread_logged "spread: each replica's own log counts the requests nginx sent it"

# ---- 3. one replica killed mid-load ----
victim=$((REPLICAS / 2))
before=$(access_lines)
wrk $(wrk_args "$KILL_SECONDS") > "$work/wrk-kill.txt" 2>&1 &
load_pid=$!
sleep "$KILL_AFTER"
kill -KILL "${replica_pid[$victim]}"
wait "${replica_pid[$victim]}" 2>/dev/null || true
unset "replica_pid[$victim]"
say "killed replica $victim (:${ports[$victim]}) with SIGKILL ${KILL_AFTER}s into a ${KILL_SECONDS}s load"
wait "$load_pid" || true
load_pid=""
kill_total=$(wrk_requests "$work/wrk-kill.txt")
kill_failed=$(wrk_failures "$work/wrk-kill.txt")
tail -n +"$((before + 1))" "$work/nginx/access.log" | grep ' "POST /v1/train ' > "$work/kill-lines.txt" || true
# 499: wrk closed its connections at the end of its run with requests in flight (not a failure;
# a request wrk gave up on mid-run counts in its own socket errors above).
kill_not_200=$(awk '$6 != 200 && $6 != 499' "$work/kill-lines.txt" | wc -l)
kill_retried=$(grep -c 'up="[^"]*,' "$work/kill-lines.txt" || true)
served_by "$before" > "$work/kill.txt"
kill_lines=()
for ((i = 0; i < REPLICAS; i++)); do
    n=$(awk -v p="${ports[$i]}" '$1 == p { print $2 }' "$work/kill.txt")
    note=""; [[ $i == "$victim" ]] && note=", until it was killed"
    kill_lines+=("replica $i (:${ports[$i]}): ${n:-0} requests$note")
done
printf '    %s\n' "${kill_lines[@]}"
say "requests nginx sent on to another replica after the kill: $kill_retried"
check $(( kill_failed != 0 || kill_not_200 != 0 || kill_total == 0 )) \
    "kill: $kill_total requests in ${KILL_SECONDS}s, $kill_failed failed at the client, $kill_not_200 answered other than 200"
check $(( kill_retried == 0 )) "kill: nginx retried the requests the dead replica held (on the next replica)"

# ---- 4. the killed replica rejoins ----
start_replica "$victim"
wait_ready "http://127.0.0.1:${ports[$victim]}" "${replica_pid[$victim]}" "replica-$victim"
sleep 6    # fail_timeout=5s: nginx tries the replica again after it
before=$(access_lines)
run_wrk 2 "$work/wrk-rejoin.txt"
rejoin_total=$(wrk_requests "$work/wrk-rejoin.txt")
rejoin_failed=$(wrk_failures "$work/wrk-rejoin.txt")
served_by "$before" > "$work/rejoin.txt"
rejoin_n=$(awk -v p="${ports[$victim]}" '$1 == p { print $2 }' "$work/rejoin.txt"); rejoin_n=${rejoin_n:-0}
rejoin_logged_total=$(awk '{ n += $2 } END { print n + 0 }' "$work/rejoin.txt")
check $(( rejoin_failed != 0 || rejoin_n * REPLICAS * 2 < rejoin_logged_total )) \
    "rejoin: restarted replica $victim served $rejoin_n of $rejoin_logged_total requests, $rejoin_failed failed"

# ---- nginx's own answers: the request id, and no replica at all ----
headers=$(curl -sS --max-time 5 -D - -o /dev/null -H 'X-Request-Id: scale-out-check' "$NGINX/health/ready" | tr -d '\r') || headers=""
logged=$(grep -c 'rid=scale-out-check ' "$work/nginx/access.log" || true)
check $(( ! (${logged:-0} == 1) )) "request id: the client's X-Request-Id is logged with its request"
grep -qi '^x-request-id: scale-out-check$' <<<"$headers" && echoed=0 || echoed=1
check $echoed "request id: the client's X-Request-Id comes back in the response"
for i in "${!replica_pid[@]}"; do stop "${replica_pid[$i]}"; unset "replica_pid[$i]"; done
code=$(curl -sS --max-time 10 -o "$work/no-replica.out" -w '%{http_code} %{content_type}' "$NGINX/health/ready") || code=000
none=1
[[ $code == "502 application/problem+json" ]] && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/no-replica.out" &&
    ! grep -qi nginx "$work/no-replica.out" && none=0
check $none "no replica left: nginx answers 502 problem+json without naming itself ($code)"

# ---- summary ----
echo
echo "== scale-out summary: $REPLICAS replicas behind nginx, $CONNECTIONS connections, 127.0.0.1 =="
echo "identical answers (status, bytes, sha256):"
for label in "seed 001" "seed 001 x 2000 iterations"; do
    for target in "${ports[@]}" nginx; do
        printf '    %-28s %-6s %s\n' "$label" "$target" "${hashes["$label $target"]}"
    done
done
echo "spread ($spread_logged_total requests in nginx's log, ${SPREAD_SECONDS}s):"
printf '    %s\n' "${spread_lines[@]}"
echo "kill ($kill_total requests, ${KILL_SECONDS}s; replica $victim SIGKILLed at ${KILL_AFTER}s): $kill_failed failed, $kill_retried retried by nginx"
printf '    %s\n' "${kill_lines[@]}"
echo "rejoin: replica $victim served $rejoin_n of $rejoin_logged_total requests (2s, after fail_timeout)"
if (( ${#failures[@]} )); then
    echo "FAILED: ${#failures[@]} check(s):"
    printf '    %s\n' "${failures[@]}"
    exit 1
fi
echo "all checks passed"
