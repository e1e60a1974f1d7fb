"""What the judge's request holds (monitor/judge/request.py) and how number words are checked
(monitor/judge/evidence.py, merge.py): a careful reader's needs, at a small price. No server."""

from __future__ import annotations

import json
import re

from monitor.judge.evidence import CheckedAnswer, NumberFinding, ShiftFinding, check_answer, figure
from monitor.judge.merge import merge
from monitor.judge.prompt import PROMPT_VERSION, prompt_text
from monitor.judge.request import _MAX_CONTEXT, build_request
from monitor.model import Change, ChangeKind, ChangeSide

MODEL = "test-judge-7b"


def _context_texts(body: dict[str, object], side: str) -> list[str]:
    return [c["text"] for c in body["context"] if c["in"] == side]  # type: ignore[attr-defined,index]


def _shown(body: dict[str, object]) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_an_old_stance_kept_word_for_word_is_shown_as_context_in_both_versions() -> None:
    backed = "The Harbour Council said on Monday that it backed the bridge plan."
    scrapped = "On Thursday the Harbour Council voted to scrap the plan."
    old = f"Council weighs bridge plan\n\n{backed} Residents have complained about traffic for years."
    new = (
        f"Council drops bridge plan\n\n{backed} {scrapped} Residents have complained about traffic for years."
    )
    full = build_request(old, new, [], model=MODEL, mode="full")
    assert full is not None
    assert full.body["pairs"] == [{"old": None, "new": scrapped}]
    assert _context_texts(full.body, "both") == [backed], "the old stance, unchanged, is visible"
    assert "Residents have complained" not in _shown(full.body), "no stance, no context"


def test_a_sentence_that_refers_back_brings_the_sentence_naming_its_holder() -> None:
    intro = "Education Minister Jane Roe spoke to reporters in the capital on Friday."
    old = f"Exam plan update\n\n{intro} She said the new exam would go ahead next spring."
    new = f"Exam plan update\n\n{intro} She said the new exam was on hold while officials review it."
    full = build_request(old, new, [], model=MODEL, mode="full")
    assert full is not None
    assert _context_texts(full.body, "both") == [intro]
    # verify mode sends the candidate's sentences and what they refer back to, nothing else
    shift = Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor="Jane Roe",
        before=ChangeSide(text="She said the new exam would go ahead next spring.", stance="support"),
        after=ChangeSide(
            text="She said the new exam was on hold while officials review it.", stance="undecided"
        ),
    )
    verify = build_request(old, new, [shift], model=MODEL, mode="verify")
    assert verify is not None and verify.body["pairs"] == []
    assert _context_texts(verify.body, "both") == [intro]


def test_headlines_and_moved_sentences_are_not_sent_as_pairs() -> None:
    one = "The union said it rejected the offer."
    two = "The company said talks would continue next week."
    old = f"Union rejects offer\n\n{one}\n\n{two}"
    reordered = f"Union rejects offer\n\n{two}\n\n{one}"
    assert build_request(old, reordered, [], model=MODEL, mode="full") is None, "nothing but a move"
    retitled = f"Union turns down pay offer\n\n{two}\n\n{one}"
    full = build_request(old, retitled, [], model=MODEL, mode="full")
    assert full is not None, "a changed headline alone is still asked about"
    assert full.body["headline"] == {"old": "Union rejects offer", "new": "Union turns down pay offer"}
    assert full.body["pairs"] == [], "the headlines are in `headline`, not again in `pairs`"


def test_context_is_capped_and_fits_the_budget() -> None:
    stances = [f"The Harbour Council said in meeting {i} that it backed the bridge plan." for i in range(20)]
    old = "Bridge plan\n\n" + " ".join(stances) + " Nobody objected."
    new = "Bridge plan\n\n" + " ".join(stances) + " The Harbour Council later voted to scrap the plan."
    full = build_request(old, new, [], model=MODEL, mode="full")
    assert full is not None and len(full.body["context"]) == _MAX_CONTEXT
    tight = build_request(old, new, [], model=MODEL, mode="full", max_chars=200)
    assert tight is not None
    assert sum(len(c["text"]) + 24 for c in tight.body["context"]) <= 200


def test_the_prompt_describes_every_part_of_the_request() -> None:
    old = "A plan\n\nThe Harbour Council said it backed the plan. She agreed."
    new = "A plan\n\nThe Harbour Council said it backed the plan. She objected."
    full = build_request(old, new, [], model=MODEL, mode="full")
    assert full is not None and full.prompt_version == PROMPT_VERSION
    prompt = prompt_text(PROMPT_VERSION)
    for key in [*full.body, "truncated"]:
        assert f"`{key}`" in prompt or f'"{key}"' in prompt, key
    for side in ("both", "old", "new"):
        assert f'"{side}"' in prompt
    assert PROMPT_VERSION != "v1" and prompt_text("v1") != prompt, "the older prompt stays loadable"


