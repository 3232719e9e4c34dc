"""The malformed-input corpus: one small input per kind of real-world mess,
each mixed with known good records, and what must come out of it.

Every kind is generated here (so the repository holds no opaque blobs) by a
function returning a :class:`Kind`: the files to write, the good records that
must be stored exactly once (``(source_format, operation_id)``), the bad ones
that must be quarantined at their file and line, and the exit code.
``tests/test_corpus.py`` runs each through the real CLI; ``python -m
tests.corpus`` prints the corpus totals (inputs, good kept/expected, bad
quarantined/expected, tracebacks).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: a bad record expected in quarantine: (file relative to the input folder,
#: line or None for a whole-file entry)
Bad = tuple[str, int | None]
Good = tuple[str, str]

SONNET = "claude-sonnet-4-5-20250929"
#: claude-sonnet-4-5 list rates (USD per token), as bundled
RATE_IN = Decimal("0.000003")
RATE_OUT = Decimal("0.000015")


@dataclass
class Kind:
    name: str
    files: dict[str, bytes]
    good: list[Good]
    bad: list[Bad]
    exit_code: int
    #: CLI arguments after ``ingest requests``; None: the input folder
    args: list[str] | None = None
    #: files ingested first, in an earlier run (their records are not counted)
    before: dict[str, bytes] = field(default_factory=dict)
    #: the exact cost of the stored model calls (None: not checked)
    cost: Decimal | None = None
    #: where the command runs, relative to the input folder (None: the folder's parent)
    cwd: str | None = None
    #: good records without an id (stored under a content hash key), besides ``good``
    hashed: int = 0
    #: the ingest command: ``requests`` (good records are (source, operation_id))
    #: or ``billing`` (good records are ("charges", "<file>:<row>"), the cost is
    #: the billed cost landed)
    command: str = "requests"


# --- good records, one builder per format -------------------------------------


def aicost(op_id: str, day: int = 2, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "operation_id": op_id,
        "started_at": f"2026-07-{day:02d}T10:00:00Z",
        "kind": "chat",
        "provider": "anthropic",
        "model": SONNET,
        "usage": {"input_tokens": 100, "output_tokens": 50},
        "feature": "corpus",
    }
    record.update(fields)
    return record


def litellm(op_id: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": op_id,
        "call_type": "acompletion",
        "status": "success",
        "custom_llm_provider": "anthropic",
        "model": SONNET,
        "startTime": 1782957600,
        "endTime": 1782957601,
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "response_cost": 0.00105,
        "metadata": {
            "spend_logs_metadata": {"feature": "corpus"},
            "usage_object": {"prompt_tokens": 100, "completion_tokens": 50},
        },
    }
    record.update(fields)
    return record


def spendlog(op_id: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "request_id": op_id,
        "call_type": "acompletion",
        "spend": 0.00105,
        "startTime": "2026-07-02 10:00:00",
        "endTime": "2026-07-02 10:00:01",
        "model": SONNET,
        "custom_llm_provider": "anthropic",
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "metadata": json.dumps({"spend_logs_metadata": {"feature": "corpus"}}),
        "request_tags": "[]",
    }
    record.update(fields)
    return record


TRACE = "0af7651916cd43dd8448eb211c80319c"


def otel_span(span_id: str, trace: str = TRACE, **fields: Any) -> dict[str, Any]:
    def kv(key: str, value: Any) -> dict[str, Any]:
        if isinstance(value, int):
            return {"key": key, "value": {"intValue": str(value)}}
        return {"key": key, "value": {"stringValue": value}}

    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": SONNET,
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 50,
        "feature": "corpus",
    }
    span: dict[str, Any] = {
        "traceId": trace,
        "spanId": span_id,
        "name": f"chat {SONNET}",
        "kind": 3,
        "startTimeUnixNano": "1782986400000000000",
        "endTimeUnixNano": "1782986401000000000",
        "attributes": [kv(k, v) for k, v in attrs.items()],
        "status": {},
    }
    span.update(fields)
    return span


def traces(*spans: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "corpus"}}]
                },
                "scopeSpans": [{"scope": {"name": "corpus"}, "spans": list(spans)}],
            }
        ]
    }


def otel_id(span_id: str, trace: str = TRACE) -> Good:
    return ("otel", f"{trace}:{span_id}")


def bedrock(op_id: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-07-02T10:00:00Z",
        "accountId": "123456789012",
        "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/app/corpus"},
        "region": "us-east-1",
        "requestId": op_id,
        "operation": "Converse",
        "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "requestMetadata": {"feature": "corpus"},
        "input": {"inputTokenCount": 100},
        "output": {"outputTokenCount": 50},
    }
    record.update(fields)
    return record


def calls(n: int) -> Decimal:
    """The cost of n calls of 100 input and 50 output sonnet tokens."""
    return n * (100 * RATE_IN + 50 * RATE_OUT)


# --- encoders -----------------------------------------------------------------


def lines(*records: Any, end: str = "\n") -> bytes:
    out = []
    for record in records:
        out.append(record if isinstance(record, str) else json.dumps(record))
    return (end.join(out) + end).encode("utf-8")


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def csv_rows(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def complete_lines_of_truncated_gzip(data: bytes) -> int:
    """How many whole lines (ending in LF) a truncated gzip stream still holds,
    by zlib directly (independent of aicost's reader)."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    text = decompressor.decompress(data)
    return text.count(b"\n")


# --- the kinds ----------------------------------------------------------------

KINDS: list[Callable[[], Kind]] = []


def kind(func: Callable[[], Kind]) -> Callable[[], Kind]:
    KINDS.append(func)
    return func


def _a(*ids: str) -> list[Good]:
    return [("aicost", i) for i in ids]


def _l(*ids: str) -> list[Good]:
    return [("litellm", i) for i in ids]


@kind
def aicost_baseline() -> Kind:
    return Kind(
        "aicost_baseline",
        {"ok.jsonl": lines(aicost("a1"), aicost("a2"), aicost("a3"))},
        _a("a1", "a2", "a3"),
        [],
        0,
        cost=calls(3),
    )


def _aicost_one_bad(name: str, bad: Any) -> Kind:
    return Kind(
        name,
        {"f.jsonl": lines(aicost("g1"), bad, aicost("g2"))},
        _a("g1", "g2"),
        [("f.jsonl", 2)],
        5,
        cost=calls(2),
    )


@kind
def aicost_invalid_json_line() -> Kind:
    return _aicost_one_bad("aicost_invalid_json_line", '{"operation_id": "x", ')


@kind
def aicost_missing_operation_id() -> Kind:
    record = aicost("x")
    del record["operation_id"]
    return _aicost_one_bad("aicost_missing_operation_id", record)


@kind
def aicost_usage_is_a_string() -> Kind:
    return _aicost_one_bad("aicost_usage_is_a_string", aicost("x", usage="lots"))


@kind
def aicost_usage_is_a_list() -> Kind:
    return _aicost_one_bad("aicost_usage_is_a_list", aicost("x", usage=[100, 50]))


@kind
def aicost_kind_banana() -> Kind:
    return _aicost_one_bad("aicost_kind_banana", aicost("x", kind="banana"))


@kind
def aicost_tags_is_a_list() -> Kind:
    return _aicost_one_bad("aicost_tags_is_a_list", aicost("x", tags=["a", "b"]))


@kind
def aicost_tags_is_a_string() -> Kind:
    return _aicost_one_bad("aicost_tags_is_a_string", aicost("x", tags="env:prod"))


@kind
def aicost_negative_tokens() -> Kind:
    return _aicost_one_bad(
        "aicost_negative_tokens", aicost("x", usage={"input_tokens": -5, "output_tokens": 1})
    )


@kind
def aicost_fractional_tokens() -> Kind:
    return _aicost_one_bad(
        "aicost_fractional_tokens", aicost("x", usage={"input_tokens": 1.5, "output_tokens": 1})
    )


@kind
def aicost_tokens_as_words() -> Kind:
    return _aicost_one_bad(
        "aicost_tokens_as_words", aicost("x", usage={"input_tokens": "many", "output_tokens": 1})
    )


@kind
def aicost_bad_started_at() -> Kind:
    return _aicost_one_bad("aicost_bad_started_at", aicost("x", started_at="yesterday"))


@kind
def aicost_started_at_is_an_object() -> Kind:
    return _aicost_one_bad("aicost_started_at_is_an_object", aicost("x", started_at={"t": 1}))


@kind
def aicost_reasoning_over_output() -> Kind:
    usage = {"input_tokens": 1, "output_tokens": 5, "reasoning_tokens": 9}
    return _aicost_one_bad("aicost_reasoning_over_output", aicost("x", usage=usage))


@kind
def aicost_cost_free() -> Kind:
    return _aicost_one_bad("aicost_cost_free", aicost("x", cost="free"))


@kind
def aicost_cost_negative() -> Kind:
    return _aicost_one_bad("aicost_cost_negative", aicost("x", cost="-5"))


@kind
def aicost_cost_implausible() -> Kind:
    return _aicost_one_bad("aicost_cost_implausible", aicost("x", cost="12000000"))


@kind
def aicost_model_is_a_number() -> Kind:
    # a number where text is expected is read as its literal (ids are often
    # numbers); only objects and arrays are refused
    return Kind(
        "aicost_model_is_a_number",
        {"f.jsonl": lines(aicost("g1"), aicost("x", model=42, operation_id=7))},
        _a("g1", "7"),
        [],
        0,
    )


@kind
def aicost_feature_is_an_object() -> Kind:
    return _aicost_one_bad("aicost_feature_is_an_object", aicost("x", feature={"name": "x"}))


@kind
def aicost_not_objects() -> Kind:
    return Kind(
        "aicost_not_objects",
        {"f.jsonl": lines(aicost("g1"), "[1, 2]", '"text"', "null", "42", aicost("g2"))},
        _a("g1", "g2"),
        [("f.jsonl", 2), ("f.jsonl", 3), ("f.jsonl", 4), ("f.jsonl", 5)],
        5,
        cost=calls(2),
    )


@kind
def aicost_deep_nesting() -> Kind:
    deep = '{"operation_id": "x", "started_at": "2026-07-02T10:00:00Z", "name": ' + (
        "[" * 1500 + "]" * 1500 + "}"
    )
    return _aicost_one_bad("aicost_deep_nesting", deep)


@kind
def aicost_nul_bytes() -> Kind:
    return _aicost_one_bad("aicost_nul_bytes", '{"operation_id": "x"\u0000\u0000}')


@kind
def aicost_crlf_with_a_bad_line() -> Kind:
    data = lines(aicost("g1"), "{oops", aicost("g2"), end="\r\n")
    return Kind(
        "aicost_crlf_with_a_bad_line", {"f.jsonl": data}, _a("g1", "g2"), [("f.jsonl", 2)], 5
    )


@kind
def aicost_cr_only_line_ends() -> Kind:
    data = lines(aicost("g1"), aicost("g2"), aicost("g3"), end="\r")
    return Kind("aicost_cr_only_line_ends", {"f.jsonl": data}, _a("g1", "g2", "g3"), [], 0)


@kind
def aicost_utf8_bom() -> Kind:
    data = b"\xef\xbb\xbf" + lines(aicost("g1"), aicost("g2"))
    return Kind("aicost_utf8_bom", {"f.jsonl": data}, _a("g1", "g2"), [], 0, cost=calls(2))


@kind
def aicost_utf16() -> Kind:
    data = lines(aicost("g1"), aicost("g2")).decode("utf-8").encode("utf-16")
    return Kind("aicost_utf16", {"f.jsonl": data}, _a("g1", "g2"), [], 0, cost=calls(2))


@kind
def aicost_blank_and_whitespace_lines() -> Kind:
    data = b"\n" + lines(aicost("g1")) + b"   \n\t\n" + lines(aicost("g2")) + b"\n\n"
    return Kind(
        "aicost_blank_and_whitespace_lines", {"f.jsonl": data}, _a("g1", "g2"), [], 0, cost=calls(2)
    )


@kind
def aicost_invalid_utf8_in_a_value() -> Kind:
    good = lines(aicost("g1"))
    odd = json.dumps(aicost("g2", feature="caf_")).encode().replace(b"caf_", b"caf\xe9") + b"\n"
    return Kind("aicost_invalid_utf8_in_a_value", {"f.jsonl": good + odd}, _a("g1", "g2"), [], 0)


@kind
def aicost_no_final_newline() -> Kind:
    data = lines(aicost("g1")) + json.dumps(aicost("g2")).encode()
    return Kind("aicost_no_final_newline", {"f.jsonl": data}, _a("g1", "g2"), [], 0)


@kind
def aicost_truncated_last_line() -> Kind:
    data = lines(aicost("g1"), aicost("g2")) + json.dumps(aicost("x")).encode()[:40]
    return Kind(
        "aicost_truncated_last_line", {"f.jsonl": data}, _a("g1", "g2"), [("f.jsonl", 3)], 5
    )


@kind
def aicost_gzip() -> Kind:
    data = gz(lines(aicost("g1"), "{bad", aicost("g2")))
    return Kind("aicost_gzip", {"f.jsonl.gz": data}, _a("g1", "g2"), [("f.jsonl.gz", 2)], 5)


@kind
def aicost_truncated_gzip() -> Kind:
    records = [aicost(f"g{i}", name="x" * (i % 50)) for i in range(2000)]
    whole = gz(lines(*records))
    cut = whole[: len(whole) * 2 // 3]
    kept = complete_lines_of_truncated_gzip(cut)
    return Kind(
        "aicost_truncated_gzip",
        {"f.jsonl.gz": cut},
        _a(*(f"g{i}" for i in range(kept))),
        [("f.jsonl.gz", None)],
        5,
        cost=calls(kept),
    )


@kind
def aicost_gzip_cut_in_its_header() -> Kind:
    cut = gz(lines(aicost("x")))[:8]
    return Kind(
        "aicost_gzip_cut_in_its_header",
        {"cut.jsonl.gz": cut, "ok.jsonl": lines(aicost("g1"))},
        _a("g1"),
        [("cut.jsonl.gz", None)],
        5,
    )


@kind
def aicost_first_record_over_1mib() -> Kind:
    big = aicost("g1", name="p" * (1_500_000))
    return Kind(
        "aicost_first_record_over_1mib",
        {"f.jsonl": lines(big, aicost("g2"), "{bad")},
        _a("g1", "g2"),
        [("f.jsonl", 3)],
        5,
        cost=calls(2),
    )


@kind
def aicost_duplicate_in_one_file() -> Kind:
    return Kind(
        "aicost_duplicate_in_one_file",
        {"f.jsonl": lines(aicost("g1"), aicost("g1"), aicost("g2"))},
        _a("g1", "g2"),
        [],
        0,
        cost=calls(2),
    )


@kind
def aicost_resent_days_apart() -> Kind:
    return Kind(
        "aicost_resent_days_apart",
        {"later.jsonl": lines(aicost("g1", day=9), aicost("g2", day=9))},
        _a("g2"),
        [],
        0,
        before={"first.jsonl": lines(aicost("g1", day=2))},
    )


@kind
def aicost_resent_with_changed_content() -> Kind:
    changed = aicost("g1", usage={"input_tokens": 999, "output_tokens": 50})
    return Kind(
        "aicost_resent_with_changed_content",
        {"later.jsonl": lines(changed, aicost("g2"))},
        _a("g2"),
        [("later.jsonl", 1)],
        5,
        before={"first.jsonl": lines(aicost("g1"))},
    )


@kind
def aicost_changed_within_a_run() -> Kind:
    changed = aicost("g1", usage={"input_tokens": 999, "output_tokens": 50})
    return Kind(
        "aicost_changed_within_a_run",
        {"a.jsonl": lines(aicost("g1"), aicost("g2")), "b.jsonl": lines(aicost("g3"), changed)},
        _a("g1", "g2", "g3"),
        [("b.jsonl", 2)],
        5,
        cost=calls(3),
    )


@kind
def glob_characters_in_a_file_name() -> Kind:
    return Kind(
        "glob_characters_in_a_file_name",
        {"in/a[1].jsonl": lines(aicost("g1")), "in/a1.jsonl": lines(aicost("other"))},
        _a("g1"),
        [],
        0,
        args=["in/a[1].jsonl"],
        cwd=".",
    )


@kind
def star_in_a_file_name() -> Kind:
    return Kind(
        "star_in_a_file_name",
        {"in/star*.jsonl": lines(aicost("g1")), "in/star-2.jsonl": lines(aicost("other"))},
        _a("g1"),
        [],
        0,
        args=["in/star*.jsonl"],
        cwd=".",
    )


@kind
def glob_characters_in_a_folder_name() -> Kind:
    return Kind(
        "glob_characters_in_a_folder_name",
        {"logs[2026]/f.jsonl": lines(aicost("g1")), "logs2/f.jsonl": lines(aicost("other"))},
        _a("g1"),
        [],
        0,
        args=["logs[2026]"],
        cwd=".",
    )


@kind
def empty_string_path() -> Kind:
    return Kind(
        "empty_string_path",
        {"f.jsonl": lines(aicost("other"))},
        [],
        [],
        3,
        args=[""],
        cwd=".",
    )


@kind
def empty_file_next_to_good() -> Kind:
    return Kind(
        "empty_file_next_to_good",
        {"empty.jsonl": b"", "ok.jsonl": lines(aicost("g1"))},
        _a("g1"),
        [],
        0,
    )


@kind
def unknown_json_next_to_good() -> Kind:
    return Kind(
        "unknown_json_next_to_good",
        {"notes.json": b'{"hello": "world"}\n', "ok.jsonl": lines(aicost("g1"))},
        _a("g1"),
        [("notes.json", None)],
        5,
    )


@kind
def foreign_csv_is_not_litellm() -> Kind:
    foreign = b"date,amount,description\n2026-07-02,12.50,lunch\n2026-07-03,8.00,taxi\n"
    return Kind(
        "foreign_csv_is_not_litellm",
        {"expenses.csv": foreign, "ok.jsonl": lines(aicost("g1"))},
        _a("g1"),
        [("expenses.csv", None)],
        5,
    )


# --- LiteLLM --------------------------------------------------------------------


@kind
def litellm_ndjson_bad_line() -> Kind:
    return Kind(
        "litellm_ndjson_bad_line",
        {"f.jsonl": lines(litellm("l1"), "{bad", litellm("l2"))},
        _l("l1", "l2"),
        [("f.jsonl", 2)],
        5,
        cost=calls(2),
    )


@kind
def litellm_array_one_bad_element() -> Kind:
    records: list[Any] = [litellm(f"l{i}") for i in range(5)]
    records[2] = litellm("x", startTime="not a time")
    return Kind(
        "litellm_array_one_bad_element",
        {"batch.json": json.dumps(records).encode()},
        _l("l0", "l1", "l3", "l4"),
        [("batch.json", 3)],
        5,
        cost=calls(4),
    )


@kind
def litellm_array_element_not_an_object() -> Kind:
    records: list[Any] = [litellm("l0"), "oops", litellm("l2")]
    return Kind(
        "litellm_array_element_not_an_object",
        {"batch.json": json.dumps(records).encode()},
        _l("l0", "l2"),
        [("batch.json", 2)],
        5,
    )


@kind
def litellm_response_cost_negative() -> Kind:
    return Kind(
        "litellm_response_cost_negative",
        {"f.jsonl": lines(litellm("l1"), litellm("x", response_cost=-5), litellm("l2"))},
        _l("l1", "l2"),
        [("f.jsonl", 2)],
        5,
    )


@kind
def litellm_response_cost_free() -> Kind:
    return Kind(
        "litellm_response_cost_free",
        {"f.jsonl": lines(litellm("l1"), litellm("x", response_cost="free"), litellm("l2"))},
        _l("l1", "l2"),
        [("f.jsonl", 2)],
        5,
    )


@kind
def litellm_tokens_as_words() -> Kind:
    return Kind(
        "litellm_tokens_as_words",
        {"f.jsonl": lines(litellm("l1"), litellm("x", prompt_tokens="many"), litellm("l2"))},
        _l("l1", "l2"),
        [("f.jsonl", 2)],
        5,
    )


@kind
def litellm_metadata_is_a_list() -> Kind:
    return Kind(
        "litellm_metadata_is_a_list",
        {"f.jsonl": lines(litellm("l1"), litellm("l2", metadata=[1, 2]))},
        _l("l1", "l2"),
        [],
        0,
    )


@kind
def litellm_stray_character_in_one_of_200_files() -> Kind:
    files = {f"p/{i:03d}.json": json.dumps(litellm(f"l{i}"), indent=2).encode() for i in range(200)}
    files["p/117.json"] = files["p/117.json"] + b"x"
    return Kind(
        "litellm_stray_character_in_one_of_200_files",
        files,
        _l(*(f"l{i}" for i in range(200) if i != 117)),
        [("p/117.json", None)],
        5,
        cost=calls(199),
    )


@kind
def litellm_concatenated_documents() -> Kind:
    data = json.dumps(litellm("l1"), indent=2) + "\n" + json.dumps(litellm("l2"), indent=2)
    return Kind(
        "litellm_concatenated_documents", {"two.json": data.encode()}, _l("l1", "l2"), [], 0
    )


@kind
def litellm_id_less_records_stay_apart() -> Kind:
    first = litellm("x", prompt_tokens=10)
    second = litellm("x", prompt_tokens=20)
    for record in (first, second):
        del record["id"]
    data = lines(first, second)
    # keyed by their content: two different records are two operations
    return Kind("litellm_id_less_records_stay_apart", {"f.jsonl": data}, [], [], 0, hashed=2)


@kind
def spendlogs_csv() -> Kind:
    return Kind(
        "spendlogs_csv",
        {"spend.csv": csv_rows([spendlog("s1"), spendlog("s2"), spendlog("s3")])},
        _l("s1", "s2", "s3"),
        [],
        0,
        cost=calls(3),
    )


@kind
def spendlogs_csv_one_odd_row() -> Kind:
    data = csv_rows([spendlog(f"s{i}") for i in range(6)])
    rows = data.split(b"\n")
    rows[3] = rows[3] + b",extra|field"  # row of s2 (line 4): one field too many
    return Kind(
        "spendlogs_csv_one_odd_row",
        {"spend.csv": b"\n".join(rows)},
        _l("s0", "s1", "s3", "s4", "s5"),
        [("spend.csv", 4)],
        5,
        cost=calls(5),
    )


@kind
def spendlogs_csv_unterminated_quote_in_the_last_row() -> Kind:
    data = csv_rows([spendlog(f"s{i}") for i in range(4)])
    rows = data.rstrip(b"\n").split(b"\n")
    rows[-1] = rows[-1] + b',"unterminated'  # the row of s3 (line 5)
    return Kind(
        "spendlogs_csv_unterminated_quote_in_the_last_row",
        {"spend.csv": b"\n".join(rows) + b"\n"},
        _l("s0", "s1", "s2"),
        [("spend.csv", 5)],
        5,
        cost=calls(3),
    )


@kind
def spendlogs_csv_bad_spend() -> Kind:
    rows = [spendlog("s1"), spendlog("x", spend="free"), spendlog("s2")]
    return Kind(
        "spendlogs_csv_bad_spend",
        {"spend.csv": csv_rows(rows)},
        _l("s1", "s2"),
        [("spend.csv", 3)],
        5,
    )


@kind
def spendlogs_json_rows() -> Kind:
    rows = [spendlog("s1"), spendlog("x", startTime="whenever"), spendlog("s2")]
    return Kind(
        "spendlogs_json_rows",
        {"spend.json": json.dumps(rows).encode()},
        _l("s1", "s2"),
        [("spend.json", 2)],
        5,
    )


# --- OpenTelemetry ------------------------------------------------------------------


@kind
def otel_baseline() -> Kind:
    data = lines(traces(otel_span("00f067aa0ba902b7"), otel_span("00f067aa0ba902b8")))
    return Kind(
        "otel_baseline",
        {"t.jsonl": data},
        [otel_id("00f067aa0ba902b7"), otel_id("00f067aa0ba902b8")],
        [],
        0,
        cost=calls(2),
    )


@kind
def otel_span_without_trace_id() -> Kind:
    bad = otel_span("00f067aa0ba902b9")
    del bad["traceId"]
    data = lines(traces(otel_span("00f067aa0ba902b7"), bad), traces(otel_span("00f067aa0ba902b8")))
    return Kind(
        "otel_span_without_trace_id",
        {"t.jsonl": data},
        [otel_id("00f067aa0ba902b7"), otel_id("00f067aa0ba902b8")],
        [("t.jsonl", 1)],
        5,
    )


@kind
def otel_bad_start_time() -> Kind:
    data = lines(
        traces(otel_span("00f067aa0ba902b7")),
        traces(otel_span("00f067aa0ba902b9", startTimeUnixNano="soon")),
    )
    return Kind(
        "otel_bad_start_time",
        {"t.jsonl": data},
        [otel_id("00f067aa0ba902b7")],
        [("t.jsonl", 2)],
        5,
    )


@kind
def otel_invalid_json_line() -> Kind:
    data = lines(traces(otel_span("00f067aa0ba902b7")), '{"resourceSpans": [', "")
    return Kind(
        "otel_invalid_json_line",
        {"t.jsonl": data},
        [otel_id("00f067aa0ba902b7")],
        [("t.jsonl", 2)],
        5,
    )


@kind
def otel_resource_spans_is_an_object() -> Kind:
    data = lines(traces(otel_span("00f067aa0ba902b7")), {"resourceSpans": {"oops": 1}})
    return Kind(
        "otel_resource_spans_is_an_object",
        {"t.jsonl": data},
        [otel_id("00f067aa0ba902b7")],
        [("t.jsonl", 2)],
        5,
    )


@kind
def otel_pretty_document() -> Kind:
    data = json.dumps(traces(otel_span("00f067aa0ba902b7")), indent=2).encode()
    return Kind("otel_pretty_document", {"t.json": data}, [otel_id("00f067aa0ba902b7")], [], 0)


# --- Bedrock ----------------------------------------------------------------------

BEDROCK_DIR = "AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/07/02/10"


@kind
def bedrock_gzip_bad_line() -> Kind:
    data = gz(lines(bedrock("b1"), "{bad", bedrock("b2")))
    path = f"{BEDROCK_DIR}/f.json.gz"
    return Kind(
        "bedrock_gzip_bad_line",
        {path: data},
        [("bedrock", "b1"), ("bedrock", "b2")],
        [(path, 2)],
        5,
    )


@kind
def bedrock_negative_tokens() -> Kind:
    data = gz(lines(bedrock("b1"), bedrock("x", input={"inputTokenCount": -1}), bedrock("b2")))
    path = f"{BEDROCK_DIR}/f.json.gz"
    return Kind(
        "bedrock_negative_tokens",
        {path: data},
        [("bedrock", "b1"), ("bedrock", "b2")],
        [(path, 2)],
        5,
    )


@kind
def bedrock_bad_timestamp() -> Kind:
    data = gz(lines(bedrock("b1"), bedrock("x", timestamp="noon"), bedrock("b2")))
    path = f"{BEDROCK_DIR}/f.json.gz"
    return Kind(
        "bedrock_bad_timestamp",
        {path: data},
        [("bedrock", "b1"), ("bedrock", "b2")],
        [(path, 2)],
        5,
    )


# --- billing exports (aicost ingest billing) --------------------------------------

BILLING_HEADER = [
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
]


def legacy_cur_csv(*costs: str) -> bytes:
    """A legacy CUR CSV, one Usage line per cost (written as given)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BILLING_HEADER)
    for cost in costs:
        writer.writerow(
            ["123412340534", "2023-11-01T00:00:00Z", "Usage", "2023-11-02T00:00:00Z", "USD", cost]
        )
    return buffer.getvalue().encode("utf-8")


def cur2_parquet(month: str, *costs: str) -> bytes:
    """A CUR 2.0 parquet file (written by DuckDB), one Usage line per cost."""
    import tempfile

    import duckdb

    rows = ", ".join(
        f"('012345678901', timestamp '{month}-01', 'Usage', timestamp '{month}-02 10:00', "
        f"'USD', {float(cost)!r}::double)"
        for cost in costs
    )
    with tempfile.TemporaryDirectory(prefix="aicost-corpus-") as work:
        path = f"{work}/cur.parquet"
        con = duckdb.connect()
        con.execute(
            f"copy (select * from (values {rows}) as t(bill_payer_account_id, "
            "bill_billing_period_start_date, line_item_line_item_type, "
            "line_item_usage_start_date, line_item_currency_code, line_item_unblended_cost)) "
            f"to '{path}' (format parquet)"
        )
        con.close()
        with open(path, "rb") as handle:
            return handle.read()


def _c(name: str, *rows: int) -> list[Good]:
    return [("charges", f"{name}:{row}") for row in rows]


@kind
def billing_cur2_truncated_parquet() -> Kind:
    july = cur2_parquet("2026-07", "4.0")
    return Kind(
        "billing_cur2_truncated_parquet",
        {
            "aug.parquet": cur2_parquet("2026-08", "1.0", "2.0"),
            "july.parquet": july[: len(july) // 2],
        },
        _c("aug.parquet", 1, 2),
        [("july.parquet", None)],
        5,
        cost=Decimal(3),
        command="billing",
    )


@kind
def billing_cur_csv_bad_cost_cell() -> Kind:
    return Kind(
        "billing_cur_csv_bad_cost_cell",
        {"cur.csv": legacy_cur_csv("1.25", "1,25", "0.75")},
        _c("cur.csv", 1, 3),
        [("cur.csv", 2)],
        5,
        cost=Decimal(2),
        command="billing",
    )


@kind
def billing_json_given_as_cur2() -> Kind:
    return Kind(
        "billing_json_given_as_cur2",
        {"page.json": json.dumps({"object": "page", "data": [], "has_more": False}).encode()},
        [],
        [("page.json", None)],
        5,
        args=["--format", "cur2", "in/page.json"],
        command="billing",
    )


@kind
def billing_empty_file() -> Kind:
    return Kind(
        "billing_empty_file",
        {"empty.csv": b"", "ok.csv": legacy_cur_csv("0.5")},
        _c("ok.csv", 1),
        [("empty.csv", None)],
        5,
        cost=Decimal("0.5"),
        command="billing",
    )


@kind
def billing_truncated_gzip_csv() -> Kind:
    data = gz(legacy_cur_csv(*(f"{i}.25" for i in range(200))))
    return Kind(
        "billing_truncated_gzip_csv",
        {"cur.csv.gz": data[: len(data) // 2]},
        [],
        [("cur.csv.gz", None)],
        5,
        command="billing",
    )


def all_kinds() -> list[Kind]:
    return [make() for make in KINDS]
