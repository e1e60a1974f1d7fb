"""Sentence splitting for news copy: datelines, abbreviations, quotes, headings, page furniture."""

from __future__ import annotations

from monitor.claims.sentences import split_sentences


def texts(text: str, kind: str = "body") -> list[str]:
    return [s.text for s in split_sentences(text) if s.kind == kind]


def test_offsets_point_into_the_original_text() -> None:
    text = "Headline here\n\nLONDON, Aug 1, 2024 — The bank cut rates. It said more cuts may follow.\n"
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text


def test_dateline_prefix_is_split_off_the_first_sentence() -> None:
    out = split_sentences("WASHINGTON (AP) — The White House said it still opposed the plan.")
    assert [(s.kind, s.text) for s in out] == [
        ("dateline", "WASHINGTON (AP)"),
        ("body", "The White House said it still opposed the plan."),
    ]
    assert texts("BRUSSELS: NATO chief Jens Stoltenberg pushed for a deal.") == [
        "NATO chief Jens Stoltenberg pushed for a deal."
    ]


def test_dateline_lines_and_date_stamps_are_not_sentences() -> None:
    text = "Title of the story\n\nLONDON, Aug 1, 2024\n\nThu May 30 2024\n\nThe council met on Friday."
    kinds = [s.kind for s in split_sentences(text)]
    assert kinds == ["heading", "dateline", "dateline", "body"]


def test_wire_datelines_on_a_line_of_their_own() -> None:
    # date before the agency (Reuters style), regions, accented capitals, title-case places with a dash
    for line in [
        "LOUISVILLE, Ky., Oct 11 (Wire) —",
        "KARLSRUHE, Germany, Nov 15 (Reuters) —",
        "THE HAGUE, Nov 22 (Wire) —",
        "VIÑA DEL MAR, Chile —",
        "Ottawa —",
        "Oslo, Norway (Wire) —",
        "Alma-Ata, Kazakhstan, 6 January —",
    ]:
        text = f"Headline of the story\n\n{line}\n\nThe council voted on Friday to approve the plan."
        assert [s.kind for s in split_sentences(text)] == ["heading", "dateline", "body"], line
    # a title-case headline is no dateline, with or without a dash
    for line in ["Unionists Back Deal", "Unionists back deal —", "Germany"]:
        assert split_sentences(f"{line}\n\nThe council met.")[0].kind == "heading", line


def test_wire_dateline_prefix_with_the_date_before_the_agency() -> None:
    out = split_sentences("LONDON, Dec 5 (Reuters) - The Bank of England held rates.")
    assert [(s.kind, s.text) for s in out] == [
        ("dateline", "LONDON, Dec 5 (Reuters)"),
        ("body", "The Bank of England held rates."),
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "U.S. Secretary of State Antony Blinken met Gen. Mark Milley at 11 p.m. local time on Dec. 20 "
        "in the U.S. capital. The talks ended early."
    )
    assert texts(text) == [
        "U.S. Secretary of State Antony Blinken met Gen. Mark Milley at 11 p.m. local time on Dec. 20 "
        "in the U.S. capital.",
        "The talks ended early.",
    ]


def test_abbreviation_can_end_a_sentence_before_an_ordinary_opener() -> None:
    assert texts("The envoy flew to the U.S. The talks start Monday.") == [
        "The envoy flew to the U.S.",
        "The talks start Monday.",
    ]


def test_quotes_end_sentences() -> None:
    text = '"We are not afraid." Zelensky said so on Monday. "It is over," he added.'
    assert texts(text) == ['"We are not afraid."', "Zelensky said so on Monday.", '"It is over," he added.']


def test_headings_have_no_closing_punctuation() -> None:
    out = split_sentences("Russia quits grain deal\n\nSerious consequences\n\nThe deal ended on Monday.")
    assert [s.kind for s in out] == ["heading", "heading", "body"]


def test_page_furniture_is_boilerplate() -> None:
    text = "\n\n".join(
        [
            "Sign up for our free newsletter and get the day's top stories in your inbox",
            "Share this article: Facebook | X | WhatsApp | Email | Copy link",
            "ADVERTISEMENT",
            "Read more: What the rate cut means for you",
            "The Bank of England cut interest rates on Thursday.",
            "Support our journalism. Your support keeps our reporting free - donate from as little as £1.",
            "Thank you for registering",
            "icon-facebook icon-twitter icon-whatsapp",
        ]
    )
    assert texts(text) == ["The Bank of England cut interest rates on Thursday."]
    assert len(texts(text, "boilerplate")) == 7


def test_a_quoted_paragraph_between_furniture_is_kept() -> None:
    text = "\n\n".join(
        ["ADVERTISEMENT", '"We have been able to cut rates today," Bailey said.', "Read more: x"]
    )
    assert texts(text) == ['"We have been able to cut rates today," Bailey said.']


def test_outlet_appeal_in_the_first_person_is_boilerplate() -> None:
    text = "Whether it's our podcast or our documentary, we know how much facts matter to you."
    assert texts(text) == []


def test_a_long_news_paragraph_mentioning_signing_up_is_not_boilerplate() -> None:
    news = (
        "Ireland's cabinet was meeting on Thursday to decide whether to sign up to a global minimum "
        "corporate tax rate, with Finance Minister Paschal Donohoe saying the government would study the "
        "final text of the agreement before making up its mind."
    )
    banner = "Sign up for our free newsletter and get the day's top stories in your inbox"
    appeal = (
        "If you value independent reporting like this, please consider a donation today: every gift, "
        "however small, keeps our reporters in the field and our journalism free for everyone to read, "
        "now and in the years to come, wherever you are and whatever you can afford."
    )
    kinds = {s.text: s.kind for s in split_sentences(f"{news}\n\n{banner}\n\n{appeal}")}
    assert kinds[news] == "body"
    assert kinds[banner] == "boilerplate"
    assert kinds[appeal] == "boilerplate"


def test_a_short_line_where_someone_signs_up_to_something_is_news() -> None:
    headline = "Norway and Iceland sign up to fishing accord after winning quota concessions"
    short = "Norway's cabinet met to decide whether to sign up to the accord."
    banner = "Get the morning briefing in your inbox. Sign up now, it's free."
    kinds = {s.text: s.kind for s in split_sentences(f"{headline}\n\n{short}\n\n{banner}")}
    assert kinds[headline] != "boilerplate"
    assert kinds[short] == "body"
    assert {kind for text, kind in kinds.items() if "Sign up now" in text or "briefing" in text} == {
        "boilerplate"
    }
