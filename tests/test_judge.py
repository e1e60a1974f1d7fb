"""The LLM judge: the real openai client against a local OpenAI-compatible server (tests/modelserver.py)
that answers, rate-limits (429 + Retry-After), fails (500), is slow, returns junk or invents evidence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from modelserver import ModelServer, confirm_all
from sqlmodel import select
from typer.testing import CliRunner, Result

import monitor.cli  # noqa: F401  (registers every command on the app)
from monitor.cli._common import app
from monitor.config import SAMPLES_DIR, JudgeConfig
from monitor.errors import ConfigError
from monitor.judge.evidence import AnswerError, check_answer, parse_answer
from monitor.judge.request import JudgeRequest, build_request, request_key
from monitor.store import open_store
from monitor.store.tables import JudgeAnswerRow, JudgeEventRow, JudgeRequestRow

STORY = SAMPLES_DIR / "strike-policy"
OLD = STORY / "1-2024-05-30-morning.txt"
NEW = STORY / "3-2024-05-31.txt"
MODEL = "test-judge-7b"


def reject_germany(request: dict[str, Any]) -> dict[str, Any]:
    """Confirms the United States' shift, rejects Germany's (a verdict to see both paths)."""
    verdicts = [
        {"id": c["id"], "verdict": "reject" if c.get("holder") == "Germany" else "confirm", "reason": "."}
        for c in request["candidates"]
    ]
    return {"candidates": verdicts, "shifts": [], "numbers": []}


@pytest.fixture
def model() -> Iterator[ModelServer]:
    server = ModelServer().start()
    try:
        yield server
    finally:
        server.stop()


def write_config(tmp_path: Path, base_url: str, **judge: Any) -> Path:
    settings = {"model": MODEL, "base_url": base_url, "timeout": "2s", "retry_after": "1s", **judge}
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "{SAMPLES_DIR / "rules"}"\n\n[channels.console]\ntype = "console"\nstream = "stderr"\n\n'
        "[judge]\n" + "\n".join(lines) + "\n"
    )
    return config


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: ModelServer) -> Any:
    """`claimwatch ARGS...` with a config whose [judge] is the local model server."""
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", db_url)
    runner = CliRunner()
    state = {"config": write_config(tmp_path, model.base_url)}

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, [*args, "--config", str(state["config"])])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    run.state = state  # type: ignore[attr-defined]
    return run


def diff_json(cli: Any, *extra: str, old: Path = OLD, new: Path = NEW) -> dict[str, Any]:
    return json.loads(cli("diff", str(old), str(new), "--judge", "--format", "json", *extra).stdout)


def rows(db_url: str, table: Any) -> list[Any]:
    store = open_store(db_url)
    try:
        with store.session(write=False) as session:
            return list(session.exec(select(table)).all())
    finally:
        store.close()


# --- requests, answers, evidence (no server) ---------------------------------------------------------


def test_request_is_small_and_its_key_names_model_prompt_and_request() -> None:
    from monitor.diff import diff_texts

    old, new = OLD.read_text(), NEW.read_text()
    changes = diff_texts(old, new)
    verify = build_request(old, new, changes, model=MODEL, mode="verify")
    full = build_request(old, new, changes, model=MODEL, mode="full")
    assert verify is not None and full is not None
    assert {c["holder"] for c in verify.body["candidates"]} == {"United States", "Germany"}
    assert verify.body["pairs"] == [] and full.body["pairs"], "verify sends candidates only"
    # the changed sentences, not the page; an unchanged sentence goes only as context, once, marked as
    # in both versions, when it states a stance about a name the changed sentences name (Putin's warning)
    sent = json.dumps(full.body)
    assert "given Ukraine permission" in sent and sent.count("Putin warned") == 1
    assert [c["in"] for c in full.body["context"] if "Putin warned" in c["text"]] == ["both"]
    assert not any("Putin warned" in (p["old"] or "") + (p["new"] or "") for p in full.body["pairs"])
    assert sent.count("given Ukraine permission") == 1, "a candidate's sentence is not sent twice"
    # unchanged text costs nothing: sixty more unchanged paragraphs, the same request
    filler = "".join(
        f"Paragraph {i} of background that did not change at all between the versions.\n\n" for i in range(60)
    )
    long_old, long_new = old + filler, new + filler
    long = build_request(long_old, long_new, diff_texts(long_old, long_new), model=MODEL, mode="full")
    assert long is not None and long.body == full.body
    assert full.body["headline"]["new"].startswith("US and Germany let Ukraine")
    assert "United States" in full.body["holders"]
    assert verify.key == build_request(old, new, changes, model=MODEL, mode="verify").key  # type: ignore[union-attr]
    assert verify.key != build_request(old, new, changes, model="other", mode="verify").key  # type: ignore[union-attr]
    assert request_key(MODEL, "v1", verify.body) != request_key(MODEL, "v2", verify.body)
    assert verify.prompt_version == "v2" and "Pauses and suspensions" in verify.messages()[0]["content"]
    v3 = JudgeRequest(model=MODEL, mode="verify", body=verify.body, prompt_version="v3")
    assert "FRAMING" in v3.messages()[0]["content"], "v3 (measured, not the default) stays loadable"
    v1 = JudgeRequest(model=MODEL, mode="verify", body=verify.body, prompt_version="v1")
    assert "A stance is one of: support" in v1.messages()[0]["content"], "v1 stays loadable"
    assert v1.key != verify.key
    assert (
        verify.messages()[0]["role"] == "system"
        and "support, oppose or undecided" not in verify.messages()[1]["content"]
    )
    # nothing to verify: no request at all
    assert build_request(old, old, [], model=MODEL, mode="verify") is None


def test_answers_are_parsed_tolerantly_and_junk_is_refused() -> None:
    body = {"candidates": [], "shifts": [], "numbers": []}
    assert parse_answer(json.dumps(body)) == body
    assert parse_answer("```json\n" + json.dumps(body) + "\n```") == body
    assert parse_answer("Here is my answer: " + json.dumps(body) + " Hope it helps.") == body
    assert parse_answer('{"candidates": [{"id": "c1", "verdict": "confirm"}]}')["shifts"] == []
    for junk in ("Germany changed its mind.", "", "[1, 2]", '{"candidates": "all fine"}'):
        with pytest.raises(AnswerError):
            parse_answer(junk)


def test_evidence_check_refuses_invented_quotes_stances_holders_and_figures() -> None:
    old = "The ministry said Germany opposed the plan. The toll stood at 12 dead."
    new = "Germany now backs the plan, the ministry said. The toll rose to 25 dead."
    good = {
        "holder": "Germany",
        "named_as": "Germany",
        "topic": "the plan",
        "from": "oppose",
        "to": "support",
        "qualifiers": [],
        "before_quote": "Germany opposed the plan",
        "after_quote": "Germany now  backs the plan",
    }
    answer = {
        "candidates": [
            {"id": "c1", "verdict": "confirm"},
            {"id": "zzz", "verdict": "confirm"},
            {"id": "c2", "verdict": "maybe"},
        ],
        "shifts": [
            good,
            {**good, "after_quote": "Germany enthusiastically backs the plan"},  # invented quote
            {**good, "to": "neutral"},  # not a stance
            {**good, "holder": "France", "named_as": "Paris"},  # never mentioned
            {**good, "to": "oppose"},  # no shift
        ],
        "numbers": [
            {
                "counts": "dead",
                "from": "12",
                "to": "25",
                "before_quote": "The toll stood at 12 dead",
                "after_quote": "The toll rose to 25 dead",
            },
            {
                "counts": "dead",
                "from": "12",
                "to": "31",
                "before_quote": "The toll stood at 12 dead",
                "after_quote": "The toll rose to 25 dead",
            },  # figure not in its quote
        ],
    }
    checked = check_answer(
        parse_answer(json.dumps(answer)),
        old=old,
        new=new,
        candidate_ids=["c1", "c2"],
        holders=[],
        mode="full",
    )
    assert checked.verdicts == {"c1": True}
    assert [s.holder for s in checked.shifts] == ["Germany"]
    assert [(n.before_value, n.after_value) for n in checked.numbers] == [("12", "25")]
    reasons = "\n".join(checked.rejections)
    assert len(checked.rejections) == 7, reasons
    for needle in (
        "unknown candidate",
        "neither confirm",
        "does not occur in the newer text",
        "outside support/oppose/undecided",
        "not mentioned",
        "same stance",
        "'31' is not in its quote",
    ):
        assert needle in reasons
    # verify mode: extra findings are not used even when sound
    verify = check_answer(
        parse_answer(json.dumps(answer)), old=old, new=new, candidate_ids=["c1"], holders=[], mode="verify"
    )
    assert verify.shifts == [] and verify.numbers == []


def test_judge_config_is_checked_with_file_and_line(tmp_path: Path) -> None:
    from monitor.config import parse_config

    path = tmp_path / "c.toml"
    path.write_text('[judge]\nmodel = "m"\ntype = "telepathy"\n')
    with pytest.raises(ConfigError, match=r"c.toml:3: \[judge.type\] unknown judge type 'telepathy'"):
        parse_config(path)
    path.write_text('[judge]\nmodel = "m"\nmode = "guess"\n')
    with pytest.raises(ConfigError, match=r"c.toml:3: .*mode"):
        parse_config(path)
    path.write_text('[judge]\nmodel = "m"\nbase_url = "localhost:11434"\n')
    with pytest.raises(ConfigError, match="base_url must start with http"):
        parse_config(path)
    path.write_text('[judge]\nbase_url = "http://127.0.0.1:1/v1"\n')
    with pytest.raises(ConfigError, match="missing required key 'model'"):
        parse_config(path)
    path.write_text('[judge]\nmodel = "m"\nmax_tokens_per_hour = 100000\nmode = "full"\n')
    judge = parse_config(path).judge
    assert isinstance(judge, JudgeConfig) and judge.mode == "full" and judge.max_tokens_per_hour == 100000


# --- diff --judge against the server ----------------------------------------------------------------------


def test_verify_confirms_and_rejects_then_the_cache_answers(
    cli: Any, model: ModelServer, db_url: str
) -> None:
    model.answer = reject_germany
    out = diff_json(cli)
    shifts = [c for c in out["changes"] if c["kind"] == "stance_shift"]
    assert [(c["actor"], c["judged_by"]) for c in shifts] == [("United States", MODEL)]
    assert [c["actor"] for c in out["judge"]["rejected"]] == ["Germany"]
    assert out["judge"]["judged"] and not out["judge"]["pending"]
    assert all(c["judged_by"] == "rules" for c in out["changes"] if c["kind"] != "stance_shift")
    sent = model.requests[0]
    assert sent["model"] == MODEL and sent["response_format"]["type"] == "json_schema"
    assert sent["temperature"] == 0
    # again: from the cache, nothing sent
    assert diff_json(cli) == out and len(model.requests) == 1
    stats = json.loads(cli("judge", "stats", "--format", "json").stdout)[0]
    assert stats["requests"] == 1 and stats["cache_hits"] == 1 and stats["answered"] == 1
    assert stats["prompt_tokens"] == 1000 and stats["completion_tokens"] == 50 and stats["pending"] == 0
    text = cli("diff", str(OLD), str(NEW), "--judge").stdout
    assert f"judged by {MODEL}; 1 engine candidate(s) rejected" in text


def test_full_mode_adds_what_the_model_found_with_located_evidence(
    cli: Any, model: ModelServer, tmp_path: Path
) -> None:
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    old.write_text(
        "Stadium plan in doubt\n\nEastbrook council is still weighing the stadium plan, a spokeswoman"
        " said on Monday.\n\nThe project would cost 40 million euros.\n"
    )
    new.write_text(
        "Stadium plan approved\n\nEastbrook council signed off on the stadium plan on Tuesday.\n\n"
        "The project would cost 55 million euros.\n"
    )

    def finder(request: dict[str, Any]) -> dict[str, Any]:
        answer = confirm_all(request)
        answer["shifts"] = [
            {
                "holder": "Eastbrook council",
                "named_as": "Eastbrook council",
                "topic": "the stadium plan",
                "from": "undecided",
                "to": "support",
                "qualifiers": [],
                "before_quote": "Eastbrook council is still weighing the stadium plan",
                "after_quote": "Eastbrook council signed off on the stadium plan",
            }
        ]
        answer["numbers"] = [
            {
                "counts": "cost",
                "from": "40 million euros",
                "to": "55 million euros",
                "before_quote": "The project would cost 40 million euros.",
                "after_quote": "The project would cost 55 million euros.",
            }
        ]
        return answer

    model.answer = finder
    out = diff_json(cli, "--judge-mode", "full", old=old, new=new)
    assert model.requests and json.loads(model.requests[0]["messages"][1]["content"])["mode"] == "full"
    shifts = [c for c in out["changes"] if c["kind"] == "stance_shift"]
    numbers = [c for c in out["changes"] if c["kind"] == "number_changed"]
    assert len(shifts) == 1 and shifts[0]["judged_by"] == MODEL
    assert (shifts[0]["before"]["stance"], shifts[0]["after"]["stance"]) == ("undecided", "support")
    after = shifts[0]["after"]
    assert new.read_text()[after["start"] : after["end"]] == after["text"]
    assert len(numbers) == 1 and numbers[0]["judged_by"] == MODEL
    # the engine found this one too: the model's duplicate is not added twice
    assert (numbers[0]["before"]["value"][:2], numbers[0]["after"]["value"][:2]) == ("40", "55")


def test_invented_evidence_is_refused_and_counted(cli: Any, model: ModelServer) -> None:
    def liar(request: dict[str, Any]) -> dict[str, Any]:
        answer = confirm_all(request)
        answer["shifts"] = [
            {
                "holder": "France",
                "named_as": "Paris",
                "topic": "strikes inside Russia",
                "from": "oppose",
                "to": "support",
                "qualifiers": [],
                "before_quote": "France said it opposed strikes inside Russia.",
                "after_quote": "President Macron said France now backs strikes inside Russia.",
            }
        ]
        return answer

    model.answer = liar
    out = diff_json(cli, "--judge-mode", "full")
    assert "France" not in {c.get("actor") for c in out["changes"]}
    assert {c["actor"] for c in out["changes"] if c["kind"] == "stance_shift"} == {"United States", "Germany"}
    assert json.loads(cli("judge", "stats", "--format", "json").stdout)[0]["rejections"] == 1


@pytest.mark.parametrize(
    ("behaviour", "outcome"),
    [
        ("429", "rate_limited"),
        ("500", "server_error"),
        ("slow", "timeout"),
        ("junk", "junk"),
        ("broken", "junk"),
        ("empty", "junk"),
    ],
)
def test_failures_leave_the_engines_result_and_queue_the_pair(
    cli: Any, model: ModelServer, db_url: str, behaviour: str, outcome: str
) -> None:
    model.default = behaviour
    model.delay = 4  # the judge's timeout is 2s
    out = diff_json(cli)
    assert {c["actor"] for c in out["changes"] if c["kind"] == "stance_shift"} == {"United States", "Germany"}
    assert {c["judged_by"] for c in out["changes"]} == {"rules"}
    assert out["judge"]["pending"] and not out["judge"]["judged"] and out["judge"]["error"]
    assert len(model.requests) == 1, "no retry loop inside one run"
    assert rows(db_url, JudgeAnswerRow) == [], "a failure or junk is never cached"
    (pending,) = rows(db_url, JudgeRequestRow)
    assert pending.status == "pending" and pending.new_version_id is None
    stats = json.loads(cli("judge", "stats", "--format", "json").stdout)[0]
    assert stats["failures"] == {outcome: 1} and stats["pending"] == 1 and stats["requests"] == 1
    if behaviour == "429":  # the server's Retry-After (7 s) is when it is asked again
        wait = (pending.next_attempt_at - pending.created_at).total_seconds()
        assert 6 <= wait <= 9
    # the model is back: the queued request is asked again (judge run), the next diff uses the answer
    model.default = "answer"
    if behaviour == "429":
        cli("judge", "run")
        assert len(model.requests) == 1, "not before its Retry-After"
        store = open_store(db_url)
        with store.session() as session:
            row = session.get(JudgeRequestRow, pending.id)
            row.next_attempt_at = row.created_at  # its wait is over
        store.close()
    import time

    time.sleep(1.1)  # judge.retry_after = 1s: the judge rests after a failure
    assert json.loads(cli("judge", "run", "--format", "json").stdout)["judge"][0]["judged"] == 1
    again = diff_json(cli)
    assert again["judge"]["judged"] and {
        c["judged_by"] for c in again["changes"] if c["kind"] == "stance_shift"
    } == {MODEL}
    assert len(model.requests) == 2


def test_unreachable_model_budget_and_api_key(
    cli: Any, model: ModelServer, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the key comes from the named environment variable, is sent as a bearer token, stored nowhere
    monkeypatch.setenv("TEST_JUDGE_KEY", "sk-test-secret-123")
    cli.state["config"] = write_config(
        tmp_path, model.base_url, api_key_env="TEST_JUDGE_KEY", max_requests_per_hour=1
    )
    diff_json(cli)
    assert model.headers[0]["authorization"] == "Bearer sk-test-secret-123"
    # over the budget: the second (different) pair is not sent, but queued
    out = diff_json(cli, "--judge-mode", "full")
    assert len(model.requests) == 1 and out["judge"]["pending"] and "budget" in out["judge"]["error"]
    dump = json.dumps([r.model_dump(mode="json") for r in rows(db_url, JudgeEventRow)])
    dump += json.dumps([r.model_dump(mode="json") for r in rows(db_url, JudgeRequestRow)])
    assert "sk-test-secret-123" not in dump
    # a variable that is not set: a clear reason, the engine's result
    monkeypatch.delenv("TEST_JUDGE_KEY")
    cli.state["config"] = write_config(tmp_path, model.base_url, api_key_env="TEST_JUDGE_KEY")
    out = diff_json(cli, "--judge-mode", "full")
    assert "TEST_JUDGE_KEY" in out["judge"]["error"] and "is not set" in out["judge"]["error"]
    # nobody listening at all
    model.stop()
    cli.state["config"] = write_config(tmp_path, model.base_url)
    out = diff_json(cli, "--judge-mode", "full")
    assert out["judge"]["pending"] and "unreachable" in out["judge"]["error"]
    assert {c["judged_by"] for c in out["changes"]} == {"rules"}
    assert json.loads(cli("judge", "stats", "--format", "json").stdout)[0]["failures"]["unreachable"] == 1


# --- batch mode: export, import, evaluation folders -----------------------------------------------------


def batch_result(line: dict[str, Any], answer: dict[str, Any], number: int) -> str:
    """What the Batch API writes for one request line, answered with `answer`."""
    completion = {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "model": line["body"]["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": json.dumps(answer)}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940},
    }
    response = {"status_code": 200, "request_id": f"req-{number}", "body": completion}
    return json.dumps(
        {"id": f"batch_req_{number}", "custom_id": line["custom_id"], "response": response, "error": None}
    )


def test_export_import_then_the_cache_answers_without_a_model(
    cli: Any, model: ModelServer, tmp_path: Path, db_url: str
) -> None:
    model.stop()  # no model at all: requests wait
    out = diff_json(cli)
    assert out["judge"]["pending"]
    exported = tmp_path / "batch.jsonl"
    cli("judge", "export", "--output", str(exported))
    (line,) = [json.loads(x) for x in exported.read_text().splitlines()]
    assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    assert line["body"]["model"] == MODEL and [m["role"] for m in line["body"]["messages"]] == [
        "system",
        "user",
    ]
    assert line["body"]["response_format"]["type"] == "json_schema"
    (pending,) = rows(db_url, JudgeRequestRow)
    assert line["custom_id"] == pending.key
    # the user's file is never overwritten
    result = cli("judge", "export", "--output", str(exported), code=2)
    assert "exists already" in result.stderr
    # a stand-in answers the request from what the model would see; junk and errors are refused
    request = json.loads(line["body"]["messages"][1]["content"])
    results = tmp_path / "results.jsonl"
    results.write_text(
        "\n".join(
            [
                batch_result(line, reject_germany(request), 1),
                "{not json",
                json.dumps(
                    {"custom_id": "x" * 64, "response": {"status_code": 500, "body": {}}, "error": None}
                ),
                json.dumps({"custom_id": "y" * 64, "response": None, "error": {"code": "batch_expired"}}),
            ]
        )
        + "\n"
    )
    imported = json.loads(cli("judge", "import", str(results), "--format", "json").stdout)["import"][0]
    assert imported == {"imported": 1, "already_cached": 0, "no_pending_request": 0, "refused": 3}
    again = json.loads(cli("judge", "import", str(results), "--format", "json").stdout)["import"][0]
    assert again["imported"] == 0 and again["already_cached"] == 1
    judged = diff_json(cli, "--cache-only")
    assert judged["judge"]["judged"] and [c["actor"] for c in judged["judge"]["rejected"]] == ["Germany"]
    stats = json.loads(cli("judge", "stats", "--format", "json").stdout)[0]
    assert stats["imported_answers"] == 1 and stats["requests"] == 1  # the one that failed to connect
    # the diff that used the answer settled the request: nothing left for a judge run
    assert [r.status for r in rows(db_url, JudgeRequestRow)] == ["done"]
    assert json.loads(cli("judge", "run", "--cache-only", "--format", "json").stdout)["judge"][0] == {
        "judged": 0,
        "failed": 0,
        "waiting": 0,
    }


def test_export_an_evaluation_folder_and_score_from_the_cache(
    cli: Any, tmp_path: Path, model: ModelServer
) -> None:
    cases = tmp_path / "cases"
    for name, (old, new) in {"01-story": (OLD, NEW), "02-same": (OLD, OLD)}.items():
        (cases / name).mkdir(parents=True)
        (cases / name / "old.txt").write_text(old.read_text())
        (cases / name / "new.txt").write_text(new.read_text())
    (cases / "README.md").write_text("not a case")
    result = cli("judge", "export", "--cases", str(cases), "--mode", "full")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 1, "an unchanged pair asks nothing"
    assert json.loads(lines[0]["body"]["messages"][1]["content"])["mode"] == "full"
    assert model.requests == [], "export asks no model"
    results = tmp_path / "results.jsonl"
    request = json.loads(lines[0]["body"]["messages"][1]["content"])
    results.write_text(batch_result(lines[0], confirm_all(request), 1) + "\n")
    cli("judge", "import", str(results))
    out = diff_json(
        cli,
        "--cache-only",
        "--judge-mode",
        "full",
        old=cases / "01-story" / "old.txt",
        new=cases / "01-story" / "new.txt",
    )
    assert out["judge"]["judged"] and model.requests == []
    stats = json.loads(cli("judge", "stats", "--format", "json").stdout)[0]
    assert stats["pending"] == 0 and stats["imported_answers"] == 1, "the used answer settles its request"
    # an evaluation wants the model's answer or an error, never the engine's result in its place
    unanswered = cli("diff", str(OLD), str(NEW), "--judge", "--cache-only", "--require-answer", code=1)
    assert "the judge gave no answer (not in the cache)" in unanswered.stderr
    missing = cli("judge", "export", "--cases", str(tmp_path / "nowhere"), code=2)
    assert "not a folder of cases" in missing.stderr


def test_without_a_judge_section_the_options_say_so(tmp_path: Path) -> None:
    config = tmp_path / "plain.toml"
    config.write_text('[store]\nurl = "sqlite:///plain.db"\n')
    runner = CliRunner()
    judged = runner.invoke(app, ["diff", str(OLD), str(NEW), "--judge", "--config", str(config)])
    assert judged.exit_code == 2 and "no [judge] section in the config" in judged.stderr
    stray = runner.invoke(app, ["diff", str(OLD), str(NEW), "--cache-only", "--config", str(config)])
    assert stray.exit_code == 2 and "go with --judge" in stray.stderr
    plain = runner.invoke(app, ["diff", str(OLD), str(NEW), "--format", "json", "--config", str(config)])
    assert plain.exit_code == 0 and "judge" not in json.loads(plain.stdout)


def test_sentences_keep_initials_and_titles() -> None:
    from monitor.judge.request import aligned_pairs, split_sentences

    text = (
        "The U.S. Food and Drug Administration refused. Gen. Smith said no.\n\n"
        "Mr. Biden agreed on Jan. 5. Then more."
    )
    assert split_sentences(text) == [
        "The U.S. Food and Drug Administration refused.",
        "Gen. Smith said no.",
        "Mr. Biden agreed on Jan. 5.",
        "Then more.",
    ]
    assert aligned_pairs("A said no. B is open.", "A said yes. B is open. C joined.") == [
        ("A said no.", "A said yes."),
        (None, "C joined."),
    ]


def test_a_token_budget_holds_requests_back(cli: Any, model: ModelServer, tmp_path: Path) -> None:
    cli.state["config"] = write_config(tmp_path, model.base_url, max_tokens_per_hour=500)
    out = diff_json(cli)
    assert model.requests == [] and out["judge"]["pending"]
    assert "over the budget of 500 tokens an hour" in out["judge"]["error"]
    stats = json.loads(cli("judge", "stats", "--format", "json").stdout)[0]
    assert stats["requests"] == 0 and stats["failures"] == {"over_budget": 1}


@pytest.mark.parametrize("refused", [{"json_schema"}, {"json_schema", "json_object"}])
def test_a_server_without_json_schemas_is_asked_more_plainly(
    cli: Any, model: ModelServer, refused: set[str]
) -> None:
    model.refuse_formats = refused
    model.answer = reject_germany
    out = diff_json(cli)
    assert out["judge"]["judged"] and [c["actor"] for c in out["judge"]["rejected"]] == ["Germany"]
    formats = [(r.get("response_format") or {}).get("type") for r in model.requests]
    assert formats == (
        ["json_schema", "json_object"] if len(refused) == 1 else ["json_schema", "json_object", None]
    )
    stats = json.loads(cli("judge", "stats", "--format", "json").stdout)[0]
    assert stats["requests"] == 1 and stats["answered"] == 1
