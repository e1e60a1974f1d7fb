"""Rendering of untrusted article text: Slack mrkdwn escaping, limits, email headers, HTML."""

from __future__ import annotations

import json

from monitor.alerts import render
from monitor.alerts.channels import EmailOptions, build_email
from monitor.model import Change, ChangeKind, ChangeSide

EVIL = "Officials said <!channel> <!here> <@U123> see <http://evil.example|bank.com> & more"


def change(
    before: str = "The White House said it still opposed it.", after: str = EVIL, **kw: object
) -> Change:
    return Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor=str(kw.pop("actor", "United States")),
        topic=str(kw.pop("topic", "ukraine strike inside russia")),
        before=ChangeSide(text=before, stance="oppose", source="wire", url="https://example.org/a?x=1&y=2"),
        after=ChangeSide(
            text=after,
            stance="support",
            qualifiers=("for the limited purpose of defending Kharkiv",),
            source="wire",
            url="https://example.org/a|<b>",
            observed_at="2024-05-31T09:04:00+00:00",
        ),
        word_diff=((0, "Biden "), (-1, "opposed"), (1, "approved <!channel>"), (0, " it")),
        confidence=0.9,
    )


def message(*changes: Change, digest: str | None = None) -> render.AlertMessage:
    items = tuple(
        render.AlertItem(change=c, change_id=i + 1, rule_id="r", severity="critical")
        for i, c in enumerate(changes)
    )
    return render.AlertMessage(
        key="change:1:r:desk", items=items, rule_id="r", severity="critical", digest_window=digest
    )


def texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element["text"])
    return out


def test_slack_escape() -> None:
    assert render.slack_escape("a & <b> <!channel>") == "a &amp; &lt;b&gt; &lt;!channel&gt;"


def test_article_text_cannot_ping_or_hide_a_link() -> None:
    blocks, text = render.slack_payload(message(change()))
    everything = "\n".join([*texts(blocks), text])
    assert "<!channel>" not in everything
    assert "<!here>" not in everything
    assert "<@U123>" not in everything
    assert "<http://evil.example|bank.com>" not in everything
    assert "&lt;!channel&gt;" in everything
    assert "&lt;http://evil.example|bank.com&gt;" in everything
    # The only links are the ones we made from the sides' URLs, with the separator encoded.
    links = [t for t in everything.split("<")[1:]]
    assert all(link.startswith("https://example.org/a") for link in links), links
    assert "https://example.org/a%7C%3Cb%3E|wire>" in everything


def test_headline_qualifiers_sides_and_diff_are_in_the_blocks() -> None:
    blocks, text = render.slack_payload(message(change()))
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "United States: oppose -> support on ukraine strike inside russia"
    joined = "\n".join(texts(blocks))
    assert "defending Kharkiv" in joined
    assert "*Before* (oppose)" in joined and "*After* (support)" in joined
    assert "~opposed~" in joined and "*approved &lt;!channel&gt;*" in joined
    assert text.startswith("[CRITICAL] United States: oppose -&gt; support")  # Slack shows ->


def test_long_text_is_cut_cleanly_within_slack_limits() -> None:
    long = ("Kharkiv & Belgorod <border> " * 400).strip()  # ~11,000 characters, full of entities
    blocks, text = render.slack_payload(message(change(after=long, before=long)))
    assert len(blocks) <= render.SLACK_MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            body = block["text"]["text"]
            assert len(body) <= render.SLACK_MAX_SECTION
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= render.SLACK_MAX_HEADER
    cut = [t for t in texts(blocks) if render.TRUNCATION_NOTE in t]
    assert cut, "a cut says so"
    for t in cut:
        before_note = t.split(render.TRUNCATION_NOTE)[0]
        # no entity split in half
        tail = before_note[before_note.rfind("&") :] if "&" in before_note else ""
        assert not tail or ";" in tail
    assert len(text) <= render.SLACK_MAX_TEXT


def test_fit_never_splits_an_entity() -> None:
    for limit in range(5, 40):
        out = render.fit("&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&", limit)
        assert len(out) <= limit
        body = out.removesuffix(render.TRUNCATION_NOTE).removesuffix("…")
        assert body.replace("&amp;", "") == ""


def test_digest_keeps_to_fifty_blocks_and_says_how_many_more() -> None:
    changes = [change(actor=f"Country {i}") for i in range(120)]
    blocks, text = render.slack_payload(message(*changes, digest="1h"))
    assert len(blocks) <= render.SLACK_MAX_BLOCKS
    assert "more (truncated" in texts(blocks)[-1]
    assert text.startswith("[CRITICAL] 120 change(s) matched rule r in the last 1h")


def test_email_subject_loses_newlines_and_html_is_escaped() -> None:
    injected = change(actor="Evil\r\nBcc: victim@example.org\nX-Spam: yes")
    opts = EmailOptions.model_validate(
        {"to": "desk@example.org", "from": "cw@example.org", "security": "none"}
    )
    mail = build_email(message(injected), opts)
    raw = mail.as_string()
    headers = raw.split("\n\n", 1)[0]
    assert "\nBcc:" not in headers and "\nX-Spam:" not in headers
    assert "Evil Bcc: victim@example.org X-Spam: yes" in str(mail["Subject"])
    assert mail["Message-ID"] == render.message_id("change:1:r:desk", "example.org")
    html_part = mail.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "<!channel>" not in html and "&lt;!channel&gt;" in html
    assert '<a href="https://example.org/a%7C%3Cb%3E">' in html
    plain = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "defending Kharkiv" in plain and "[-opposed-]" in plain


def test_unsafe_urls_become_plain_text() -> None:
    assert render.safe_url("javascript:alert(1)") is None
    assert render.safe_url("https://ok.example/p q") == "https://ok.example/p%20q"
    side = ChangeSide(text="x", source="src <!channel>", url="javascript:alert(1)")
    c = Change(kind=ChangeKind.CLAIM_ADDED, after=side)
    blocks, _ = render.slack_payload(message(c))
    joined = "\n".join(texts(blocks))
    assert "javascript:" not in joined
    assert "src &lt;!channel&gt;" in joined


def test_json_payload_carries_the_change_dict() -> None:
    payload = render.json_payload(message(change()))
    assert payload["alert_key"] == "change:1:r:desk"
    assert payload["changes"][0]["kind"] == "stance_shift"
    assert payload["changes"][0]["after"]["qualifiers"] == ["for the limited purpose of defending Kharkiv"]
    json.dumps(payload)


def test_every_form_says_who_judged_the_change() -> None:
    import dataclasses

    engine = change()
    judged = dataclasses.replace(engine, extra={"judged_by": "qwen2.5:14b <b>&"})
    for item, who in ((engine, "rules"), (judged, "qwen2.5:14b <b>&")):
        blocks, _ = render.slack_payload(message(item))
        assert f"judged by {render.slack_escape(who)}" in " ".join(texts(blocks))
        assert f"judged by {who}" in render.email_text(message(item))
        assert f"judged by {who}" in render.plain_text(message(item))
        assert render.json_payload(message(item))["changes"][0]["judged_by"] == who
    assert "judged by qwen2.5:14b &lt;b&gt;&amp;" in render.email_html(message(judged))
