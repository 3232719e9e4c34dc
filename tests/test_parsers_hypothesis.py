"""Property tests of the LiteLLM parser path (detect -> read_json / careful path
-> stg_litellm__operations -> int_operations_attributed -> priced insert).

Expected values are computed here, in Python, from the generated payloads and
the documented rules (sql/staging/stg_litellm__operations.sql header,
sql/macros/aicost_parsing.sql, the [attribution] defaults in config.py): never
by reading back through the SQL under test.

Each example gets a fresh database in its own temporary folder (hypothesis and
function-scoped fixtures don't mix)."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aicost_cli import db
from aicost_cli.config import DEFAULT_ATTRIBUTION, Config
from aicost_cli.ingest.formats import RequestFormat
from aicost_cli.ingest.requests import IngestResult, ingest_requests
from tests.conftest import sonnet_cost

# An example costs one ingest (~0.3 s): moderate counts keep the file under 20 s.
# AICOST_HYPOTHESIS_SCALE=10 runs ten times as many (a deeper search, by hand).
SCALE = int(os.environ.get("AICOST_HYPOTHESIS_SCALE", "1"))
SETTINGS = settings(
    max_examples=15 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_TOKENS = 50_000_000  # documented ceiling: more is "absurd" and quarantined
EPOCH = datetime(1970, 1, 1)
LOW = int((datetime(2001, 1, 1) - EPOCH).total_seconds() * 1_000_000)
#: effective_from of the bundled claude-sonnet-4-5 prices (aicost_cli/data/prices.csv)
SONNET_PRICED_FROM = datetime(2025, 1, 1)
HIGH = int((datetime(2098, 12, 31) - EPOCH).total_seconds() * 1_000_000)

# --- what a good record is expected to become ---------------------------------


@dataclass
class Expected:
    operation_id: str
    started_at: datetime
    input_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    output_tokens: int
    reasoning_tokens: int
    feature: str | None
    team: str | None
    user_id: str | None
    environment: str | None
    tags: dict[str, str] | None
    estimated_cost: Decimal | None = field(init=False)

    def __post_init__(self) -> None:
        if self.started_at < SONNET_PRICED_FROM:
            self.estimated_cost = None  # no price in effect: unpriced, never 0
            return
        self.estimated_cost = sonnet_cost(
            self.input_tokens,
            self.cache_read_tokens,
            self.cache_write_5m_tokens,
            self.output_tokens,
            self.cache_write_1h_tokens,
        )


COLUMNS = (
    "operation_id, started_at, input_tokens, cache_read_tokens, cache_write_5m_tokens, "
    "cache_write_1h_tokens, output_tokens, reasoning_tokens, feature, team, user_id, "
    "environment, tags, estimated_cost"
)


def resolve(keys: tuple[str, ...], maps: list[dict[str, str] | None], native: str | None) -> Any:
    """Config key priority first, then map priority; empty strings are missing."""
    for key in keys:
        for mapping in maps:
            value = (mapping or {}).get(key)
            if value:
                return value
    return native or None


def tags_map(tags: list[str] | None) -> dict[str, str] | None:
    if not tags:
        return None
    out: dict[str, str] = {}
    for tag in tags:
        key, sep, value = tag.partition(":")
        if key and key not in out:
            out[key] = value if sep else ""
    return out


# --- strategies -----------------------------------------------------------------

ATTR_KEYS = sorted({k for keys in DEFAULT_ATTRIBUTION.values() for k in keys})
# any unicode (no surrogates, which JSON cannot carry as UTF-8)
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
keys = st.one_of(st.sampled_from(ATTR_KEYS), text)
metadata_map = st.one_of(st.none(), st.dictionaries(keys, text, max_size=5))
tag = st.one_of(
    st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(ATTR_KEYS + ["team", "x"]), text),
    text,
)


def count(n: int) -> st.SearchStrategy[Any]:
    """A token count as LiteLLM writes it (int), or as SpendLogs text."""
    return st.sampled_from([n, str(n)])


@st.composite
def start_time(draw: st.DrawFn) -> tuple[Any, datetime]:
    """startTime in one of the shapes LiteLLM writes, and its UTC instant."""
    micros = draw(st.integers(LOW, HIGH))
    instant = EPOCH + timedelta(microseconds=micros)
    style = draw(st.sampled_from(["epoch", "epoch_int", "offset", "z", "naive", "naive_t"]))
    if style == "epoch":
        return micros / 1_000_000, instant
    if style == "epoch_int":
        return micros // 1_000_000, EPOCH + timedelta(seconds=micros // 1_000_000)
    if style == "naive":
        return instant.strftime("%Y-%m-%d %H:%M:%S.%f"), instant
    if style == "naive_t":
        return instant.isoformat(), instant
    if style == "z":
        return instant.isoformat() + "Z", instant
    offset = timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60)))
    local = instant.replace(tzinfo=UTC).astimezone(timezone(offset))
    return local.isoformat(), instant


@st.composite
def good_record(draw: st.DrawFn, n: int) -> tuple[dict[str, Any], Expected]:
    uncached = draw(st.integers(0, 10_000_000))
    read = draw(st.integers(0, 10_000_000))
    write = draw(st.integers(0, 10_000_000))
    write_1h = draw(st.integers(0, write))
    completion = draw(st.integers(0, MAX_TOKENS))
    # more than completion is clamped; more than MAX_TOKENS is a quarantine reason
    reasoning = draw(st.integers(0, min(completion + 1000, MAX_TOKENS)))
    writes_in_prompt = draw(st.booleans())  # some LiteLLM versions leave them out
    prompt = uncached + read + (write if writes_in_prompt else 0)
    start, instant = draw(start_time())

    usage: dict[str, Any] = {"completion_tokens": draw(count(completion))}
    details: dict[str, Any] = {}
    if draw(st.booleans()):
        usage["cache_read_input_tokens"] = draw(count(read))  # Anthropic shape
    else:
        details["cached_tokens"] = draw(count(read))  # OpenAI shape
    if draw(st.booleans()):
        usage["cache_creation_input_tokens"] = draw(count(write))
    else:
        details["cache_write_tokens"] = draw(count(write))
    if details:
        usage["prompt_tokens_details"] = details
    if write_1h or draw(st.booleans()):
        usage["cache_creation_token_details"] = {
            "ephemeral_5m_input_tokens": write - write_1h,
            "ephemeral_1h_input_tokens": draw(count(write_1h)),
        }
    usage["completion_tokens_details"] = {"reasoning_tokens": draw(count(reasoning))}
    usage["prompt_tokens"] = draw(count(prompt))

    spend_logs = draw(metadata_map)
    requester = draw(metadata_map)
    tags = draw(st.one_of(st.none(), st.lists(tag, max_size=5)))
    team_alias = draw(st.one_of(st.none(), text))
    end_user = draw(st.one_of(st.none(), text))
    record: dict[str, Any] = {
        "id": f"op-{n}-" + draw(text),
        "call_type": "acompletion",
        "status": "success",
        "custom_llm_provider": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "startTime": start,
        "metadata": {
            "user_api_key_team_alias": team_alias,
            "spend_logs_metadata": spend_logs,
            "requester_metadata": requester,
            "usage_object": usage,
        },
        "request_tags": tags,
    }
    if end_user is not None:
        record["end_user"] = end_user
    if draw(st.booleans()):  # top-level counts, as in StandardLoggingPayload
        record["prompt_tokens"] = draw(count(prompt))
        record["completion_tokens"] = draw(count(completion))
    if draw(st.booleans()):
        record["endTime"] = start

    tag_map = tags_map(tags)
    maps = [spend_logs, requester, tag_map]
    if prompt - read - write >= 0:
        input_tokens = prompt - read - write
    else:
        input_tokens = max(prompt - read, 0)
    expected = Expected(
        operation_id=record["id"],
        started_at=instant,
        input_tokens=input_tokens,
        cache_read_tokens=read,
        cache_write_5m_tokens=write - write_1h,
        cache_write_1h_tokens=write_1h,
        output_tokens=completion,
        reasoning_tokens=min(reasoning, completion),
        feature=resolve(DEFAULT_ATTRIBUTION["feature_keys"], maps, None),
        team=resolve(DEFAULT_ATTRIBUTION["team_keys"], maps, team_alias),
        user_id=resolve(DEFAULT_ATTRIBUTION["user_keys"], maps, end_user),
        environment=resolve(DEFAULT_ATTRIBUTION["environment_keys"], maps, None),
        tags=tag_map,
    )
    return record, expected


def dumps(record: Any, ascii_only: bool) -> str:
    return json.dumps(record, ensure_ascii=ascii_only)


# --- running an ingest in a fresh database ---------------------------------------


def ingest_lines(
    lines: list[str],
    forced: RequestFormat | None = None,
    name: str = "gw.jsonl",
    newline: str = "\n",
) -> tuple[IngestResult, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Write the lines (lone surrogates stand for bytes that are not UTF-8) and
    ingest them into a fresh database."""
    with tempfile.TemporaryDirectory(prefix="aicost-hyp-") as tmp:
        path = Path(tmp) / name
        content = "".join(line + newline for line in lines).encode("utf-8", "surrogateescape")
        path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
        store = Path(tmp) / "t.duckdb"
        result = ingest_requests(store, [str(path)], config=Config(), forced_format=forced)
        con = db.connect(store, read_only=True)
        try:
            ops = con.execute(
                f"select source_line, {COLUMNS} from operations order by source_line"
            ).fetchall()
            quarantined = con.execute(
                "select source_line, reason, record from quarantine order by source_line"
            ).fetchall()
        finally:
            con.close()
    return result, ops, quarantined


