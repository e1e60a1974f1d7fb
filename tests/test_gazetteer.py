"""The gazetteer stage alone: loading the shipped data and a user's file, and the lookups on it."""

from __future__ import annotations

from pathlib import Path

from monitor.claims.gazetteer import load_gazetteer
from monitor.claims.tokens import tokenize


def test_metonyms_capitals_and_leaders_resolve_to_their_country() -> None:
    gaz = load_gazetteer()
    assert gaz.resolve("Kremlin") == "Russia"
    assert gaz.resolve("Washington") == "United States"
    assert gaz.resolve("scholz") == "Germany"  # a leader speaks for the government
    assert gaz.kind_of("Russia") == "country"
    assert gaz.resolve("Nobody In Particular") is None


def test_a_dateline_city_places_a_story_without_standing_for_its_government() -> None:
    gaz = load_gazetteer()
    assert gaz.dateline_country("FRANKFURT") == "Germany"
    assert gaz.resolve("Frankfurt") is None


def test_the_longest_alias_wins_in_a_sentence() -> None:
    gaz = load_gazetteer()
    tokens = tokenize("The United States said no.")
    assert gaz.match_alias(tokens, 1) == (2, "United States")


def test_a_user_file_adds_actors_and_is_compiled_once(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[org]]\nname = "Northwind Rail"\naliases = ["Northwind"]\n'
        '[[person]]\nname = "Ada Brook"\nfor = "Northwind Rail"\n'
    )
    gaz = load_gazetteer([path])
    assert gaz.resolve("Northwind") == "Northwind Rail"
    assert gaz.resolve("Ada Brook") == "Northwind Rail"
    assert gaz.stance_actor("Ada Brook") == "Northwind Rail"
    assert load_gazetteer([path]) is gaz
    assert load_gazetteer().resolve("Northwind") is None
