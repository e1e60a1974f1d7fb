"""Number changes between two versions: which figures are the same quantity, and which pairs are changes.

Each test is a small story in two versions, written for these tests (not taken from an eval set).
"""

from __future__ import annotations

import pytest

from monitor.claims.numbers import extract_quantities
from monitor.diff import diff_texts
from monitor.model import ChangeKind


def numbers(old: str, new: str) -> list[tuple[str | None, str | None]]:
    return [
        (c.before.value if c.before else None, c.after.value if c.after else None)
        for c in diff_texts(old, new)
        if c.kind is ChangeKind.NUMBER_CHANGED
    ]


# 1. A rounded headline figure is the exact body figure, not a quantity of its own.


def test_headline_rounding_gives_way_to_the_exact_body_figure() -> None:
    old = (
        "Heatwave deaths in Delhi pass 200\n\n"
        "Hospitals in the Indian capital said 214 people had died of heatstroke since Monday."
    )
    new = (
        "Delhi heatwave toll climbs\n\n"
        "Hospitals in the Indian capital said 263 people had died of heatstroke since Monday."
    )
    assert numbers(old, new) == [("214", "263")]


def test_headline_bound_close_to_the_exact_figure_is_the_same_quantity() -> None:
    old = (
        "Ferry disaster: nearly 300 feared dead\n\n"
        "Coastguard officials said 291 passengers died when the ferry capsized off Sulawesi."
    )
    new = (
        "Ferry disaster toll rises\n\n"
        "Coastguard officials said 318 passengers died when the ferry capsized off Sulawesi."
    )
    assert numbers(old, new) == [("291", "318")]


def test_approximate_headline_is_paired_when_no_exact_figure_exists() -> None:
    old = "Storm kills at least 40 in the Philippines\n\nRescuers were still searching villages on Sunday."
    new = "Storm toll rises to 67 in the Philippines\n\nRescuers were still searching villages on Monday."
    assert numbers(old, new) == [("40", "67")]


# 2. "to X from Y": Y is the previous value inside the sentence; current values are compared.


def test_rate_rise_pairs_current_with_current() -> None:
    old = "The Reserve Bank raised its cash rate to 3.75% from 3.5% on Tuesday, its fifth increase this year."
    new = "The Reserve Bank raised its cash rate to 4% from 3.75% on Tuesday, its sixth increase this year."
    assert numbers(old, new) == [("3.75", "4")]


def test_from_to_order_pairs_current_with_current() -> None:
    old = "The regulator lifted the price cap from £1,650 to £1,834 a year for a typical household."
    new = "The regulator lifted the price cap from £1,834 to £1,928 a year for a typical household."
    assert numbers(old, new) == [("1,834", "1,928")]


def test_restated_previous_value_does_not_hide_the_change() -> None:
    old = "Cloud revenue reached $52.4 billion in the quarter, the company said."
    new = "Cloud revenue reached $71.3 billion in the quarter, up from $52.4 billion, the company said."
    assert numbers(old, new) == [("52.4", "71.3")]


def test_up_from_value_is_previous() -> None:
    quantities = extract_quantities("Shares closed at $31.20, up from about $28 a week ago.")
    assert [(q.text, q.previous) for q in quantities] == [("31.20", False), ("28", True)]


def test_change_stated_the_same_way_in_both_versions_is_not_a_change() -> None:
    old = "The central bank cut its key rate to 6.5% from 6.75% on Wednesday."
    new = "On Wednesday the central bank cut its key rate to 6.5% from 6.75%, citing slowing inflation."
    assert numbers(old, new) == []


def test_from_a_place_is_not_a_previous_value() -> None:
    quantities = extract_quantities("Aid arrived from 14 countries, and 300 tonnes more were on the way.")
    assert [(q.text, q.previous) for q in quantities] == [("14", False), ("300", False)]


# 3. The same unit is not the same quantity: what is measured and whose figure it is must match.


def test_different_percentages_in_similar_sentences_are_not_paired() -> None:
    old = "Official figures showed inflation of 5.5% in June, the statistics office said on Friday."
    new = "Official figures showed a growth forecast of 0.7% for June, the statistics office said on Friday."
    assert numbers(old, new) == []


