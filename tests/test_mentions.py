"""The mentions stage alone: who is named in one tokenised sentence (no resolution across sentences)."""

from __future__ import annotations

import itertools

from monitor.claims.gazetteer import load_gazetteer
from monitor.claims.mentions import find_mentions
from monitor.claims.tokens import tokenize


def _mentions(sentence: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(m.text, m.kind, m.actor, m.role) for m in find_mentions(tokenize(sentence), load_gazetteer())]


def test_titles_and_names_attached_to_a_country_are_one_mention() -> None:
    assert _mentions("U.S. Secretary of State Antony Blinken said the plan would fail.") == [
        ("U.S. Secretary of State Antony Blinken", "country", "United States", None)
    ]


def test_an_unknown_capitalised_name_is_an_actor_of_its_own() -> None:
    assert _mentions("Eastbrook City Council voted on Tuesday.") == [
        ("Eastbrook City Council", "unknown_org", "Eastbrook City Council", None)
    ]


def test_a_long_body_name_keeps_its_inner_and() -> None:
    # the head noun five words past the "and" still ends one name
    assert _mentions("The Vaccines and Related Biological Products Advisory Committee voted 18-0.")[0][
        :2
    ] == (
        "The Vaccines and Related Biological Products Advisory Committee",
        "unknown_org",
    )


def test_pronouns_and_role_nouns_are_left_for_the_holders_stage() -> None:
    assert _mentions("The agency said it would wait.") == [
        ("The agency", "role", None, "agency"),
        ("it", "pronoun", None, "it"),
    ]


def test_mentions_do_not_overlap_and_come_left_to_right() -> None:
    found = find_mentions(tokenize("Ryanair rejects the offer, Germany said."), load_gazetteer())
    assert [m.text for m in found] == ["Ryanair", "Germany"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_a_city_office_holder_speaks_for_the_city_not_the_country_it_is_capital_of() -> None:
    from monitor.claims import extract_claims

    for text, holder in [
        ("London mayor Sadiq Khan rejected the plan.", "Sadiq Khan"),
        ("Tokyo Governor Yuriko Koike backed the plan.", "Yuriko Koike"),
        ("Kremlin spokesman Dmitry Peskov rejected the plan.", "Russia"),  # not a city office
    ]:
        assert [c.actor for c in extract_claims(text) if c.stance] == [holder], text


def test_a_group_named_by_description_at_the_start_of_a_sentence_holds_its_stance() -> None:
    from monitor.claims import extract_claims

    for text, holder in [
        ("Calgary voters rejected a bid to host the Winter Olympics.", "Calgary voters"),
        ("Swedish prosecutors on Monday reopened their investigation.", "Swedish prosecutors"),
        ("Unite members voted to accept the pay offer.", "Unite"),  # an organisation's people
    ]:
        assert [c.actor for c in extract_claims(text) if c.stance] == [holder], text


def test_a_countrys_body_named_with_modifiers() -> None:
    from monitor.claims import extract_claims

    for text, holder in [
        ("Russia's sports ministry welcomed the ruling.", "Russia"),  # an organ of the government
        (
            "Afghanistan's cricket board pleaded with Cricket Australia not to cancel.",
            "Afghanistan's cricket board",
        ),
        ("Germany's vaccine advisory committee, STIKO, refused to recommend the shots.", "STIKO"),
    ]:
        assert {c.actor for c in extract_claims(text) if c.stance} == {holder}, text


def test_a_body_named_for_its_fields_keeps_the_whole_list() -> None:
    assert [m[0] for m in _mentions("The Ministry of Economy, Trade and Industry said no.")] == [
        "The Ministry of Economy, Trade and Industry"
    ]
    assert [m[0] for m in _mentions("The Department of Health and Human Services said no.")] == [
        "The Department of Health and Human Services"
    ]
    # a field that is also a party's name ("Labour") is a field inside such a list
    assert [m[0] for m in _mentions("The Ministry of Health, Labour and Welfare said no.")] == [
        "The Ministry of Health, Labour and Welfare"
    ]


def test_a_list_that_does_not_close_on_a_field_is_no_part_of_the_name() -> None:
    names = [m[0] for m in _mentions("The Ministry of Defence and Germany backed the plan.")]
    assert "Germany" in names and not any("Defence and" in n for n in names)
    names = [m[0] for m in _mentions("The Ministry of Finance, Reuters reported, rejected the bid.")]
    assert not any("Reuters" in n and "Ministry" in n for n in names)


def test_a_role_noun_described_by_lower_case_words_is_one_role_mention() -> None:
    assert _mentions("The land board said it would rule later.")[0] == (
        "The land board",
        "role",
        None,
        "board",
    )
    assert _mentions("The five-judge panel rejected the appeal.")[0] == (
        "The five-judge panel",
        "role",
        None,
        "panel",
    )
    # a word of another phrase is no description: "the deal the board signed" names "the board" only
    assert _mentions("The deal the board signed was approved.") == [("the board", "role", None, "board")]
