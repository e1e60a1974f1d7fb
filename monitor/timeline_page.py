"""One self-contained HTML page of who moved: a timeline of stances per actor and question.

`render_timeline_page(records)` takes `claimwatch positions --timeline` records (dicts with
`observed_at`, `actor`, `topic`, `stance`, `moved`, `change_id`, `qualifiers`, `cue`, `text`,
`source`, `url`) and returns one HTML document: inline CSS and inline SVG, no script, no font, no
image and no request of any kind (a Content-Security-Policy forbids them), so it opens offline and
can be mailed around. For each actor and topic: three lanes (support / undecided / oppose), one mark
per observation coloured by its source, a ring and a dashed step where the position moved, and
below the chart the numbered evidence (time, stance, source, cue words, sentence). A mark's tooltip
shows the same evidence; a mark is a link to its evidence line.

Article text is untrusted: every piece of it goes through `html.escape`, and only the sources' own
http(s) URLs become links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["LANES", "render_timeline_page", "source_colours"]

LANES = ("support", "undecided", "oppose")  # top to bottom
_LANE_LABEL = {"support": "support", "undecided": "undecided", "oppose": "oppose"}
# Colour-blind-safe palette (Okabe-Ito, without black), then a few more distinct hues.
_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
    "#7F3C8D",
    "#11A579",
    "#3969AC",
)
_WIDTH, _LEFT, _RIGHT = 960, 110, 30
_LANE_HEIGHT, _TOP, _BOTTOM = 42, 16, 34


@dataclass(frozen=True, slots=True)
class _Mark:
    number: int
    record: dict[str, Any]
    when: datetime


def source_colours(sources: Iterable[str | None]) -> dict[str, str]:
    """A stable colour per source name (sorted), cycling through the palette."""
    names = sorted({name or "(unknown)" for name in sources})
    return {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(names)}


def render_timeline_page(
    records: Sequence[dict[str, Any]], *, title: str = "claimwatch: who moved", subtitle: str = ""
) -> str:
    """The whole page as a string (UTF-8 when written)."""
    colours = source_colours(r.get("source") for r in records)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault((record["actor"], record["topic"]), []).append(record)
    times = [_when(r["observed_at"]) for r in records]
    span = (min(times), max(times)) if times else None
    generated = datetime.now(UTC).replace(microsecond=0).isoformat()
    shifts = sum(1 for r in records if r.get("moved"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Nothing may load from anywhere: the page is complete as written.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_esc(title)}</h1>",
        f'<p class="meta">{len(groups)} position(s), {len(records)} observation(s), {shifts} shift(s)'
        + (f" · {_esc(subtitle)}" if subtitle else "")
        + f" · generated {_esc(generated)}</p>",
        _legend(colours),
        "</header><main>",
    ]
    if not records:
        parts.append('<p class="empty">No positions recorded yet.</p>')
    number = 0
    for (actor, topic), group in sorted(groups.items(), key=lambda kv: (kv[0][0].casefold(), kv[0][1])):
        marks = []
        for record in group:
            number += 1
            marks.append(_Mark(number, record, _when(record["observed_at"])))
        assert span is not None
        parts.append(_section(actor, topic, marks, span, colours))
    parts.append(
        "</main><footer>Made by <code>claimwatch positions --timeline --format html</code>. "
        "Each mark is one observation of a stance in one article; a ringed mark is where the "
        "position moved. Article text is quoted as published.</footer></body></html>"
    )
    return "\n".join(parts) + "\n"


def _section(
    actor: str,
    topic: str,
    marks: list[_Mark],
    span: tuple[datetime, datetime],
    colours: dict[str, str],
) -> str:
    proposition = next((m.record.get("proposition") for m in marks if m.record.get("proposition")), "")
    moved = sum(1 for m in marks if m.record.get("moved"))
    head = (
        f'<section class="position"><h2><span class="actor">{_esc(actor)}</span> '
        f'<span class="topic">on {_esc(topic)}</span></h2>'
        f'<p class="meta">{len(marks)} observation(s), {moved} shift(s), now '
        f'<b class="stance-{_esc(marks[-1].record["stance"])}">{_esc(marks[-1].record["stance"])}</b>'
        + (f" · {_esc(proposition)}" if proposition else "")
        + "</p>"
    )
    return head + _chart(marks, span, colours) + _evidence(marks, colours) + "</section>"


def _chart(marks: list[_Mark], span: tuple[datetime, datetime], colours: dict[str, str]) -> str:
    height = _TOP + _LANE_HEIGHT * len(LANES) + _BOTTOM
    plot = _WIDTH - _LEFT - _RIGHT
    start, end = span
    total = (end - start).total_seconds()

    def x_of(when: datetime) -> float:
        if total <= 0:
            return _LEFT + plot / 2
        return _LEFT + plot * (when - start).total_seconds() / total

    def y_of(stance: str) -> float:
        lane = LANES.index(stance) if stance in LANES else 1
        return _TOP + _LANE_HEIGHT * lane + _LANE_HEIGHT / 2

    svg = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
        'role="img" aria-label="stance over time">'
    ]
    for lane in LANES:
        y = y_of(lane)
        svg.append(
            f'<line class="lane lane-{lane}" x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}"/>'
            f'<text class="lane-label" x="{_LEFT - 12}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_LANE_LABEL[lane]}</text>"
        )
    ticks = _ticks(start, end, total)
    for index, (tick, label) in enumerate(ticks):
        tx = x_of(tick)
        # The first and last labels lean inwards so that they stay inside the chart.
        anchor = "middle" if len(ticks) == 1 else ("start", *["middle"] * (len(ticks) - 2), "end")[index]
        svg.append(
            f'<line class="tick" x1="{tx:.1f}" y1="{_TOP}" x2="{tx:.1f}" y2="{height - _BOTTOM + 4}"/>'
            f'<text class="tick-label" x="{tx:.1f}" y="{height - 12}" text-anchor="{anchor}">'
            f"{_esc(label)}</text>"
        )
    # The path the position took, then the marks on top of it.
    points = " ".join(f"{x_of(m.when):.1f},{y_of(m.record['stance']):.1f}" for m in marks)
    if len(marks) > 1:
        svg.append(f'<polyline class="path" points="{points}"/>')
    previous: _Mark | None = None
    stacked: dict[tuple[int, float], int] = {}  # marks drawn at one spot: their numbers stack upwards
    for mark in marks:
        record = mark.record
        x, y = x_of(mark.when), y_of(record["stance"])
        spot = (round(x / 10), y)
        above = stacked.get(spot, 0)
        stacked[spot] = above + 1
        colour = colours[record.get("source") or "(unknown)"]
        if record.get("moved") and previous is not None:
            px, py = x_of(previous.when), y_of(previous.record["stance"])
            svg.append(f'<path class="shift" d="M{px:.1f},{py:.1f} H{x:.1f} V{y:.1f}"/>')
        tip = _tooltip(mark)
        ring = f'<circle class="ring" cx="{x:.1f}" cy="{y:.1f}" r="12"/>' if record.get("moved") else ""
        svg.append(
            f'<a href="#obs-{mark.number}" class="mark"><title>{_esc(tip)}</title>{ring}'
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}"/>'
            f'<text class="num" x="{x:.1f}" y="{y - 12 - 11 * above:.1f}" text-anchor="middle">'
            f"{mark.number}</text></a>"
        )
        previous = mark
    svg.append("</svg>")
    return "".join(svg)


def _evidence(marks: list[_Mark], colours: dict[str, str]) -> str:
    items = ['<ol class="evidence">']
    for mark in marks:
        record = mark.record
        colour = colours[record.get("source") or "(unknown)"]
        source = _esc(record.get("source") or "(unknown)")
        url = record.get("url") or ""
        if url.startswith(("http://", "https://")):
            source = f'<a href="{_esc(url)}" rel="noreferrer noopener">{source}</a>'
        shift = (
            f' <span class="shift-tag">position moved (change #{_esc(record["change_id"])})</span>'
            if record.get("moved")
            else ""
        )
        qualifiers = "; ".join(record.get("qualifiers") or ())
        items.append(
            f'<li id="obs-{mark.number}" value="{mark.number}"'
            + (' class="moved"' if record.get("moved") else "")
            + ">"
            f'<span class="swatch" style="background:{colour}"></span>'
            f'<time datetime="{_esc(record["observed_at"])}">{_esc(_short_time(mark.when))}</time> '
            f'<b class="stance-{_esc(record["stance"])}">{_esc(record["stance"])}</b> · {source}'
            + (f" · cue: <i>{_esc(record['cue'])}</i>" if record.get("cue") else "")
            + (f" · limits: {_esc(qualifiers)}" if qualifiers else "")
            + shift
            + f"<blockquote>{_esc(record.get('text') or '')}</blockquote></li>"
        )
    items.append("</ol>")
    return "".join(items)


def _legend(colours: dict[str, str]) -> str:
    if not colours:
        return ""
    entries = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{_esc(name)}</li>'
        for name, colour in colours.items()
    )
    return (
        f'<ul class="legend"><li class="legend-title">sources:</li>{entries}'
        '<li><span class="swatch ring-swatch"></span>position moved</li></ul>'
    )


def _tooltip(mark: _Mark) -> str:
    record = mark.record
    source = record.get("source") or "(unknown)"
    lines = [f"[{mark.number}] {_short_time(mark.when)} · {record['stance']} · {source}"]
    if record.get("moved"):
        lines.append(f"position moved (change #{record['change_id']})")
    if record.get("cue"):
        lines.append(f"cue: {record['cue']}")
    lines.append(record.get("text") or "")
    return "\n".join(lines)


def _ticks(start: datetime, end: datetime, total: float) -> list[tuple[datetime, str]]:
    """Five ISO 8601 labels across the span, as precise as the span needs (UTC)."""
    if total <= 0:
        return [(start, _short_time(start))]
    if total < 600:
        pattern = "%Y-%m-%dT%H:%M:%SZ"
    elif total < 3 * 86400:
        pattern = "%Y-%m-%dT%H:%MZ"
    else:
        pattern = "%Y-%m-%d"
    count = 4
    moments = [start + (end - start) * (i / count) for i in range(count + 1)]
    return [(m, m.astimezone(UTC).strftime(pattern)) for m in moments]


def _short_time(when: datetime) -> str:
    """ISO 8601 to the minute, UTC: 2026-12-04T09:26Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --rule: #d9dde6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fafbfc; }
