"""What a billing export format is, for the billing ingest.

Each format is one module of this package declaring a :class:`BillingFormat`:
how to recognise a file from a :class:`FileSample` (its columns, or its first
JSON document), how to read files into the raw relation
``raw_billing_<ident>`` (DuckDB's own readers: ``read_parquet``, ``read_csv``
with explicit options, ``read_json``), and the staging model
``sql/staging/stg_billing_<ident>__charges.sql`` that turns the raw relation
into exactly ``migrations.CHARGE_COLUMNS`` plus ``quarantine_reason`` (NULL
for a good row; a row with a reason is quarantined with its file and row,
never landed, and never takes the file's good rows with it). A billing
period is replaced as a whole (policy ``replace_partition``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import duckdb

FileKind = Literal["parquet", "csv", "json"]


@dataclass(frozen=True)
class FileSample:
    """What detection may look at: a local path (an ``s3://`` object is
    downloaded to the scratch folder first), its kind, its column names as
    written (parquet schema or CSV header), or its first JSON document.
    ``name`` is what the user sees and what ``source_file`` must say (the
    ``s3://`` URI of a downloaded object); empty means ``path``."""

    path: str
    kind: FileKind
    columns: tuple[str, ...] = ()
    document: dict[str, Any] | None = field(default=None, compare=False)
    name: str = ""
    #: gzip-compressed (a CSV or JSON file; parquet compresses inside)
    gzip: bool = False

    @property
    def source_file(self) -> str:
        return self.name or self.path


@dataclass(frozen=True)
class BillingFormat:
    #: the ``--format`` value: cur2 | cur | focus | openai-costs | anthropic-costs
    name: str
    description: str
    detect: Callable[[FileSample], bool]
    #: create (or replace) the temp relation ``self.raw_relation`` over the
    #: files, each row carrying ``source_file`` and ``source_row`` (1-based,
    #: as a person counts rows: data rows of a CSV after its header, records
    #: of a parquet file, results of a JSON page)
    read: Callable[[duckdb.DuckDBPyConnection, list[FileSample]], None]
    policy: Literal["replace_partition"] = "replace_partition"

    @property
    def ident(self) -> str:
        return self.name.replace("-", "_")

    @property
    def raw_relation(self) -> str:
        return f"raw_billing_{self.ident}"

    @property
    def staging_model(self) -> str:
        return f"stg_billing_{self.ident}__charges"