def as_expected(row: tuple[Any, ...]) -> Expected:
    values = list(row[1:])
    tags = values[12]
    values[12] = dict(tags) if tags is not None else None
    *fields, cost = values
    got = Expected(*fields)
    got.estimated_cost = cost
    return got


# --- round trip: canonical columns equal what the test computes ------------------


@pytest.mark.slow
@SETTINGS
@given(
    st.lists(st.integers(), min_size=1, max_size=6).flatmap(
        lambda xs: st.tuples(*[good_record(i) for i in range(len(xs))])
    ),
    st.booleans(),
    st.sampled_from(["gw.jsonl", "gw.ndjson.gz", "gw.json"]),
)
def test_good_records_become_the_expected_canonical_rows(
    records: tuple[tuple[dict[str, Any], Expected], ...], ascii_only: bool, name: str
) -> None:
    lines = [dumps(rec, ascii_only) for rec, _ in records]
    result, ops, quarantined = ingest_lines(lines, name=name)
    assert quarantined == []
    assert result.inserted == len(records) and result.quarantined == 0
    assert [row[0] for row in ops] == list(range(1, len(records) + 1))
    for row, (_, expected) in zip(ops, records, strict=True):
        assert as_expected(row) == expected


START_TIME_SHAPES: list[tuple[Any, datetime]] = [
    (1783000000, datetime(2026, 7, 2, 13, 46, 40)),
    (1783000000.123456, datetime(2026, 7, 2, 13, 46, 40, 123456)),
    (1783000000123, datetime(2026, 7, 2, 13, 46, 40, 123000)),  # milliseconds
    ("1783000000.5", datetime(2026, 7, 2, 13, 46, 40, 500000)),  # a number as text
    ("2026-07-02 13:46:40.123456", datetime(2026, 7, 2, 13, 46, 40, 123456)),  # no offset: UTC
    ("2026-07-02T15:46:40+02:00", datetime(2026, 7, 2, 13, 46, 40)),
    ("2026-07-02T08:16:40.5-05:30", datetime(2026, 7, 2, 13, 46, 40, 500000)),
    ("2026-07-02T13:46:40Z", datetime(2026, 7, 2, 13, 46, 40)),
    ("2026-07-02T00:30:00+01:00", datetime(2026, 7, 1, 23, 30)),  # the previous UTC day
]


