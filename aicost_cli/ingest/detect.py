"""Recognise the format and JSON layout of a request-log file from its start."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aicost_cli.ingest.formats import REGISTRY, RequestFormat

_PEEK = 1 << 20


class Layout:
    NDJSON = "ndjson"  # one JSON value per line
    ARRAY = "array"  # one JSON array of records
    DOCUMENT = "document"  # one (possibly pretty-printed) object, or several concatenated
    CSV = "csv"  # LiteLLM SpendLogs CSV export
    EMPTY = "empty"


@dataclass(frozen=True)
class Detected:
    format: RequestFormat | None
    layout: str
    reason: str | None = None  # why the format could not be recognised


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _peek(path: Path) -> tuple[bytes, str | None]:
    """The first MiB (decompressed), and why the file cannot be read on, if it
    breaks off before that: a truncated gzip keeps what came before the break."""
    from aicost_cli.ingest.lines import StreamBroken, read_chunks

    head = bytearray()
    try:
        for chunk in read_chunks(path, _PEEK):
            head += chunk
            if len(head) >= _PEEK:
                break
    except StreamBroken as exc:
        return bytes(head[:_PEEK]), str(exc)
    return bytes(head[:_PEEK]), None


#: columns only LiteLLM's SpendLogs table has (a CSV export of it has its id
#: and at least one of the others)
_SPEND_LOG_COLUMNS = ("spend", "call_type", "startTime", "model_group", "api_key")


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file's first line (at most 1 MiB is read)."""
    head, _ = _peek(path)
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    rows = list(csv.reader([first.rstrip("\r")]))
    return [name.strip() for name in rows[0]] if rows else []


def _is_spend_logs_csv(path: Path) -> bool:
    names = set(csv_header(path))
    return "request_id" in names and any(name in names for name in _SPEND_LOG_COLUMNS)


def classify_record(record: Any) -> RequestFormat | None:
    """The format of one parsed record: the first of formats.REGISTRY whose
    ``looks_like`` holds."""
    if not isinstance(record, dict):
        return None
    return next((source.format for source in REGISTRY if source.looks_like(record)), None)


def _name_layout(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return Layout.CSV
    if name.endswith((".jsonl", ".ndjson", ".log")):
        return Layout.NDJSON
    return None


def _object_lines(text: str, decoder: json.JSONDecoder, limit: int) -> Iterator[Any]:
    """The JSON objects among the first ``limit`` lines (each a whole line)."""
    for line in text.split("\n")[:limit]:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value, end = decoder.raw_decode(line)
        except (json.JSONDecodeError, RecursionError):  # 1,500-deep JSON too
            continue
        if end == len(line) and isinstance(value, dict):
            yield value


def _first_object_line(text: str, decoder: json.JSONDecoder, limit: int) -> Any:
    return next(_object_lines(text, decoder, limit), None)


def _first_known_format(text: str, decoder: json.JSONDecoder) -> RequestFormat | None:
    formats = (classify_record(value) for value in _object_lines(text, decoder, 1000))
    return next((found for found in formats if found is not None), None)


def _ndjson_or_document(
    text: str, decoder: json.JSONDecoder, by_name: str | None
) -> tuple[str, Any]:
    """The first line decoding to an object means NDJSON; else one document
    (pretty-printed); else the first good line among the next ones decides (a
    malformed first line must not hide the good records after it)."""
    first = _first_object_line(text, decoder, 1)
    if first is not None:
        return by_name or Layout.NDJSON, first
    if by_name != Layout.NDJSON:
        try:
            first, _ = decoder.raw_decode(text)
            return Layout.DOCUMENT, first
        except (json.JSONDecodeError, RecursionError):  # 1,500-deep JSON too
            pass
    first = _first_object_line(text, decoder, 1000)
    return (Layout.NDJSON if first is not None else by_name or Layout.DOCUMENT), first


#: a JSON object key, for a first record too long to parse from the peek
_KEY = re.compile(r'[{,]\s*"([A-Za-z_][A-Za-z0-9_.-]*)"\s*:')
#: how far past over-long first lines detection looks for a record
_LONG_SCAN = 64 << 20


def _format_past_long_lines(path: Path, decoder: json.JSONDecoder) -> RequestFormat | None:
    """The format of the first known record among the lines after a first
    line longer than the peek, read as a stream (at most 64 MiB are scanned,
    only about 1 MiB is held)."""
    from aicost_cli.ingest.lines import StreamBroken, read_chunks

    seen = 0
    after = bytearray()
    started = False
    try:
        for chunk in read_chunks(path, _PEEK):
            seen += len(chunk)
            if not started:
                cut = chunk.find(b"\n")
                if cut < 0:
                    if seen > _LONG_SCAN:
                        return None
                    continue
                started, chunk = True, chunk[cut + 1 :]
            after += chunk
            if len(after) >= _PEEK:
                break
    except StreamBroken:
        pass
    return _first_known_format(bytes(after).decode("utf-8", errors="replace"), decoder)


def detect(path: Path, forced: RequestFormat | None) -> Detected:
    head, broken = _peek(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    by_name = _name_layout(path)
    if not text and broken:
        return Detected(None, Layout.EMPTY, f"cannot be read: {broken}")
    if not text:
        return Detected(forced, Layout.EMPTY)
    if by_name == Layout.CSV:
        if forced is None and not _is_spend_logs_csv(path):
            return Detected(
                None,
                Layout.CSV,
                "is a CSV file without LiteLLM SpendLogs columns (request_id, spend, "
                "startTime) (use --format litellm to force it)",
            )
        return Detected(forced or RequestFormat.LITELLM, Layout.CSV)
    decoder = json.JSONDecoder()
    first: Any = None
    layout: str
    if text.startswith("[") and by_name != Layout.NDJSON:
        layout = Layout.ARRAY
        try:
            first, _ = decoder.raw_decode(text[1:].lstrip())
        except (json.JSONDecodeError, RecursionError):  # 1,500-deep JSON too
            first = None
    else:
        layout, first = _ndjson_or_document(text, decoder, by_name)
    long_first = first is None and len(head) >= _PEEK and text.startswith(("{", "["))
    if long_first and layout != Layout.ARRAY and "\n" not in text:
        layout = Layout.NDJSON  # one line longer than the peek (long prompts, images)
    if forced is not None:
        return Detected(forced, layout)
    found = classify_record(first)
    if found is None and long_first:
        found = _format_past_long_lines(path, decoder) if layout == Layout.NDJSON else None
        found = found or classify_record(dict.fromkeys(_KEY.findall(text[:_PEEK])))
    if found is None and layout == Layout.NDJSON:
        # one foreign or odd record first must not cost the file: the first
        # line that is a record of a known format decides
        found = _first_known_format(text, decoder)
    if found is None:
        if first is None:
            reason = "does not start with a JSON record"
        else:
            reason = "is not a LiteLLM, OpenTelemetry, Bedrock or aicost record"
        return Detected(None, layout, reason + " (use --format to force one)")
    return Detected(found, layout)
