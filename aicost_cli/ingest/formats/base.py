"""What a request-log source format is, for the reader and the landing step.

Each format is one module of this package (``litellm``, ``otel``, ``bedrock``,
``aicost``) that declares a :class:`SourceFormat`: how to recognise one of its
records, how DuckDB's JSON reader reads it (:class:`ReadSpec`), which staging
model turns it into landed columns, its landing table, and its idempotency
policy. A format's records are read with ``read_json`` using the spec's
explicit columns (leaves as VARCHAR: the tolerant type) into a raw relation
named ``raw_<name>``, which its staging model
``sql/staging/stg_<name>__operations.sql`` turns into canonical operation
columns plus a ``quarantine_reason``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal


class RequestFormat(StrEnum):
    LITELLM = "litellm"
    OTEL = "otel"
    BEDROCK = "bedrock"
    AICOST = "aicost"


#: A column: a DuckDB type name, a nested structure (dict), or a list of one
#: element type (``[element]``).
Column = str | dict[str, "Column"] | list["Column"]


def _json(structure: object) -> str:
    return json.dumps(structure)


def sql_type(column: Column) -> str:
    """DuckDB type of a column given as a type name or a nested structure."""
    if isinstance(column, str):
        return column
    if isinstance(column, list):
        return f"{sql_type(column[0])}[]"
    fields = ", ".join(f'"{key}" {sql_type(value)}' for key, value in column.items())
    return f"STRUCT({fields})"


@dataclass(frozen=True)
class ReadSpec:
    """How to read one layout of a format into its raw relation.

    The fast path reads ``columns`` with these exact types (a record whose
    shape does not fit comes back as NULLs and is re-read on the careful
    path). The careful path reads nested and list columns as JSON first and
    converts them tolerantly (a JSON *string* holding an object, as in
    LiteLLM's SpendLogs rows, is unwrapped), so that one odd field never
    costs a record.
    """

    format: RequestFormat
    layout: str
    #: read_json ``columns=`` (top-level key -> DuckDB type or nested structure)
    columns: dict[str, Column]
    #: fast-path reader: ``read_json`` with ``columns=``, or ``objects``
    #: (``read_json_objects`` + ``from_json``): 5x faster for records of
    #: 100 KB and more (whole OTLP TracesData batches), slower for small ones.
    reader: str = "read_json"

    def is_nested(self, name: str) -> bool:
        column = self.columns[name]
        if isinstance(column, dict | list):
            return True
        return column.endswith("[]") or column.startswith("MAP")

    def careful_structure(self) -> str:
        """``from_json`` structure for the careful path: nested columns as JSON."""
        return _json(
            {name: ("JSON" if self.is_nested(name) else typ) for name, typ in self.columns.items()}
        )

    def fast_structure(self) -> str:
        """``from_json`` structure of a whole record, exact types."""
        return _json(self.columns)

    @staticmethod
    def structure_of(column: Column) -> str:
        """``from_json`` structure of one column."""
        if isinstance(column, str) and column.endswith("[]"):
            return _json([column[:-2]])
        return _json(column)


#: insert_once: a record's id is landed once, whatever re-delivers it (request
#: logs); replace_partition: a newer delivery of a period replaces the whole
#: period (billing exports, which restate months until close).
IdempotencyPolicy = Literal["insert_once", "replace_partition"]


@dataclass(frozen=True)
class SourceFormat:
    format: RequestFormat
    spec: ReadSpec
    #: whether one parsed JSON record is of this format (first match wins, in
    #: the order of ``formats.REGISTRY``)
    looks_like: Callable[[dict[str, Any]], bool]
    policy: IdempotencyPolicy = "insert_once"

    @property
    def staging_model(self) -> str:
        return f"stg_{self.format.value}__operations"

    @property
    def landing_table(self) -> str:
        return f"land_{self.format.value}"
