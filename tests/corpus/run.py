"""Run corpus kinds through the real CLI and compare with their expectations."""

from __future__ import annotations

import os
import traceback
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from aicost_cli.cli import app
from tests.corpus import Bad, Good, Kind

SOURCES = ("litellm", "otel", "bedrock", "aicost")


@dataclass
class Outcome:
    kind: Kind
    exit_code: int
    stderr: str
    landed: Counter[Good] = field(default_factory=Counter)
    operations: Counter[Good] = field(default_factory=Counter)
    quarantined: list[Bad] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    cost: Decimal | None = None
    traceback: str | None = None

    @property
    def good_kept(self) -> int:
        """Expected good records stored exactly once, in landing and in operations."""
        return sum(
            1 for g in self.kind.good if self.landed[g] == 1 and self.operations[g] == 1
        ) + min(self.kind.hashed, self.hashed_landed)

    @property
    def hashed_landed(self) -> int:
        return sum(n for (_, i), n in self.landed.items() if i.startswith("sha256:"))

    @property
    def unexpected_stored(self) -> list[Good]:
        expected = set(self.kind.good)
        return sorted(
            g
            for g, n in self.landed.items()
            if not g[1].startswith("sha256:") and g not in expected
        ) + [g for g in self.kind.good if self.landed[g] > 1]

    @property
    def bad_quarantined(self) -> int:
        found = Counter(self.quarantined)
        return sum(1 for bad in self.kind.bad if found[bad] >= 1)

    @property
    def unexpected_quarantine(self) -> list[Bad]:
        expected = set(self.kind.bad)
        return [q for q in self.quarantined if q not in expected]

    def problems(self) -> list[str]:
        out = []
        if self.traceback:
            out.append(f"traceback: {self.traceback.strip().splitlines()[-1]}")
        if self.exit_code != self.kind.exit_code:
            out.append(f"exit {self.exit_code}, expected {self.kind.exit_code}")
        if self.good_kept != len(self.kind.good) + self.kind.hashed:
            out.append(f"good kept {self.good_kept}/{len(self.kind.good) + self.kind.hashed}")
        if self.unexpected_stored:
            out.append(f"stored unexpectedly: {self.unexpected_stored[:5]}")
        if self.kind.hashed and self.hashed_landed != self.kind.hashed:
            out.append(f"id-less stored {self.hashed_landed}, expected {self.kind.hashed}")
        if self.bad_quarantined != len(self.kind.bad):
            out.append(f"bad quarantined {self.bad_quarantined}/{len(self.kind.bad)}")
        if self.unexpected_quarantine:
            out.append(f"quarantined unexpectedly: {self.unexpected_quarantine[:5]}")
        if self.kind.cost is not None and self.cost != self.kind.cost:
            out.append(f"cost {self.cost}, expected {self.kind.cost}")
        return out


def _write(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _relative(name: str, root: Path) -> str:
    try:
        return str(Path(name).relative_to(root.resolve()))
    except ValueError:
        return name


def run(kind: Kind, work: Path) -> Outcome:
    """Ingest ``kind`` in ``work`` (an empty folder) through the CLI."""
    root = work / "in"
    root.mkdir(parents=True)
    db = work / "corpus.duckdb"
    env = {"AICOST_DB": str(db), "AICOST_HOME": str(work / "home"), "AICOST_CONFIG": None}
    runner = CliRunner()
    previous = Path.cwd()
    try:
        if kind.before:
            before = work / "before"
            before.mkdir()
            _write(before, kind.before)
            os.chdir(work)
            first = runner.invoke(app, ["ingest", "requests", "--quiet", str(before)], env=env)
            assert first.exit_code == 0, first.output
        _write(root, kind.files)
        os.chdir(root if kind.cwd is not None else work)
        if kind.cwd is not None:
            os.chdir(root / kind.cwd)
        args = kind.args if kind.args is not None else [str(root)]
        result = runner.invoke(app, ["ingest", kind.command, "--quiet", *args], env=env)
    finally:
        os.chdir(previous)
    trace = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
    outcome = Outcome(kind, result.exit_code, result.stderr, traceback=trace)
    if not db.exists():
        return outcome
    con = duckdb.connect(str(db), read_only=True)
    try:
        if kind.command == "billing":
            _billing_outcome(con, root, outcome)
            return outcome
        previous_run = str((work / "before").resolve())
        for source in SOURCES:
            for (op_id,) in con.execute(
                f"select operation_id from land_{source} where not starts_with(source_file, ?)",
                [previous_run],
            ).fetchall():
                outcome.landed[(source, op_id)] += 1
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "operations" in tables:
            rows = con.execute(
                "select source_format, operation_id, estimated_cost from operations "
                "where not starts_with(source_file, ?)",
                [previous_run],
            ).fetchall()
            for source, op_id, _ in rows:
                outcome.operations[(source, op_id)] += 1
            outcome.cost = sum((r[2] for r in rows if r[2] is not None), Decimal(0))
        for name, line, reason in con.execute(
            "select source_file, source_line, reason from quarantine order by all"
        ).fetchall():
            outcome.quarantined.append((_relative(name, root), line))
            outcome.reasons.append(reason)
    finally:
        con.close()
    return outcome


def _billing_outcome(con: duckdb.DuckDBPyConnection, root: Path, outcome: Outcome) -> None:
    """Landed charges as ("charges", "<file>:<row>") (no fact table: each
    counts as its own "operation"), the billed cost, and the quarantine."""
    rows = con.execute("select source_file, source_row, billed_cost from land_charges").fetchall()
    for name, row, _ in rows:
        good = ("charges", f"{_relative(name, root)}:{row}")
        outcome.landed[good] += 1
        outcome.operations[good] += 1
    outcome.cost = sum((r[2] for r in rows), Decimal(0))
    for name, line, reason in con.execute(
        "select source_file, source_line, reason from quarantine order by all"
    ).fetchall():
        outcome.quarantined.append((_relative(name, root), line))
        outcome.reasons.append(reason)
