"""Golden table views of the commands people read, at 80 and 120 columns.

The data is a small hand-written LiteLLM log (two months, a long feature
name, an unattributed call, a model without a price). `pytest --update-golden`
rewrites tests/golden/commands/; read the diff as an API change.
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from tests.conftest import JULY_2, litellm_payload

GOLDEN = Path(__file__).resolve().parent / "golden" / "commands"
runner = CliRunner()
DAY = 86_400

COMMANDS: dict[str, list[str]] = {
    "unit-economics": ["report", "unit-economics"],
    "attribution-feature-model": ["report", "attribution", "--by", "feature,model"],
    "attribution-top": ["report", "attribution", "--by", "feature", "--top", "2"],
    "prices-list-sonnet": ["prices", "list", "claude-sonnet-4-5"],
    "prices-missing": ["prices", "missing"],
}
WIDTHS = (80, 120)
CASES = [(name, width) for name in COMMANDS for width in WIDTHS]


def records() -> list[dict[str, Any]]:
    rows = [
        litellm_payload("s1", start=JULY_2, uncached=3_500, completion=300),
        litellm_payload("s2", start=JULY_2 + 31 * DAY, uncached=9_000, completion=700),
        litellm_payload("s3", start=JULY_2 + 32 * DAY, uncached=12, cache_read=9_000),
        litellm_payload(
            "l1",
            start=JULY_2 + DAY,
            uncached=40,
            completion=5,
            feature="customer-onboarding-assistant-with-a-very-long-name-v2",
        ),
        litellm_payload("u1", start=JULY_2 + 2 * DAY, uncached=7, completion=1, feature=None),
    ]
    odd = litellm_payload("m1", start=JULY_2 + 3 * DAY, uncached=100, feature="search")
    odd["model"] = "acme-internal-llm-2026"
    odd["custom_llm_provider"] = "acme"
    return [*rows, odd]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden-commands")
    logs = folder / "gw.ndjson"
    logs.write_text("".join(json.dumps(r) + "\n" for r in records()))
    db = folder / "template.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        patch.delenv("AICOST_CONFIG", raising=False)
        patch.chdir(folder)
        result = runner.invoke(app, ["--db", str(db), "ingest", "requests", str(logs), "-q"])
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize(("name", "width"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_command_table_matches_golden(
    name: str,
    width: int,
    template: Path,
    hermetic: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    shutil.copyfile(template, hermetic / "test.duckdb")  # AICOST_DB (conftest.hermetic)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", str(width))
    result = runner.invoke(app, COMMANDS[name])
    assert result.exit_code == 0, result.output
    got = result.stdout
    path = GOLDEN / f"{name}.{width}.txt"
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got.encode("utf-8"))
        return
    assert path.is_file(), f"{path} is missing: run `pytest --update-golden`, then review it"
    want = path.read_bytes().decode("utf-8")
    if got != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True), got.splitlines(keepends=True), "golden", "now"
            )
        )
        pytest.fail(f"output differs from {path} (pytest --update-golden rewrites it):\n{diff}")


def test_no_stale_command_goldens() -> None:
    expected = {f"{name}.{width}.txt" for name, width in CASES}
    assert {p.name for p in GOLDEN.iterdir()} == expected
