"""The questions stage (monitor/diff/questions.py): one holder's statements in two versions, grouped by
what they answer. Sentences written for these tests."""

from __future__ import annotations

from dataclasses import replace

from monitor.claims import extract_claims
from monitor.diff import diff_texts
from monitor.diff.questions import Story, one_name_per_holder, questions
from monitor.model import ChangeKind, Claim


def _questions(
    old: str, new: str, actor: str, subject: bool = True
) -> list[tuple[str, list[str | None], list[str | None]]]:
    """(linked_by, old stances, new stances) of each question; `subject=False` leaves the story's main
    subject out, so that only words and leads can join statements."""
    old_claims, new_claims = extract_claims(old), extract_claims(new)
    before = [c for c in old_claims if c.has_stance and c.topic and c.actor == actor]
    after = [c for c in new_claims if c.has_stance and c.topic and c.actor == actor]
    story = Story.of(old_claims, new_claims)
    if not subject:
        story = Story(main_subject=frozenset(), lead_old=story.lead_old, lead_new=story.lead_new)
    found = questions(before, after, story)
    return [(q.linked_by, [c.stance for c in q.old], [c.stance for c in q.new]) for q in found]


_BODY = (
    "\n\nThe company has 4,000 employees in the region and two factories near the coast.\n\n"
    "Analysts said the outcome would shape the industry for years.\n\n"
    "Shares in the group closed slightly higher on the day.\n\n"
    "Local officials have asked for talks on the future of the sites."
)
_OLD = (
    "Harbour union rejects port operator's wage offer\n\n"
    "ROTTERDAM — The Dock Workers Union rejected the port operator's wage offer on Monday, calling it "
    "far below inflation." + _BODY
)
_NEW = (
    "Harbour union accepts improved port offer\n\n"
    "ROTTERDAM — The Dock Workers Union accepted an improved port offer on Wednesday after two days of "
    "talks." + _BODY
)


def test_statements_with_shared_words_are_one_question() -> None:
    assert ("words", ["oppose"], ["support"]) in _questions(_OLD, _NEW, "Dock Workers Union", subject=False)


def test_the_leads_of_two_versions_answer_one_question_however_worded() -> None:
    # "the wage offer" and "a new three-year contract" share no topic word; both leads are the story
    old = _OLD
    new = (
        "Dock workers sign up to new contract\n\n"
        "ROTTERDAM — The Dock Workers Union accepted a new three-year contract with the port on "
        "Wednesday, ending a dispute over wages." + _BODY
    )
    assert ("lead", ["oppose"], ["support"]) in _questions(old, new, "Dock Workers Union", subject=False)
    shifts = [c for c in diff_texts(old, new) if c.kind is ChangeKind.STANCE_SHIFT]
    assert [(c.actor, c.before.stance, c.after.stance) for c in shifts if c.before and c.after] == [
        ("Dock Workers Union", "oppose", "support")
    ]
    assert shifts[0].extra["linked_by"] in ("story", "lead")  # the change says how it was linked


def test_lead_statements_with_nothing_in_common_are_not_paired() -> None:
    old = (
        "Carmaker backs battery plant\n\n"
        "DETROIT — Norland Motors backed plans for a battery plant in Ohio on Monday." + _BODY
    )
    new = (
        "Carmaker opposes union election rules\n\n"
        "DETROIT — Norland Motors opposed new federal union election rules on Tuesday." + _BODY
    )
    assert not any(q[0] == "lead" for q in _questions(old, new, "Norland Motors", subject=False))


def test_a_stance_later_in_the_story_is_not_part_of_the_lead() -> None:
    old = _OLD + "\n\nThe Dock Workers Union also backs a new ferry terminal in the north."
    new = _NEW.replace("accepted an improved port offer", "accepted an improved port wage offer")
    found = _questions(old, new, "Dock Workers Union")
    lead = [q for q in found if q[0] == "lead"]
    assert all("support" not in q[1] for q in lead)


def test_a_clear_majority_moving_is_a_shift_despite_one_stray_statement() -> None:
    from monitor.diff.shifts import _dominant_move

    # a veto twice and one stray "demanded", then the veto dropped: oppose -> support
    assert _dominant_move({"oppose": 2.0, "support": 0.8}, {"support": 2.0}) == ("oppose", "support")
    # two against one is no clear majority; nor is a stance still strong on the other side
    assert _dominant_move({"oppose": 2.0, "support": 1.0}, {"support": 2.0}) is None
    assert _dominant_move({"oppose": 3.0}, {"support": 2.0, "oppose": 1.0}) is None
    assert _dominant_move({"oppose": 2.0}, {"oppose": 2.0}) is None


def test_one_holder_named_in_full_in_one_version_and_by_acronym_in_the_other() -> None:
    old = (
        "Nurses' union backs pay offer\n\n"
        "LONDON — The Royal College of Nursing said on Thursday it would recommend that its members accept "
        "the government's pay offer." + _BODY
    )
    new = (
        "Nurses throw out pay offer\n\n"
        "LONDON — The RCN rejected the government's pay offer on Friday and called a 48-hour strike." + _BODY
    )
    shifts = [c for c in diff_texts(old, new) if c.kind is ChangeKind.STANCE_SHIFT]
    assert [(c.actor, c.before.stance, c.after.stance) for c in shifts if c.before and c.after] == [
        ("RCN", "support", "oppose")
    ]


