"""Quantities: value, unit, what they count; and which differences are number changes."""

from __future__ import annotations

import pytest

from monitor.claims.numbers import extract_quantities
from monitor.diff import diff_texts
from monitor.model import ChangeKind


def quantities(text: str) -> list[tuple[str, float, str | None, str | None, bool]]:
    return [(q.text, q.value, q.unit, q.counts, q.approximate) for q in extract_quantities(text)]


def test_casualty_counts() -> None:
    assert quantities("The quake struck on Friday, killing at least 820 people and injuring 672 others.") == [
        ("820", 820.0, None, "killed", True),
        ("672", 672.0, None, "injured", False),
    ]
    assert quantities(
        "The death toll rose to 2,012, with 2,059 people injured, 1,404 of them critically."
    ) == [
        ("2,012", 2012.0, None, "killed", False),
        ("2,059", 2059.0, None, "injured", False),
        ("1,404", 1404.0, None, "injured subset critically", False),
    ]
    assert quantities("At least 36 people have died in the fire.")[0][3] == "killed"


def test_money_percent_and_scale() -> None:
    assert quantities("Orban vetoed a €50 billion package.") == [("50", 5e10, "EUR", "package", False)]
    assert quantities("a four-year, 50 billion euro aid package")[0][1:3] == (5e10, "EUR")
    assert quantities("Bank Rate fell to 5% from 5.25%.") == [
        ("5", 5.0, "%", "%", False),
        ("5.25", 5.25, "%", "%", False),
    ]
    assert quantities("The fee will climb to C$95 a tonne.")[0][:3] == ("95", 95.0, "CAD")


@pytest.mark.parametrize(
    "text",
    [
        "The quake hit at 11:11 p.m. on April 1.",
        "It was the deadliest since 1960.",
        "The committee voted 5-4 in favour.",
        "The 75th anniversary summit.",
        "Poland will send Leopard 2 tanks after the Phase 3 study.",
        "The meeting is on 31 May.",
    ],
)
def test_dates_times_years_scores_ordinals_and_model_numbers_are_not_quantities(text: str) -> None:
    assert quantities(text) == []


def test_unit_conversion_in_parentheses_is_dropped() -> None:
    assert [q[0] for q in quantities("about 72 km (45 miles) southwest of the city")] == ["72"]


def numbers(old: str, new: str) -> list[tuple[str | None, str | None]]:
    return [
        (c.before.value if c.before else None, c.after.value if c.after else None)
        for c in diff_texts(old, new)
        if c.kind is ChangeKind.NUMBER_CHANGED
    ]


def test_changed_count_is_one_number_change() -> None:
    old = "A quake struck late on Friday, killing at least 820 people, the ministry said."
    new = "The death toll from the quake rose to 2,012 on Saturday, the ministry said."
    assert numbers(old, new) == [("820", "2,012")]


def test_rounding_conversion_and_one_sided_figures_are_not_changes() -> None:
    old = (
        "Surveys showed 271 structures had been damaged. Gusts topped "
        "60 mph (97 km/h). About 12,000 people live there."
    )
    new = (
        "More than 270 structures were damaged. Gusts topped 60 mph. The "
        "town is home to about 12,000 people, and 40 roads shut."
    )
    assert numbers(old, new) == []


def test_rounding_in_the_same_version_is_not_a_second_figure() -> None:
    old = "Quake kills at least 820\n\nThe quake killed at least 820 people."
    new = "Death toll rises above 2,000\n\nThe death toll rose to 2,012."
    assert numbers(old, new) == [("820", "2,012")]


def test_same_count_in_different_contexts_is_not_paired() -> None:
    old = "Poland has said it is ready to send 14 tanks."
    new = "President Biden said the United States would provide 31 tanks to the army next year."
    assert numbers(old, new) == []


def test_headline_verbs_and_bound_directions() -> None:
    found = extract_quantities("Flood deaths pass 1,000 as nearly 300 remain missing and about 40 are hurt.")
    assert [(q.text, q.approximate, q.bound) for q in found] == [
        ("1,000", True, "min"),
        ("300", True, "max"),
        ("40", True, "about"),
    ]


def test_a_sentence_without_digits_has_no_quantities() -> None:
    assert extract_quantities("Officials said dozens of people were missing after the storm.") == ()
