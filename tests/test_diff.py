"""The differ: typed changes between two versions, and what must not become a change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from monitor.claims import extract_claims
from monitor.diff import diff_claims, diff_texts, word_diff
from monitor.diff.report import render_text
from monitor.diff.worddiff import render_word_diff
from monitor.model import Change, ChangeKind

ROOT = Path(__file__).resolve().parents[1]

OLD = """NATO allies split over strikes inside Russia

PRAGUE, May 30, 2024

The White House said it still opposed Ukraine using American weapons to strike inside Russia.

Germany has also opposed lifting the restrictions, wary of a direct conflict with Moscow.

Britain and the Netherlands already allow Kyiv to use their weapons on Russian territory.
"""

NEW = """Biden allows Ukraine to strike inside Russia to defend Kharkiv

PRAGUE, May 31, 2024

President Joe Biden gave Ukraine the go-ahead to use American weapons to strike inside Russia \
for the limited purpose of defending Kharkiv.

Britain and the Netherlands already allow Kyiv to use their weapons on Russian territory.

Germany has also opposed lifting the restrictions, wary of a direct conflict with Moscow.
"""


def kinds(changes: list[Change], kind: ChangeKind) -> list[Change]:
    return [c for c in changes if c.kind is kind]


def test_stance_shift_with_qualifier_and_evidence() -> None:
    changes = diff_texts(OLD, NEW)
    shifts = kinds(changes, ChangeKind.STANCE_SHIFT)
    assert [(c.actor, c.before.stance, c.after.stance) for c in shifts if c.before and c.after] == [
        ("United States", "oppose", "support")
    ]
    shift = shifts[0]
    assert shift.after is not None and shift.before is not None
    assert "Kharkiv" in " ".join(shift.after.qualifiers)
    assert "opposed" in (shift.before.cue or "")
    assert shift.before.actor_text == "it (United States)"
    assert shift.after.cue == "gave Ukraine the go-ahead"
    assert OLD[shift.before.start : shift.before.end] == shift.before.text
    assert NEW[shift.after.start : shift.after.end] == shift.after.text
    assert "strike" in (shift.topic or "")
    # shifts first
    assert changes[0].kind is ChangeKind.STANCE_SHIFT


def test_moved_paragraph_is_not_a_change() -> None:
    changes = diff_texts(OLD, NEW)
    moved = "Germany has also opposed lifting the restrictions"
    assert not any(moved in (side.text if side else "") for c in changes for side in (c.before, c.after))


def test_identical_texts_have_no_changes() -> None:
    assert diff_texts(OLD, OLD) == []


def test_respelling_and_synonyms_make_no_shift() -> None:
    old = (
        "Kiev said Erdogan opposed the plan. Poland and "
        "Hungary opposed the deal. Italy backed the compromise."
    )
    new = (
        "Kyiv said Erdoğan opposed the plan. Poland and "
        "Hungary were against the deal. Italy supported the compromise."
    )
    changes = diff_texts(old, new)
    assert not kinds(changes, ChangeKind.STANCE_SHIFT)
    assert not kinds(changes, ChangeKind.NUMBER_CHANGED)


def test_negation_rewording_is_not_a_shift() -> None:
    old = "The FDA refused to approve the therapy on Friday."
    new = "The FDA did not approve the therapy on Friday."
    changes = diff_texts(old, new)
    assert not kinds(changes, ChangeKind.STANCE_SHIFT)
    reworded = kinds(changes, ChangeKind.CLAIM_REWORDED)
    assert reworded and render_word_diff(reworded[0].word_diff).count("[-") == 1


def test_third_party_claim_added_is_not_a_shift() -> None:
    old = "Turkey pressed its objections to Finland joining the alliance."
    new = (
        "Turkey pressed its objections to Finland joining the alliance. "
        "NATO chief Jens Stoltenberg said Turkey had dropped its objections to Finland joining."
    )
    assert not kinds(diff_texts(old, new), ChangeKind.STANCE_SHIFT)


def test_background_history_in_new_version_is_not_the_current_stance() -> None:
    old = "Washington has resisted calls to provide its Abrams tanks."
    new = (
        "The Pentagon had resisted sending Abrams tanks. Biden "
        "said the United States would provide 31 Abrams tanks."
    )
    shifts = kinds(diff_texts(old, new), ChangeKind.STANCE_SHIFT)
    assert [(c.before.stance, c.after.stance) for c in shifts if c.before and c.after] == [
        ("oppose", "support")
    ]


def test_boilerplate_added_is_no_change() -> None:
    body = "The Bank of England cut rates to 5% on Thursday, and Governor Andrew Bailey backed the cut."
    new = "Sign up for our newsletter\n\n" + body + "\n\nSupport our journalism. Donate from as little as £1."
    assert diff_texts(body, new) == []


def test_cross_outlet_shift_needs_same_actor_and_topic() -> None:
    old = "Germany has long opposed allowing Kyiv to strike over the border. Italy backed the pension reform."
    new = "Germany expressed approval of letting Ukraine strike inside Russia. Italy opposed a fishing ban."
    shifts = kinds(diff_texts(old, new), ChangeKind.STANCE_SHIFT)
    assert [(c.actor, c.before.stance, c.after.stance) for c in shifts if c.before and c.after] == [
        ("Germany", "oppose", "support")
    ]


def test_attribution_and_qualifier_changes_on_aligned_claims() -> None:
    old = "The EMA recommended approving the drug for adults, officials said on Thursday."
    new = (
        "The EMA recommended approving the drug only in patients "
        "with one copy of the gene, Eisai said on Thursday."
    )
    changes = diff_texts(old, new)
    assert kinds(changes, ChangeKind.QUALIFIER_CHANGED)


def test_diff_claims_works_on_claims_and_orders_kinds() -> None:
    changes = diff_claims(extract_claims(OLD), extract_claims(NEW))
    order = [c.kind for c in changes]
    assert order == sorted(order, key=list(ChangeKind).index)


def test_word_diff_is_word_level() -> None:
    diff = word_diff("Russia quits the grain deal, Kiev says", "Russia quits the grain deal, Kyiv says")
    assert render_word_diff(diff) == "Russia quits the grain deal, [-Kiev-]{+Kyiv+} says"
    assert "".join(text for op, text in diff if op <= 0) == "Russia quits the grain deal, Kiev says"


def test_respelling_is_flagged_on_rewording() -> None:
    old = "Ukrainian President Volodymyr Zelenskiy said Kiev was ready to keep shipping grain."
    new = "Ukrainian President Volodymyr Zelensky said Kyiv was ready to keep shipping grain."
    reworded = kinds(diff_texts(old, new), ChangeKind.CLAIM_REWORDED)
    assert reworded and reworded[0].extra.get("respelling") is True


def test_render_text_shows_shifts_first_with_evidence() -> None:
    report = render_text(diff_texts(OLD, NEW))
    first = report.splitlines()[0]
    assert first.startswith("stance_shift") and "United States: oppose -> support" in first
    assert "limits:" in report and "Kharkiv" in report
    assert render_text([]) == "No changes.\n"


def test_module_entry_point_prints_scorer_json(tmp_path: Path) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "monitor.diff", str(old), str(new), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["changes"][0]["kind"] == "stance_shift"
    assert data["changes"][0]["before"]["stance"] == "oppose"
    missing = subprocess.run(
        [sys.executable, "-m", "monitor.diff", str(tmp_path / "nope.txt"), str(new)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert missing.returncode == 2 and "error" in missing.stderr


def test_explicit_body_permission_is_the_evidence_over_the_headline() -> None:
    old = (
        "Allies split on strikes inside Russia\n\n"
        "France has also opposed lifting the restrictions on strikes inside Russia.\n"
    )
    new = (
        "US and France let Ukraine hit targets in Russia\n\n"
        "France said on Monday that Ukraine may use French-supplied missiles against targets in Russia "
        "to defend itself from attacks launched across the border, a government spokesman said.\n"
    )
    shifts = kinds(diff_texts(old, new), ChangeKind.STANCE_SHIFT)
    assert [(c.actor, c.before.stance, c.after.stance) for c in shifts if c.before and c.after] == [
        ("France", "oppose", "support")
    ]
    after = shifts[0].after
    assert after is not None and after.text.startswith("France said on Monday")
    assert any("defend itself from attacks" in q for q in after.qualifiers)


def test_sample_strike_policy_shifts() -> None:
    folder = ROOT / "monitor" / "samples" / "strike-policy"
    morning, evening, friday = (p.read_text() for p in sorted(folder.glob("*.txt")))
    assert kinds(diff_texts(morning, evening), ChangeKind.STANCE_SHIFT) == []
    shifts = {c.actor: c for c in kinds(diff_texts(morning, friday), ChangeKind.STANCE_SHIFT)}
    assert sorted(shifts) == ["Germany", "United States"]
    for change in shifts.values():
        assert change.before is not None and change.after is not None
        assert (change.before.stance, change.after.stance) == ("oppose", "support")
        assert change.after.qualifiers and "Kharkiv" in " ".join(change.after.qualifiers)
        assert change.after.start is not None and change.after.start > 0  # a body sentence, not the headline


def test_process_wide_caches_do_not_change_results() -> None:
    from monitor.diff import clear_caches

    clear_caches()
    cold = [c.to_dict() for c in diff_texts(OLD, NEW)]
    claims_cold = extract_claims(NEW)
    warm = [c.to_dict() for c in diff_texts(OLD, NEW)]
    claims_warm = extract_claims(NEW)
    assert cold == warm
    assert claims_cold == claims_warm and claims_cold is not claims_warm  # callers get their own list
    assert extract_claims(NEW, cache={}) == claims_cold  # an explicit per-call cache still works
    assert word_diff("a b c", "a x c") is not word_diff("a b c", "a x c")


def test_sentence_cache_is_bounded() -> None:
    import monitor.claims as claims

    lru = claims._SentenceLRU(3)
    for key in "abcd":
        lru[key] = key
    assert lru.get("a") is None and lru.get("b") == "b"
    lru["e"] = "e"  # "c" is now the least recently used
    assert sorted(lru) == ["b", "d", "e"]