def test_names_are_no_content_that_relates_two_lead_statements() -> None:
    # "let Ukraine strike inside Russia" and "support for Ukraine" share only names: no relation
    from monitor.diff.questions import _content_words

    claim = extract_claims(
        "Members of NATO may decide to let Ukraine strike inside Russia with donated arms."
    )[0]
    content = _content_words(claim)
    assert not any(w.startswith(("ukrain", "russia", "nato")) for w in content)
    assert {"strik", "arm"} <= content


def test_a_short_name_inside_one_longer_name_is_that_holder() -> None:
    old = [_claim("Central Bank of Ireland", 2), _claim("European Central Bank", 3)]
    new = [_claim("Central Bank", 0), _claim("Supreme Court", 1), _claim("US Supreme Court", 4)]
    old_named, new_named = one_name_per_holder(old, new)
    # "Central Bank" sits in two longer names: ambiguous, kept; "Supreme Court" is the US one
    assert [c.actor for c in old_named] == ["Central Bank of Ireland", "European Central Bank"]
    assert [c.actor for c in new_named] == ["Central Bank", "US Supreme Court", "US Supreme Court"]
    old_named, new_named = one_name_per_holder(
        [_claim("Central Bank of Ireland", 2)], [_claim("Central Bank", 0)]
    )
    assert [c.actor for c in new_named] == ["Central Bank of Ireland"]


def _claim(actor: str, index: int) -> Claim:
    return Claim(text="", start=0, end=0, index=index, actor=actor, stance="support")


def test_a_country_is_not_short_for_a_body_named_after_it() -> None:
    old = [_claim("Canada", 1), _claim("Canada Industrial Relations Board", 2)]
    new = [_claim("Canada", 0), _claim("Couche-Tard", 3), _claim("Alimentation Couche-Tard", 4)]
    old_named, new_named = one_name_per_holder(old, new)
    assert [c.actor for c in old_named] == ["Canada", "Canada Industrial Relations Board"]
    assert [c.actor for c in new_named] == ["Canada", "Alimentation Couche-Tard", "Alimentation Couche-Tard"]


def test_a_body_described_by_its_country_is_the_one_such_body_named_in_full() -> None:
    described = _claim("Indian regulator", 1)
    full = replace(_claim("TRAI", 2), actor_text="the Telecom Regulatory Authority of India")
    _, new_named = one_name_per_holder([full], [described])
    assert [c.actor for c in new_named] == ["TRAI"]
    # two Indian bodies of that kind: which one is meant is not known
    other = _claim("Competition Commission of India", 3)
    _, new_named = one_name_per_holder([full, other], [described])
    assert [c.actor for c in new_named] == ["Indian regulator"]


def test_a_described_body_matches_a_full_name_with_a_country_of_two_words() -> None:
    described = _claim("Sri Lankan central bank", 1)
    full = _claim("Central Bank of Sri Lanka", 2)
    _, new_named = one_name_per_holder([full], [described])
    assert [c.actor for c in new_named] == ["Central Bank of Sri Lanka"]


_HOLDER_BODY = (
    "\n\nThe launch site sits on the coast, and the company employs 3,000 people there.\n\n"
    "Engineers said the rocket was the largest ever built.\n\n"
    "Environmental groups have asked for a fuller review of the site."
)


def test_a_story_holder_with_nothing_paired_is_asked_one_question() -> None:
    # "is evaluating the application" / "granted the permit": no shared topic word, and the old
    # version's statement is below its lead, so only the holder rule joins them
    old = (
        "Rocket maker waits on test flight\n\n"
        "BOCA CHICA — Norland Space said its rocket was ready to fly and that it hoped to launch soon.\n\n"
        "Aviation officials met the company twice this month."
        + _HOLDER_BODY
        + "\n\nThe Federal Aviation Administration is evaluating the application, the agency said."
    )
    new = (
        "Regulator clears rocket for first flight\n\n"
        "BOCA CHICA — The Federal Aviation Administration granted Norland Space a permit on Friday."
        + _HOLDER_BODY
    )
    found = _questions(old, new, "Federal Aviation Administration", subject=False)
    assert ("holder", ["undecided"], ["support"]) in found
    shifts = [c for c in diff_texts(old, new) if c.kind is ChangeKind.STANCE_SHIFT]
    faa = [c for c in shifts if c.actor == "Federal Aviation Administration"]
    assert [(c.before.stance, c.after.stance) for c in faa if c.before and c.after] == [
        ("undecided", "support")
    ]
    assert faa[0].extra["linked_by"] == "holder"
    assert faa[0].confidence < 0.85  # a holder link weighs less than a worded one


def test_the_holder_rule_leaves_a_holder_that_is_not_in_any_lead_alone() -> None:
    old = (
        "Rocket maker waits on test flight\n\n"
        "BOCA CHICA — Norland Space said its rocket was ready to fly.\n\n"
        "Officials met the company twice this month."
        + _HOLDER_BODY
        + "\n\nThe Federal Aviation Administration is evaluating the application, the agency said."
    )
    new = (
        "Rocket maker waits on test flight\n\n"
        "BOCA CHICA — Norland Space said its rocket was ready to fly.\n\n"
        "Officials met the company twice this month."
        + _HOLDER_BODY
        + "\n\nThe Federal Aviation Administration separately granted a permit to a drone maker."
    )
    assert not any(
        q[0] == "holder" for q in _questions(old, new, "Federal Aviation Administration", subject=False)
    )


def test_two_firm_stances_on_unrelated_things_are_not_joined_by_the_holder_rule() -> None:
    old = "Italy backed the pension reform on Monday. Germany opposed the plan."
    new = "Italy opposed a fishing ban on Tuesday. Germany opposed the plan."
    assert not any(q[0] == "holder" for q in _questions(old, new, "Italy", subject=False))
