"""The demo: ingest the bundled sample data into a fresh database and return
the reports that tell its story (the CLI renders them).

The sample data ships inside the wheel (``aicost_cli/sample_data``, the
generated, already gzip-compressed files) and is read from the source
checkout's ``sample_data/`` in an editable install. A demo never deletes a
database it did not create: an existing file is replaced only when it is
empty or everything it ingested came from a ``sample_data`` folder, unless
the caller says ``overwrite``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aicost_cli.config import Config, load_config
from aicost_cli.errors import InputFileError, UsageError

if TYPE_CHECKING:
    import pyarrow as pa

    from aicost_cli.billing.ingest import BillingIngestResult
    from aicost_cli.ingest.requests import IngestResult

#: the folders of the sample data the demo ingests, in order (the malformed one last)
GOOD_FOLDERS = ("litellm", "otel")
BAD_FOLDER = "malformed"
#: the bills of the demo months (AWS CUR 2.0 with Bedrock and a GPU reservation,
#: Anthropic's cost report), ingested after the logs
BILLING_FOLDERS = ("billing/cur", "billing/anthropic")
SAMPLE_MARKER = "sample_data"


def sample_dir() -> Path:
    """The sample data: inside the installed package, or the source checkout's."""
    packaged = Path(str(resources.files("aicost_cli"))) / SAMPLE_MARKER
    if (packaged / "aicost.toml").is_file():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / SAMPLE_MARKER
    if (checkout / "aicost.toml").is_file():
        return checkout
    raise InputFileError(
        "the demo's sample data is missing from this installation",
        hint="reinstall aicost (pip install --force-reinstall aicost) or pass --data FOLDER",
    )


def is_demo_database(path: Path) -> bool:
    """True when replacing ``path`` loses nothing a user made: it is empty, or
    a DuckDB store whose every ingested file came from a sample_data folder."""
    if path.stat().st_size == 0:
        return True
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False  # not a DuckDB file (or in use): never ours to delete
    try:
        rows = con.execute(
            "select source_file from ingested_files where source_file not like '%' || ? || '%'",
            [f"/{SAMPLE_MARKER}/"],
        ).fetchall()
        total = con.execute("select count(*) from ingested_files").fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return not rows and total is not None and total[0] > 0


def check_replaceable(path: Path, *, overwrite: bool) -> None:
    if overwrite or not path.exists():
        return
    if path.is_dir():
        raise UsageError(f"{path} is a directory", hint="pass --db FILE")
    if not is_demo_database(path):
        raise UsageError(
            f"{path} exists and is not a demo database; the demo will not replace it",
            hint="pass another --db, or --overwrite to replace it",
        )


@dataclass(frozen=True)
class DemoResult:
    db_path: Path
    config: Config
    ingest: IngestResult
    malformed: IngestResult | None
    #: unit economics by month with month-over-month changes per feature
    trend: pa.Table
    #: attribution by feature and model
    attribution: pa.Table
    billing: BillingIngestResult | None = None
    #: the bill against the logs, per month and provider
    reconciliation: pa.Table | None = None
    #: reserved capacity per pool and month
    capacity: pa.Table | None = None

    def biggest_mover(self) -> tuple[str, Decimal, Decimal] | None:
        """The feature whose cost per unit grew most from its first period to
        its last: (feature, first, last)."""
        first: dict[str, Decimal] = {}
        last: dict[str, Decimal] = {}
        for row in self.trend.sort_by("period_start").to_pylist():
            value = row["cost_per_unit"]
            if value is None or value == 0:
                continue
            first.setdefault(row["feature"], value)
            last[row["feature"]] = value
        if not first:
            return None
        feature = max(first, key=lambda name: last[name] / first[name])
        return feature, first[feature], last[feature]


def run(
    db_path: Path,
    *,
    data: Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> DemoResult:
    """Build a fresh demo database at ``db_path`` from the sample data and
    return its reports."""
    from aicost_cli import db, reports
    from aicost_cli.billing.ingest import ingest_billing
    from aicost_cli.ingest.requests import ingest_requests

    folder = data or sample_dir()
    if not (folder / "aicost.toml").is_file():
        raise InputFileError(
            f"{folder} has no aicost.toml", hint="--data takes a sample data folder"
        )
    check_replaceable(db_path, overwrite=overwrite)
    config = load_config(folder / "aicost.toml")
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    inputs = [str(folder / name) for name in GOOD_FOLDERS if (folder / name).exists()]
    result = ingest_requests(db_path, inputs, config=config)
    malformed = None
    if (folder / BAD_FOLDER).exists():
        malformed = ingest_requests(db_path, [str(folder / BAD_FOLDER)], config=config)
    bills = [str(folder / name) for name in BILLING_FOLDERS if (folder / name).exists()]
    billing = ingest_billing(db_path, bills, config=config) if bills else None
    con = db.connect(db_path, read_only=True)
    try:
        unit = reports.unit_economics(con, config)
        attribution = reports.attribution(con, config, ["feature", "model"])
        reconciliation = capacity = None
        if billing is not None:
            reconciliation = reports.reconciliation(con, config, keys=["provider"])
            if config.capacity_pools:
                capacity = reports.capacity(con)
    finally:
        con.close()
    return DemoResult(
        db_path,
        config,
        result,
        malformed,
        month_over_month(unit),
        attribution,
        billing,
        reconciliation,
        capacity,
    )


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or before is None or before == 0:
        return None
    return ((now - before) / before).quantize(Decimal("0.0001"))


def month_over_month(unit: pa.Table) -> pa.Table:
    """Unit economics rows (period, feature) with ``cost_change`` and
    ``cost_per_unit_change``: the fraction by which each moved since the
    feature's previous period (NULL for its first period), and ``month``
    (``2026-07``) for display. ``cost`` is the best known cost (billed where
    a bill covers the feature), so the bill's own rows (``unallocated``,
    ``idle capacity: <pool>``) show their billed amount too."""
    import pyarrow as pa

    rows = unit.sort_by([("feature", "ascending"), ("period_start", "ascending")]).to_pylist()
    previous: dict[str, dict[str, Any]] = {}
    for row in rows:
        before = previous.get(str(row["feature"]))
        row["cost_change"] = _change(row["cost"], before["cost"] if before else None)
        row["cost_per_unit_change"] = _change(
            row["cost_per_unit"], before["cost_per_unit"] if before else None
        )
        previous[str(row["feature"])] = row
    change = pa.decimal128(18, 4)
    schema = unit.schema.append(pa.field("cost_change", change)).append(
        pa.field("cost_per_unit_change", change)
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    months = [f"{row['period_start']:%Y-%m}" for row in rows]
    table = table.append_column("month", pa.array(months, pa.string()))
    return table.sort_by([("period_start", "ascending"), ("cost", "descending")])
