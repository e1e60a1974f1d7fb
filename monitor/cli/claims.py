"""`claimwatch claims FILE|URL`: what the claim engine reads in one document, before you watch it.

Like urlwatch's `--test-filter`: the extracted article text, then each claim with its holder, stance,
proposition, topic, qualifiers, numbers and the cue words that decided it. Nothing is stored.
"""

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from monitor.cli._common import ConfigOption, app, console, get_config, handle_errors
from monitor.inputs import read_text


class ClaimsFormat(StrEnum):
    text = "text"
    json = "json"


def claim_record(claim: Any) -> dict[str, Any]:
    """One claim as shown and as JSON: who holds which stance on what, and the evidence."""
    return {
        "sentence": claim.text,
        "start": claim.start,
        "end": claim.end,
        "holder": claim.actor,
        "named_as": claim.actor_text,
        "stance": claim.stance,
        "proposition": claim.proposition,
        "topic": claim.topic,
        "cue": claim.cue,
        "qualifiers": list(claim.qualifiers),
        "attribution": claim.attribution,
        "background": claim.background,
        "numbers": [
            {
                "text": q.text,
                "value": q.value,
                "unit": q.unit,
                "counts": q.counts,
                "approximate": q.approximate,
            }
            for q in claim.numbers
        ],
        "confidence": claim.confidence,
    }


@app.command("claims")
@handle_errors
def claims_command(
    document: Annotated[
        str, typer.Argument(help="A plain-text or HTML file, or an http(s) URL.", show_default=False)
    ],
    fmt: Annotated[
        ClaimsFormat, typer.Option("--format", "-f", help="text (readable) or json.")
    ] = ClaimsFormat.text,
    all_sentences: Annotated[
        bool, typer.Option("--all", help="Also list sentences with no stance and no number.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Preview one document: the extracted text, then each claim (holder, stance, proposition, cue)."""
    from monitor.claims import extract_claims, load_gazetteer

    settings = get_config(config, announce=False)
    text, title = read_text(document, settings.fetch)
    gazetteer = load_gazetteer([settings.resolve(p) for p in settings.actors])
    claims = [claim_record(c) for c in extract_claims(text, gazetteer)]
    shown = [c for c in claims if all_sentences or c["stance"] or c["numbers"]]
    if fmt is ClaimsFormat.json:
        payload = {"source": document, "title": title, "text": text, "claims": shown}
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.text import Text

    console.rule(Text(f"extracted text{f': {title}' if title else ''}"))
    console.print(Text(text), soft_wrap=False)
    console.rule(Text(f"{len(shown)} claim(s)"))
    if not shown:
        console.print("No stance or number found in this text.", markup=False)
    for number, claim in enumerate(shown, start=1):
        _print_claim(number, claim)
    hidden = len(claims) - len(shown)
    if hidden:
        console.print(f"({hidden} sentence(s) with no stance and no number not shown; --all lists them)")


def _print_claim(number: int, claim: dict[str, Any]) -> None:
    # Article text is printed as Text, never parsed as rich markup.
    from rich.text import Text

    if claim["stance"]:
        holder = claim["holder"] or "?"
        head = f"{number}. {holder}: {claim['stance']}"
        if claim["background"]:
            head += " (background: recalled history, not the current stance)"
    else:
        head = f"{number}. (no stance)"
    console.print(Text(head, style="bold"))
    rows = [
        ("on", claim["proposition"]),
        ("topic", claim["topic"]),
        ("cue", claim["cue"]),
        ("named as", claim["named_as"] if claim["named_as"] != claim["holder"] else None),
        ("says who", claim["attribution"]),
        ("limits", "; ".join(claim["qualifiers"])),
        (
            "numbers",
            "; ".join(
                f"{q['text']}" + (f" ({q['counts']})" if q["counts"] else "") for q in claim["numbers"]
            ),
        ),
        ("sentence", f'"{claim["sentence"]}"'),
    ]
    for label, value in rows:
        if value:
            console.print(Text(f"    {label + ':':<10}{value}"))
    console.print()