def test_same_measure_pairs_across_rewording() -> None:
    old = "Annual inflation slowed to 5.5% in June, the statistics office said."
    new = "Inflation eased further to 4.9%, official data showed on Wednesday."
    assert numbers(old, new) == [("5.5", "4.9")]


def test_different_holders_of_a_price_are_not_paired() -> None:
    old = "Shareholders backed Comcast's $65 a share offer for the broadcaster on Monday."
    new = "Shareholders backed Disney's $38 a share offer for the broadcaster on Monday."
    assert numbers(old, new) == []


def test_same_holder_of_a_price_is_paired() -> None:
    old = "Analysts said Comcast's $65 a share offer for Sky was generous."
    new = "Analysts said Comcast's $70 a share offer for Sky was generous."
    assert numbers(old, new) == [("65", "70")]


def test_per_share_and_per_year_figures_are_different_measures() -> None:
    old = "The group will pay $2 a share in dividends, the board said."
    new = "The group will pay $5 a year in dividends, the board said."
    assert numbers(old, new) == []


# 4. Lists that name the unit once: each member counts the same thing for its own holder.


def test_list_members_count_the_head_noun_for_their_party() -> None:
    quantities = extract_quantities(
        "The Social Democrats won 120 seats, the Christian Democrats 152, the Greens 85 and the Left 39."
    )
    assert [(q.text, q.counts, q.holder) for q in quantities] == [
        ("120", "seats", "social democrat"),
        ("152", "seats", "christian democrat"),
        ("85", "seats", "green"),
        ("39", "seats", "left"),
    ]


def test_list_member_change_is_paired_with_its_own_party() -> None:
    old = (
        "Projections showed Labour winning 410 seats, the Conservatives 131, "
        "the Liberal Democrats 61 and Reform UK 13."
    )
    new = (
        "Final results showed Labour winning 412 seats, the Conservatives 121, "
        "the Liberal Democrats 72 and Reform UK 5."
    )
    assert sorted(numbers(old, new)) == sorted([("410", "412"), ("131", "121"), ("61", "72"), ("13", "5")])


def test_one_member_changing_is_one_change() -> None:
    old = "In the regional vote, the CDU won 37 seats, the SPD 25, the Greens 14 and the FDP 8."
    new = "In the regional vote, the CDU won 37 seats, the SPD 25, the Greens 17 and the FDP 8."
    assert numbers(old, new) == [("14", "17")]


def test_model_numbers_are_still_not_list_members() -> None:
    text = "Berlin pledged 14 Leopard 2 tanks and Paris its AMX 10 vehicles."
    assert [q.text for q in extract_quantities(text)] == ["14"]


# 5. A leading "of the dead," names what the figure counts.


def test_leading_of_the_dead_counts_a_part_of_the_dead() -> None:
    quantities = extract_quantities("Of the dead, 61 were in the Kerala district of Wayanad.")
    assert [(q.text, q.counts) for q in quantities] == [("61", "killed subset")]
    assert "wayanad" in quantities[0].about


def test_sub_count_is_paired_with_the_same_sub_count_not_the_total() -> None:
    old = (
        "Landslides have killed at least 70 people in southern India, officials said.\n\n"
        "Of the dead, 61 were in the Kerala district of Wayanad."
    )
    new = (
        "The death toll from landslides in southern India rose to 143 on Wednesday.\n\n"
        "Of the dead, 126 were in the Kerala district of Wayanad, officials said."
    )
    assert sorted(numbers(old, new)) == [("61", "126"), ("70", "143")]


def test_sub_count_with_other_wording_pairs_on_the_place() -> None:
    old = "Of the dead, 61 were in Wayanad, the state government said."
    new = "126 of the dead were in Wayanad, according to the state government."
    assert numbers(old, new) == [("61", "126")]


def test_sub_counts_of_different_places_are_not_paired() -> None:
    old = "Of the dead, 61 were in Wayanad."
    new = "Of the dead, 12 were in Malappuram."
    assert numbers(old, new) == []


# 6. The old traps still hold.


