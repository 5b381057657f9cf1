#!/usr/bin/env bash
# Lints the OpenAPI document the service serves with Spectral (spectral:oas, .spectral.yaml) and Redocly
# (recommended, redocly.yaml): exits non-zero on any error or warning of either.
#
#   scripts/lint-openapi.sh [port]     # default port 5201; the service runs on 127.0.0.1:<port> while it is checked
#
# Builds and starts the service (Release), fetches /swagger/v1/swagger.json into src/GradApi/obj/swagger.json, and installs
# the two linters (pinned versions, npm) into a cache folder on first use: GRADAPI_LINT_CACHE, else ~/.cache/gradapi-lint-openapi.
set -euo pipefail

port="${1:-5201}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${GRADAPI_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gradapi-lint-openapi}"
spectral_version="6.16.3"
redocly_version="2.77.0"
document="src/GradApi/obj/swagger.json" # .redocly.lint-ignore.yaml names the document by this path

cd "$repo"

if [[ ! -x "$cache/node_modules/.bin/spectral" || ! -x "$cache/node_modules/.bin/redocly" ]]; then
  echo "Installing @stoplight/spectral-cli@$spectral_version and @redocly/cli@$redocly_version into $cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
    "@stoplight/spectral-cli@$spectral_version" "@redocly/cli@$redocly_version" >/dev/null
fi

echo "Building the service (Release)"
dotnet build src/GradApi -c Release --nologo -v quiet >/dev/null

log="$(mktemp)"
dotnet src/GradApi/bin/Release/net10.0/GradApi.dll --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
service=$!
stop() { kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; rm -f "$log"; }
trap stop EXIT

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$service" 2>/dev/null; then echo "The service did not start:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/swagger/v1/swagger.json" -o "$document"

failed=0
echo "Spectral (spectral:oas)"
"$cache/node_modules/.bin/spectral" lint "$document" --ruleset .spectral.yaml --fail-severity warn || failed=1

echo "Redocly (recommended)"
# Redocly fails on errors only; a warning is counted as a failure here too.
redocly_output="$("$cache/node_modules/.bin/redocly" lint "$document" --config redocly.yaml 2>&1)" || failed=1
echo "$redocly_output" | grep -v '[║╔╚]'
if echo "$redocly_output" | grep -Eq 'You have [0-9]+ warning'; then failed=1; fi

if [[ $failed -ne 0 ]]; then echo "The OpenAPI document has lint errors or warnings." >&2; exit 1; fi
echo "The OpenAPI document passes Spectral and Redocly with no error and no warning."
