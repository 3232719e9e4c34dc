"""Record conformance fixtures: real client libraries against a fake provider.

Run by ``conformance/record.sh`` inside its own virtualenv (never the project's
``.venv``: these libraries are not aicost dependencies). Each library is
recorded in a subprocess of its own (instrumentations patch the clients
process-wide) and writes ``tests/fixtures/conformance/<library>-<version>/``:

- what the library logged or exported, as it wrote it: ``payloads.jsonl``
  (LiteLLM StandardLoggingPayload, one per line, from a CustomLogger callback)
  or ``traces.jsonl`` (OTLP/JSON ``TracesData``, one per line, as the OTLP file
  exporter lays them out, written by :class:`OtlpJsonLinesExporter` from the
  SDK's own protobuf encoder);
- ``manifest.json``: the versions of every library involved, and per call what
  the fake server billed (usage in aicost's exclusive classes), the expected
  attribution (feature, user) and the unit of work (conversation).

Usage: ``python conformance/record.py [LIBRARY ...] --out DIR`` (no LIBRARY:
all of them). Not type-checked by the project's mypy (it imports libraries the
project does not have).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_provider import FakeProvider, Usage  # noqa: E402

# Offline: LiteLLM would fetch its price map from the internet at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")
os.environ.setdefault("OTEL_SDK_DISABLED", "false")

FEATURE = "support-bot"
USER = "user-42"
OPENAI_MODEL = "gpt-5-mini"
ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929"
GLOBAL_PROFILE = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
US_PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

#: the calls of every OpenAI-shaped scenario: (label, usage, streamed)
OPENAI_CALLS: list[tuple[str, Usage, bool]] = [
    ("plain", Usage(input=1200, output=300), False),
    ("cached+reasoning", Usage(input=512, cache_read=1536, output=900, reasoning=640), False),
    ("streamed+cached", Usage(input=300, cache_read=1024, output=200, reasoning=64), True),
    ("cached", Usage(input=77, cache_read=2048, output=150), False),
]
#: Anthropic calls: cache writes by TTL, reads, no reasoning counter in the API
ANTHROPIC_CALLS: list[tuple[str, Usage, bool]] = [
    ("write-5m", Usage(input=50, cache_write_5m=2000, output=300), False),
    ("read+write-1h", Usage(input=40, cache_read=2000, cache_write_1h=3000, output=200), False),
    (
        "read+write-5m+1h",
        Usage(input=30, cache_read=1500, cache_write_5m=400, cache_write_1h=600, output=100),
        False,
    ),
    ("plain", Usage(input=1000, output=250), False),
    (
        "streamed read+write-1h",
        Usage(input=20, cache_read=3000, cache_write_1h=500, output=120),
        True,
    ),
]
#: Bedrock calls: (label, usage, api, model id)
BEDROCK_CALLS: list[tuple[str, Usage, str, str]] = [
    (
        "converse global write-5m",
        Usage(input=60, cache_write_5m=1800, output=220),
        "converse",
        GLOBAL_PROFILE,
    ),
    (
        "converse us read+write-1h",
        Usage(input=45, cache_read=1800, cache_write_1h=2500, output=180),
        "converse",
        US_PROFILE,
    ),
    (
        "invoke us read+write-5m+1h",
        Usage(input=35, cache_read=1200, cache_write_5m=300, cache_write_1h=700, output=90),
        "invoke",
        US_PROFILE,
    ),
    ("converse global plain", Usage(input=900, output=260), "converse", GLOBAL_PROFILE),
]


def version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


# --- OTLP/JSON span exporter -------------------------------------------------


def _hex_ids(node: Any) -> None:
    """protobuf's JSON mapping writes bytes as base64; OTLP/JSON wants ids in hex."""
    if isinstance(node, dict):
        for key in ("traceId", "spanId", "parentSpanId"):
            if isinstance(node.get(key), str) and node[key]:
                node[key] = base64.b64decode(node[key]).hex()
        for value in node.values():
            _hex_ids(value)
    elif isinstance(node, list):
        for value in node:
            _hex_ids(value)


