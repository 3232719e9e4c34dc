"""The rebuildable core: what is landed is built into the same answer however
it arrived (late OTel roots, config changes, any split of the files into runs
and in any order), ids are unique across the whole table, id-less records are
keyed unambiguously, and a failing audit commits nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.config import Config
from aicost_cli.errors import ExitCode
from tests.conftest import JULY_2, litellm_payload, payload_cost
from tests.test_ingest_otel import span, traces_data

runner = CliRunner()

TRACE = "0af7651916cd43dd8448eb211c80319c"
ROOT = "b7ad6b7169203331"
CHILD_A = "00f067aa0ba902b7"
CHILD_B = "53995c3f42cd8ad8"


def cli(*args: str, db: Path | None = None) -> Any:
    prefix = ["--db", str(db)] if db else []
    return runner.invoke(app, [*prefix, *args])


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    return path


def otel_files(folder: Path) -> dict[str, Path]:
    """One trace in three files, as exporters write it: two children (one
    after midnight, on another day than the root) and the root, which carries
    feature and team (agent frameworks put them on the root only)."""
    folder.mkdir(parents=True, exist_ok=True)
    model = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 100,
    }
    start = JULY_2 + 23 * 3600 + 59 * 60  # 23:59 on July 2
    return {
        "child_a": write_json(
            folder / "a.json",
            traces_data([span(TRACE, CHILD_A, ROOT, "chat a", start + 10, model)], "bot-svc"),
        ),
        "child_b": write_json(
            folder / "b.json",  # after midnight: another day than the root
            traces_data([span(TRACE, CHILD_B, ROOT, "chat b", start + 120, model)], "bot-svc"),
        ),
        "root": write_json(
            folder / "root.json",
            traces_data(
                [
                    span(
                        TRACE,
                        ROOT,
                        None,
                        "agent run",
                        start,
                        {
                            "gen_ai.operation.name": "invoke_agent",
                            "feature": "research-agent",
                            "team": "research",
                        },
                    )
                ],
                "bot-svc",
            ),
        ),
    }


def attribution(db: Path, by: str = "feature,team") -> list[dict[str, Any]]:
    result = cli("report", "attribution", "--by", by, "--format", "json", db=db)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def unit_economics(db: Path, period: str = "day") -> list[dict[str, Any]]:
    result = cli("report", "unit-economics", "--period", period, "--format", "json", db=db)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_a_late_otel_root_attributes_the_children_of_an_earlier_run(tmp_path: Path) -> None:
    """The cheap case (`make test-fast`): the children in one run, their root in the next."""
    files = otel_files(tmp_path / "otel")
    db = tmp_path / "store.duckdb"
    children = cli("ingest", "requests", str(files["child_a"]), str(files["child_b"]), db=db)
    assert children.exit_code == 0, children.output
    # without their root: the service name as feature, the resource's team (traces_data)
    assert query(db, "select feature, team, count(*) from operations group by all") == [
        ("bot-svc", "web", 2)
    ]
    assert cli("ingest", "requests", str(files["root"]), db=db).exit_code == 0
    assert query(
        db,
        "select feature, team, count(*) from operations where is_model_call "
        "group by all order by all",
    ) == [("research-agent", "research", 2)]
    # the child after midnight sits on another day than the root: both days rebuilt
    assert query(db, "select count(distinct day) from operations") == [(2,)]


@pytest.mark.slow  # fast tier: the test above (two runs, no fresh store to compare)
def test_late_otel_root_in_a_later_run_attributes_its_children(tmp_path: Path) -> None:
    files = otel_files(tmp_path / "otel")
    late = tmp_path / "late.duckdb"
    for name in ("child_a", "child_b", "root"):  # three runs, the root last
        assert cli("ingest", "requests", str(files[name]), db=late).exit_code == 0
    fresh = tmp_path / "fresh.duckdb"
    assert cli("ingest", "requests", str(tmp_path / "otel"), db=fresh).exit_code == 0

    expected = [("research-agent", "research", 2)]
    for db in (late, fresh):
        got = query(
            db,
            "select feature, team, count(*) from operations where is_model_call "
            "group by all order by all",
        )
        assert got == expected
    assert attribution(late) == attribution(fresh)
    assert unit_economics(late) == unit_economics(fresh)
    # the child after midnight sits on another day than the root: both days rebuilt
    assert query(late, "select count(distinct day) from operations") == [(2,)]


@pytest.mark.slow  # fast tier: test_billing_classify's config override (rebuilt first)
def test_config_change_is_applied_by_build_to_stored_operations(tmp_path: Path) -> None:
    logs = tmp_path / "logs.jsonl"
    records = []
    for i in range(3):
        record = litellm_payload(f"chatcmpl-{i}", feature=None)
        record["metadata"]["spend_logs_metadata"] = {"product": "checkout-assist"}
        records.append(record)
    logs.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    db = tmp_path / "store.duckdb"
    first = cli("ingest", "requests", str(logs), db=db)
    assert first.exit_code == 0, first.output
    assert query(db, "select distinct feature from operations") == [(None,)]

    config = tmp_path / "aicost.toml"
    config.write_text('[attribution]\nfeature_keys = ["product"]\n', encoding="utf-8")
    built = cli("--config", str(config), "build", db=db)
    assert built.exit_code == 0, built.output
    assert "configuration changed" in built.stderr
    assert query(db, "select distinct feature from operations") == [("checkout-assist",)]

    fresh = tmp_path / "fresh.duckdb"
    assert cli("--config", str(config), "ingest", "requests", str(logs), db=fresh).exit_code == 0
    assert query(db, "select * exclude (ingest_run_id) from operations order by all") == query(
        fresh, "select * exclude (ingest_run_id) from operations order by all"
    )
    # and nothing left to do afterwards
    again = cli("--config", str(config), "build", db=db)
    assert "up to date" in again.stderr


@pytest.mark.slow  # fast tier: test_billing_classify's config override (rebuilt first)
def test_report_rebuilds_first_when_the_config_changed(tmp_path: Path) -> None:
    logs = write_json(tmp_path / "one.json", litellm_payload("chatcmpl-x", feature="bot"))
    db = tmp_path / "store.duckdb"
    assert cli("ingest", "requests", str(logs), db=db).exit_code == 0
    config = tmp_path / "aicost.toml"
    config.write_text('[features.bot]\nowner = "support-eng"\n', encoding="utf-8")
    result = cli(
        "--config",
        str(config),
        "report",
        "attribution",
        "--by",
        "feature,owner",
        "--format",
        "json",
        db=db,
    )
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.stderr
    assert [(r["feature"], r["owner"]) for r in json.loads(result.stdout)] == [
        ("bot", "support-eng")
    ]


def test_an_id_resent_days_later_is_stored_once(tmp_path: Path) -> None:
    first = write_json(tmp_path / "first.json", litellm_payload("chatcmpl-same"))
    later = write_json(
        tmp_path / "later.json", litellm_payload("chatcmpl-same", start=JULY_2 + 5 * 86400)
    )
    db = tmp_path / "store.duckdb"
    assert cli("ingest", "requests", str(first), db=db).exit_code == 0
    result = cli("ingest", "requests", str(later), db=db)
    assert result.exit_code == 0
    assert "1 duplicate(s) skipped" in result.stderr
    assert query(db, "select count(*) from operations") == [(1,)]


@pytest.mark.parametrize("limit", [50_000, 0], ids=["by-key", "whole-table"])
def test_ids_that_share_an_id_key_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Re-sent ids are found by their 8-byte id_key first, then compared
    exactly (and by a join with every landed id above CANDIDATE_KEYS_LIMIT
    keys): with a key every id of one length shares, distinct ids are all
    kept, the re-sent one is skipped, the changed one reported, and the
    uniqueness audit passes."""
    from aicost_cli.ingest import requests

    monkeypatch.setattr(requests, "ID_KEY_SQL", "length({})::ubigint")
    monkeypatch.setattr(requests, "CANDIDATE_KEYS_LIMIT", limit)
    config = Config()
    db = tmp_path / "store.duckdb"
    first = tmp_path / "first.jsonl"
    first.write_text(
        "".join(json.dumps(litellm_payload(i)) + "\n" for i in ("chatcmpl-a1", "chatcmpl-b1")),
        encoding="utf-8",
    )
    again = tmp_path / "again.jsonl"
    again.write_text(
        json.dumps(litellm_payload("chatcmpl-c1"))  # new, the same key
        + "\n"
        + json.dumps(litellm_payload("chatcmpl-a1"))  # re-sent as it was
        + "\n"
        + json.dumps(litellm_payload("chatcmpl-b1", completion=51))  # re-sent, changed
        + "\n",
        encoding="utf-8",
    )
    assert requests.ingest_requests(db, [str(first)], config=config).inserted == 2
    result = requests.ingest_requests(db, [str(again)], config=config)
    # duplicates: re-sent as landed; changed: re-sent with other content (kept as landed)
    assert (result.inserted, result.duplicates, result.changed) == (1, 1, 1)
    assert query(
        db, "select operation_id, output_tokens, id_key from operations order by operation_id"
    ) == [("chatcmpl-a1", 50, 11), ("chatcmpl-b1", 50, 11), ("chatcmpl-c1", 50, 11)]


