"""The optional LLM judge: a language model confirms (`verify`) or finds (`full`) position shifts.

One module per job:
- `prompt`: the versioned prompt file in this package and the answer's JSON schema;
- `request`: two texts and the engine's changes -> a small request, and its cache key;
- `backends`: how a request reaches a model (registered classes; `openai` for any compatible server);
- `evidence`: tolerant parsing of the answer and the evidence checks (no invented quotes, stances,
  holders or figures);
- `merge`: the engine's changes and a checked answer -> judged changes (`judged_by` on each);
- `cache`: answers, requests still to ask, and events (stats, budget) in the store;
- `service`: `Judge`, which never stalls a pass and never loses a change;
- `batch`: the OpenAI Batch API JSONL formats for `claimwatch judge export` / `import`.

With no `[judge]` in the config nothing here is imported and the offline engine decides alone.
"""

from __future__ import annotations

from monitor.judge.merge import RULES
from monitor.judge.prompt import PROMPT_VERSION

__all__ = ["PROMPT_VERSION", "RULES"]