header, main, footer { max-width: 1000px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 2px; }
.topic { color: var(--muted); font-weight: normal; }
.meta { color: var(--muted); margin: 0 0 10px; font-size: 13px; }
.legend { list-style: none; padding: 0; margin: 6px 0 14px; display: flex; flex-wrap: wrap; gap: 6px 16px;
          font-size: 13px; }
.legend-title { color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 6px;
          vertical-align: -1px; }
.ring-swatch { border: 2px solid #c0392b; background: transparent; }
.position { background: #fff; border: 1px solid var(--rule); border-radius: 8px; padding: 14px 16px;
            margin: 0 0 18px; }
.chart { display: block; max-width: 100%; height: auto; }
.lane { stroke: var(--rule); stroke-width: 1; }
.lane-support { stroke: #b8e0c8; stroke-width: 14; stroke-opacity: .45; }
.lane-undecided { stroke: #e9e4c4; stroke-width: 14; stroke-opacity: .45; }
.lane-oppose { stroke: #f2c2bd; stroke-width: 14; stroke-opacity: .45; }
.lane-label, .tick-label { font-size: 12px; fill: var(--muted); }
.tick { stroke: #eef0f4; }
.path { fill: none; stroke: #9aa3b5; stroke-width: 1.5; }
.shift { fill: none; stroke: #c0392b; stroke-width: 2; stroke-dasharray: 5 4; }
.ring { fill: none; stroke: #c0392b; stroke-width: 2.5; }
.dot { stroke: #fff; stroke-width: 1.5; }
.num { font-size: 10px; fill: var(--muted); }
.mark:hover .dot, .mark:focus .dot { stroke: var(--ink); stroke-width: 2.5; }
.evidence { margin: 10px 0 0; padding-left: 28px; font-size: 13px; }
.evidence li { margin: 0 0 8px; }
.evidence li:target { background: #fff7d6; }
.evidence li.moved { border-left: 3px solid #c0392b; padding-left: 6px; }
.evidence blockquote { margin: 2px 0 0; color: #333a48; }
.shift-tag { color: #c0392b; font-weight: 600; }
.stance-support { color: #1e7d4a; } .stance-oppose { color: #b03a2e; } .stance-undecided { color: #8a7a12; }
.empty { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding-bottom: 24px; }
"""
