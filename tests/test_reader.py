"""The learned stance reader (monitor/claims/reader.py) and its fitting (train_reader.py). Sentences
written for these tests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.claims import extract_claims_with, load_gazetteer, load_lexicon, load_topic_model
from monitor.claims.reader import DEFAULT_READER, StanceReader, features, load_reader, reader_from_json


def test_features_mask_the_holder_and_mark_negated_words() -> None:
    names = dict(features("The Harbour Board would not pay the subsidy.", "The Harbour Board"))
    assert not any("harbour" in n or "board" in n for n in names), "a name says nothing about a stance"
    assert "u:NOT_pay" in names and "u:NOT_subsidy" in names  # within three words of "not"
    assert "u:would" in names and "b:not_pay" in names
    assert names["b:not_pay"] == "not pay"  # each feature knows the words it stands for
    span = dict(features("It did not agree to the long plan.", None))
    assert "u:NOT_the" in span and "u:long" in span and "u:NOT_long" not in span  # three words, no more


def _reader(weights: dict[str, tuple[float, ...]], threshold: float = 0.6) -> StanceReader:
    return StanceReader(("none", "oppose", "support", "undecided"), (1.0, 0.0, 0.0, 0.0), weights, threshold)


def test_the_reader_answers_only_when_sure_and_names_the_deciding_words() -> None:
    reader = _reader({"u:NOT_pay": (0.0, 3.0, 0.0, 0.0), "b:would_not": (0.0, 1.0, 0.0, 0.0)})
    reading = reader.read("The council would not pay the festival's grant.", "The council")
    assert reading is not None and reading.stance == "oppose" and reading.probability > 0.9
    assert reading.cue == "would not, pay"
    assert reader.read("The council would pay the grant.", "The council") is None  # "none" wins
    unsure = _reader({"u:NOT_pay": (0.0, 1.2, 0.0, 0.0)}, threshold=0.6)
    assert unsure.read("The council would not pay.", "The council") is None  # 0.55 < 0.6


def test_a_broken_reader_file_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match=r"weights\.json: not a stance reader file"):
        reader_from_json({"classes": ["none"]}, "weights.json")
    with pytest.raises(ValueError, match="one weight per class"):
        reader_from_json(
            {"classes": ["none", "oppose"], "bias": [0, 0], "threshold": 0.5, "weights": {"u:a": [1.0]}}, "x"
        )


def test_the_shipped_reader_loads_and_round_trips() -> None:
    reader = load_reader()
    assert reader is not None, f"{DEFAULT_READER} is shipped"
    assert set(reader.classes) == {"none", "support", "oppose", "undecided"}
    assert 0.5 <= reader.threshold < 1
    assert reader_from_json(json.loads(json.dumps(reader.to_json()))).classes == reader.classes


_TEXT = (
    "Harbour festival loses its grant\n\n"
    "The Agency for Coastal Affairs would not pay the festival's subsidy, the agency said on Monday.\n\n"
    "The festival opened in June."
)


def test_the_engine_asks_the_reader_only_where_the_lexicon_has_no_cue() -> None:
    gaz, topics, lex = load_gazetteer(), load_topic_model(), load_lexicon()
    oppose = _reader({"u:NOT_pay": (0.0, 4.0, 0.0, 0.0)})
    read = [c for c in extract_claims_with(_TEXT, gaz, replace(lex, reader=oppose), topics, {}) if c.stance]
    assert [(c.actor, c.stance) for c in read] == [("Agency for Coastal Affairs", "oppose")]
    assert read[0].cue == "pay" and read[0].confidence < 0.8  # the evidence, and less weight than a cue
    plain = extract_claims_with(_TEXT, gaz, replace(lex, reader=None), topics, {})
    assert not any(c.stance for c in plain)


def test_history_recalled_is_not_given_to_the_reader() -> None:
    gaz, topics, lex = load_gazetteer(), load_topic_model(), load_lexicon()
    oppose = _reader({"u:NOT_pay": (0.0, 4.0, 0.0, 0.0)})
    text = _TEXT.replace("would not pay", "had long said it would not pay")
    claims = extract_claims_with(text, gaz, replace(lex, reader=oppose), topics, {})
    assert not any(c.stance and not c.background for c in claims)


def test_fitting_learns_a_stance_from_labelled_sentences(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from monitor.claims.train_reader import fit

    examples = []
    for verb in ("pay", "fund", "sign", "back", "approve", "join"):
        for holder in ("The board", "The council", "The union"):
            examples.append(
                ([n for n, _ in features(f"{holder} would not {verb} the plan.", holder)], "oppose")
            )
            examples.append(([n for n, _ in features(f"{holder} will {verb} the plan.", holder)], "support"))
            examples.append(
                ([n for n, _ in features(f"{holder} is still weighing the plan.", holder)], "undecided")
            )
            examples.append(([n for n, _ in features(f"{holder} met on {verb}day.", holder)], "none"))
    reader = fit(examples, threshold=0.5)
    reading = reader.read("The regulator would not sign the plan.", "The regulator")
    assert reading is not None and reading.stance == "oppose"
    out = tmp_path / "reader.json"
    out.write_text(json.dumps(reader.to_json()))
    assert reader_from_json(json.loads(out.read_text())).read("The regulator will fund the plan.", None)


def test_the_cue_prefers_words_with_content() -> None:
    weights = {f"u:{w}": (0.0, 2.0, 0.0, 0.0) for w in ("and", "said", "the")}
    weights |= {name: (0.0, 1.0, 0.0, 0.0) for name in ("u:NOT_pay", "u:grant", "u:fee")}
    plain = replace(_reader(weights), plain_words=frozenset({"and", "said", "the"}))
    reading = plain.read(
        "The council refused to pay the grant, and said the fee was too high.", "The council"
    )
    assert reading is not None and reading.cue == "pay, grant, fee"  # not the heavier "and, said, the"
