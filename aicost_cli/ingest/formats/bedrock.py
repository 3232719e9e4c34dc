"""Amazon Bedrock model invocation logs (``ModelInvocationLog`` records: gzip NDJSON on
S3, or CloudWatch exports)."""

from __future__ import annotations

from typing import Any

from aicost_cli.ingest.formats.base import Column, ReadSpec, RequestFormat, SourceFormat

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


def looks_like(record: dict[str, Any]) -> bool:
    return record.get("schemaType") == "ModelInvocationLog" or (
        "modelId" in record and "requestId" in record
    )


FORMAT = SourceFormat(RequestFormat.BEDROCK, BEDROCK_INVOCATIONS, looks_like)
