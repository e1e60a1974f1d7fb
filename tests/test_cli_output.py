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


# --- one plain line without rich (issue 14: rich costs 20-30 ms of a short command's start) -----------

_ENV = ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "TERM")


@pytest.mark.parametrize(
    "env",
    [{}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "0"}, {"TTY_COMPATIBLE": "1"}],
)
@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("stderr", [False, True])
def test_lazy_console_knows_a_terminal_as_rich_does(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, stderr: bool
) -> None:
    import io
    import os

    from rich.console import Console

    from monitor.cli._common import _LazyConsole

    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if tty:
        leader, follower = os.openpty()
        stream = open(follower, "w")  # noqa: SIM115  (closed below)
    else:
        stream = io.StringIO()
    monkeypatch.setattr("sys.stderr" if stderr else "sys.stdout", stream)
    try:
        lazy = _LazyConsole(stderr=stderr, highlight=False)
        assert lazy.is_terminal == Console(stderr=stderr, highlight=False).is_terminal
        assert lazy._console is None or env, "no rich needed for a plain stream"
    finally:
        stream.close()
        if tty:
            os.close(leader)


@pytest.mark.parametrize(
    "text",
    [
        "No changes match.",
        "1000 source(s) checked, 0 new version(s), 0 change(s), 0 error(s); 900 quiet source(s) not "
        "listed (--all lists every one)",
        "emoji :smile: code",
        "tab\there",
        " edge space",
        "naïve",
        "x" * 79,
        "x" * 80,
        "[bold]not markup[/bold]",
    ],
)
@pytest.mark.parametrize("soft_wrap", [False, True])
@pytest.mark.parametrize("columns", [None, "10", "120"])
def test_a_plain_line_prints_as_rich_prints_it(
    monkeypatch: pytest.MonkeyPatch, text: str, soft_wrap: bool, columns: str | None
) -> None:
    import io

    from rich.console import Console

    from monitor.cli._common import _LazyConsole

    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    if columns is not None:
        monkeypatch.setenv("COLUMNS", columns)
    outputs = []
    for use_rich in (True, False):
        stream = io.StringIO()
        monkeypatch.setattr("sys.stdout", stream)
        if use_rich:
            Console(highlight=False).print(text, markup=False, soft_wrap=soft_wrap)
        else:
            _LazyConsole(highlight=False).print_plain(text, soft_wrap=soft_wrap)
        outputs.append(stream.getvalue())
    assert outputs[1] == outputs[0]
