"""Imported once by the analysis workers' fork server (`monitor.analysis`), before it forks any worker.

What every worker's first page would otherwise load for itself, after the fork: trafilatura and lxml
(imported lazily by `monitor.extract`, ~0.1 s) and the claim engine's shipped lexicon and gazetteer
(compiled on the first `extract_claims`, ~0.07 s). Loaded here, each worker inherits them from the
fork server (shared copy-on-write pages) and starts on its first page at once. The same cached,
deterministic objects a worker would build: nothing a worker computes changes.

Not imported anywhere else: importing this module is the work.
"""

from __future__ import annotations

import lxml.html  # noqa: F401
import trafilatura  # noqa: F401

from monitor.claims import load_gazetteer, load_lexicon

load_lexicon()
load_gazetteer()