def make_exporter(path: Path) -> Any:
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class OtlpJsonLinesExporter(SpanExporter):  # type: ignore[misc]
        """One OTLP/JSON TracesData per export, one per line (the file exporter's layout)."""

        def __init__(self) -> None:
            self.count = 0

        def export(self, spans: Any) -> Any:
            data = MessageToDict(encode_spans(spans))
            _hex_ids(data)
            with path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"resourceSpans": data.get("resourceSpans", [])}) + "\n")
            self.count += len(spans)
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            pass

    return OtlpJsonLinesExporter()


def tracer_provider(path: Path, service: str) -> Any:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(make_exporter(path)))
    return provider


# --- the application around the calls ------------------------------------------


class Recorder:
    """Runs the scenario of one library and collects the manifest's calls."""

    def __init__(self, server: FakeProvider) -> None:
        self.server = server
        self.expected: dict[str, dict[str, Any]] = {}

    def call(
        self, label: str, usage: Usage, expect: dict[str, Any], do: Callable[[], object]
    ) -> None:
        self.server.bill(label, usage)
        self.expected[label] = expect
        do()

    def calls(self) -> list[dict[str, Any]]:
        out = []
        for billed in self.server.billed:
            out.append({**billed, "expect": self.expected[billed["call"]]})
        return out


@contextmanager
def otel_turns(provider: Any) -> Iterator[Callable[..., Any]]:
    """The application's own spans: one trace per user turn (root span with the
    feature and the user), as agent frameworks and hand-written apps make them."""
    tracer = provider.get_tracer("conformance.app")

    @contextmanager
    def span(name: str, **attributes: str) -> Iterator[None]:
        with tracer.start_as_current_span(name, attributes=attributes):
            yield

    yield span


def otel_scenario(
    rec: Recorder,
    provider: Any,
    calls: list[tuple[str, Usage, bool]],
    one: Callable[[str, Usage, bool], object],
    conversation: str,
) -> None:
    """Two turns of one conversation. Turn 1: the root span carries
    gen_ai.conversation.id. Turn 2: only an inner application span ("plan")
    around the first call carries it; the second call hangs under the root
    alone. Every call belongs to the conversation (one unit of work)."""
    expect = {"feature": FEATURE, "user": USER, "conversation": conversation}
    with otel_turns(provider) as span:
        with span(
            "support turn",
            feature=FEATURE,
            **{"user.id": USER, "gen_ai.conversation.id": conversation},
        ):
            for label, usage, stream in calls[:2]:
                rec.call(
                    label, usage, expect, lambda lb=label, us=usage, st=stream: one(lb, us, st)
                )
        with span("support turn", feature=FEATURE, **{"user.id": USER}):
            label, usage, stream = calls[2]
            with span("plan", **{"gen_ai.conversation.id": conversation}):
                rec.call(label, usage, expect, lambda: one(label, usage, stream))
            for label, usage, stream in calls[3:]:
                rec.call(
                    label, usage, expect, lambda lb=label, us=usage, st=stream: one(lb, us, st)
                )
    provider.force_flush()


def openai_client(server: FakeProvider) -> Any:
    import openai

    return openai.OpenAI(base_url=server.url + "/v1", api_key="sk-fake", max_retries=0)


def openai_call(client: Any) -> Callable[[str, Usage, bool], object]:
    def one(label: str, usage: Usage, stream: bool) -> object:
        messages = [{"role": "user", "content": f"conformance call {label}"}]
        if stream:
            chunks = client.chat.completions.create(
                model=OPENAI_MODEL,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
            )
            return list(chunks)
        return client.chat.completions.create(model=OPENAI_MODEL, messages=messages)

    return one


