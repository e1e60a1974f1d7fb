#!/usr/bin/env bash
# The benchmarks' own environment: urlwatch 2.29 in .bench/urlwatch-venv (never in the project's venv).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.bench/urlwatch-venv"
if [ ! -x "$venv/bin/urlwatch" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "urlwatch==2.29"
fi
"$venv/bin/urlwatch" --version
