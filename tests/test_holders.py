"""The holders stage alone: whose stance each cue chain states."""

from __future__ import annotations

from stagehelp import Staged, stage

from monitor.claims.holders import _Context, _holder, _list_members, _main_subject, _resolve
from monitor.claims.mentions import find_mentions
from monitor.claims.tokens import tokenize


def _holders(s: Staged) -> list[tuple[str | None, str]]:
    main = _main_subject(s.tokens, s.cues, s.reporting, s.by_end, s.lex)
    found = [_holder(s.tokens, ch, s.by_end, s.by_start, main, s.lex) for ch in s.chains]
    return [(m.text if m is not None else None, how) for m, how in found]


def test_the_grammatical_subject_holds_the_stance() -> None:
    assert _holders(stage("Germany rejected the proposal to cap gas prices.")) == [("Germany", "subject")]


def test_a_passive_cue_is_held_by_its_agent() -> None:
    assert _holders(stage("The plan was backed by Italy.")) == [("Italy", "agent")]


def test_coordinated_subjects_are_all_members() -> None:
    s = stage("Germany and France have refused to rule out new tariffs.")
    [(holder, how)] = _holders(s)
    assert (holder, how) == ("France", "subject")
    last = s.by_end[max(s.by_end)]
    assert sorted(m.text for m in _list_members(s.tokens, last, s.by_end)) == ["France", "Germany"]


def test_a_list_with_a_determiner_before_each_member_is_one_list() -> None:
    # "the NAHT, the ASCL and the NASUWT": the article between a comma or "and" and a name does not
    # end the list (before, only the last member held the stance)
    s = stage("The NAHT, the ASCL and the NASUWT voted to reject the offer.")
    last = s.by_end[max(k for k in s.by_end if s.by_end[k].start < s.chains[0].start)]
    members = reversed(_list_members(s.tokens, last, s.by_end))
    assert [m.text for m in members] == ["The NAHT", "ASCL", "NASUWT"]


def test_a_determiner_alone_links_no_list() -> None:
    s = stage("Spain and the Netherlands backed it, the ministry said.")
    last = s.by_end[max(k for k in s.by_end if s.by_end[k].start < s.chains[0].start)]
    assert [m.text for m in reversed(_list_members(s.tokens, last, s.by_end))] == ["Spain", "Netherlands"]


def test_a_role_noun_and_a_pronoun_point_back_to_an_earlier_sentence() -> None:
    gaz = stage("").gaz
    ctx = _Context()
    ctx.recent.append(find_mentions(tokenize("The European Medicines Agency met on Monday."), gaz))
    tokens = tokenize("The agency said it would wait.")
    mentions = find_mentions(tokens, gaz)
    for m in mentions:
        _resolve(m, tokens, mentions, gaz, ctx)
    assert [(m.text, m.actor) for m in mentions] == [
        ("The agency", "European Medicines Agency"),
        ("it", "European Medicines Agency"),
    ]


def test_it_after_an_unknown_name_that_reports_it_points_to_that_name() -> None:
    # two capitalised words look like a person, but a person would be "he" or "she"
    gaz = stage("").gaz
    for text, expected in [
        ("Alimentation Couche-Tard said on Wednesday it remained committed.", "Alimentation Couche-Tard"),
        ("Ford Motor said it backed the plan.", "Ford Motor"),
        ("Maria Lopez warned the plan was late and it would cost more.", None),  # not right after "said"
        # a name in an object position that reports "it" is the speaker all the same
        ("Belgium's French-speaking region of Wallonia said on Monday it could not approve.", "Wallonia"),
    ]:
        tokens = tokenize(text)
        mentions = find_mentions(tokens, gaz)
        for m in mentions:
            _resolve(m, tokens, mentions, gaz, _Context())
        assert [m.actor for m in mentions if m.text == "it"] == [expected], text


def test_a_banks_governor_speaks_for_the_bank_named_before() -> None:
    from monitor.claims import extract_claims

    text = (
        "Sri Lanka's central bank met on Monday, with Governor Ajith Nivard Cabraal in the chair.\n\n"
        "Cabraal has repeatedly ruled out floating the rupee."
    )
    assert {(c.actor, c.stance) for c in extract_claims(text) if c.stance} == {
        ("Sri Lankan central bank", "oppose")
    }
    # no bank named: a governor is their own holder
    alone = extract_claims("Governor Ajith Nivard Cabraal ruled out floating the rupee.")
    assert {(c.actor, c.stance) for c in alone if c.stance} == {("Ajith Nivard Cabraal", "oppose")}


def test_a_bracketed_acronym_or_the_seat_of_a_body_does_not_hide_the_subject() -> None:
    from monitor.claims import extract_claims

    for text, holder in [
        (
            "The Pakistan Telecommunication Authority (PTA) on Friday blocked the app.",
            "Pakistan Telecommunication Authority",
        ),
        ("The High Court in Nairobi on Friday barred the deployment.", "High Court"),
    ]:
        assert [(c.actor, c.stance) for c in extract_claims(text) if c.stance] == [(holder, "oppose")], text


def test_a_cue_less_sentence_is_held_by_the_name_it_opens_with() -> None:
    # no stance word and no reporting verb: the opening subject is the holder the reader is asked about
    for text, holder in [
        ("The Federal Reserve lowered interest rates by half a point on Tuesday.", "Federal Reserve"),
        ("FIFA removed Indonesia as host of the tournament.", "FIFA"),
        ("HONIARA, Sept 17 -- Canada closed its skies to the aircraft.", "Canada"),
    ]:
        s = stage(text)
        assert not s.cues and not s.reporting
        main = _main_subject(s.tokens, s.cues, s.reporting, s.by_end, s.lex)
        assert main is not None and main.actor == holder, text
    for text in [
        "Canada's economy grew faster than expected.",  # a possessive names what the sentence is about
        "Canada and Mexico face new tariffs.",  # a list, not a subject with its verb
        "In March, Canada closed its skies.",  # not the sentence's opening words
    ]:
        s = stage(text)
        assert _main_subject(s.tokens, s.cues, s.reporting, s.by_end, s.lex) is None, text


def test_a_described_body_with_no_name_to_point_back_to_is_named_by_its_description() -> None:
    gaz = stage("").gaz
    for text, actor in [
        ("The land board has not decided.", "land board"),
        ("The board has not decided.", None),  # a bare role noun says too little to stand alone
    ]:
        tokens = tokenize(text)
        mentions = find_mentions(tokens, gaz)
        for m in mentions:
            _resolve(m, tokens, mentions, gaz, _Context())
        assert mentions[0].actor == actor, text


def test_a_role_noun_owned_by_someone_is_not_named_by_its_words() -> None:
    gaz = stage("").gaz
    tokens = tokenize("His new party has not decided.")
    mentions = find_mentions(tokens, gaz)
    for m in mentions:
        _resolve(m, tokens, mentions, gaz, _Context())
    assert all(m.actor is None for m in mentions)


def test_she_is_not_a_name_inside_a_closed_relative_clause() -> None:
    from monitor.claims import extract_claims

    [claim] = extract_claims(
        "Senator Ada Brook, who faces a tough race in a state Trump carried easily, said she was "
        "still weighing the evidence."
    )
    assert (claim.actor, claim.stance) == ("Ada Brook", "undecided")
    [claim] = extract_claims("Mayor Anne Hidalgo, whom Macron appointed, said she opposed the plan.")
    assert (claim.actor, claim.stance) == ("Anne Hidalgo", "oppose")
