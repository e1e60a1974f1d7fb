"""Rule files: loading, every validation error with file and line, matching, and reloading."""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.errors import RuleError
from monitor.model import Change, ChangeKind, ChangeSide
from monitor.rules import MatchContext, RuleWatcher, gazetteer_resolver, load_rules

REPO = Path(__file__).resolve().parents[1]
ALIASES = {"washington": "United States", "the white house": "United States", "berlin": "Germany"}


def resolver(name: str) -> str:
    return ALIASES.get(name.casefold(), name).casefold()


def write(tmp_path: Path, text: str, name: str = "r.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def shift(
    actor: str = "United States", before: str = "oppose", after: str = "support", **kw: object
) -> Change:
    return Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor=actor,
        topic=str(kw.pop("topic", "ukraine strike inside russia with western weapons")),
        proposition=str(kw.pop("proposition", "let Ukraine use US arms to strike inside Russia")),
        before=ChangeSide(text="The White House said it still opposed it.", stance=before),  # type: ignore[arg-type]
        after=ChangeSide(text="Biden gave the go-ahead, to defend Kharkiv.", stance=after),  # type: ignore[arg-type]
        confidence=float(kw.pop("confidence", 0.9)),  # type: ignore[arg-type]
    )


def test_example_rules_load_and_match_the_seed_story() -> None:
    rules = load_rules(REPO / "rules" / "example.toml", {"desk-slack", "desk-email"}, resolve_actor=resolver)
    assert [r.id for r in rules.rules] == ["strike-policy-shift", "strike-policy-softening"]
    first = rules.rules[0]
    assert first.channels == ("desk-slack", "desk-email")
    assert first.cooldown == timedelta(hours=6)
    assert first.severity == "critical"
    assert [r.id for r in rules.match(shift())] == ["strike-policy-shift"]
    assert [r.id for r in rules.match(shift("Germany"))] == ["strike-policy-shift"]
    assert rules.match(shift("Russia")) == []
    softening = shift("Russia", "oppose", "undecided", confidence=0.7)
    assert [r.id for r in rules.match(softening)] == ["strike-policy-softening"]


def test_default_sample_rules_send_shifts_and_numbers_to_console() -> None:
    rules = load_rules(REPO / "monitor" / "samples" / "rules", {"console"})
    assert rules.match(shift())[0].channels == ("console",)
    number = Change(
        kind=ChangeKind.NUMBER_CHANGED,
        counts="killed",
        before=ChangeSide("820 killed", value="820"),
        after=ChangeSide("2,012 killed", value="2,012"),
    )
    assert [r.id for r in rules.match(number)] == ["all-numbers"]
    assert rules.match(Change(kind=ChangeKind.CLAIM_REWORDED, after=ChangeSide("x"))) == []


