"""`claimwatch positions --timeline --format html`: one self-contained page of who moved.

The page is built from a real store (the bundled sample story ingested as three outlets on three
dates), then rendered by headless Chromium (Debian's `chromium` package): the screenshot must show
the marks in each source's colour and the ring of a shift, the rendered DOM must hold one mark per
observation, and Chromium must log no script error and no blocked request (the page loads nothing).
Without Chromium the rendering test skips, except in CI (`CI` set), where `.ci/run` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cliproc import claimwatch

from monitor.timeline_page import render_timeline_page, source_colours

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "strike-policy"
OUTLETS = (
    ("1-2024-05-30-morning.txt", "afp", "2024-05-30T08:00"),
    ("2-2024-05-30-evening.txt", "reuters", "2024-05-30T19:00"),
    ("3-2024-05-31.txt", "ap", "2024-05-31T14:00"),
)


def hostile_record(**extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "observed_at": "2024-05-30T08:00:00+00:00",
        "actor": 'Evil <b>"Corp"</b>',
        "topic": "</svg><script>alert(1)</script>",
        "proposition": "<img src=x onerror=alert(2)>",
        "stance": "oppose",
        "moved": False,
        "change_id": None,
        "qualifiers": ["<i>only</i> if & when"],
        "cue": "<u>opposed</u>",
        "text": "It said \"<script>document.title='pwned'</script>\" & more.",
        "source": "<wire>",
        "url": "javascript:alert(3)",
    }
    record.update(extra)
    return record


def test_article_text_is_escaped_and_only_http_links_are_made() -> None:
    page = render_timeline_page(
        [
            hostile_record(),
            hostile_record(
                observed_at="2024-05-31T08:00:00+00:00",
                stance="support",
                moved=True,
                change_id=7,
                url="https://example.org/story?a=1&b=2",
            ),
        ]
    )
    assert "<script" not in page.lower() and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "<img" not in page and "<u>" not in page and "<b>&quot;" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://example.org/story?a=1&amp;b=2"' in page
    assert "position moved (change #7)" in page
    # Self-contained: nothing to fetch, and a policy that forbids fetching anything anyway.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.replace('href="https://example.org', ""))
    assert "default-src 'none'" in page


def test_source_colours_are_stable_and_distinct() -> None:
    colours = source_colours(["reuters", "afp", "ap", None])
    assert list(colours) == ["(unknown)", "afp", "ap", "reuters"]
    assert len(set(colours.values())) == 4
    assert source_colours(["ap", "afp"]) == {"afp": colours["(unknown)"], "ap": colours["afp"]}


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """The timeline page of the sample story ingested as three outlets, written by the real CLI."""
    (tmp_path / "claimwatch.toml").write_text('rules = "none"\n[store]\nurl = "sqlite:///cw.db"\n')
    for name, source, published in OUTLETS:
        result = claimwatch(
            "ingest",
            str(SAMPLE / name),
            "--source",
            source,
            "--published",
            published,
            "--no-alerts",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
    result = claimwatch("positions", "--timeline", "--format", "html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    path = tmp_path / "page.html"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def test_the_cli_page_has_a_chart_per_position_and_every_observation(page: Path, tmp_path: Path) -> None:
    html = page.read_text(encoding="utf-8")
    timeline = claimwatch("positions", "--timeline", "--format", "json", cwd=tmp_path)
    import json

    records = json.loads(timeline.stdout)["timeline"]
    positions = {(r["actor"], r["topic"]) for r in records}
    assert html.count('<section class="position">') == len(positions)
    assert html.count('class="dot"') == len(records)
    assert html.count('class="ring"') == sum(1 for r in records if r["moved"]) >= 2
    for actor in ("Germany", "United States"):
        assert f'<span class="actor">{actor}</span>' in html
    for _, source, _ in OUTLETS:
        assert f"</span>{source}</li>" in html  # in the legend


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return found


def _render(browser: str, page: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # tests may run as root in a container
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={out / 'profile'}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def _pixels_near(colours: list[tuple[int, tuple[int, int, int]]], colour: str, tolerance: int = 12) -> int:
    """How many pixels of the screenshot (as `Image.getcolors()` counts) are close to `colour`."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        count for count, pixel in colours if all(abs(pixel[i] - target[i]) <= tolerance for i in range(3))
    )


@pytest.mark.browser
def test_chromium_renders_the_marks_with_no_script_error(page: Path, tmp_path: Path) -> None:
    from PIL import Image

    browser = _chromium()
    shot = tmp_path / "shot.png"
    rendered = _render(browser, page, tmp_path, "--window-size=1100,1500", f"--screenshot={shot}")
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert shot.is_file(), rendered.stderr[-2000:]
    log = rendered.stderr
    # No script error, no console error, nothing refused by the page's own policy (nothing to load).
    for bad in ("Uncaught", "CONSOLE", "Refused to", "ERR_", "SyntaxError"):
        assert bad not in log, log[-2000:]

    # The control: the same page with every chart emptied (same size, so the same layout). The legend
    # and the evidence lists use the source colours too; the marks are what the real page adds.
    html = page.read_text(encoding="utf-8")
    control = tmp_path / "control.html"
    control.write_text(re.sub(r'(<svg class="chart"[^>]*>).*?(</svg>)', r"\1\2", html, flags=re.S))
    control_shot = tmp_path / "control.png"
    assert (
        _render(
            browser, control, tmp_path, "--window-size=1100,1500", f"--screenshot={control_shot}"
        ).returncode
        == 0
    )

    def colours_of(path: Path) -> list[tuple[int, tuple[int, int, int]]]:
        image = Image.open(path).convert("RGB")
        assert image.size == (1100, 1500)
        counted = image.getcolors(maxcolors=1100 * 1500)
        assert counted is not None
        return counted

    with_marks, without = colours_of(shot), colours_of(control_shot)
    for source, colour in source_colours(source for _, source, _ in OUTLETS).items():
        added = _pixels_near(with_marks, colour) - _pixels_near(without, colour)
        assert added > 100, f"no mark of {source} ({colour}) in the screenshot ({added} pixels)"
    added = _pixels_near(with_marks, "#c0392b", 20) - _pixels_near(without, "#c0392b", 20)
    assert added > 100, f"no ring or dashed step where a position moved ({added} pixels)"

    dom = _render(browser, page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('class="dot"') == html.count('class="dot"') > 10
    assert "<title>claimwatch: who moved</title>" in dom.stdout