def test_conversion_rounding_and_sub_count_traps() -> None:
    old = (
        "The quake struck 64 km (40 miles) south of the city, killing 312 people and injuring 1,020.\n\n"
        "Engineers said 518 buildings had collapsed."
    )
    new = (
        "The quake struck 64 km south of the city. The death toll rose to 390, with 1,020 injured, "
        "211 of them seriously.\n\nEngineers said more than 500 buildings had collapsed."
    )
    assert numbers(old, new) == [("312", "390")]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("The court ruled 5-4 on June 30.", "The court ruled 6-3 on July 1."),
        ("It was the worst flood since 1953.", "It was the worst flood since 1947."),
        ("The blast happened at 8:15 a.m. on Dec. 20.", "The blast happened at 8:45 a.m. on Dec. 21."),
        ("Leaders met for the 75th summit.", "Leaders met for the 76th summit."),
    ],
)
def test_dates_years_times_ordinals_and_votes_are_not_changes(old: str, new: str) -> None:
    assert numbers(old, new) == []


def test_figure_in_only_one_version_is_not_a_change() -> None:
    old = "The airline cancelled 140 flights on Friday."
    new = "The airline cancelled 140 flights on Friday and said 2,300 passengers were affected."
    assert numbers(old, new) == []


def test_figures_in_the_same_places_of_matching_sentences_pair_in_order() -> None:
    old = "The two parties won 46 and 39 seats respectively."
    new = "The two parties won 44 and 41 seats respectively."
    assert numbers(old, new) == [("46", "44"), ("39", "41")]


def test_unmatched_figures_in_one_sentence_say_nothing() -> None:
    old = "Police said 46 and 39 protesters were detained in the two cities."
    new = "Police said 44, 41 and 12 protesters were detained in the three cities."
    assert numbers(old, new) == []


def test_possessive_holder_a_few_words_before_the_figure() -> None:
    old = "Germany's economy grew 0.3% in the third quarter, official data showed on Tuesday."
    new = "France's economy grew 0.2% in the third quarter, official data showed on Tuesday."
    assert numbers(old, new) == []


def test_two_figures_of_one_measure_pair_by_their_place() -> None:
    old = "Sales rose 5% in Europe and 8% in Asia, the carmaker said."
    new = "Sales rose 6% in Europe and 8% in Asia, the carmaker said."
    assert numbers(old, new) == [("5", "6")]


def test_shared_word_of_two_different_rates_is_not_enough_in_unlike_sentences() -> None:
    old = "The bank left its interest rate at 5.25%."
    new = "Separately, figures released by the statistics agency put the unemployment rate at 4.4%."
    assert numbers(old, new) == []


def test_figures_of_different_years_are_different_quantities() -> None:
    old = "The carmaker cut 1,200 jobs in 2023, after hiring 3,000 in 2022."
    new = "The carmaker cut 1,500 jobs in 2024, after cutting 1,200 in 2023."
    assert numbers(old, new) == []


def test_figure_of_the_same_year_revised_is_a_change() -> None:
    old = "The carmaker cut 1,200 jobs in 2023, a filing showed."
    new = "The carmaker cut 1,500 jobs in 2023, a filing showed."
    assert numbers(old, new) == [("1,200", "1,500")]


def test_value_taken_over_by_another_list_member_does_not_hide_a_change() -> None:
    old = "Poland will send 14 tanks, Britain 12 and Canada 4, officials said."
    new = "Poland will send 14 tanks, Britain 14 and Canada 8, officials said."
    assert sorted(numbers(old, new)) == [("12", "14"), ("4", "8")]


def test_list_members_trading_places_are_two_changes() -> None:
    old = "In the city council, the Greens won 21 seats, the Socialists 17 and the Liberals 9."
    new = "In the city council, the Greens won 17 seats, the Socialists 21 and the Liberals 9."
    assert sorted(numbers(old, new)) == [("17", "21"), ("21", "17")]


def test_money_is_never_a_casualty_count() -> None:
    from monitor.claims import extract_claims

    claims = extract_claims("The council approved a $12 toll for lorries.")
    quantities = [q for c in claims for q in c.numbers]
    assert [(q.text, q.counts) for q in quantities] == [("12", "USD")]


def test_a_rounded_billion_does_not_swallow_small_amounts() -> None:
    old = (
        "Buses will pay $30 and vans $18 a day. The scheme should raise about $2 billion a year.\n\n"
        "Officials said the fee would start in spring."
    )
    new = (
        "Buses will pay $20 and vans $12 a day. The scheme should raise about $2 billion a year.\n\n"
        "Officials said the fee would start in spring."
    )
    pairs = {
        (c.before.value, c.after.value)
        for c in diff_texts(old, new)
        if c.kind == "number_changed" and c.before and c.after
    }
    assert pairs == {("30", "20"), ("18", "12")}