def test_folder_reads_every_toml_file_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, '[[rule]]\nid = "b"\nchannels = ["c"]\n', "2.toml")
    write(tmp_path, '[[rule]]\nid = "a"\nchannels = ["c"]\n', "1.toml")
    write(tmp_path, "not toml at all [", "notes.txt")
    rules = load_rules(tmp_path, {"c"}, resolve_actor=resolver)
    assert [r.id for r in rules.rules] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ('[[rule]]\nid = "a"\nchannels = ["c"]\ncolour = "red"\n', 4, "unknown key 'colour'"),
        ('[[rule]]\nid = "a"\nchannel = ["c"]\n', 3, "did you mean 'channels'"),
        (
            '[[rule]]\nid = "a"\nchannels = ["c"]\nkinds = ["stance_flip"]\n',
            4,
            "unknown change kind 'stance_flip'",
        ),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\nto = ["approve"]\n', 4, "unknown stance 'approve'"),
        ('[[rule]]\nid = "a"\nchannels = ["nowhere"]\n', 3, "unknown channel 'nowhere'"),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\ncooldown = "6 hours"\n', 4, "bad duration for 'cooldown'"),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\ndigest = 0\n', 4, "'digest' must be longer than zero"),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\ntopic = "strike("\n', 4, "bad regular expression in 'topic'"),
        (
            '[[rule]]\nid = "a"\nchannels = ["c"]\nmin_sources = 0\n',
            4,
            "'min_sources' must be a whole number",
        ),
        (
            '[[rule]]\nid = "a"\nchannels = ["c"]\nmin_confidence = "high"\n',
            4,
            "'min_confidence' must be a number",
        ),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\nactors = 3\n', 4, "'actors' must be a string or a list"),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\nseverity = "urgent"\n', 4, "unknown severity 'urgent'"),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\nenabled = "yes"\n', 4, "'enabled' must be true or false"),
        ('# comment\n\n[[rule]]\nchannels = ["c"]\n', 3, "missing required key 'id'"),
        ('[[rule]]\nid = "a"\n', 1, "missing required key 'channels'"),
        (
            '[[rule]]\nid = "a"\nchannels = ["c"]\n\n[[rule]]\nid = "a"\nchannels = ["c"]\n',
            5,
            "duplicate rule id 'a'",
        ),
        ('[[rule]]\nid = "a b"\nchannels = ["c"]\n', 2, "'id' must be a name"),
        ('[rule]\nid = "a"\n', 1, "[[rule]] tables"),
        ('[[rules]]\nid = "a"\n', 1, "unknown top-level key 'rules'"),
        ('[[rule]]\nid = "a"\nchannels = ["c"]\ncooldown = 6h\n', 4, "TOML syntax error"),
    ],
)
def test_every_error_names_file_line_and_reason(tmp_path: Path, body: str, line: int, reason: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(RuleError) as caught:
        load_rules(path, {"c"}, resolve_actor=resolver)
    error = caught.value
    assert error.path == path
    assert error.line == line, str(error)
    assert reason in error.reason
    assert str(error).startswith(f"{path}:{line}:")


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    write(tmp_path, '[[rule]]\nid = "same"\nchannels = ["c"]\n', "a.toml")
    second = write(tmp_path, '\n[[rule]]\nid = "same"\nchannels = ["c"]\n', "b.toml")
    with pytest.raises(RuleError) as caught:
        load_rules(tmp_path, {"c"}, resolve_actor=resolver)
    assert caught.value.path == second and caught.value.line == 2
    assert "a.toml:1" in caught.value.reason


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no such rule file"):
        load_rules(tmp_path / "nope.toml", None)


def test_channels_not_checked_without_a_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[[rule]]\nid = "a"\nchannels = ["anything"]\n')
    assert load_rules(path, None, resolve_actor=resolver).rules[0].channels == ("anything",)


def rule(tmp_path: Path, extra: str, name: str = "r.toml"):  # type: ignore[no-untyped-def]
    path = write(tmp_path, f'[[rule]]\nid = "x"\nchannels = ["c"]\n{extra}\n', name)
    return load_rules(path, {"c"}, resolve_actor=resolver).rules[0]


def test_actor_matching_is_alias_aware_and_case_insensitive(tmp_path: Path) -> None:
    r = rule(tmp_path, 'actors = ["Washington"]')
    assert r.matches(shift("United States"))
    assert r.matches(shift("the White House"))
    assert r.matches(shift("UNITED STATES"))
    assert not r.matches(shift("Germany"))
    assert not r.matches(Change(kind=ChangeKind.STANCE_SHIFT, before=ChangeSide("a"), after=ChangeSide("b")))


def test_gazetteer_resolver_accepts_common_shapes() -> None:
    class Gaz:
        def canonical(self, name: str) -> str | None:
            return {"washington": "United States"}.get(name.casefold())

    resolve = gazetteer_resolver(Gaz())
    assert resolve("Washington") == "united states"
    assert resolve("Unknown Ministry") == "unknown ministry"
    assert gazetteer_resolver({"Berlin": "Germany"})("Berlin") == "germany"


def test_topic_regex_searches_topic_and_proposition(tmp_path: Path) -> None:
    r = rule(tmp_path, 'topic = "munitions?"')
    assert r.matches(shift(topic="strike inside russia", proposition="use American munitions"))
    assert not r.matches(shift(topic="strike inside russia", proposition="use tanks"))
    assert rule(tmp_path, 'topic = "^UKRAINE"').matches(shift())  # case-insensitive


def test_from_to_kinds_confidence_and_evidence(tmp_path: Path) -> None:
    assert rule(tmp_path, 'from = "oppose"\nto = ["support", "undecided"]').matches(shift())
    assert not rule(tmp_path, 'to = ["oppose"]').matches(shift())
    assert not rule(tmp_path, 'kinds = ["number_changed"]').matches(shift())
    assert not rule(tmp_path, "min_confidence = 0.95").matches(shift(confidence=0.9))
    assert rule(tmp_path, "min_confidence = 0.9").matches(shift(confidence=0.9))
    assert rule(tmp_path, 'evidence_contains = ["kharkiv"]').matches(shift())
    assert rule(tmp_path, 'evidence_contains = ["go-ahead", "veto"]').matches(shift())
    assert not rule(tmp_path, 'evidence_contains = ["Kharki"]').matches(shift())  # whole words
    assert not rule(tmp_path, "enabled = false").matches(shift())


def test_sources_and_tags(tmp_path: Path) -> None:
    by_name = rule(tmp_path, 'sources = ["wire-*", "ap"]')
    assert by_name.matches(shift(), MatchContext(source="wire-afp"))
    assert by_name.matches(shift(), MatchContext(source="ap"))
    assert not by_name.matches(shift(), MatchContext(source="blog"))
    assert not by_name.matches(shift(), MatchContext())
    by_tag = rule(tmp_path, 'tags = ["wire"]')
    assert by_tag.matches(shift(), MatchContext(source="x", tags=frozenset({"world", "wire"})))
    assert not by_tag.matches(shift(), MatchContext(source="x", tags=frozenset({"world"})))


def test_rules_are_data(tmp_path: Path) -> None:
    """Strings that look like code stay strings; nothing is evaluated."""
    marker = tmp_path / "pwned"
    r = rule(
        tmp_path, f"description = \"__import__('os').system('touch {marker}')\"\ntopic = \"os\\\\.system\""
    )
    assert not marker.exists()
    assert r.topic is not None and r.topic.pattern == "os\\.system"


def test_watcher_reloads_on_change_and_keeps_last_good_rules(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, '[[rule]]\nid = "one"\nchannels = ["c"]\n')
    watcher = RuleWatcher(path, {"c"}, resolve_actor=resolver)
    assert watcher.check() is False

    def rewrite(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        stamp = time.time() + 2 + len(watcher.rules.stamp)
        os.utime(path, (stamp, stamp))

    rewrite('[[rule]]\nid = "two"\nchannels = ["c"]\n')
    assert watcher.check() is True
    assert [r.id for r in watcher.rules.rules] == ["two"]

    with caplog.at_level(logging.ERROR, logger="monitor.rules"):
        rewrite('[[rule]]\nid = "three"\nchannels = ["c"]\nkinds = ["nonsense"]\n')
        assert watcher.check() is False
    assert [r.id for r in watcher.rules.rules] == ["two"]  # the last good rules stay
    assert watcher.last_error is not None and watcher.last_error.line == 4
    assert "keeping the 1 last good rule" in caplog.text and "nonsense" in caplog.text
    assert watcher.check() is False  # the same broken file is not re-reported every round

    rewrite('[[rule]]\nid = "four"\nchannels = ["c"]\n')
    assert watcher.check() is True and watcher.last_error is None
    assert watcher.reload() is True  # SIGHUP: reload unconditionally


def test_watcher_refuses_to_start_on_a_broken_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[[rule]]\nid = "a"\nchannels = ["c"]\ncooldown = "soon"\n')
    with pytest.raises(RuleError) as caught:
        RuleWatcher(path, {"c"})
    assert caught.value.line == 4
