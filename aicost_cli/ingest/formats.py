"""What each request-log format looks like on disk, for the reader.

A format is read with DuckDB's ``read_json`` using an explicit column spec
(leaves as VARCHAR: the tolerant type) into a raw relation named
``raw_<name>``, which its staging model ``sql/staging/stg_<name>__operations.sql``
turns into canonical operation columns plus a ``quarantine_reason``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum


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


# --- LiteLLM --------------------------------------------------------------

_LITELLM_COMMON: dict[str, Column] = {
    "id": "VARCHAR",
    "request_id": "VARCHAR",
    "litellm_call_id": "VARCHAR",
    "call_id": "VARCHAR",
    "trace_id": "VARCHAR",
    "litellm_trace_id": "VARCHAR",
    "session_id": "VARCHAR",
    "call_type": "VARCHAR",
    "status": "VARCHAR",
    "custom_llm_provider": "VARCHAR",
    "startTime": "VARCHAR",
    "endTime": "VARCHAR",
    "request_duration_ms": "VARCHAR",
    "model": "VARCHAR",
    "model_group": "VARCHAR",
    "response_cost": "VARCHAR",
    "spend": "VARCHAR",
    "prompt_tokens": "VARCHAR",
    "completion_tokens": "VARCHAR",
    "end_user": "VARCHAR",
    "team_id": "VARCHAR",
    "mcp_namespaced_tool_name": "VARCHAR",
    # only the fields used, as structs: reading whole objects as JSON text
    # (hidden_params alone is kilobytes in real payloads) costs parse time
    "error_information": {"error_class": "VARCHAR", "error_code": "VARCHAR"},
    "model_parameters": {"service_tier": "VARCHAR"},
    "cost_breakdown": {"service_tier": "VARCHAR"},
}


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


LITELLM_PAYLOAD = ReadSpec(
    RequestFormat.LITELLM,
    "payload",  # StandardLoggingPayload objects and SpendLogs rows exported as JSON
    {
        **_LITELLM_COMMON,
        "metadata": {
            "user_api_key_team_alias": "VARCHAR",
            "user_api_key_team_id": "VARCHAR",
            "user_api_key_user_id": "VARCHAR",
            "user_api_key_end_user_id": "VARCHAR",
            "spend_logs_metadata": "MAP(VARCHAR, VARCHAR)",
            "requester_metadata": "MAP(VARCHAR, VARCHAR)",
            "attempted_retries": "VARCHAR",
            "usage_object": {
                "prompt_tokens": "VARCHAR",
                "completion_tokens": "VARCHAR",
                "cache_read_input_tokens": "VARCHAR",
                "cache_creation_input_tokens": "VARCHAR",
                "prompt_tokens_details": {
                    "cached_tokens": "VARCHAR",
                    "cache_write_tokens": "VARCHAR",
                },
                "completion_tokens_details": {"reasoning_tokens": "VARCHAR"},
                "cache_creation_token_details": {
                    "ephemeral_5m_input_tokens": "VARCHAR",
                    "ephemeral_1h_input_tokens": "VARCHAR",
                },
            },
            "error_information": {"error_class": "VARCHAR", "error_code": "VARCHAR"},
        },
        "request_tags": "VARCHAR[]",
    },
)

# --- OpenTelemetry (OTLP/JSON) ---------------------------------------------

#: OTLP/JSON ``KeyValue``: AnyValue leaves read as text (intValue is a JSON
#: string or number depending on the exporter); arrays and kv-lists kept as JSON.
_OTEL_KEY_VALUE: dict[str, Column] = {
    "key": "VARCHAR",
    "value": {
        "stringValue": "VARCHAR",
        "intValue": "VARCHAR",
        "doubleValue": "VARCHAR",
        "boolValue": "VARCHAR",
        "arrayValue": "JSON",
        "kvlistValue": "JSON",
    },
}

OTEL_TRACES = ReadSpec(
    RequestFormat.OTEL,
    "otlp",
    {
        "resourceSpans": [
            {
                "resource": {"attributes": [_OTEL_KEY_VALUE]},
                "scopeSpans": [
                    {
                        "scope": {"name": "VARCHAR", "version": "VARCHAR"},
                        "spans": [
                            {
                                "traceId": "VARCHAR",
                                "spanId": "VARCHAR",
                                "parentSpanId": "VARCHAR",
                                "name": "VARCHAR",
                                "kind": "VARCHAR",
                                "startTimeUnixNano": "VARCHAR",
                                "endTimeUnixNano": "VARCHAR",
                                "attributes": [_OTEL_KEY_VALUE],
                                "status": {"code": "VARCHAR", "message": "VARCHAR"},
                            }
                        ],
                    }
                ],
            }
        ]
    },
    reader="objects",
)

# --- Bedrock model invocation logs -------------------------------------------

#: Token counters of a Bedrock response body (``output.outputBodyJson``), read
#: when a record lacks the top-level counters: Converse (camelCase) and the
#: Anthropic Messages body of InvokeModel (snake_case), incl. the TTL split of
#: cache writes (Converse ``cacheDetails``: [{ttl, inputTokens}]; Anthropic
#: ``cache_creation.ephemeral_1h_input_tokens``).
_BEDROCK_BODY: dict[str, Column] = {
    "usage": {
        "inputTokens": "VARCHAR",
        "outputTokens": "VARCHAR",
        "cacheReadInputTokens": "VARCHAR",
        "cacheWriteInputTokens": "VARCHAR",
        "cacheDetails": "JSON",
        "input_tokens": "VARCHAR",
        "output_tokens": "VARCHAR",
        "cache_read_input_tokens": "VARCHAR",
        "cache_creation_input_tokens": "VARCHAR",
        "cache_creation": {"ephemeral_1h_input_tokens": "VARCHAR"},
    },
    "metrics": {"latencyMs": "VARCHAR"},
    "stopReason": "VARCHAR",
    "amazon-bedrock-guardrailAction": "VARCHAR",
}

BEDROCK_INVOCATIONS = ReadSpec(
    RequestFormat.BEDROCK,
    "invocation",  # ModelInvocationLog records: S3 *.json.gz NDJSON or CloudWatch exports
    {
        "schemaType": "VARCHAR",
        "schemaVersion": "VARCHAR",
        "timestamp": "VARCHAR",
        "accountId": "VARCHAR",
        "identity": {"arn": "VARCHAR"},
        "region": "VARCHAR",
        "inferenceRegion": "VARCHAR",
        "requestId": "VARCHAR",
        "operation": "VARCHAR",
        "modelId": "VARCHAR",
        "requestMetadata": "MAP(VARCHAR, VARCHAR)",
        # inputBodyJson (the whole prompt) is deliberately not read
        "input": {
            "inputTokenCount": "VARCHAR",
            "cacheReadInputTokenCount": "VARCHAR",
            "cacheWriteInputTokenCount": "VARCHAR",
        },
        # only the usage of the body; a stream's body (an array of chunks) reads as NULLs
        "output": {"outputTokenCount": "VARCHAR", "outputBodyJson": _BEDROCK_BODY},
        "status": "VARCHAR",
        "errorCode": "VARCHAR",
        "performanceConfig": {"latency": "VARCHAR"},
        "serviceTier": "JSON",  # a string or {"type": ...}
    },
)

# --- aicost's own JSONL ---------------------------------------------------------
# Documented in docs/aicost-format.md, schema docs/aicost-operations.schema.json.

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

READ_SPECS: dict[tuple[RequestFormat, str], ReadSpec] = {
    (spec.format, spec.layout): spec
    for spec in (LITELLM_PAYLOAD, OTEL_TRACES, BEDROCK_INVOCATIONS, AICOST_OPERATIONS)
}
