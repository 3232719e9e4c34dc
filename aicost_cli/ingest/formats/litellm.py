"""LiteLLM: StandardLoggingPayload objects (S3/GCS loggers, callbacks) and SpendLogs
rows (JSON or CSV export)."""

from __future__ import annotations

from typing import Any

from aicost_cli.ingest.formats.base import Column, ReadSpec, RequestFormat, SourceFormat

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
    # `user`: the OpenAI-style end-user parameter the caller sent (the SDK leaves
    # `end_user` empty; the proxy fills it)
    "model_parameters": {"service_tier": "VARCHAR", "user": "VARCHAR"},
    "cost_breakdown": {"service_tier": "VARCHAR"},
}


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
                    # newer versions (1.110) nest the TTL split here
                    "cache_creation_token_details": {
                        "ephemeral_5m_input_tokens": "VARCHAR",
                        "ephemeral_1h_input_tokens": "VARCHAR",
                    },
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

#: keys only LiteLLM's payloads and SpendLogs rows carry
_KEYS = ("call_type", "response_cost", "startTime", "model_group", "litellm_call_id", "spend")


def looks_like(record: dict[str, Any]) -> bool:
    return any(key in record for key in _KEYS)


FORMAT = SourceFormat(RequestFormat.LITELLM, LITELLM_PAYLOAD, looks_like)
