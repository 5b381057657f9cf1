#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu): run_autograder needs curl and python3.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends curl ca-certificates python3
