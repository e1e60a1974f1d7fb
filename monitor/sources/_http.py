"""The HTTP client library claimwatch fetches with, imported in this one place.

Everything else writes `from monitor.sources._http import http` and uses `http.AsyncClient`,
`http.Timeout`, `http.TimeoutException`, ... The API of httpx and httpx2 is the same, so switching the
library is this one line (see docs/decisions.md for why it is httpx today).
"""

from __future__ import annotations

import httpx as http

__all__ = ["http"]
