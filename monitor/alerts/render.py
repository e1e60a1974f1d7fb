"""Turn alerts into messages: Slack Block Kit, email (plain text + HTML), console text, webhook JSON.

Pure functions. Article text is untrusted: in Slack mrkdwn `&`, `<` and `>` are escaped so an article
saying `<!channel>` pings nobody and `<http://evil|bank.com>` hides no link; in HTML everything is
escaped; header values lose their line breaks. Slack's limits (50 blocks, 3,000 characters per section
text, 150 per header) are kept by cutting cleanly and saying so.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from monitor.model import Change, ChangeKind, ChangeSide
from monitor.redact import redact_url

SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION = 3000
SLACK_MAX_HEADER = 150
SLACK_MAX_TEXT = 3000  # fallback `text`: Slack takes far more, notifications show far less
EMAIL_MAX_SUBJECT = 200
TRUNCATION_NOTE = "… [truncated]"
_QUOTE_STYLE = "border-left:3px solid #ccc;margin:0;padding-left:8px"
_FOOT_STYLE = "color:#999;font-size:small"


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One change as an alert shows it."""

    change: Change
    change_id: int | None = None
    rule_id: str = ""
    severity: str = "info"
    source: str | None = None  # the source the change was found in (name)


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What a channel sends: one change, or a digest of several. `key` is the alert's idempotency key."""

    key: str
    items: tuple[AlertItem, ...]
    rule_id: str = ""
    severity: str = "info"
    digest_window: str | None = None  # e.g. "1h", set for digests
    thread_key: str | None = None

    @property
    def is_digest(self) -> bool:
        return self.digest_window is not None

    @property
    def headline(self) -> str:
        if self.is_digest:
            return f"{len(self.items)} change(s) matched rule {self.rule_id} in the last {self.digest_window}"
        return headline(self.items[0].change) if self.items else "(empty alert)"


# --- plain helpers -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: str, limit: int | None = None) -> str:
    """Control characters and line breaks become single spaces: safe for headers and one-line fields."""
    out = re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)].rstrip() + "…"
    return out


def headline(change: Change) -> str:
    """Actor, from -> to, topic: the line a person reads first."""
    before, after = change.before, change.after
    if change.kind is ChangeKind.STANCE_SHIFT and before and after:
        return f"{change.actor}: {before.stance} -> {after.stance} on {change.topic or change.proposition}"
    return change.headline


def judged_by(change: Change) -> str:
    """Who decided the change: "rules" (the offline engine) or the judge model's name."""
    return str(change.extra.get("judged_by") or "rules")


def qualifiers(change: Change) -> list[str]:
    return list(change.after.qualifiers) if change.after else []


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs, with the characters that could end or split a Slack link percent-encoded."""
    if not url:
        return None
    url = redact_url(one_line(url))  # stored URLs carry no credentials; a stray one is not sent either
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def side_label(side: ChangeSide) -> str:
    bits = [b for b in (side.source, side.observed_at) if b]
    return ", ".join(bits)


def message_id(key: str, domain: str = "claimwatch") -> str:
    """A stable Message-ID from the alert key: a resend of the same alert carries the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{_domain(domain)}>"