def anthropic_call(client: Any) -> Callable[[str, Usage, bool], object]:
    def one(label: str, usage: Usage, stream: bool) -> object:
        if stream:
            with client.messages.stream(
                model=ANTHROPIC_MODEL,
                max_tokens=1024,
                messages=[{"role": "user", "content": f"conformance call {label}"}],
            ) as events:
                return events.get_final_message()
        return client.messages.create(
            model=ANTHROPIC_MODEL,
            max_tokens=1024,
            system=[
                {
                    "type": "text",
                    "text": "long cached system prompt",
                    "cache_control": {"type": "ephemeral", "ttl": "1h"},
                }
            ],
            messages=[{"role": "user", "content": f"conformance call {label}"}],
        )

    return one


# --- one recorder per library ----------------------------------------------------


def record_otel_openai_v2(server: FakeProvider, out: Path) -> dict[str, Any]:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    provider = tracer_provider(out / "traces.jsonl", "conformance-app")
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    rec = Recorder(server)
    otel_scenario(rec, provider, OPENAI_CALLS, openai_call(openai_client(server)), "conv-openai-v2")
    return {"library": "opentelemetry-instrumentation-openai-v2", "calls": rec.calls()}


def record_openllmetry_openai(server: FakeProvider, out: Path) -> dict[str, Any]:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    provider = tracer_provider(out / "traces.jsonl", "conformance-app")
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    rec = Recorder(server)
    otel_scenario(
        rec, provider, OPENAI_CALLS, openai_call(openai_client(server)), "conv-openllmetry-openai"
    )
    return {"library": "opentelemetry-instrumentation-openai", "calls": rec.calls()}


def anthropic_client(server: FakeProvider, provider: Any, sdk_traces: bool) -> Any:
    import anthropic

    options: dict[str, Any] = {"tracer_provider": provider, "traces": sdk_traces}
    return anthropic.Anthropic(
        base_url=server.url, api_key="sk-ant-fake", max_retries=0, open_telemetry=options
    )


def record_anthropic_sdk(server: FakeProvider, out: Path) -> dict[str, Any]:
    """The anthropic SDK's own OpenTelemetry spans, no instrumentation library."""
    provider = tracer_provider(out / "traces.jsonl", "conformance-app")
    rec = Recorder(server)
    client = anthropic_client(server, provider, True)
    otel_scenario(rec, provider, ANTHROPIC_CALLS, anthropic_call(client), "conv-anthropic-sdk")
    return {"library": "anthropic", "calls": rec.calls()}


def record_openllmetry_anthropic(server: FakeProvider, out: Path) -> dict[str, Any]:
    """OpenLLMetry's anthropic instrumentation, with the SDK's own spans left on
    (their default): two spans per call, OpenLLMetry's wrapping the SDK's."""
    from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor

    provider = tracer_provider(out / "traces.jsonl", "conformance-app")
    AnthropicInstrumentor().instrument(tracer_provider=provider)
    rec = Recorder(server)
    client = anthropic_client(server, provider, True)
    otel_scenario(
        rec, provider, ANTHROPIC_CALLS, anthropic_call(client), "conv-openllmetry-anthropic"
    )
    return {"library": "opentelemetry-instrumentation-anthropic", "calls": rec.calls()}


def bedrock_client(server: FakeProvider) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-runtime",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAFAKEFAKEFAKEFAKE",
        aws_secret_access_key="fake-secret",
        config=Config(retries={"max_attempts": 1}),
    )


def bedrock_one(client: Any) -> Callable[[str, str, str], object]:
    def one(label: str, api: str, model_id: str) -> object:
        if api == "converse":
            return client.converse(
                modelId=model_id,
                system=[{"text": "long cached system prompt"}, {"cachePoint": {"type": "default"}}],
                messages=[{"role": "user", "content": [{"text": f"conformance call {label}"}]}],
            )
        body = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 512,
            "messages": [{"role": "user", "content": f"conformance call {label}"}],
        }
        response = client.invoke_model(modelId=model_id, body=json.dumps(body))
        return json.loads(response["body"].read())

    return one