# Different measures, rates and scales are different quantities.


def test_a_time_phrase_after_a_percentage_is_not_what_it_counts() -> None:
    old = "The IMF said inflation would reach 5.5% this year."
    new = "The IMF said the economy would grow 0.7% this year."
    assert numbers(old, new) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "Disney agreed to pay $38 a share in cash and stock for the studio.",
            "Disney agreed to pay $71.3 billion in cash and stock for the studio.",
        ),
        (
            "Comcast raised its offer to $65 billion, the company said.",
            "Comcast raised its offer to $35 a share, the company said.",
        ),
        (
            "The strike cost the carmaker $20 million a day, analysts said.",
            "The strike cost the carmaker $1.2 billion, analysts said.",
        ),
        (
            "Aid workers are paid $15 a day, the agency said.",
            "Aid workers are paid $15 million, the agency said.",
        ),
        (
            "The buyer will pay $38 in cash for each share of the chipmaker.",
            "The buyer will pay $52.4 billion in cash for the chipmaker.",
        ),
    ],
)
def test_a_per_unit_figure_or_another_scale_never_pairs_with_a_total(old: str, new: str) -> None:
    assert numbers(old, new) == []


def test_an_exact_body_figure_pairs_even_when_both_versions_hedge_it() -> None:
    old = (
        "Hajj deaths pass 1,000 as heat grips Mecca\n\n"
        "At least 1,081 pilgrims died during the hajj, according to an AFP tally."
    )
    new = "Hajj deaths top 1,300\n\nSaudi Arabia said 1,301 people died during the hajj."
    assert numbers(old, new) == [("1,081", "1,301")]


def test_an_exact_body_figure_pairs_with_the_other_versions_exact_figure() -> None:
    old = (
        "Hajj deaths pass 1,000 as heat grips Mecca\n\n"
        "Saudi officials said 1,081 pilgrims died during the hajj, most of them unregistered."
    )
    new = (
        "Hajj death toll rises\n\n"
        "Saudi officials said 1,301 pilgrims died during the hajj, most of them unregistered."
    )
    assert numbers(old, new) == [("1,081", "1,301")]


# 9. Figures whose noun is said once, qualified nouns, and a value shared by two different figures.


def test_a_figure_that_leaves_out_its_noun_counts_what_the_one_before_it_counts() -> None:
    old = (
        "Harbour workers count strike ballots\n\n"
        "The first count showed 812 votes for a strike and 604 against, with 1,416 ballots returned."
    )
    new = (
        "Harbour workers back strike\n\n"
        "The final count showed 1,290 votes for a strike and 955 against, "
        "out of 2,245 valid ballots returned."
    )
    assert numbers(old, new) == [("812", "1,290"), ("604", "955"), ("1,416", "2,245")]


def test_a_word_after_the_figure_that_is_no_noun_does_not_become_what_it_counts() -> None:
    old = "Lottery prize climbs to $640 million ahead of Friday draw"
    new = "Lottery prize swells to $710 million ahead of Friday draw"
    assert numbers(old, new) == [("640", "710")]
    quantity = extract_quantities(new)[0]
    assert (quantity.counts, quantity.about) == ("USD", "lottery prize")


def test_a_name_after_a_preposition_is_not_whose_figure_it_is() -> None:
    quantity = extract_quantities("Japan's import duty on Australian beef stands at 38.5%.")[0]
    assert quantity.holder == "japan"


def test_a_figure_per_named_share_is_a_per_share_figure() -> None:
    quantity = extract_quantities("The rival bid is worth $41 per Harlow share.")[0]
    assert quantity.about.split()[-1] == "/share"


def test_a_new_figure_with_the_value_of_another_unchanged_figure_is_still_a_change() -> None:
    # the 30% pay rise is unchanged; Canada's surcharge moving to 30% is a change even though a 30%
    # figure was in the older version too
    old = (
        "Canada keeps steel surcharge at 20%\n\n"
        "Dock workers won a pay rise of 30% last year, officials said. "
        "Canada's surcharge on imported steel stands at 20%, the finance ministry said."
    )
    new = (
        "Canada raises steel surcharge\n\n"
        "Dock workers won a pay rise of 30% last year, officials said. "
        "Canada said it would lift its surcharge on imported steel to 30% from 20%, "
        "the finance ministry said."
    )
    assert numbers(old, new) == [("20", "30")]