def test_start_time_shapes() -> None:
    lines = [
        json.dumps({"id": f"t{i}", "call_type": "acompletion", "model": "gpt-4o", "startTime": s})
        for i, (s, _) in enumerate(START_TIME_SHAPES)
    ]
    _, ops, quarantined = ingest_lines(lines)
    assert quarantined == []
    assert [row[2] for row in ops] == [utc for _, utc in START_TIME_SHAPES]


# --- robustness: junk never crashes, never costs or doubles a good line ---------

# A good record with one field spoiled, and the field the reason must name.
SPOILERS: list[tuple[str, str, st.SearchStrategy[Any]]] = [
    ("prompt_tokens", "prompt_tokens", st.integers(max_value=-1)),
    ("prompt_tokens", "prompt_tokens", st.integers(min_value=MAX_TOKENS + 1)),
    ("completion_tokens", "completion_tokens", st.integers(max_value=-1)),
    ("completion_tokens", "completion_tokens", st.integers(min_value=MAX_TOKENS + 1)),
    ("completion_tokens", "completion_tokens", st.floats(0.01, 1e6).filter(lambda f: f % 1)),
    ("completion_tokens", "completion_tokens", text.filter(lambda s: not _numeric(s))),
    ("prompt_tokens", "prompt_tokens", st.dictionaries(text, st.integers(), min_size=1)),
    ("startTime", "startTime", st.sampled_from([None, "", "yesterday", "2026-13-45"])),
    ("startTime", "startTime", st.integers(-(10**12), 10**8)),  # before 2000 / negative
    ("startTime", "startTime", st.lists(st.integers(), min_size=1)),
    ("cache_read_input_tokens", "cache_read_input_tokens", st.integers(max_value=-1)),
    ("cache_creation_input_tokens", "cache_creation_input_tokens", st.just(10**30)),
    ("reasoning_tokens", "reasoning_tokens", st.integers(max_value=-1)),
]


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@st.composite
def spoiled_record(draw: st.DrawFn, n: int) -> tuple[str, str]:
    record, _ = draw(good_record(n))
    target, reason_field, values = draw(st.sampled_from(SPOILERS))
    value = draw(values)
    usage = record["metadata"]["usage_object"]
    if target in ("prompt_tokens", "completion_tokens"):
        record[target] = value  # the top-level count is the one read first
    elif target == "startTime":
        if value is None:
            del record["startTime"]
        else:
            record["startTime"] = value
    elif target == "reasoning_tokens":
        usage["completion_tokens_details"] = {"reasoning_tokens": value}
    else:
        usage[target] = value
    return json.dumps(record), reason_field


