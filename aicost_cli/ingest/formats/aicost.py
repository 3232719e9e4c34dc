"""aicost's own JSONL: docs/aicost-format.md, schema docs/aicost-operations.schema.json."""

from __future__ import annotations

from typing import Any

from aicost_cli.ingest.formats.base import ReadSpec, RequestFormat, SourceFormat

#: text fields are read as JSON, so that an object or array where text is
#: expected (``"feature": {...}``) is told apart from text and quarantined
#: (read as VARCHAR it would become the object's JSON text); the staging
#: model takes their text
_TEXT_FIELDS = (
    "operation_id",
    "trace_id",
    "parent_id",
    "conversation_id",
    "name",
    "kind",
    "provider",
    "model",
    "request_model",
    "response_model",
    "service_tier",
    "status",
    "error_type",
    "feature",
    "team",
    "user",
    "prompt_version",
    "environment",
)

AICOST_OPERATIONS = ReadSpec(
    RequestFormat.AICOST,
    "v1",
    {
        **dict.fromkeys(_TEXT_FIELDS, "JSON"),
        "started_at": "VARCHAR",
        "ended_at": "VARCHAR",
        # objects, checked and converted in the staging model ("usage": "lots"
        # or "tags": [...] is quarantined, never read as no usage or no tags)
        "usage": "JSON",
        "is_batch": "VARCHAR",
        "attempt": "VARCHAR",
        "latency_ms": "VARCHAR",
        "tags": "JSON",
        "cost": "VARCHAR",
    },
)


def looks_like(record: dict[str, Any]) -> bool:
    return "operation_id" in record  # (started_at may be the bad field)


FORMAT = SourceFormat(RequestFormat.AICOST, AICOST_OPERATIONS, looks_like)