def test_a_loose_figure_is_not_absorbed_by_an_exact_figure_paragraphs_away() -> None:
    old = (
        "Flood kills at least 36 in coastal province\n\n"
        "At least 36 people have been killed in floods in the coastal province, officials said.\n\n"
        "Rescue teams are searching villages cut off by landslides.\n\n"
        "Roads and bridges were washed away across the region.\n\n"
        "Schools in the provincial capital were turned into shelters.\n\n"
        "The worst flood on record, in 1998, killed 41 people in the same province."
    )
    new = (
        "Flood toll climbs to 58 in coastal province\n\n"
        "The number of people killed in floods in the coastal province has risen to 58, officials said.\n\n"
        "Rescue teams are searching villages cut off by landslides.\n\n"
        "Roads and bridges were washed away across the region.\n\n"
        "Schools in the provincial capital were turned into shelters.\n\n"
        "The worst flood on record, in 1998, killed 41 people in the same province."
    )
    # "at least 36" would read as a loose "41", the 1998 toll, if that sentence were next to it
    assert numbers(old, new) == [("36", "58")]


def test_a_lone_specific_count_pairs_however_its_sentence_was_rewritten() -> None:
    old = "Assembly fails again to elect a chair\n\nOrtega has now lost 7 ballots."
    new = (
        "Assembly elects a chair\n\n"
        "Luis Ortega was elected chair of the assembly early on Friday "
        "after 12 ballots spread over three days."
    )
    assert numbers(old, new) == [("7", "12")]
    # a lone generic count is not enough: these may be two different groups of people
    old = "Protest in the square\n\nPolice said 12 people were detained outside the ministry."
    new = "Protest ends\n\nOrganisers said 15 people addressed the crowd before it dispersed."
    assert numbers(old, new) == []


def test_a_count_after_a_name_and_a_count_said_once_after_to() -> None:
    old = "Count ends\n\nUnofficial returns showed Ortiz with 41,204 votes to Lamb's 39,870."
    new = "Count certified\n\nThe certified totals gave Ortiz 41,388 votes to Lamb's 39,902."
    assert numbers(old, new) == [("41,204", "41,388"), ("39,870", "39,902")]


def test_a_loose_forecast_restated_in_other_words_is_unchanged() -> None:
    old = (
        "Annual inflation slowed to 6.3% in December, and the bank forecast that it would fall to around "
        "3% by the middle of this year."
    )
    new = (
        "Consumer prices rose 6.3% in December from a year earlier. The bank projected inflation would "
        "ease to about 3% by mid-year."
    )
    assert numbers(old, new) == []


# Figures written as words, prices in pence, and decimal roundings.


def test_counts_written_as_words_are_figures() -> None:
    assert [
        (q.text, q.value, q.counts) for q in extract_quantities("Five people were killed in the crash.")
    ] == [("Five", 5.0, "killed")]
    assert [(q.text, q.value) for q in extract_quantities("The party won twenty-three seats.")] == [
        ("twenty-three", 23.0)
    ]
    assert numbers(
        "Three climbers died on the mountain, rescuers said.",
        "Five climbers died on the mountain, rescuers said.",
    ) == [("Three", "Five")]
    assert numbers(
        "At least twelve people died in the floods.", "At least 19 people died in the floods."
    ) == [("twelve", "19")]


@pytest.mark.parametrize(
    "text",
    [
        "The talks lasted three days.",  # a duration
        "Two of the judges dissented.",  # a part of a group, not a count of the story
        "Analysts said the three companies would lose money.",  # a group already known
        "One person was hurt.",  # "one" is left out: far more often a pronoun than a count
    ],
)
def test_number_words_that_count_nothing_the_story_reports(text: str) -> None:
    assert extract_quantities(text) == ()


def test_a_price_in_pence_is_a_figure() -> None:
    assert numbers(
        "The bidder offered 410p a share, the board said.", "The bidder offered 455p a share, the board said."
    ) == [("410", "455")]
    assert [q.unit for q in extract_quantities("Shares closed at 212p.")] == ["p"]
    assert extract_quantities("The meeting starts at 5 p.m.") == ()