# Lines that are not a record at all.
one_line_text = text.map(lambda s: s.replace("\n", " ").replace("\r", " "))
not_json = one_line_text.filter(lambda s: s.strip() != "" and not _is_json(s))
nested = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=8,
)
not_an_object = nested.filter(lambda v: not isinstance(v, dict)).map(
    lambda v: json.dumps(v, ensure_ascii=False)
)


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


@st.composite
def good_record_with_odd_optional_fields(draw: st.DrawFn, n: int) -> tuple[str, Expected]:
    """Nested garbage where aicost tolerates it: the record must still be kept."""
    record, expected = draw(good_record(n))
    record["prompt_tokens"] = record["metadata"]["usage_object"]["prompt_tokens"]
    record["completion_tokens"] = record["metadata"]["usage_object"]["completion_tokens"]
    odd = draw(nested)
    where = draw(st.sampled_from(["model_parameters", "error_information", "hidden_params"]))
    record[where] = odd
    return json.dumps(record), expected


@st.composite
def mixed_file(draw: st.DrawFn) -> tuple[list[str], dict[int, Any], dict[int, str | None]]:
    """Lines, {line: Expected or None (kept, not compared)}, {line: reason field}."""
    lines: list[str] = []
    good: dict[int, Any] = {}
    bad: dict[int, str | None] = {}
    first, expected = draw(good_record(0))  # the first record decides the format
    lines.append(json.dumps(first))
    good[1] = expected
    kinds = draw(
        st.lists(
            st.sampled_from(
                ["good", "odd", "spoiled", "not_json", "not_object", "not_utf8", "blank"]
            ),
            max_size=10,
        )
    )
    for i, kind in enumerate(kinds, start=1):
        line_no = len(lines) + 1
        if kind == "good":
            rec, exp = draw(good_record(i))
            lines.append(json.dumps(rec, ensure_ascii=draw(st.booleans())))
            good[line_no] = exp
        elif kind == "odd":
            line, exp = draw(good_record_with_odd_optional_fields(i))
            lines.append(line)
            good[line_no] = exp
        elif kind == "spoiled":
            line, reason = draw(spoiled_record(i))
            lines.append(line)
            bad[line_no] = reason
        elif kind == "not_json":
            lines.append(draw(not_json))
            bad[line_no] = None
        elif kind == "not_object":
            lines.append(draw(not_an_object))
            bad[line_no] = None
        elif kind == "not_utf8":
            lines.append(draw(one_line_text) + "\udcff\udcc3" + draw(one_line_text))
            bad[line_no] = None
        else:
            lines.append(draw(st.sampled_from(["", " ", "\t", " \t ", "\r"])))
    return lines, good, bad