def record_botocore(server: FakeProvider, out: Path) -> dict[str, Any]:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    provider = tracer_provider(out / "traces.jsonl", "conformance-app")
    BotocoreInstrumentor().instrument(tracer_provider=provider)
    rec = Recorder(server)
    one = bedrock_one(bedrock_client(server))
    calls = [(label, usage, False) for label, usage, _, _ in BEDROCK_CALLS]
    routes = {label: (api, model) for label, _, api, model in BEDROCK_CALLS}

    def run(label: str, usage: Usage, stream: bool) -> object:
        return one(label, *routes[label])

    otel_scenario(rec, provider, calls, run, "conv-botocore")
    return {"library": "opentelemetry-instrumentation-botocore", "calls": rec.calls()}


def record_openllmetry_bedrock(server: FakeProvider, out: Path) -> dict[str, Any]:
    from opentelemetry.instrumentation.bedrock import BedrockInstrumentor

    provider = tracer_provider(out / "traces.jsonl", "conformance-app")
    BedrockInstrumentor().instrument(tracer_provider=provider)
    rec = Recorder(server)
    one = bedrock_one(bedrock_client(server))
    calls = [(label, usage, False) for label, usage, _, _ in BEDROCK_CALLS]
    routes = {label: (api, model) for label, _, api, model in BEDROCK_CALLS}

    def run(label: str, usage: Usage, stream: bool) -> object:
        return one(label, *routes[label])

    otel_scenario(rec, provider, calls, run, "conv-openllmetry-bedrock")
    return {"library": "opentelemetry-instrumentation-bedrock", "calls": rec.calls()}


def record_litellm(server: FakeProvider, out: Path) -> dict[str, Any]:
    """The LiteLLM SDK: its StandardLoggingPayload (a CustomLogger callback, as
    the S3/GCS/generic loggers receive it) and its own OTel callback."""
    import litellm
    from litellm.integrations.custom_logger import CustomLogger
    from litellm.integrations.opentelemetry import OpenTelemetry, OpenTelemetryConfig

    payloads = out / "payloads.jsonl"

    class Capture(CustomLogger):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def _write(self, kwargs: dict[str, Any]) -> None:
            payload = kwargs.get("standard_logging_object")
            with payloads.open("a", encoding="utf-8") as f:
                f.write(json.dumps(payload, default=str) + "\n")
            self.count += 1

        def log_success_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            self._write(kwargs)

        def log_failure_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            self._write(kwargs)

    capture = Capture()
    otel = OpenTelemetry(
        config=OpenTelemetryConfig(
            exporter=make_exporter(out / "litellm-otel.traces.jsonl"),
            service_name="conformance-app",
            skip_set_global=True,
        )
    )
    litellm.callbacks = [capture, otel]
    if os.environ.get("CONFORMANCE_DEBUG"):
        litellm._turn_on_debug()
    rec = Recorder(server)
    conversation = "conv-litellm"
    expect = {"feature": FEATURE, "user": USER, "conversation": conversation}

    def common(label: str) -> dict[str, Any]:
        # a fresh metadata dict per call: LiteLLM writes into the one it is given (its
        # OTel callback keeps its "span already emitted" marker there, so a dict shared
        # by several calls gets a span for the first call only)
        return {
            "metadata": {
                "spend_logs_metadata": {"feature": FEATURE, "conformance_call": label},
                "tags": ["env:conformance"],
            },
            "user": USER,
            "litellm_session_id": conversation,
        }

    total = 0
    for label, usage, stream in OPENAI_CALLS:

        def do(label: str = label, stream: bool = stream) -> object:
            response = litellm.completion(
                model=f"openai/{OPENAI_MODEL}",
                api_base=server.url + "/v1",
                api_key="sk-fake",
                messages=[{"role": "user", "content": f"conformance call {label}"}],
                stream=stream,
                stream_options={"include_usage": True} if stream else None,
                **common("openai " + label),
            )
            return list(response) if stream else response

        rec.call("openai " + label, usage, expect, do)
        total += 1
    for label, usage, stream in ANTHROPIC_CALLS:

        def do_a(label: str = label, stream: bool = stream) -> object:
            response = litellm.completion(
                model=f"anthropic/{ANTHROPIC_MODEL}",
                api_base=server.url,
                api_key="sk-ant-fake",
                max_tokens=512,
                messages=[
                    {
                        "role": "system",
                        "content": [
                            {
                                "type": "text",
                                "text": "long cached system prompt",
                                "cache_control": {"type": "ephemeral", "ttl": "1h"},
                            }
                        ],
                    },
                    {"role": "user", "content": f"conformance call {label}"},
                ],
                stream=stream,
                stream_options={"include_usage": True} if stream else None,
                **common("anthropic " + label),
            )
            return list(response) if stream else response

        rec.call("anthropic " + label, usage, expect, do_a)
        total += 1
    for label, usage, api, model_id in BEDROCK_CALLS:
        route = "bedrock/converse/" if api == "converse" else "bedrock/invoke/"

        def do_b(label: str = label, route: str = route, model_id: str = model_id) -> object:
            return litellm.completion(
                model=route + model_id,
                aws_bedrock_runtime_endpoint=server.url,
                aws_region_name="us-east-1",
                aws_access_key_id="AKIAFAKEFAKEFAKEFAKE",
                aws_secret_access_key="fake-secret",
                max_tokens=512,
                messages=[{"role": "user", "content": f"conformance call {label}"}],
                **common("bedrock " + label),
            )

        rec.call("bedrock " + label, usage, expect, do_b)
        total += 1
    deadline = time.time() + 30
    while capture.count < total and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    return {"library": "litellm", "calls": rec.calls(), "logged": capture.count}


