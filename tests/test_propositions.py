"""The propositions stage alone: the proposition span, anaphora and the actors a proposition is about."""

from __future__ import annotations

from stagehelp import stage

from monitor.claims.propositions import _is_anaphoric, _object_actors, _proposition_span, _span_text
from monitor.claims.topics import load_topic_model


def _proposition(text: str) -> str:
    s = stage(text)
    start, end = _proposition_span(s.tokens, s.chains[0], s.chains[1:], "subject")
    return _span_text(s.text, s.tokens, start, end)


def test_the_proposition_runs_from_the_cue_to_the_sentence_end() -> None:
    assert (
        _proposition("Germany rejected the proposal to cap gas prices.") == "the proposal to cap gas prices"
    )


def test_a_later_cue_ends_the_proposition() -> None:
    assert _proposition("Spain backed Bulgaria's entry but opposed Romania's.") == "Bulgaria's entry"


def test_a_pronoun_or_demonstrative_proposition_points_back() -> None:
    for text, anaphoric in [("Germany backs it.", True), ("Germany backs this idea.", True),
                            ("Germany backs the gas price cap.", False)]:  # fmt: skip
        s = stage(text)
        assert _is_anaphoric(s.tokens, 2, len(s.tokens) - 1) is anaphoric, text


def test_a_possessive_actor_in_the_proposition_is_an_object_actor() -> None:
    s = stage("Germany opposed Romania's entry.")
    holder = s.mentions[0]
    assert _object_actors(s.tokens, s.mentions, 2, len(s.tokens) - 1, holder, load_topic_model()) == [
        "@romania"
    ]