@pytest.mark.slow
@settings(SETTINGS, max_examples=25 * SCALE)
@given(
    mixed_file(),
    st.sampled_from([None, "gw.jsonl", "gw.ndjson", "gw.log"]),
    st.sampled_from(["\n", "\r\n"]),
)
@example(
    (
        [
            json.dumps({"id": "a", "call_type": "x", "model": "m", "startTime": 1783000000}),
            "{not json",
            "[1, 2]",
            '"text"',
            "",
            json.dumps({"id": "b", "call_type": "x", "model": "m", "startTime": -5}),
            json.dumps({"id": "c", "call_type": "x", "model": "m", "startTime": 1783000001}),
        ],
        {1: None, 7: None},
        {2: None, 3: None, 4: None, 6: "startTime"},
    ),
    None,
    "\r\n",
)
def test_junk_lines_are_quarantined_with_their_line_and_good_lines_kept_once(
    case: tuple[list[str], dict[int, Any], dict[int, str | None]],
    forced_name: str | None,
    newline: str,
) -> None:
    """forced_name: detect the format (None), or force --format litellm on a file of
    that name; the outcome must not differ. newline: LF or CRLF line ends."""
    lines, good, bad = case
    if forced_name is None:
        result, ops, quarantined = ingest_lines(lines, newline=newline)
    else:
        result, ops, quarantined = ingest_lines(lines, RequestFormat.LITELLM, forced_name, newline)
    assert [row[0] for row in ops] == sorted(good)  # each good line once, none lost
    assert [row[0] for row in quarantined] == sorted(bad)  # each bad line once, exact line
    assert result.inserted == len(good)
    assert result.quarantined == len(bad)
    assert result.records == len(good) + len(bad)  # blank lines are not records
    for row in ops:
        expected = good[row[0]]
        if expected is not None:
            assert as_expected(row) == expected
    for line_no, reason, raw in quarantined:
        # the raw text is kept for the user (bytes that are not UTF-8 replaced)
        assert raw == lines[line_no - 1].encode("utf-8", "surrogateescape").decode(
            "utf-8", "replace"
        )
        field_name = bad[line_no]
        if field_name is not None:
            assert reason.startswith(field_name), (reason, lines[line_no - 1])
        else:
            assert reason in ("line is not valid JSON", "record is not a JSON object")


# --- line numbers stay exact on the careful path -----------------------------------


def good_line(record_id: str) -> str:
    return json.dumps(
        {"id": record_id, "call_type": "acompletion", "model": "gpt-4o", "startTime": 1783000000}
    )


@pytest.mark.parametrize(
    ("lines", "newline", "kept", "quarantined_lines"),
    [
        # CRLF with a malformed line: DuckDB's CSV reader used to count CR as a line end
        # (`make test` only: crlf-blank below has CRLF and a malformed line too)
        pytest.param(
            [good_line("a"), good_line("b"), "{bad", good_line("c")],
            "\r\n",
            [1, 2, 4],
            [3],
            id="crlf",
            marks=pytest.mark.slow,
        ),
        # one line that is not UTF-8 used to cost the whole file
        pytest.param(
            [good_line("a"), "bad \udcff\udcfe bytes", good_line("c")],
            "\n",
            [1, 3],
            [2],
            id="not-utf8",
        ),
        # whitespace-only lines are not records, and later lines keep their numbers
        # (`make test` only: crlf-blank below has an empty line)
        pytest.param(
            [good_line("a"), " ", "\t", good_line("b")],
            "\n",
            [1, 4],
            [],
            id="whitespace-lines",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            [good_line("a"), "", good_line("b"), "{bad"],
            "\r\n",
            [1, 3],
            [4],
            id="crlf-blank",
        ),
    ],
)
def test_exact_line_numbers(
    lines: list[str], newline: str, kept: list[int], quarantined_lines: list[int]
) -> None:
    _, ops, quarantined = ingest_lines(lines, newline=newline)
    assert [row[0] for row in ops] == kept
    assert [row[0] for row in quarantined] == quarantined_lines


# --- the first line does not decide the layout and the format alone ----------------

GOOD = json.dumps(
    {"id": "kept", "call_type": "acompletion", "model": "gpt-4o", "startTime": 1783000000}
)


@pytest.mark.slow  # fast tier: test_cli_contract's foreign first record
def test_first_line_array_does_not_cost_the_file() -> None:
    _, ops, quarantined = ingest_lines(["[1, 2]", GOOD])
    assert [row[0] for row in ops] == [2]
    assert [row[0] for row in quarantined] == [1]


@pytest.mark.slow  # fast tier: test_cli_contract's foreign first record
def test_first_line_foreign_object_does_not_cost_the_file() -> None:
    _, ops, quarantined = ingest_lines(['{"foo": 1}', GOOD])
    assert [row[0] for row in ops] == [2]
    assert [row[0] for row in quarantined] == [1]


@pytest.mark.slow  # fast tier: test_ingest_litellm's big gzip file with a blank line
def test_blank_line_in_gzip_keeps_line_numbers() -> None:
    with tempfile.TemporaryDirectory(prefix="aicost-hyp-") as tmp:
        path = Path(tmp) / "gw.ndjson.gz"
        path.write_bytes(
            gzip.compress((GOOD + "\n\n" + GOOD.replace("kept", "two") + "\n").encode())
        )
        store = Path(tmp) / "t.duckdb"
        ingest_requests(store, [str(path)], config=Config())
        con = db.connect(store, read_only=True)
        try:
            lines = con.execute("select source_line from operations order by 1").fetchall()
        finally:
            con.close()
    assert lines == [(1,), (3,)]
