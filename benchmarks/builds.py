"""The two builds the benchmarks compare: the project's venv (pure Python, editable) and the
mypyc-compiled claim engine (`CLAIMWATCH_COMPILE=1`, how release wheels are built) in
.bench/compiled-venv.

    .venv/bin/python benchmarks/builds.py      # build or refresh the compiled venv, print its python

A compiled install is a snapshot of the sources, so it is stamped with a digest of everything that
goes into it; `compiled_python()` rebuilds when the sources changed, so a benchmark never measures
stale code. The first build installs the dependencies too (about a minute); a refresh recompiles
only the package (about 45 s on 2 CPUs).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_PYTHON = ROOT / ".venv" / "bin" / "python"
COMPILED_VENV = ROOT / ".bench" / "compiled-venv"
_STAMP = COMPILED_VENV / "claimwatch-sources.sha256"
# an installed build must be imported from site-packages, never from ./monitor or the script's folder
INSTALLED_ENV = {"PYTHONSAFEPATH": "1"}


def source_digest() -> str:
    digest = hashlib.sha256()
    files = [ROOT / "setup.py", ROOT / "pyproject.toml", *sorted((ROOT / "_build").glob("*.py"))]
    files += sorted(p for p in (ROOT / "monitor").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        if path.suffix in (".so", ".pyc"):
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def engine_build(python: Path, env: dict[str, str] | None = None) -> str:
    code = "from monitor.claims import engine_build; print(engine_build())"
    return subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "benchmarks",
        env={**os.environ, **(env or {})},
    ).stdout.strip()


def compiled_python(build: bool = True) -> Path | None:
    """The compiled venv's python, built or refreshed first when `build`; None when unavailable."""
    python = COMPILED_VENV / "bin" / "python"
    digest = source_digest()
    if python.exists() and _STAMP.exists() and _STAMP.read_text().strip() == digest:
        return python
    if not build:
        return None
    fresh = not python.exists()
    if fresh:
        subprocess.run([sys.executable, "-m", "venv", str(COMPILED_VENV)], check=True)
    print(f"building the compiled claim engine into {COMPILED_VENV} ...", file=sys.stderr, flush=True)
    pip = [str(COMPILED_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    pip += ["."] if fresh else ["--force-reinstall", "--no-deps", "."]
    proc = subprocess.run(pip, cwd=ROOT, env={**os.environ, "CLAIMWATCH_COMPILE": "1"})
    if proc.returncode != 0:
        print("the compiled build failed (is a C compiler installed?)", file=sys.stderr)
        return None
    found = engine_build(python, INSTALLED_ENV)
    if found != "compiled":
        raise SystemExit(f"{COMPILED_VENV}: expected a compiled claim engine, found {found!r}")
    _STAMP.write_text(digest + "\n")
    return python


def select(names: str) -> dict[str, tuple[Path, dict[str, str]]]:
    """Build name -> (its python, extra environment to run it with) for a list such as "pure,compiled".

    A compiled build that cannot be made is left out with a note on stderr; an unknown name raises
    ValueError."""
    out: dict[str, tuple[Path, dict[str, str]]] = {}
    for name in names.split(","):
        if name == "pure":
            out["pure"] = (PURE_PYTHON if PURE_PYTHON.exists() else Path(sys.executable), {})
        elif name == "compiled":
            python = compiled_python()
            if python is None:
                print("compiled build unavailable: measuring the pure build only", file=sys.stderr)
            else:
                out["compiled"] = (python, INSTALLED_ENV)
        else:
            raise ValueError(f"unknown build {name!r}: pure or compiled")
    return out


if __name__ == "__main__":
    found = compiled_python()
    print(found or "no compiled build")
    sys.exit(0 if found else 1)