def test_counts_written_in_words_are_figures_the_evidence_check_accepts() -> None:
    assert [figure(v) for v in ("eight", "Twelve", "twenty-five", "2,012", "6.50%", "several")] == [
        "8",
        "12",
        "25",
        "2012",
        "6.5",
        "",
    ]
    old = "Eight people were charged. Seven minutes passed."
    new = "Twelve people were charged. Four minutes passed."
    numbers = [
        {"counts": "charged", "from": "Eight", "to": "Twelve",
         "before_quote": "Eight people were charged.", "after_quote": "Twelve people were charged."},
        {"counts": "minutes", "from": "seven", "to": "four",
         "before_quote": "Seven minutes passed.", "after_quote": "Four minutes passed."},
        {"counts": "x", "from": "several", "to": "Twelve",
         "before_quote": "Eight people were charged.", "after_quote": "Twelve people were charged."},
        {"counts": "x", "from": "eight", "to": "8",
         "before_quote": "Eight people were charged.", "after_quote": "Twelve people were charged."},
        {"counts": "x", "from": "ten", "to": "four",
         "before_quote": "Seven minutes passed.", "after_quote": "Four minutes passed."},
    ]  # fmt: skip
    data = {"candidates": [], "shifts": [], "numbers": numbers}
    checked = check_answer(data, old=old, new=new, candidate_ids=[], holders=[], mode="full")
    found = [(n.before_value, n.after_value) for n in checked.numbers]
    assert found == [("Eight", "Twelve"), ("seven", "four")]
    assert len(checked.rejections) == 3
    assert any("neither a figure nor a number word" in r for r in checked.rejections)
    assert any("same value" in r for r in checked.rejections)
    assert any(re.search(r"'ten' is not in its quote", r) for r in checked.rejections)


def test_two_changed_counts_in_words_are_two_changes_and_a_repeat_in_figures_is_one() -> None:
    old = "Nine pieces were taken in seven minutes."
    new = "Eight pieces were taken in four minutes. In all 8 pieces were taken."
    answer = CheckedAnswer(
        numbers=[
            NumberFinding("pieces", "Nine", "Eight", "Nine pieces were taken", "Eight pieces were taken"),
            NumberFinding("minutes", "seven", "four", "in seven minutes", "in four minutes"),
            NumberFinding("pieces", "Nine", "8", "Nine pieces were taken", "In all 8 pieces were taken"),
        ]
    )
    judged = merge([], answer, old=old, new=new, who=MODEL)
    values = [(c.before.value, c.after.value) for c in judged.changes if c.before and c.after]
    assert sorted(values) == [("Nine", "Eight"), ("seven", "four")]


def _shift_finding(
    holder: str, named_as: str, stances: tuple[str, str], quotes: tuple[str, str]
) -> ShiftFinding:
    return ShiftFinding(
        holder=holder,
        named_as=named_as,
        topic="",
        before_stance=stances[0],
        after_stance=stances[1],
        qualifiers=(),
        before_quote=quotes[0],
        after_quote=quotes[1],
    )


def test_a_found_shift_is_reported_under_a_name_the_texts_or_the_engine_use() -> None:
    old = "Spain's Culture Ministry has not decided whether to award the bullfighting prize this year."
    new = "Spain's Culture Ministry has scrapped the bullfighting prize. Britain welcomed it."

    def found(holder: str, named_as: str, holders: tuple[str, ...] = ()) -> str | None:
        shift = _shift_finding(
            holder,
            named_as,
            ("undecided", "oppose"),
            ("has not decided whether to award", "has scrapped the"),
        )
        judged = merge([], CheckedAnswer(shifts=[shift]), old=old, new=new, who=MODEL, holders=holders)
        return judged.changes[0].actor

    # a name the texts never write gives way to the words that name the holder there
    assert found("Spanish Ministry of Culture", "Spain's Culture Ministry") == "Spain's Culture Ministry"
    # the model's name stands when the texts use it, spelled as the engine spells it
    assert found("Culture Ministry", "the ministry") == "Culture Ministry"
    assert found("UK", "britain", holders=("Britain",)) == "Britain"
    # an engine's name no text writes gives way to the texts' words too
    assert found("United Kingdom", "Britain", holders=("United Kingdom",)) == "Britain"
    assert found("United Kingdom", "", holders=("United Kingdom",)) == "United Kingdom"
    # nothing better to go on: the model's own name
    assert found("Spanish Ministry of Culture", "") == "Spanish Ministry of Culture"


def test_a_found_shift_the_engine_reported_under_another_name_is_not_added_twice() -> None:
    old = "Britain has not decided whether to join the scheme."
    new = "Britain will join the scheme, ministers said."
    engine = Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor="United Kingdom",
        before=ChangeSide(text=old, stance="undecided"),
        after=ChangeSide(text=new, stance="support"),
    )
    shift = _shift_finding(
        "United Kingdom",
        "Britain",
        ("undecided", "support"),
        ("has not decided whether", "will join the scheme"),
    )
    judged = merge([engine], CheckedAnswer(shifts=[shift]), old=old, new=new, who=MODEL)
    assert [c.actor for c in judged.changes] == ["United Kingdom"]
