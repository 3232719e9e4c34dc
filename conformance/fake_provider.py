"""A fake LLM provider on 127.0.0.1 that bills chosen usage.

One HTTP server answers, in the providers' own shapes:

- OpenAI chat completions: ``POST /v1/chat/completions`` (JSON, or SSE with
  ``stream_options.include_usage``);
- Anthropic messages: ``POST /v1/messages``;
- Amazon Bedrock runtime: ``POST /model/<modelId>/converse`` and
  ``POST /model/<modelId>/invoke`` (an Anthropic Messages body).

The recorder sets the usage of the next call with :meth:`FakeProvider.bill`;
every request answered while it is set is billed with it (a retry is billed
again) and logged in :attr:`FakeProvider.billed` in aicost's exclusive token
classes: uncached input, cache read, cache write 5 m / 1 h, output (reasoning
included) and reasoning. That log is the truth the fixtures are checked
against. Standard library only: it runs in the recording virtualenv.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Usage:
    """What the provider bills for one call, in exclusive classes."""

    input: int = 0  # uncached input
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    output: int = 0  # includes reasoning
    reasoning: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def prompt(self) -> int:
        return self.input + self.cache_read + self.cache_write


class FakeProvider:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._usage: Usage | None = None
        self._label: str | None = None
        self.billed: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                provider._answer(self, urllib.parse.unquote(self.path), body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bill(self, label: str, usage: Usage) -> None:
        with self._lock:
            self._label, self._usage = label, usage

    # -- answers ---------------------------------------------------------

    def _record(self, api: str, model: str, response_id: str) -> Usage:
        with self._lock:
            if self._usage is None:
                raise RuntimeError(f"unexpected {api} call: no usage set")
            usage = self._usage
            self.billed.append(
                {
                    "call": self._label,
                    "api": api,
                    "model": model,
                    "response_id": response_id,
                    "billed": asdict(usage),
                }
            )
            return usage

    def _answer(self, handler: BaseHTTPRequestHandler, path: str, body: dict[str, Any]) -> None:
        n = next(self._ids)
        if path.endswith("/chat/completions"):
            self._openai(handler, body, f"chatcmpl-fake{n:04d}")
        elif path.endswith("/messages"):
            self._anthropic(handler, body, f"msg_fake{n:04d}")
        elif path.startswith("/model/") and path.endswith("/converse"):
            self._converse(handler, path[len("/model/") : -len("/converse")], f"req-fake-{n:04d}")
        elif path.startswith("/model/") and path.endswith("/invoke"):
            self._invoke(handler, path[len("/model/") : -len("/invoke")], body, f"req-fake-{n:04d}")
        else:
            self._send(handler, 404, {"error": {"message": f"no route {path}"}})

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _openai(self, handler: BaseHTTPRequestHandler, body: dict[str, Any], rid: str) -> None:
        model = str(body.get("model", "gpt-5-mini"))
        usage = self._record("openai.chat", model, rid)
        usage_body = {
            "prompt_tokens": usage.prompt,
            "completion_tokens": usage.output,
            "total_tokens": usage.prompt + usage.output,
            "prompt_tokens_details": {"cached_tokens": usage.cache_read, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": usage.reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        created = int(time.time())
        if body.get("stream"):
            chunks: list[dict[str, Any]] = [
                {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "o"}}]},
                {"choices": [{"index": 0, "delta": {"content": "k"}}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
            if (body.get("stream_options") or {}).get("include_usage"):
                chunks.append({"choices": [], "usage": usage_body})
            handler.send_response(200)
            handler.send_header("content-type", "text/event-stream")
            handler.end_headers()
            for chunk in chunks:
                event = {
                    "id": rid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "service_tier": "default",
                    **chunk,
                }
                handler.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            handler.wfile.write(b"data: [DONE]\n\n")
            handler.wfile.flush()
            handler.close_connection = True
            return
        self._send(
            handler,
            200,
            {
                "id": rid,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "service_tier": "default",
                "system_fingerprint": "fp_fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok", "refusal": None},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": usage_body,
            },
        )

    @staticmethod
    def _anthropic_usage(usage: Usage) -> dict[str, Any]:
        return {
            "input_tokens": usage.input,
            "cache_creation_input_tokens": usage.cache_write,
            "cache_read_input_tokens": usage.cache_read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": usage.cache_write_5m,
                "ephemeral_1h_input_tokens": usage.cache_write_1h,
            },
            "output_tokens": usage.output,
            "service_tier": "standard",
        }

    def _anthropic(self, handler: BaseHTTPRequestHandler, body: dict[str, Any], rid: str) -> None:
        model = str(body.get("model", "claude-sonnet-4-5-20250929"))
        usage = self._record("anthropic.messages", model, rid)
        if body.get("stream"):
            start_usage = {**self._anthropic_usage(usage), "output_tokens": 1}
            events: list[dict[str, Any]] = [
                {
                    "type": "message_start",
                    "message": {
                        "id": rid,
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": start_usage,
                    },
                },
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": "ok"},
                },
                {"type": "content_block_stop", "index": 0},
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": usage.output},
                },
                {"type": "message_stop"},
            ]
            handler.send_response(200)
            handler.send_header("content-type", "text/event-stream")
            handler.send_header("request-id", f"req_{rid}")
            handler.end_headers()
            for event in events:
                handler.wfile.write(
                    f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
                )
            handler.wfile.flush()
            handler.close_connection = True
            return
        self._send(
            handler,
            200,
            {
                "id": rid,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": self._anthropic_usage(usage),
            },
            {"request-id": f"req_{rid}"},
        )

    def _converse(self, handler: BaseHTTPRequestHandler, model: str, rid: str) -> None:
        usage = self._record("bedrock.converse", model, rid)
        cache_details = [
            {"ttl": ttl, "inputTokens": count}
            for ttl, count in (("5m", usage.cache_write_5m), ("1h", usage.cache_write_1h))
            if count
        ]
        usage_body: dict[str, Any] = {
            "inputTokens": usage.input,
            "outputTokens": usage.output,
            "totalTokens": usage.prompt + usage.output,
            "cacheReadInputTokens": usage.cache_read,
            "cacheWriteInputTokens": usage.cache_write,
        }
        if cache_details:
            usage_body["cacheDetails"] = cache_details
        self._send(
            handler,
            200,
            {
                "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
                "stopReason": "end_turn",
                "usage": usage_body,
                "metrics": {"latencyMs": 120},
            },
            {"x-amzn-RequestId": rid},
        )

    def _invoke(
        self, handler: BaseHTTPRequestHandler, model: str, body: dict[str, Any], rid: str
    ) -> None:
        usage = self._record("bedrock.invoke", model, rid)
        self._send(
            handler,
            200,
            {
                "id": f"msg_bdrk_{rid}",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5-20250929",
                "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": self._anthropic_usage(usage),
            },
            {
                "x-amzn-RequestId": rid,
                "X-Amzn-Bedrock-Input-Token-Count": str(usage.input),
                "X-Amzn-Bedrock-Output-Token-Count": str(usage.output),
                "X-Amzn-Bedrock-Cache-Read-Input-Token-Count": str(usage.cache_read),
                "X-Amzn-Bedrock-Cache-Write-Input-Token-Count": str(usage.cache_write),
            },
        )
