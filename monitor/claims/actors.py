"""Actors: the names the rest of the project imports from here, re-exported.

The old actors.py was split by pipeline stage: the gazetteer data and its loader are gazetteer.py,
finding actor mentions in a sentence is mentions.py. This module keeps `from monitor.claims.actors
import Actor, Gazetteer, load_gazetteer` (and the mention names) working.
"""

from __future__ import annotations

from monitor.claims.gazetteer import DATA_DIR, DEFAULT_ACTORS, Actor, Gazetteer, load_gazetteer
from monitor.claims.mentions import ORG_WORDS, PRONOUNS, WEEKDAYS, Mention, find_mentions

__all__ = [
    "DATA_DIR",
    "DEFAULT_ACTORS",
    "ORG_WORDS",
    "PRONOUNS",
    "WEEKDAYS",
    "Actor",
    "Gazetteer",
    "Mention",
    "find_mentions",
    "load_gazetteer",
]