@pytest.mark.slow
def test_id_less_records_are_never_merged_by_accident(tmp_path: Path) -> None:
    def idless(**fields: Any) -> dict[str, Any]:
        record = litellm_payload("x", feature="bot")
        for key in ("id", "trace_id"):
            record.pop(key)
        record.update(fields)
        return record

    same_line = idless(end_user="u1")
    lines = [
        idless(end_user="u1"),  # these two differ only in which field holds 'u1'
        idless(end_user=None, session_id="u1"),
        same_line,  # twice the same call in one file: two operations
        same_line,
    ]
    logs = tmp_path / "idless.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    db = tmp_path / "store.duckdb"
    result = cli("ingest", "requests", str(logs), db=db)
    assert result.exit_code == 0, result.output
    # lines 1, 3 and 4 are the same call content: 1 and 3 are occurrences 1
    # and 2, so 1+3 could only merge if the occurrence were ignored
    assert query(db, "select count(*) from operations") == [(4,)]
    # re-delivery of the same file content under another name is a duplicate
    copy = tmp_path / "copy.jsonl"
    copy.write_text(logs.read_text(encoding="utf-8"), encoding="utf-8")
    again = cli("ingest", "requests", str(copy), db=db)
    assert "4 duplicate(s) skipped" in again.stderr
    assert query(db, "select count(*) from operations") == [(4,)]


