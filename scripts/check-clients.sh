#!/usr/bin/env bash
# Checks that clients generated from the RUNNING service's OpenAPI document work: builds and starts the
# service (Release, 127.0.0.1:PORT), fetches /swagger/v1/swagger.json, regenerates the TypeScript client
# (openapi-typescript + openapi-fetch, examples/typescript) and the C# client (NSwag 14.8.0,
# examples/csharp), fails if that changes the committed generated files (unless --update), compiles both
# strictly and runs both against the service through the README's flows. Prints a summary; exits non-zero
# on any failure. Stops the service it started.
#
# usage: scripts/check-clients.sh [--update] [PORT]     (PORT defaults to 5211)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
update=0
port=5211
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]*|'') echo "check-clients: unknown argument '$arg' (usage: scripts/check-clients.sh [--update] [PORT])" >&2; exit 2 ;;
    *) port=$arg ;;
  esac
done

base="http://127.0.0.1:$port"
work=$(mktemp -d)
service_pid=""
started=$(date +%s)
ts_dir="$root/examples/typescript"
ts_generated="$ts_dir/src/generated/gradapi.ts"
cs_dir="$root/examples/csharp"
cs_generated="$cs_dir/GradApi.ClientExample/Generated/GradApiClient.cs"

stop_service() {
  if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$service_pid" 2>/dev/null
    wait "$service_pid" 2>/dev/null
  fi
  service_pid=""
}
trap 'stop_service; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

names=(); verdicts=(); details=()
record() { # record NAME PASS|FAIL DETAIL
  names+=("$1"); verdicts+=("$2"); details+=("$3")
  printf '[%s] %s%s\n' "$2" "$1" "${3:+: $3}"
}
step() { printf '\n== %s\n' "$1"; }

summary() {
  local failed=0 i
  printf '\n== Summary (%ss, service %s)\n' "$(( $(date +%s) - started ))" "$base"
  for i in "${!names[@]}"; do
    printf '  %-4s  %-44s %s\n' "${verdicts[$i]}" "${names[$i]}" "${details[$i]}"
    [[ "${verdicts[$i]}" == FAIL ]] && failed=$((failed + 1))
  done
  printf '%d passed, %d failed\n' "$(( ${#names[@]} - failed ))" "$failed"
  [[ $failed -eq 0 ]]
}

