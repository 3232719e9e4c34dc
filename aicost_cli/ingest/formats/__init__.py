"""The request-log formats aicost reads: one module each (see ``base``)."""

from __future__ import annotations

from aicost_cli.ingest.formats.aicost import AICOST_OPERATIONS
from aicost_cli.ingest.formats.aicost import FORMAT as AICOST
from aicost_cli.ingest.formats.base import (
    Column,
    IdempotencyPolicy,
    ReadSpec,
    RequestFormat,
    SourceFormat,
    sql_type,
)
from aicost_cli.ingest.formats.bedrock import BEDROCK_INVOCATIONS
from aicost_cli.ingest.formats.bedrock import FORMAT as BEDROCK
from aicost_cli.ingest.formats.litellm import FORMAT as LITELLM
from aicost_cli.ingest.formats.litellm import LITELLM_PAYLOAD
from aicost_cli.ingest.formats.otel import FORMAT as OTEL
from aicost_cli.ingest.formats.otel import OTEL_TRACES

#: every format, in the order detection tries them (the most specific first:
#: a LiteLLM payload may carry an ``operation_id``-free metadata blob, an OTLP
#: batch never looks like anything else)
REGISTRY: tuple[SourceFormat, ...] = (OTEL, BEDROCK, AICOST, LITELLM)
BY_FORMAT: dict[RequestFormat, SourceFormat] = {f.format: f for f in REGISTRY}

__all__ = [
    "AICOST_OPERATIONS",
    "BEDROCK_INVOCATIONS",
    "BY_FORMAT",
    "LITELLM_PAYLOAD",
    "OTEL_TRACES",
    "REGISTRY",
    "Column",
    "IdempotencyPolicy",
    "ReadSpec",
    "RequestFormat",
    "SourceFormat",
    "sql_type",
]