def thread_message_id(thread_key: str, domain: str = "claimwatch") -> str:
    digest = hashlib.sha256(("thread:" + thread_key).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{_domain(domain)}>"


def _domain(domain: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9.\-]", "", domain)
    return cleaned or "claimwatch"


# --- Slack ---------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn gives meaning to (mentions, links, entities)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int, escape: bool = True, note: str = TRUNCATION_NOTE) -> str:
    """Escape `text` (for mrkdwn) and cut it so the result is at most `limit` characters.

    Cuts happen in the raw text, before escaping, so no `&amp;` is ever split; a cut ends with `note`.
    """
    out = slack_escape(text) if escape else text
    if len(out) <= limit:
        return out
    if len(note) >= limit:
        note = "…"
    budget = max(0, limit - len(note))
    raw = text[:budget]
    while True:
        cut = slack_escape(raw) if escape else raw
        if len(cut) <= budget:
            break
        raw = raw[: max(0, len(raw) - (len(cut) - budget))]
    cut_at = raw.rfind(" ")
    if cut_at > budget * 0.6:
        raw = raw[:cut_at]
    return (slack_escape(raw) if escape else raw).rstrip() + note


def _slack_link(url: str | None, label: str) -> str:
    target = safe_url(url)
    label = slack_escape(one_line(label, 200)).replace("|", "¦")
    if target is None:
        return label
    target = target.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{target}|{label}>"


def slack_word_diff(change: Change, limit: int = SLACK_MAX_SECTION) -> str | None:
    if not change.word_diff:
        return None
    parts = []
    for op, text in change.word_diff:
        escaped = slack_escape(text)
        if op < 0 and text.strip():
            parts.append(f"~{escaped.strip()}~ ")
        elif op > 0 and text.strip():
            parts.append(f"*{escaped.strip()}* ")
        else:
            parts.append(escaped)
    body = "".join(parts)
    header = "*Word diff* (~removed~ *added*):\n"
    if len(header) + len(body) > limit:
        # Cut the already-escaped text on a safe boundary (never inside an entity).
        budget = limit - len(header) - len(TRUNCATION_NOTE)
        body = body[:budget]
        amp = body.rfind("&")
        if amp != -1 and ";" not in body[amp:]:
            body = body[:amp]
        body = body.rstrip() + TRUNCATION_NOTE
    return header + body


def _slack_side(title: str, side: ChangeSide) -> str:
    stance = f" ({side.stance})" if side.stance else (f" ({side.value})" if side.value else "")
    where = side.source or side.url or ""
    link = _slack_link(side.url, where) if (side.url or side.source) else ""
    when = f" · {slack_escape(one_line(side.observed_at))}" if side.observed_at else ""
    head = f"*{title}*{stance}" + (f" — {link}{when}" if link or when else "")
    budget = SLACK_MAX_SECTION - len(head) - 3
    return f"{head}\n>{fit(one_line(side.text), budget)}"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _item_blocks(item: AlertItem, *, with_header: bool) -> list[dict[str, Any]]:
    change = item.change
    blocks: list[dict[str, Any]] = []
    title = one_line(headline(change))
    if with_header:
        # Header blocks are plain text: nothing in them is parsed, but they are short.
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": one_line(title, SLACK_MAX_HEADER)}}
        )
    else:
        blocks.append(_section("*" + fit(title, SLACK_MAX_SECTION - 2) + "*"))
    facts = [f"*{slack_escape(str(change.kind))}*", f"severity *{slack_escape(item.severity)}*"]
    if change.actor:
        facts.append(f"actor *{slack_escape(one_line(change.actor, 200))}*")
    if change.topic:
        facts.append(f"topic _{slack_escape(one_line(change.topic, 300))}_")
    facts.append(f"confidence {change.confidence:.2f}")
    facts.append(f"judged by {slack_escape(one_line(judged_by(change), 100))}")
    if item.rule_id:
        facts.append(f"rule `{slack_escape(item.rule_id)}`")
    if item.change_id is not None:
        facts.append(f"change #{item.change_id}")
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": fit(" · ".join(facts), 2000, escape=False)}],
        }
    )
    quals = qualifiers(change)
    if quals:
        lines = "\n".join("• " + slack_escape(one_line(q, 500)) for q in quals)
        blocks.append(_section("*Qualified:*\n" + _cut_escaped(lines, SLACK_MAX_SECTION - 20)))
    if change.before is not None:
        blocks.append(_section(_slack_side("Before", change.before)))
    if change.after is not None:
        blocks.append(_section(_slack_side("After", change.after)))
    diff = slack_word_diff(change)
    if diff:
        blocks.append(_section(diff))
    return blocks


def _cut_escaped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - len(TRUNCATION_NOTE)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + TRUNCATION_NOTE