# Compares a freshly generated file with the committed one; --update writes it into the repository.
compare_generated() { # compare_generated NAME FRESH COMMITTED
  local name=$1 fresh=$2 committed=$3 rel=${3#"$root"/}
  if [[ -f "$committed" ]] && cmp -s "$fresh" "$committed"; then
    record "$name: regenerated file unchanged" PASS "$rel"
  elif [[ $update -eq 1 ]]; then
    mkdir -p "$(dirname "$committed")"; cp "$fresh" "$committed"
    record "$name: regenerated file updated (--update)" PASS "$rel"
  else
    local changed
    changed=$(diff "$committed" "$fresh" 2>/dev/null | grep -c '^[<>]')
    record "$name: regenerated file unchanged" FAIL "$rel differs from the running document's ($changed lines); rerun with --update and commit"
  fi
}

# ---------------------------------------------------------------------------------------------------
step "Build and start the service (Release, $base)"
if curl -fsS -m 2 "$base/health" >/dev/null 2>&1; then
  echo "check-clients: something already answers on $base; stop it or pass another port" >&2; exit 2
fi
if ! dotnet build "$root/src/GradApi/GradApi.csproj" -c Release -nologo -v q > "$work/service-build.log" 2>&1; then
  tail -20 "$work/service-build.log"; record "service builds (Release)" FAIL "see the build output above"; summary; exit 1
fi
record "service builds (Release)" PASS ""
# From its output folder, so the host's content root (appsettings.json) is the build's wherever this runs.
(cd "$root/src/GradApi/bin/Release/net10.0" && exec env Logging__LogLevel__Default=Warning \
  Logging__LogLevel__Microsoft.AspNetCore=Warning dotnet GradApi.dll --urls "$base") > "$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 150); do
  curl -fsS -m 2 "$base/health" >/dev/null 2>&1 && break
  kill -0 "$service_pid" 2>/dev/null || break
  sleep 0.2
done
if ! curl -fsS -m 2 "$base/health" >/dev/null 2>&1; then
  tail -20 "$work/service.log"; record "service starts" FAIL "no answer on $base/health"; summary; exit 1
fi
record "service starts" PASS "pid $service_pid"

step "Fetch the document"
if ! curl -fsS -m 30 "$base/swagger/v1/swagger.json" -o "$work/swagger.json"; then
  record "document fetched" FAIL "$base/swagger/v1/swagger.json"; summary; exit 1
fi
record "document fetched" PASS "$(wc -c < "$work/swagger.json") bytes"

# ---------------------------------------------------------------------------------------------------
step "TypeScript: install the pinned packages, regenerate, compile, run"
cd "$ts_dir" || exit 1
# npm ci installs exactly package-lock.json; skipped when node_modules already holds that lock.
if [[ ! -x node_modules/.bin/tsc || ! -x node_modules/.bin/openapi-typescript || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error > "$work/npm.log" 2>&1 || { tail -20 "$work/npm.log"; record "typescript: npm ci" FAIL "see above"; }
fi
# openapi-typescript's defaults on purpose: optional stays optional unless the document says `required`
# (--properties-required-by-default would hide a document that forgets its required lists), enums stay
# string-literal unions (a literal in a request body is checked as it is), and a `default` makes a
# property non-optional in responses (--default-non-nullable, on by default in 7.x).
if node_modules/.bin/openapi-typescript "$work/swagger.json" -o "$work/gradapi.ts" > "$work/openapi-typescript.log" 2>&1; then
  compare_generated "typescript" "$work/gradapi.ts" "$ts_generated"
else
  tail -20 "$work/openapi-typescript.log"; record "typescript: openapi-typescript generates" FAIL "see above"
fi
rm -rf dist
# tsc --strict (tsconfig.json: strict, noUncheckedIndexedAccess) still writes JavaScript on type errors,
# so the program runs either way and shows what fails at run time too.
if node_modules/.bin/tsc -p tsconfig.json > "$work/tsc.log" 2>&1; then
  record "typescript: tsc --strict compiles" PASS ""
else
  errors=$(grep -c 'error TS' "$work/tsc.log")
  sed 's/^/  /' "$work/tsc.log"
  record "typescript: tsc --strict compiles" FAIL "$errors type errors (listed above)"
fi
if [[ -f dist/main.js ]]; then
  node dist/main.js "$base" | tee "$work/ts-run.log"
  if [[ ${PIPESTATUS[0]} -eq 0 ]]; then record "typescript: client run" PASS "$(tail -1 "$work/ts-run.log")"
  else record "typescript: client run" FAIL "$(tail -1 "$work/ts-run.log")"; fi
else
  record "typescript: client run" FAIL "no dist/main.js"
fi

# ---------------------------------------------------------------------------------------------------
step "C#: regenerate with NSwag 14.8.0, compile (nullable, warnings as errors), run"
cd "$cs_dir" || exit 1
if dotnet run --project GradApi.ClientGenerator -c Release -- "$work/swagger.json" "$work/GradApiClient.cs" > "$work/nswag.log" 2>&1; then
  compare_generated "csharp" "$work/GradApiClient.cs" "$cs_generated"
else
  tail -20 "$work/nswag.log"; record "csharp: NSwag generates" FAIL "see above"
fi
cs_program=""
if dotnet build GradApi.ClientExample -c Release -nologo -v q -o "$work/csharp" > "$work/csharp-build.log" 2>&1; then
  record "csharp: strict build" PASS ""
  cs_program="$work/csharp/GradApi.ClientExample.dll"
  cs_run="csharp: client run"
else
  grep -E ' error ' "$work/csharp-build.log" | sed -E "s| \[.*\]$||; s|^$cs_dir/||" | awk '!seen[$0]++' > "$work/csharp-errors.log"
  sed 's/^/  /' "$work/csharp-errors.log"
  record "csharp: strict build" FAIL "$(wc -l < "$work/csharp-errors.log") errors (listed above)"
  # A second, lenient build (warnings not errors, LENIENT_BUILD leaves out what cannot compile) only to
  # show what fails at run time as well; its run is reported as a failure whatever it prints.
  if dotnet build GradApi.ClientExample -c Release -nologo -v q -o "$work/csharp-lenient" \
       -p:TreatWarningsAsErrors=false -p:DefineConstants=LENIENT_BUILD > "$work/csharp-lenient.log" 2>&1; then
    cs_program="$work/csharp-lenient/GradApi.ClientExample.dll"
    cs_run="csharp: client run (lenient build)"
  else
    record "csharp: client run" FAIL "not run: even the lenient build fails"
  fi
fi
if [[ -n "$cs_program" ]]; then
  dotnet "$cs_program" "$base" | tee "$work/cs-run.log"
  if [[ ${PIPESTATUS[0]} -eq 0 && "$cs_run" == "csharp: client run" ]]; then record "$cs_run" PASS "$(tail -1 "$work/cs-run.log")"
  else record "$cs_run" FAIL "$(tail -1 "$work/cs-run.log")"; fi
fi

# ---------------------------------------------------------------------------------------------------
if ! kill -0 "$service_pid" 2>/dev/null; then
  tail -20 "$work/service.log"; record "service still running after the clients" FAIL "it exited"
fi
stop_service
summary
