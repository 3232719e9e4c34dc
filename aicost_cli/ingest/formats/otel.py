"""OpenTelemetry traces as OTLP/JSON ``TracesData`` (one per file, or one per line as
the OTLP file exporter writes them)."""

from __future__ import annotations

from typing import Any

from aicost_cli.ingest.formats.base import Column, ReadSpec, RequestFormat, SourceFormat

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


def looks_like(record: dict[str, Any]) -> bool:
    return "resourceSpans" in record


FORMAT = SourceFormat(RequestFormat.OTEL, OTEL_TRACES, looks_like)
