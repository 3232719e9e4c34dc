"""aicost's own JSONL: docs/aicost-format.md, schema docs/aicost-operations.schema.json."""

from __future__ import annotations

from typing import Any

from aicost_cli.ingest.formats.base import ReadSpec, RequestFormat, SourceFormat

AICOST_OPERATIONS = ReadSpec(
    RequestFormat.AICOST,
    "v1",
    {
        "operation_id": "VARCHAR",
        "trace_id": "VARCHAR",
        "parent_id": "VARCHAR",
        "conversation_id": "VARCHAR",
        "name": "VARCHAR",
        "started_at": "VARCHAR",
        "ended_at": "VARCHAR",
        "kind": "VARCHAR",
        "provider": "VARCHAR",
        "model": "VARCHAR",
        "request_model": "VARCHAR",
        "response_model": "VARCHAR",
        "usage": {
            "input_tokens": "VARCHAR",
            "cache_read_tokens": "VARCHAR",
            "cache_write_5m_tokens": "VARCHAR",
            "cache_write_1h_tokens": "VARCHAR",
            "output_tokens": "VARCHAR",
            "reasoning_tokens": "VARCHAR",
        },
        "service_tier": "VARCHAR",
        "is_batch": "VARCHAR",
        "attempt": "VARCHAR",
        "status": "VARCHAR",
        "error_type": "VARCHAR",
        "latency_ms": "VARCHAR",
        "feature": "VARCHAR",
        "team": "VARCHAR",
        "user": "VARCHAR",
        "prompt_version": "VARCHAR",
        "environment": "VARCHAR",
        "tags": "MAP(VARCHAR, VARCHAR)",
        "cost": "VARCHAR",
    },
)


def looks_like(record: dict[str, Any]) -> bool:
    return "operation_id" in record  # (started_at may be the bad field)


FORMAT = SourceFormat(RequestFormat.AICOST, AICOST_OPERATIONS, looks_like)
