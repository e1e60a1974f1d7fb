"""Output formats shared by every command: untrusted text stays text in tables."""

from __future__ import annotations

import pytest

from monitor.cli._common import OutputFormat, emit


@pytest.mark.parametrize(
    "cell",
    ["closing [/b] tag", "[link=https://evil.example]click here[/link]", "[bold red]ALERT[/bold red]"],
)
def test_table_cells_are_never_parsed_as_markup(cell: str, capsys: pytest.CaptureFixture[str]) -> None:
    emit([{"text": cell}], OutputFormat.table, ["text"])
    out = capsys.readouterr().out
    assert _squash(cell) in _squash(out), "printed as written (the table may fold it over lines)"
    assert "\x1b]8;" not in out, "no terminal hyperlink was made"


def _squash(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in "│┃")


def test_csv_and_json_keep_cells_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"text": "[/b] a, b", "n": 1}]
    emit(rows, OutputFormat.csv, ["text", "n"])
    assert capsys.readouterr().out.splitlines() == ["text,n", '"[/b] a, b",1']
    emit(rows, OutputFormat.json, ["text", "n"], json_key="rows")
    assert '"[/b] a, b"' in capsys.readouterr().out


def test_empty_message_is_plain(capsys: pytest.CaptureFixture[str]) -> None:
    emit([], OutputFormat.table, ["text"], empty="nothing [/b] here")
    assert "nothing [/b] here" in capsys.readouterr().out