def test_a_failing_audit_commits_nothing(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    first = write_json(tmp_path / "a.json", litellm_payload("chatcmpl-a"))
    assert cli("ingest", "requests", str(first), db=db).exit_code == 0
    # corrupt the landing behind aicost's back: the same id landed twice
    con = duckdb.connect(str(db))
    con.execute("insert into land_litellm select * from land_litellm")
    con.close()
    second = write_json(tmp_path / "b.json", litellm_payload("chatcmpl-b"))
    result = cli("ingest", "requests", str(second), db=db)
    assert result.exit_code == ExitCode.INTERNAL
    assert "audit assert_operation_ids_unique failed" in result.stderr
    assert result.stdout == ""
    # nothing of the second run was committed
    assert query(db, "select count(*) from land_litellm where operation_id = 'chatcmpl-b'") == [
        (0,)
    ]
    assert query(db, "select count(*) from ingested_files") == [(1,)]


# --- any split of the same files into runs, in any order, gives one answer ----


def _corpus(folder: Path) -> list[Path]:
    """LiteLLM files with ids repeated across files and days, and one OTel
    trace whose root comes in its own file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = list(otel_files(folder / "otel").values())
    for n in range(4):
        # ids repeat across files (re-deliveries: the same content), and the
        # records span three days
        ids = [(n * 3 + i) % 7 for i in range(3)]
        records = [
            litellm_payload(
                f"chatcmpl-{k}",
                start=JULY_2 + k * 40_000,
                uncached=100 + k,
                feature=["support-bot", "search", None][k % 3],
            )
            for k in ids
        ]
        path = folder / f"litellm-{n}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        files.append(path)
    return files


def _reports(db: Path) -> tuple[object, ...]:
    return (
        unit_economics(db),
        # weeks and months are recounted whole (feature_periods) when a run
        # adds one of their days
        unit_economics(db, "week"),
        unit_economics(db, "month"),
        attribution(db, "feature,team,model"),
        # provenance (which delivery of a re-sent id came first) may differ
        query(
            db,
            "select * exclude (ingest_run_id, source_file, source_line) "
            "from operations order by all",
        ),
    )


@pytest.mark.slow
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_split_into_runs_in_any_order_gives_identical_reports(
    tmp_path: Path, data: st.DataObject
) -> None:
    corpus_dir = tmp_path / "corpus"
    if not corpus_dir.exists():
        files = _corpus(corpus_dir)
        fresh = tmp_path / "fresh.duckdb"
        assert cli("ingest", "requests", *map(str, files), db=fresh).exit_code == 0
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    expected = _reports(tmp_path / "fresh.duckdb")
    order: Sequence[Path] = data.draw(st.permutations(files))
    cuts = data.draw(st.lists(st.integers(1, len(files) - 1), unique=True, max_size=4))
    runs, start = [], 0
    for cut in sorted(cuts) + [len(files)]:
        runs.append(list(order[start:cut]))
        start = cut
    db = tmp_path / f"split-{data.draw(st.integers(0, 10**9))}.duckdb"
    for run in runs:
        assert cli("ingest", "requests", *map(str, run), db=db).exit_code == 0
    assert _reports(db) == expected


@pytest.mark.slow
def test_expected_costs_are_independent_of_split(tmp_path: Path) -> None:
    """The corpus's total cost, by hand: each distinct id once, priced by hand."""
    files = _corpus(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    for path in files:
        assert cli("ingest", "requests", str(path), db=db).exit_code == 0
    first: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in files if p.suffix == ".jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            first.setdefault(record["id"], record)
    litellm_cost = sum(payload_cost(r) for r in first.values())
    got = query(db, "select sum(estimated_cost) from operations where source_format = 'litellm'")
    assert got == [(litellm_cost,)]


@pytest.mark.parametrize("flag", ["--full", "--since=2026-07-01"])
@pytest.mark.slow
def test_build_command_rebuilds_the_same_answer(tmp_path: Path, flag: str) -> None:
    files = _corpus(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    assert cli("ingest", "requests", *map(str, files), db=db).exit_code == 0
    before = _reports(db)
    result = cli("build", flag, db=db)
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.stderr
    assert _reports(db) == before


@pytest.mark.slow  # fast tier: test_ledger's `db forget` (delete, then this rebuild)
def test_build_of_given_days_drops_what_is_no_longer_landed(tmp_path: Path) -> None:
    """A day whose landed rows were removed (what `db forget` will do) is
    rebuilt from what is left: its operations and rollup rows go too."""
    from datetime import date

    from aicost_cli import build, db
    from aicost_cli.config import Config

    path = write_json(tmp_path / "a.json", litellm_payload("chatcmpl-a"))
    store = tmp_path / "store.duckdb"
    assert cli("ingest", "requests", str(path), db=store).exit_code == 0
    con = db.connect(store)
    try:
        con.execute("delete from land_litellm")
        result = build.build(con, Config(), days=[date(2026, 7, 2)])
        assert (result.days_rebuilt, result.operations) == (1, 0)
        assert con.execute("select count(*) from operations").fetchall() == [(0,)]
        assert con.execute("select count(*) from operations_daily").fetchall() == [(0,)]
    finally:
        con.close()