def test_a_loose_whole_figure_restates_a_decimal_one() -> None:
    # "as much as 38%" rounds 37.6%: the same figure, stated loosely
    assert (
        numbers("Turnout was 37.6%, the commission said.", "Turnout was as much as 38%, the commission said.")
        == []
    )
    # without a word of approximation a different figure is a change, even when close
    assert numbers("The rate was 5.25%.", "The rate was 5%.") == [("5.25", "5")]


def test_a_figure_rounded_up_is_close_to_the_rounder_one() -> None:
    # "nearly 30" restates 29, not 23: 23 rounds up to 30 but lies 23% below it
    assert numbers(
        "Officials recorded 23 deaths among elderly patients.",
        "Officials recorded 29 deaths among elderly patients. Deaths have now reached nearly 30.",
    ) == [("23", "29")]


def test_one_count_named_by_the_people_or_the_act_is_one_quantity() -> None:
    assert numbers(
        "Calgary rejected the bid in a plebiscite, with 56.2% of voters against it.",
        "Calgary rejected the bid in a plebiscite, with 56.4% voting against it.",
    ) == [("56.2", "56.4")]


def test_a_figure_after_against_counts_what_the_figure_before_counts() -> None:
    old = "The alliance took 79 seats in the 230-seat parliament against 77 for the Socialists."
    new = "The alliance took 80 seats in the 230-seat parliament against 78 for the Socialists."
    assert [(q.text, q.counts) for q in extract_quantities(old)] == [
        ("79", "seats"),
        ("230", "seat"),
        ("77", "seats"),
    ]
    assert sorted(numbers(old, new)) == [("77", "78"), ("79", "80")]


def test_a_word_figure_closing_a_toll_and_an_earlier_figure_named_as_such() -> None:
    assert numbers(
        "Eight people died in the crowd surge, officials said.",
        "A ninth person has died, bringing the death toll to nine, a lawyer said.",
    ) == [("Eight", "nine")]
    assert [
        (q.text, q.previous)
        for q in extract_quantities("The toll stood at 125, revising down an earlier figure of 127.")
    ] == [
        ("125", False),
        ("127", True),
    ]
    assert extract_quantities("The talks ended at nine.") == ()


# A tally an update kept word for word except for its figures: each uncounted figure keeps its place.


def test_uncounted_figures_at_the_same_place_of_an_updated_sentence_are_one_quantity_each() -> None:
    old = (
        "Count continues in Lakeside mayoral race\n\n"
        "Maria Ortiz had 4,210 votes, ahead of Tom Reyes of the Civic Party with 3,904 and the "
        "independent Ann Lo with 1,377.\n\nThe count resumes on Monday."
    )
    new = (
        "Ortiz wins Lakeside mayoral race\n\n"
        "Maria Ortiz won 9,866 votes, ahead of Tom Reyes of the Civic Party with 8,120 and the "
        "independent Ann Lo with 2,015.\n\nThe count resumes on Monday."
    )
    assert sorted(numbers(old, new)) == [("1,377", "2,015"), ("3,904", "8,120"), ("4,210", "9,866")]


def test_a_rewritten_sentence_does_not_pair_figures_by_place() -> None:
    old = "Reyes of the Civic Party finished with 3,904, the council said.\n\nThe count resumes on Monday."
    new = (
        "Turnout in the eastern wards reached 8,120 on a cold and wet day, officials noted.\n\n"
        "The count resumes on Monday."
    )
    assert numbers(old, new) == []


def test_a_names_number_in_an_updated_sentence_is_not_an_amount() -> None:
    old = "The port authority said it still opposed the expansion plan 70, its director told the assembly."
    new = "The port authority said it still opposed the expansion plan 99, its director told the assembly."
    assert numbers(old, new) == []


# Holders of figures: two parties are two holders however many kind words their names share.


def test_two_parties_sharing_the_word_party_are_two_holders() -> None:
    from monitor.diff.numbers import _holders
    from monitor.model import Quantity

    def seats(holder: str) -> Quantity:
        return Quantity(text="3", value=3.0, counts="seats", holder=holder)

    assert _holders(seats("labour party"), seats("māori party")) == -1
    assert _holders(seats("labour party"), seats("labour")) == 1
    assert _holders(seats("reserve bank"), seats("central bank")) == -1
    assert _holders(seats("party"), seats("labour party")) == 1  # a bare kind word keeps its words
