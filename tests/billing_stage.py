"""Run one billing format the way the billing ingest will: its reader over
files, then its staging model, on an in-memory DuckDB; good rows are inserted
into a real ``land_charges`` table (``migrations.CHARGE_COLUMNS``), so the
column names, order, types and NOT NULL constraints are checked too."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from aicost_cli import models
from aicost_cli.billing.formats.base import BillingFormat, FileKind, FileSample
from aicost_cli.migrations import CHARGE_COLUMNS

CHARGE_NAMES = [
    line.strip().split()[0] for line in CHARGE_COLUMNS.strip().splitlines() if line.strip()
]


@dataclass
class Staged:
    con: duckdb.DuckDBPyConnection

    def rows(self, where: str = "true") -> list[dict[str, Any]]:
        cursor = self.con.execute(
            f"select * from staged where {where} order by source_file, source_row"
        )
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def good(self) -> list[dict[str, Any]]:
        return self.rows("quarantine_reason is null")

    def quarantined(self) -> list[tuple[str, int | None, str]]:
        return [
            (Path(r["source_file"]).name, r["source_row"], r["quarantine_reason"])
            for r in self.rows("quarantine_reason is not null")
        ]

    def total(self, column: str, where: str = "true") -> Decimal:
        value = self.con.execute(
            f"select coalesce(sum({column}), 0) from staged "
            f"where quarantine_reason is null and ({where})"
        ).fetchall()[0][0]
        return Decimal(value)


def sample(path: Path, kind: FileKind | None = None) -> FileSample:
    """The FileSample the ingest would build: kind, columns as written, first document."""
    name = path.name.lower()
    if kind is None:
        kind = "parquet" if name.endswith(".parquet") else "json" if ".json" in name else "csv"
    if kind == "csv":
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
        return FileSample(str(path), kind, tuple(header))
    if kind == "parquet":
        try:
            described = duckdb.connect().execute(
                "describe select * from read_parquet(?)", [str(path)]
            )
            columns = tuple(row[0] for row in described.fetchall())
        except duckdb.Error:
            columns = ()  # not parquet: the reader reports it
        return FileSample(str(path), kind, columns)
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        first = next((line for line in text.splitlines() if line.strip()), "null")
        try:
            document = json.loads(first)
        except json.JSONDecodeError:
            document = None
    if isinstance(document, list):
        document = document[0] if document else None
    return FileSample(str(path), kind, (), document if isinstance(document, dict) else None)


def stage(fmt: BillingFormat, paths: list[Path]) -> Staged:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    models.load_macros(con)
    fmt.read(con, [sample(p) for p in paths])
    con.execute(f"create temp table staged as {models.model_sql(fmt.staging_model)}")
    names = [d[0] for d in con.execute("select * from staged limit 0").description or []]
    assert names == [*CHARGE_NAMES, "quarantine_reason"], names
    con.execute(f"create temp table land_charges ({CHARGE_COLUMNS})")
    con.execute(
        "insert into land_charges select * exclude (quarantine_reason) replace "
        "(0::bigint as ingest_run_id) from staged where quarantine_reason is null"
    )
    duplicates = con.execute(
        "select count(*) - count(distinct charge_id) from land_charges"
    ).fetchall()[0][0]
    assert duplicates == 0
    return Staged(con)


def decimal_or_none(text: str | None) -> Decimal | None:
    """A cell as Decimal, the way a person reads a FOCUS CSV (NULL markers -> None)."""
    if text is None or text.strip() in ("", "NULL", "null"):
        return None
    return Decimal(text.strip())


def quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000000000001"))


def exact_json_loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)