LIBRARIES: dict[str, tuple[str, Callable[[FakeProvider, Path], dict[str, Any]]]] = {
    "litellm": ("litellm", record_litellm),
    "otel-openai-v2": ("opentelemetry-instrumentation-openai-v2", record_otel_openai_v2),
    "openllmetry-openai": ("opentelemetry-instrumentation-openai", record_openllmetry_openai),
    "openllmetry-anthropic": (
        "opentelemetry-instrumentation-anthropic",
        record_openllmetry_anthropic,
    ),
    "anthropic-sdk": ("anthropic", record_anthropic_sdk),
    "botocore": ("opentelemetry-instrumentation-botocore", record_botocore),
    "openllmetry-bedrock": ("opentelemetry-instrumentation-bedrock", record_openllmetry_bedrock),
}

#: every distribution whose version a manifest lists (those installed)
VERSIONED = [
    "litellm",
    "openai",
    "anthropic",
    "boto3",
    "botocore",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-exporter-otlp-proto-common",
    "opentelemetry-instrumentation",
    "opentelemetry-instrumentation-openai-v2",
    "opentelemetry-instrumentation-openai",
    "opentelemetry-instrumentation-anthropic",
    "opentelemetry-instrumentation-botocore",
    "opentelemetry-instrumentation-bedrock",
    "opentelemetry-semantic-conventions-ai",
    "opentelemetry-util-genai",
]


def record_one(name: str, root: Path) -> Path:
    dist, recorder = LIBRARIES[name]
    out = root / f"{name}-{version(dist)}"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jsonl"):
        old.unlink()
    with FakeProvider() as server:
        result = recorder(server, out)
    manifest = {
        "library": name,
        "distribution": dist,
        "versions": {d: v for d in VERSIONED if (v := version(d))},
        "python": sys.version.split()[0],
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "recorded_by": "conformance/record.py against conformance/fake_provider.py",
        "files": sorted(p.name for p in out.glob("*.jsonl")),
        **{k: v for k, v in result.items() if k != "library"},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libraries", nargs="*", help=f"any of: {', '.join(LIBRARIES)}")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.libraries or list(LIBRARIES)
    if unknown := sorted(set(names) - set(LIBRARIES)):
        parser.error(f"unknown libraries: {', '.join(unknown)}")
    if args.in_process:
        for name in names:
            print(f"recorded {record_one(name, args.out)}", file=sys.stderr)
        return 0
    failed = []
    for name in names:
        # one process per library: instrumentations patch the clients process-wide
        code = subprocess.call(
            [sys.executable, __file__, name, "--out", str(args.out), "--in-process"]
        )
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
