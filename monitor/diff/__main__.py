"""`python -m monitor.diff OLD NEW [--format json|text]`: the differ on two plain-text files.

The full command is `claimwatch diff` (monitor/cli); this entry point needs nothing but the engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from monitor.diff import diff_texts
from monitor.diff.report import render_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.diff", description=__doc__)
    parser.add_argument("old", type=Path, help="the older version (UTF-8 text)")
    parser.add_argument("new", type=Path, help="the newer version (UTF-8 text)")
    parser.add_argument("--format", choices=("json", "text"), default="text")
    args = parser.parse_args(argv)
    try:
        old = args.old.read_text(encoding="utf-8")
        new = args.new.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    changes = diff_texts(old, new)
    if args.format == "json":
        json.dump({"changes": [c.to_dict() for c in changes]}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
