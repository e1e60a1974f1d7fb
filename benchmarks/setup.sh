#!/usr/bin/env bash
# The benchmarks' own environments: urlwatch 2.29 in .bench/urlwatch-venv (never in the project's venv)
# and the compiled claim engine in .bench/compiled-venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.bench/urlwatch-venv"
if [ ! -x "$venv/bin/urlwatch" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "urlwatch==2.29"
fi
"$venv/bin/urlwatch" --version
# The mypyc-compiled claim engine of the current sources, in .bench/compiled-venv (benchmarks/builds.py
# refreshes it whenever the sources change). Without a C compiler the benchmarks measure pure only.
python="$root/.venv/bin/python"
[ -x "$python" ] || python=python3
"$python" "$root/benchmarks/builds.py" || echo "no compiled build: the benchmarks measure the pure build only" >&2
