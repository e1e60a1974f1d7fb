"""Item 10 (issue 12), the smaller defects: each a clear error or a bound instead of a traceback, an
unbounded read, an unbounded title, a regular expression without a time limit, or a secret any
config writer could send away."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alerthelpers import shift
from httpserver import TestServer, article_html
from sqlmodel import select
from typer.testing import CliRunner

from monitor.checker import check_sources
from monitor.cli import app
from monitor.config import Config, FetchConfig, SourceConfig, parse_config
from monitor.errors import ConfigError, InputError
from monitor.extract import extract_article
from monitor.rules import load_rules
from monitor.store import Store
from monitor.store.queries import topic_matcher
from monitor.store.tables import DocumentRow, VersionRow

QUICK = FetchConfig(retries=0)
EVIL = "(a|aa)+$"  # exponential in the regex module too (it defuses the classic "(a+)+$" by itself)
NEAR_MISS = "a" * 40 + "!"  # about 1.6^40 steps


def _story(title: str = "Council vote") -> str:
    return article_html(title, ["The council said on Monday it still opposed the plan, its leader said."])


def test_redirects_to_javascript_or_data_are_a_clear_error(http_server: TestServer, store: Store) -> None:
    http_server.route("/js", status=302, headers={"Location": "javascript:alert(1)"})
    http_server.route("/data", status=301, headers={"Location": "data:text/html,<p>hi</p>"})
    config = Config(
        sources=(
            SourceConfig(name="js", url=http_server.url("/js")),
            SourceConfig(name="data", url=http_server.url("/data")),
        ),
        fetch=QUICK,
    )
    results = asyncio.run(check_sources(config, store)).results
    for result in results:
        assert result.status == "error"
        assert result.error is not None and result.error.startswith("redirected to an unusable URL"), (
            result.error
        )


def test_deeply_nested_json_ld_is_ignored_not_a_crash() -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    page = _story().replace("</head>", f'<script type="application/ld+json">{deep}</script></head>')
    article = extract_article(page.encode(), "text/html", "http://127.0.0.1/p")
    assert "opposed the plan" in article.text


def test_ingest_of_an_endless_file_stops_at_the_limit(tmp_path: Path) -> None:
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "no-rules"\n[store]\nurl = "sqlite:///{tmp_path / "cw.db"}"\n[fetch]\nmax_bytes = 100000\n'
    )
    result = CliRunner().invoke(app, ["ingest", "/dev/zero", "--config", str(config), "--no-alerts"])
    assert result.exit_code == 2
    assert "/dev/zero: larger than 100000 bytes" in result.stderr


def test_titles_are_bounded(http_server: TestServer, store: Store) -> None:
    http_server.page("/p", _story("Word " * 200_000))  # a 1 MB title
    config = Config(sources=(SourceConfig(name="p", url=http_server.url("/p")),), fetch=QUICK)
    [result] = asyncio.run(check_sources(config, store)).results
    assert result.status == "new"
    with store.session(write=False) as session:
        titles = [
            *session.exec(select(VersionRow.title)).all(),
            *session.exec(select(DocumentRow.title)).all(),
        ]
    assert titles and all(t is not None and len(t) <= 500 and t.endswith("…") for t in titles)


@pytest.mark.timeout(60)
def test_a_catastrophic_rule_pattern_gives_up(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(f'[[rule]]\nid = "slow"\ntopic = \'{EVIL}\'\nchannels = ["console"]\n')
    [rule] = load_rules(path, {"console"}).rules
    change = shift(topic=NEAR_MISS)
    assert rule.matches(change) is False  # and it returns: the search has a time limit


@pytest.mark.timeout(60)
def test_a_catastrophic_history_pattern_is_refused() -> None:
    matches = topic_matcher(EVIL)
    with pytest.raises(InputError, match="took longer than"):
        matches(NEAR_MISS)
    assert topic_matcher("strik|weapon")("weapon strike")


def test_token_env_may_not_name_any_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        '[channels.hook]\ntype = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
        'token_env = "AWS_SECRET_ACCESS_KEY"\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert caught.value.line == 4 and "CLAIMWATCH_SECRET_ENV" in str(caught.value)
    monkeypatch.setenv("CLAIMWATCH_SECRET_ENV", "OTHER, AWS_SECRET_ACCESS_KEY")  # the operator's choice
    parse_config(config)
