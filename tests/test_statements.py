"""The statements stage alone: cue chains and what they say, before anyone holds them."""

from __future__ import annotations

from stagehelp import stage

from monitor.claims.mentions import Mention
from monitor.claims.statements import _dated_past, _hearsay, _looks_passive, _stance, _unnamed_source


def _holder(name: str) -> Mention:
    return Mention(0, 1, name, "country", name, name)


def test_a_chain_of_cues_composes_into_one_stance() -> None:
    s = stage("Germany has refused to rule out new tariffs.")
    assert [[c.entry for c in ch.cues] for ch in s.chains] == [["has refused", "rule out"]]
    value, words, _ = _stance(s.tokens, s.chains[0], _holder("Germany"), "subject", s.lex, False)
    # refusing (oppose) to rule out (oppose) is not opposing: the chain composes to support
    assert (value, words) == ("support", "has refused rule out")
    alone = stage("Germany has refused new tariffs.")
    assert (
        _stance(alone.tokens, alone.chains[0], _holder("Germany"), "subject", alone.lex, False)[0] == "oppose"
    )


def test_negation_turns_support_into_opposition() -> None:
    s = stage("France does not support new sanctions.")
    value, words, _ = _stance(s.tokens, s.chains[0], _holder("France"), "subject", s.lex, False)
    assert (value, words) == ("oppose", "not support")


def test_a_dated_past_statement_is_recalled_history() -> None:
    dated = stage("In 2019 Poland opposed the treaty.")
    assert _dated_past(dated.tokens, dated.chains[0].start, dated.chains[0].end)
    current = stage("Poland opposed the treaty on Monday.")
    assert not _dated_past(current.tokens, current.chains[0].start, current.chains[0].end)


def test_a_passive_cue_is_recognised() -> None:
    passive = stage("The plan was backed by Italy.")
    assert _looks_passive(passive.tokens, passive.chains[0].cues[0])
    active = stage("Italy backs the plan.")
    assert not _looks_passive(active.tokens, active.chains[0].cues[0])


def test_unnamed_sources_and_hearsay() -> None:
    analysts = stage("Analysts said the deal would collapse.")
    assert _unnamed_source(analysts.tokens, analysts.reporting, 3) == "analysts"
    named = stage("Germany said the deal would collapse.")
    assert _unnamed_source(named.tokens, named.reporting, 3) is None
    assert not _hearsay(named.tokens, named.reporting, 3)


def test_a_decision_not_taken_yet_is_undecided_and_a_refusal_is_not() -> None:
    from monitor.claims import extract_claims

    def stance(text: str) -> str | None:
        return next(c.stance for c in extract_claims(text) if c.actor)

    assert stance("The SEC has not yet approved the fund.") == "undecided"
    assert stance("Germany has not rejected the plan yet.") == "undecided"
    assert stance("The SEC did not approve the fund.") == "oppose"


def test_yet_to_decide_is_undecided_and_keeps_its_subject() -> None:
    from monitor.claims import extract_claims

    assert [
        (c.actor, c.stance) for c in extract_claims("The SEC has yet to approve the fund.") if c.actor
    ] == [("Securities and Exchange Commission", "undecided")]
    assert [
        (c.actor, c.stance) for c in extract_claims("Ofcom has yet to rule on the merger.") if c.actor
    ] == [("Ofcom", "undecided")]


def test_a_tally_and_a_time_phrase_may_sit_inside_a_phrase_cue() -> None:
    # "voted ... to approve": a tally, a time word and a bare weekday between the verb and "to"
    for text in (
        "The council voted 11-4 early Tuesday to approve the funding.",
        "The board voted 5-2 on Thursday to approve the permit.",
    ):
        s = stage(text)
        assert s.cues[0].entry == "vote to", text