def slack_payload(message: AlertMessage) -> tuple[list[dict[str, Any]], str]:
    """Block Kit blocks (<= 50) and the fallback text for notifications and old clients."""
    blocks: list[dict[str, Any]] = []
    if message.is_digest:
        blocks.append(
            {
                "type": "header",
                "text": {"type": "plain_text", "text": one_line(message.headline, SLACK_MAX_HEADER)},
            }
        )
        # Each item gets a compact form: headline + after sentence, so many fit.
        shown = 0
        for item in message.items:
            item_blocks = _digest_item_blocks(item)
            if len(blocks) + len(item_blocks) > SLACK_MAX_BLOCKS - 1:
                break
            blocks.extend(item_blocks)
            shown += 1
        if shown < len(message.items):
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": f"… and {len(message.items) - shown} more (truncated: Slack shows at "
                            f"most {SLACK_MAX_BLOCKS} blocks). `claimwatch history` lists them all.",
                        }
                    ],
                }
            )
    else:
        item = message.items[0]
        blocks = _item_blocks(item, with_header=True)
        if len(blocks) > SLACK_MAX_BLOCKS:  # cannot happen with one item, kept as a guard
            blocks = [*blocks[: SLACK_MAX_BLOCKS - 1], _section(TRUNCATION_NOTE)]
    text = fallback_text(message)
    return blocks, text


def _digest_item_blocks(item: AlertItem) -> list[dict[str, Any]]:
    change = item.change
    line = "• *" + fit(one_line(headline(change)), 600) + "*"
    quals = qualifiers(change)
    if quals:
        line += "\n  _qualified:_ " + fit(one_line("; ".join(quals)), 600)
    side = change.after or change.before
    if side is not None:
        where = _slack_link(side.url, side.source or side.url or "") if (side.url or side.source) else ""
        line += "\n>" + fit(one_line(side.text), 1500) + (f"\n  — {where}" if where else "")
    return [_section(_cut_escaped(line, SLACK_MAX_SECTION))]


def fallback_text(message: AlertMessage) -> str:
    """The `text` Slack shows in notifications: the headline, escaped."""
    sev = message.severity.upper()
    return fit(f"[{sev}] {one_line(message.headline)}", SLACK_MAX_TEXT)


# --- email ---------------------------------------------------------------------------------------


def email_subject(message: AlertMessage) -> str:
    return one_line(f"[claimwatch] {message.severity}: {message.headline}", EMAIL_MAX_SUBJECT)


def _plain_item(item: AlertItem) -> list[str]:
    change = item.change
    lines = [one_line(headline(change))]
    meta = [
        str(change.kind),
        f"severity {item.severity}",
        f"confidence {change.confidence:.2f}",
        f"judged by {one_line(judged_by(change), 100)}",
    ]
    if item.rule_id:
        meta.append(f"rule {item.rule_id}")
    if item.change_id is not None:
        meta.append(f"change #{item.change_id}")
    lines.append("  " + " | ".join(meta))
    for q in qualifiers(change):
        lines.append(f"  qualified: {one_line(q)}")
    for title, side in (("Before", change.before), ("After", change.after)):
        if side is None:
            continue
        stance = f" ({side.stance})" if side.stance else (f" ({side.value})" if side.value else "")
        lines.append("")
        lines.append(f"{title}{stance}: {side_label(side)}".rstrip(": "))
        if side.url:
            lines.append(f"  {redact_url(one_line(side.url))}")
        lines.append(f'  "{one_line(side.text)}"')
    if change.word_diff:
        diff = "".join(
            f"[-{t}-]" if op < 0 else (f"{{+{t}+}}" if op > 0 else t) for op, t in change.word_diff
        )
        lines.append("")
        lines.append("Word diff ([-removed-] {+added+}):")
        lines.append("  " + one_line(diff))
    return lines


def email_text(message: AlertMessage) -> str:
    out = [one_line(message.headline), ""]
    for i, item in enumerate(message.items):
        lines = _plain_item(item)
        if message.is_digest:
            out.append(f"{i + 1}. " + "\n".join(lines))
        else:
            # A single alert's headline is the message's own first line: do not print it twice.
            out.extend(lines[1:] if lines and lines[0] == out[0] else lines)
        out.append("")
    out.append("-- ")
    out.append("claimwatch · alert " + one_line(message.key))
    return "\n".join(out) + "\n"


def _html_side(title: str, side: ChangeSide) -> str:
    esc = html.escape
    stance = f" ({esc(side.stance)})" if side.stance else (f" ({esc(side.value)})" if side.value else "")
    target = safe_url(side.url)
    label = esc(side.source or side.url or "")
    link = f'<a href="{esc(target, quote=True)}">{label}</a>' if target else label
    when = f" · {esc(side.observed_at)}" if side.observed_at else ""
    return (
        f"<p><strong>{esc(title)}</strong>{stance}{' — ' + link if link else ''}{when}</p>"
        f'<blockquote style="{_QUOTE_STYLE}">{esc(side.text)}</blockquote>'
    )


def _html_item(item: AlertItem) -> str:
    esc = html.escape
    change = item.change
    parts = [f"<h3>{esc(one_line(headline(change)))}</h3>"]
    meta = [
        esc(str(change.kind)),
        f"severity <strong>{esc(item.severity)}</strong>",
        f"confidence {change.confidence:.2f}",
        f"judged by {esc(one_line(judged_by(change), 100))}",
    ]
    if item.rule_id:
        meta.append(f"rule <code>{esc(item.rule_id)}</code>")
    if item.change_id is not None:
        meta.append(f"change #{item.change_id}")
    parts.append(f'<p style="color:#666">{" · ".join(meta)}</p>')
    quals = qualifiers(change)
    if quals:
        parts.append(
            "<p><strong>Qualified:</strong></p><ul>" + "".join(f"<li>{esc(q)}</li>" for q in quals) + "</ul>"
        )
    for title, side in (("Before", change.before), ("After", change.after)):
        if side is not None:
            parts.append(_html_side(title, side))
    if change.word_diff:
        diff = "".join(
            f'<del style="color:#b00">{esc(t)}</del>'
            if op < 0
            else (f'<ins style="color:#070">{esc(t)}</ins>' if op > 0 else esc(t))
            for op, t in change.word_diff
        )
        parts.append(f"<p><strong>Word diff</strong></p><p>{diff}</p>")
    return "\n".join(parts)


def email_html(message: AlertMessage) -> str:
    esc = html.escape
    body = "\n<hr>\n".join(_html_item(item) for item in message.items)
    title = esc(one_line(message.headline))
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        + title
        + '</title></head><body style="font-family:sans-serif">\n'
        + (f"<h2>{title}</h2>\n" if message.is_digest else "")
        + body
        + f'\n<p style="{_FOOT_STYLE}">claimwatch · alert {esc(message.key)}</p>\n</body></html>\n'
    )


# --- console and JSON ----------------------------------------------------------------------------


def plain_text(message: AlertMessage) -> str:
    """The console form: like the email's plain text, without the signature."""
    return email_text(message).split("\n-- \n", 1)[0].rstrip() + "\n"


def json_payload(message: AlertMessage) -> dict[str, Any]:
    """The webhook body: the alert's identity plus each change as `Change.to_dict()`."""
    return {
        "alert_key": message.key,
        "rule": message.rule_id,
        "severity": message.severity,
        "headline": message.headline,
        "digest_window": message.digest_window,
        "thread_key": message.thread_key,
        "changes": [
            {
                "id": item.change_id,
                "source": item.source,
                "rule": item.rule_id,
                "judged_by": judged_by(item.change),
                **_redacted(item.change.to_dict()),
            }
            for item in message.items
        ],
    }


def _redacted(change: dict[str, Any]) -> dict[str, Any]:
    """A change's JSON with no credentials in its URLs (rows stored before redaction may hold some)."""
    for key in ("before", "after"):
        side = change.get(key)
        if isinstance(side, dict) and side.get("url"):
            change[key] = {**side, "url": redact_url(side["url"])}
    return change
