#!/usr/bin/env python3
"""Generate the aicost demo data: synthetic, seeded, byte-for-byte reproducible.

    python sample_data/generate.py              # rewrite the bundled data in place
    python sample_data/generate.py --out DIR    # write the same files under DIR

Three months (2026-07 .. 2026-09, UTC) of request logs for two features:

* ``support-bot``: a LiteLLM proxy in front of Anthropic claude-sonnet-4-5,
  written as LiteLLM ``StandardLoggingPayload`` records (gzip NDJSON batches,
  plus a few S3-logger single-object files that duplicate batch records).
  The "misconfigured support bot" story: $250 in July, about $6,250 in
  September after retries, conversation history and a bigger system prompt.
* ``research-agent``: an in-process agent traced with OpenTelemetry GenAI
  semantic conventions, written as OTLP/JSON file-exporter output (one
  ``TracesData`` per line, gzip JSON Lines).

plus a handful of records with no feature metadata ("unattributed") and a
small file of malformed lines under ``malformed/``. Added with the bills (their
own seeded generators, so the files above did not change):

* ``doc-summarizer``: LiteLLM records calling Claude Haiku 4.5 on Bedrock;
* ``ticket-triage``: LiteLLM records calling a self-hosted Llama on vLLM
  (no list price: its cost is a reserved GPU pool);
* ``billing/``: the AWS CUR 2.0 export and Anthropic cost reports of the
  three months, made by ``generate_billing.py`` from the logged calls (it
  writes parquet with DuckDB: run this script with the project's Python).

``expected.json`` holds the figures computed here, exactly (``decimal``),
from the token counts as generated, not by reading the files back.

Only the standard library is used, and DuckDB for the parquet files.
Everything random comes from ``random.Random`` instances seeded from
``SEED``; gzip members carry ``mtime=0`` and no file name, and DuckDB writes
with one thread, so two runs give identical bytes.
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import gzip
import hashlib
import io
import json
import math
import random
import shutil
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from generate_billing import POOL_DOWNTIME, generate_billing

SEED = 20260701
MONTHS = ((2026, 7), (2026, 8), (2026, 9))

# USD per token. Anthropic and OpenAI list prices (LiteLLM price map agrees).
PRICES: dict[str, dict[str, Decimal]] = {
    "claude-sonnet-4-5": {
        "input": Decimal("0.000003"),
        "output": Decimal("0.000015"),
        "cache_read": Decimal("0.0000003"),
        "cache_write_5m": Decimal("0.00000375"),
    },
    "gpt-4o": {
        "input": Decimal("0.0000025"),
        "output": Decimal("0.00001"),
        "cache_read": Decimal("0.00000125"),
    },
    "o4-mini": {
        "input": Decimal("0.0000011"),
        "output": Decimal("0.0000044"),
        "cache_read": Decimal("0.000000275"),
    },
    "text-embedding-3-small": {
        "input": Decimal("0.00000002"),
    },
    # Claude Haiku 4.5 on Bedrock, in-region (no inference profile): Anthropic's rates.
    "claude-haiku-4-5": {
        "input": Decimal("0.000001"),
        "output": Decimal("0.000005"),
        "cache_read": Decimal("0.0000001"),
        "cache_write_5m": Decimal("0.00000125"),
    },
}
# Self-hosted Llama behind vLLM has no list price: its cost is the GPU pool's.
UNPRICED_MODELS = ("meta-llama/llama-3.1-70b-instruct",)

FEATURES = ("support-bot", "research-agent", "doc-summarizer", "ticket-triage", "unattributed")

US = 1_000_000  # microseconds per second

DayWeight = Callable[[int, int], float]  # (day index, days in month) -> relative volume
LogRow = tuple[int, int, dict[str, Any]]  # (end µs, start µs, LiteLLM record)
ByMonth = dict[int, list[LogRow]]


def month_bounds_us(year: int, month: int) -> tuple[int, int]:
    start = calendar.timegm((year, month, 1, 0, 0, 0))
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    end = calendar.timegm((ny, nm, 1, 0, 0, 0))
    return start * US, end * US


def month_key(ts_us: int) -> str:
    d = datetime.fromtimestamp(ts_us // US, tz=UTC)
    return f"{d.year:04d}-{d.month:02d}-01"


def day_key(ts_us: int) -> str:
    return _day(ts_us // (86400 * US))


def us_from_iso(s: str) -> int:
    return int(datetime.fromisoformat(s).replace(tzinfo=UTC).timestamp()) * US


# --------------------------------------------------------------------------
# Operations: what expected.json is computed from.


@dataclass
class Op:
    """One model call as generated (exact integers, no floats)."""

    month: str
    feature: str
    unit_id: str
    model_key: str
    uncached_input: int
    cache_read: int = 0
    cache_write_5m: int = 0
    output: int = 0
    reasoning: int = 0
    failed: bool = False
    day: str = ""  # UTC day of the start time (LiteLLM calls only: the bills are daily)

    @property
    def input_tokens(self) -> int:
        return self.uncached_input + self.cache_read + self.cache_write_5m

    @property
    def priced(self) -> bool:
        return self.model_key in PRICES

    @property
    def cost(self) -> Decimal:
        """List-price cost; 0 for an unpriced model (counted apart, never as a cost)."""
        if not self.priced:
            assert self.model_key in UNPRICED_MODELS, self.model_key
            return Decimal(0)
        p = PRICES[self.model_key]
        total = self.uncached_input * p["input"]
        if self.cache_read:
            total += self.cache_read * p["cache_read"]
        if self.cache_write_5m:
            total += self.cache_write_5m * p["cache_write_5m"]
        if self.output:
            total += self.output * p["output"]
        return total


# --------------------------------------------------------------------------
# Time helpers: how many units start on each day, and at what hour.

# Relative traffic by UTC hour: a support desk serving Europe and the Americas.
# fmt: off
HOUR_WEIGHTS = (
    2, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10,
    10, 11, 12, 13, 13, 12, 10, 8, 6, 5, 4, 3,
)
# fmt: on
HOUR_CUM = [sum(HOUR_WEIGHTS[: i + 1]) for i in range(24)]


def spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def start_times(
    rng: random.Random,
    year: int,
    month: int,
    n: int,
    day_weight: DayWeight,
    last_hour: int = 21,
) -> list[int]:
    """``n`` start times in the month (µs), by daily weight and the hourly profile.

    On the month's last day nothing starts after ``last_hour``:00 so that a
    unit never crosses into the next month.
    """
    m0, m1 = month_bounds_us(year, month)
    days = (m1 - m0) // (86400 * US)
    per_day = spread(n, [day_weight(d, days) for d in range(days)])
    out: list[int] = []
    for d, count in enumerate(per_day):
        top = HOUR_CUM[last_hour] if d == days - 1 else HOUR_CUM[-1]
        for _ in range(count):
            hour = bisect.bisect_right(HOUR_CUM, rng.random() * top)
            sec = rng.randrange(3600)
            out.append(m0 + (d * 86400 + hour * 3600 + sec) * US + rng.randrange(US))
    out.sort()
    return out


def lognormal_int(rng: random.Random, mean: float, sigma: float, lo: int, hi: int) -> int:
    """A lognormal draw with the given mean, clipped to [lo, hi]."""
    mu = math.log(mean) - sigma * sigma / 2
    return max(lo, min(hi, int(round(rng.lognormvariate(mu, sigma)))))


# --------------------------------------------------------------------------
# support-bot (LiteLLM)


@dataclass(frozen=True)
class PromptVersion:
    name: str
    system_tokens: int
    cached_prefix: int  # tokens under cache_control (0 = no caching)
    history: int  # previous exchanges sent along
    max_attempts: int
    p_fail: float
    first_question_mean: float
    followup_question_mean: float
    answer_mean: float
    p_more_turns: float  # chance of another user turn after each answer


V1 = PromptVersion("v1", 3_500, 0, 0, 1, 0.01, 500, 0, 885, 0.0)
V2 = PromptVersion("v2", 3_500, 1_024, 5, 3, 0.08, 480, 160, 1_300, 0.45)
V3 = PromptVersion("v3", 6_800, 1_024, 5, 3, 0.10, 480, 160, 2_250, 0.50)
V2_FROM = us_from_iso("2026-08-12T00:00:00")
V3_FROM = us_from_iso("2026-08-26T00:00:00")
MAX_TURNS = 12
CACHE_TTL_US = 300 * US  # Anthropic "ephemeral" cache: 5 minutes, refreshed on use

SUPPORT_CONVERSATIONS = {7: 10_000, 8: 25_000, 9: 50_000}


def support_day_weight(month: int) -> DayWeight:
    if month == 7:
        return lambda d, days: 1.0
    if month == 8:  # the ramp: about 400 a day at the start, 1,250 at the end
        return lambda d, days: 400 + 850 * d / (days - 1)
    return lambda d, days: 1_500 + 340 * d / (days - 1)


@dataclass
class Call:
    start: int
    end: int
    conv: int  # index of the conversation
    turn: int
    attempt: int
    version: PromptVersion
    customer: str
    input_total: int
    output: int
    ok: bool
    cache_read: int = 0
    cache_write: int = 0
    # filled in when writing
    id: str = ""
    trace_id: str = ""


@dataclass
class Conversation:
    index: int
    month: int
    start: int
    version: PromptVersion
    customer: str
    session_id: str = ""
    calls: list[Call] = field(default_factory=list)


def customer_pool(rng: random.Random, n: int) -> tuple[list[str], list[float]]:
    ids = [f"cus_{rng.getrandbits(40):010x}" for _ in range(n)]
    # Zipf-like: a few customers talk to the bot a lot.
    cum: list[float] = []
    acc = 0.0
    for rank in range(1, n + 1):
        acc += 1.0 / rank**0.9
        cum.append(acc)
    return ids, cum


def simulate_support_bot(rng: random.Random) -> list[Conversation]:
    customers, cum = customer_pool(rng, 20_000)
    convs: list[Conversation] = []
    for year, month in MONTHS:
        starts = start_times(
            rng, year, month, SUPPORT_CONVERSATIONS[month], support_day_weight(month)
        )
        # The customer base grows with adoption: sample from the first part of the pool.
        active = {7: 5_000, 8: 11_000, 9: 20_000}[month]
        top = cum[active - 1]
        for t0 in starts:
            version = V1 if t0 < V2_FROM else V2 if t0 < V3_FROM else V3
            cust = customers[bisect.bisect_right(cum, rng.random() * top)]
            conv = Conversation(len(convs), month, t0, version, cust)
            simulate_conversation(rng, conv)
            convs.append(conv)
    return convs


def simulate_conversation(rng: random.Random, conv: Conversation) -> None:
    v = conv.version
    t = conv.start
    history: list[int] = []  # tokens of previous exchanges (question + answer)
    for turn in range(1, MAX_TURNS + 1):
        qmean = v.first_question_mean if turn == 1 else v.followup_question_mean
        question = lognormal_int(rng, qmean, 0.6, 12, 6_000)
        prior = sum(history[-v.history :]) if v.history else 0
        input_total = v.system_tokens + prior + question
        answer = lognormal_int(rng, v.answer_mean, 0.55, 40, 8_192)
        answered = False
        for attempt in range(1, v.max_attempts + 1):
            call = Call(t, 0, conv.index, turn, attempt, v, conv.customer, input_total, 0, True)
            conv.calls.append(call)
            if rng.random() < v.p_fail:
                # Timed out or dropped after the prompt was processed: input is billed.
                call.ok = False
                call.end = t + rng.randrange(4 * US, 45 * US)
                t = call.end + rng.randrange(US // 2, 4 * US)  # back-off before the retry
                continue
            # ~70 tokens/s streamed plus time to first token
            call.output = answer
            call.end = t + int((0.6 + answer / 70.0 * rng.uniform(0.8, 1.25)) * US)
            t = call.end
            answered = True
            break
        if not answered:
            return
        history.append(question + answer)
        if rng.random() >= v.p_more_turns:
            return
        t += rng.randrange(15 * US, 150 * US)  # the customer reads and types


def apply_prompt_cache(convs: list[Conversation]) -> None:
    """Anthropic 5-minute prompt cache on the cached system-prompt prefix.

    Walk all calls in start order: a call within 5 minutes of the previous use
    of the prefix reads it; otherwise it writes it (and the TTL restarts).
    Failed attempts processed their prompt too, so they take part.
    """
    calls = [c for conv in convs for c in conv.calls if c.version.cached_prefix]
    calls.sort(key=lambda c: (c.start, c.conv, c.turn, c.attempt))
    last_use: int | None = None
    for c in calls:
        prefix = c.version.cached_prefix
        if last_use is not None and c.start - last_use <= CACHE_TTL_US:
            c.cache_read = prefix
        else:
            c.cache_write = prefix
        last_use = c.start


# --------------------------------------------------------------------------
# research-agent (OpenTelemetry GenAI spans)

AGENT_TASKS = {7: 2_000, 8: 2_300, 9: 2_700}
STEP_WEIGHTS = (40, 25, 14, 9, 6, 4, 2)  # tool-using steps per task: 1..7, heavy tailed
STEP_CUM = [sum(STEP_WEIGHTS[: i + 1]) for i in range(len(STEP_WEIGHTS))]
FETCH_WEIGHTS = (40, 35, 18, 7)  # pages fetched per step: 0..3
FETCH_CUM = [sum(FETCH_WEIGHTS[: i + 1]) for i in range(len(FETCH_WEIGHTS))]

GPT4O = ("gpt-4o", "gpt-4o-2024-08-06")
O4MINI = ("o4-mini", "o4-mini-2025-04-16")
EMBED = ("text-embedding-3-small", "text-embedding-3-small")


@dataclass
class Span:
    trace: int  # task index
    key: int  # index within the task; 0 = root
    parent: int | None
    name: str
    kind: int  # 1 internal, 3 client
    start_ns: int
    end_ns: int
    attrs: list[tuple[str, object]]
    error: str | None = None
    resource: str = "research-agent"
    scope: str = "agent"


@dataclass
class Task:
    index: int
    month: int
    start: int
    task_id: str = ""
    user: str = ""
    spans: list[Span] = field(default_factory=list)
    ops: list[tuple[int, Op]] = field(default_factory=list)  # (span key, op)


def _cached_prefix(rng: random.Random, previous_input: int, hit: float) -> int:
    """OpenAI automatic prompt caching: 128-token steps of a prefix of >= 1,024 tokens."""
    if previous_input < 1_024 or rng.random() >= hit:
        return 0
    return previous_input // 128 * 128


def simulate_research_agent(rng: random.Random) -> list[Task]:
    users = [f"u_{rng.getrandbits(24):06x}" for _ in range(160)]
    ucum: list[float] = []
    acc = 0.0
    for rank in range(1, len(users) + 1):
        acc += 1.0 / rank
        ucum.append(acc)
    tasks: list[Task] = []
    for year, month in MONTHS:
        for t0 in start_times(
            rng, year, month, AGENT_TASKS[month], lambda d, days: 1.0 + 0.3 * d / days
        ):
            task = Task(len(tasks), month, t0)
            task.user = users[bisect.bisect_right(ucum, rng.random() * ucum[-1])]
            simulate_task(rng, task)
            tasks.append(task)
    return tasks


def simulate_task(rng: random.Random, task: Task) -> None:
    spans = task.spans
    t = task.start * 1000 + rng.randrange(1000)  # ns
    month = month_key(task.start)
    unit = f"task-{task.index}"  # replaced by the OTel trace id once ids are drawn

    def add(
        parent: int | None,
        name: str,
        kind: int,
        start: int,
        dur: int,
        attrs: list[tuple[str, object]],
        scope: str = "agent",
        error: str | None = None,
    ) -> int:
        key = len(spans)
        spans.append(
            Span(task.index, key, parent, name, kind, start, start + dur, attrs, error, scope=scope)
        )
        return key

    def model_call(
        op_name: str,
        models: tuple[str, str],
        start: int,
        dur: int,
        in_tok: int,
        cached: int,
        out_tok: int,
        reasoning: int = 0,
        finish: str | None = None,
        error: str | None = None,
    ) -> int:
        attrs: list[tuple[str, object]] = [
            ("gen_ai.operation.name", op_name),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", models[0]),
        ]
        if error is None:
            attrs.append(("gen_ai.response.model", models[1]))
            if finish:
                attrs.append(("gen_ai.response.finish_reasons", [finish]))
            attrs.append(("gen_ai.usage.input_tokens", in_tok))
            if op_name == "chat":
                attrs.append(("gen_ai.usage.cache_read.input_tokens", cached))
                attrs.append(("gen_ai.usage.output_tokens", out_tok))
            if reasoning:
                attrs.append(("gen_ai.usage.reasoning.output_tokens", reasoning))
        else:
            attrs.append(("error.type", error))
        attrs.append(("gen_ai.conversation.id", "<task>"))
        attrs.append(("server.address", "api.openai.com"))
        key = add(0, f"{op_name} {models[0]}", 3, start, dur, attrs, "openai", error)
        op = Op(
            month,
            "research-agent",
            unit,
            models[0],
            uncached_input=in_tok - cached,
            cache_read=cached,
            output=out_tok,
            reasoning=reasoning,
            failed=error is not None,
        )
        task.ops.append((key, op))
        return key

    def tool(name: str, start: int, dur: int) -> None:
        add(
            root,
            f"execute_tool {name}",
            1,
            start,
            dur,
            [
                ("gen_ai.operation.name", "execute_tool"),
                ("gen_ai.tool.name", name),
                ("gen_ai.tool.type", "function"),
            ],
        )

    root = add(
        None,
        "invoke_agent research-agent",
        1,
        t,
        0,
        [
            ("gen_ai.operation.name", "invoke_agent"),
            ("gen_ai.agent.name", "research-agent"),
            ("gen_ai.conversation.id", "<task>"),
            ("user.id", task.user),
            ("feature", "research-agent"),
            ("team", "platform-ai"),
        ],
    )
    t += rng.randrange(5, 40) * 1_000_000  # ms of set-up

    # 1. planning call: o4-mini with reasoning
    brief = lognormal_int(rng, 350, 0.7, 40, 6_000)
    plan_in = 1_650 + brief
    plan_cached = 1_536 if rng.random() < 0.6 else 0
    reasoning = lognormal_int(rng, 1_400, 0.8, 64, 25_000)
    plan_visible = lognormal_int(rng, 260, 0.4, 40, 2_000)
    dur = int((1.0 + (reasoning + plan_visible) / 110.0) * 1e9)
    model_call(
        "chat",
        O4MINI,
        t,
        dur,
        plan_in,
        plan_cached,
        reasoning + plan_visible,
        reasoning=reasoning,
        finish="stop",
    )
    t += dur + rng.randrange(2, 30) * 1_000_000

    # 2. tool-using steps, each closed by a gpt-4o call that reads the results
    steps = bisect.bisect_right(STEP_CUM, rng.random() * STEP_CUM[-1]) + 1
    context = 2_240 + brief + plan_visible  # system + tool schemas + brief + plan
    prev_input = 2_240  # the shared system/tool prefix is often cached already
    for _step in range(steps):
        dur = rng.randrange(700, 3_500) * 1_000_000
        tool("web_search", t, dur)
        t += dur
        context += lognormal_int(rng, 650, 0.3, 100, 3_000)
        pages = bisect.bisect_right(FETCH_CUM, rng.random() * FETCH_CUM[-1])
        page_tokens = 0
        for _ in range(pages):
            dur = int(rng.lognormvariate(math.log(1.2), 0.6) * 1e9)
            tool("fetch_page", t, dur)
            t += dur
            page_tokens += lognormal_int(rng, 1_700, 0.5, 200, 12_000)
        if pages:
            dur = rng.randrange(150, 900) * 1_000_000
            model_call("embeddings", EMBED, t, dur, page_tokens, 0, 0)
            t += dur
            context += page_tokens * 2 // 3  # the relevant chunks go into the prompt
        if rng.random() < 0.35:
            dur = rng.randrange(60, 400) * 1_000_000
            add(
                root,
                "retrieval research-notes",
                3,
                t,
                dur,
                [
                    ("gen_ai.operation.name", "retrieval"),
                    ("gen_ai.data_source.id", "research-notes"),
                ],
            )
            t += dur
            context += lognormal_int(rng, 800, 0.4, 100, 4_000)
        # gpt-4o reads the results and decides what next (sometimes times out, then retried)
        if rng.random() < 0.02:
            dur = 30 * 1_000_000_000 + rng.randrange(10**9)
            model_call("chat", GPT4O, t, dur, 0, 0, 0, error="timeout")
            t += dur + rng.randrange(200, 2_000) * 1_000_000
        out = lognormal_int(rng, 190, 0.5, 20, 1_500)
        cached = _cached_prefix(rng, prev_input, 0.85)
        dur = int((0.5 + context / 20_000 + out / 90.0) * 1e9)
        model_call("chat", GPT4O, t, dur, context, cached, out, finish="tool_calls")
        t += dur + rng.randrange(2, 20) * 1_000_000
        prev_input = context
        context += out

    # 3. the final report
    out = lognormal_int(rng, 1_500, 0.55, 200, 8_000)
    cached = _cached_prefix(rng, prev_input, 0.85)
    dur = int((0.8 + context / 20_000 + out / 90.0) * 1e9)
    model_call("chat", GPT4O, t, dur, context, cached, out, finish="stop")
    t += dur + rng.randrange(5, 60) * 1_000_000
    spans[root].end_ns = t


# --------------------------------------------------------------------------
# unattributed traffic: no feature metadata anywhere

UNATTRIBUTED_LITELLM = {7: 3, 8: 4, 9: 5}
UNATTRIBUTED_OTEL = {7: 2, 8: 2, 9: 2}


@dataclass
class Stray:
    start: int
    end: int
    input_total: int
    output: int
    key_alias: str
    team_alias: str | None
    cached: int = 0


def simulate_strays(rng: random.Random) -> tuple[list[Stray], list[Stray]]:
    litellm: list[Stray] = []
    otel: list[Stray] = []
    for year, month in MONTHS:
        for t0 in start_times(rng, year, month, UNATTRIBUTED_LITELLM[month], lambda d, n: 1.0):
            alias, team = rng.choice(
                [("dana-notebook", "data-science"), ("ci-smoke-test", None), ("sam-laptop", None)]
            )
            out = rng.randrange(40, 900)
            litellm.append(
                Stray(
                    t0, t0 + int((0.6 + out / 70) * US), rng.randrange(200, 3_000), out, alias, team
                )
            )
        for t0 in start_times(rng, year, month, UNATTRIBUTED_OTEL[month], lambda d, n: 1.0):
            out = rng.randrange(50, 700)
            inp = rng.randrange(500, 5_000)
            otel.append(
                Stray(
                    t0,
                    t0 + int((0.5 + out / 90) * US),
                    inp,
                    out,
                    "ops-notebook",
                    None,
                    cached=inp // 128 * 128 if inp >= 1_024 else 0,
                )
            )
    return litellm, otel


# --------------------------------------------------------------------------
# identifiers


class Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, nbytes: int) -> str:
        return f"{self.rng.getrandbits(8 * nbytes):0{2 * nbytes}x}"

    _B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    def anthropic_msg(self) -> str:
        n = self.rng.getrandbits(131)
        chars = []
        for _ in range(22):
            n, r = divmod(n, 62)
            chars.append(self._B62[r])
        return "msg_01" + "".join(chars)


# --------------------------------------------------------------------------
# LiteLLM StandardLoggingPayload records

SONNET = "claude-sonnet-4-5-20250929"
SUPPORT_KEY_HASH = hashlib.sha256(b"aicost-demo:sk-support-bot-prod").hexdigest()
SUPPORT_TEAM_ID = "8f1d6a52-3c0e-4b7e-9a51-2f6c0d9e4b17"
SONNET_DEPLOYMENT = hashlib.sha256(b"aicost-demo:anthropic/claude-sonnet-4-5").hexdigest()
FAILURE_ERROR = {
    "error_code": "500",
    "error_class": "APIConnectionError",
    "llm_provider": "anthropic",
    "error_message": "AnthropicException - upstream connection reset while streaming",
}


def fmt_time(ts_us: int, style: str) -> float | str:
    """LiteLLM writes epoch seconds (float) or a naive "YYYY-MM-DD HH:MM:SS.ffffff"."""
    if style == "epoch":
        return ts_us / US
    days, us = divmod(ts_us, 86400 * US)
    secs, frac = divmod(us, US)
    hh, rest = divmod(secs, 3600)
    return f"{_day(days)} {hh:02d}:{rest // 60:02d}:{rest % 60:02d}.{frac:06d}"


_DAYS: dict[int, str] = {}


def _day(days_since_epoch: int) -> str:
    if days_since_epoch not in _DAYS:
        d = datetime.fromtimestamp(days_since_epoch * 86400, tz=UTC)
        _DAYS[days_since_epoch] = f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    return _DAYS[days_since_epoch]


def usage_object(prompt: int, completion: int, read: int, write: int) -> dict[str, object]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {
            "cached_tokens": read,
            "cache_creation_tokens": write,
            "cache_creation_token_details": {
                "ephemeral_5m_input_tokens": write,
                "ephemeral_1h_input_tokens": 0,
            },
        },
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
    }


def litellm_record(
    *,
    request_id: str,
    trace_id: str,
    session_id: str | None,
    ok: bool,
    model_group: str,
    prompt: int,
    completion: int,
    read: int,
    write: int,
    cost: Decimal,
    tags: list[str],
    end_user: str,
    key_alias: str,
    key_hash: str,
    team_id: str | None,
    team_alias: str | None,
    spend_logs_metadata: dict[str, str] | None,
    provider: str = "anthropic",
    model: str = SONNET,
    model_id: str = SONNET_DEPLOYMENT,
    api_base: str = "https://api.anthropic.com/v1/messages",
    stream: bool = True,
) -> dict[str, object]:
    rec: dict[str, object] = {"id": request_id, "trace_id": trace_id}
    if session_id is not None:
        rec["session_id"] = session_id
    rec.update(
        {
            "call_type": "acompletion",
            "stream": stream,
            "status": "success" if ok else "failure",
            "custom_llm_provider": provider,
            "model": model,
            "model_group": model_group,
            "model_id": model_id,
            "api_base": api_base,
            "startTime": None,  # set by the writer, in that file's time style
            "endTime": None,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "response_cost": float(cost),
            "cache_hit": None,
            "request_tags": tags,
            "end_user": end_user,
            "metadata": {
                "user_api_key_hash": key_hash,
                "user_api_key_alias": key_alias,
                "user_api_key_team_id": team_id,
                "user_api_key_team_alias": team_alias,
                "spend_logs_metadata": spend_logs_metadata,
                "usage_object": usage_object(prompt, completion, read, write),
            },
        }
    )
    if not ok:
        rec["error_str"] = "litellm.APIConnectionError: " + FAILURE_ERROR["error_message"]
        rec["error_information"] = dict(FAILURE_ERROR)
    return rec


def support_records(convs: list[Conversation], ids: Ids, ops: list[Op]) -> ByMonth:
    """LiteLLM records per month as (end, start, record); appends the Ops."""
    by_month: ByMonth = defaultdict(list)
    for conv in convs:
        # July: an older LiteLLM without session_id, and an app that sends no
        # ids; LiteLLM's generated trace id is the conversation. From August the
        # app passes its conversation id as the session id and one trace id per
        # user turn (shared by that turn's retries).
        if conv.month == 7:
            conv.session_id = ids.uuid4()
        else:
            conv.session_id = f"conv_{conv.index + 1:07d}"
        for c in conv.calls:
            c.trace_id = conv.session_id if conv.month == 7 else f"{conv.session_id}-turn-{c.turn}"
            c.id = ids.anthropic_msg() if c.ok else ids.uuid4()
            op = Op(
                month_key(c.start),
                "support-bot",
                conv.session_id,
                "claude-sonnet-4-5",
                uncached_input=c.input_total - c.cache_read - c.cache_write,
                cache_read=c.cache_read,
                cache_write_5m=c.cache_write,
                output=c.output,
                failed=not c.ok,
                day=day_key(c.start),
            )
            ops.append(op)
            rec = litellm_record(
                request_id=c.id,
                trace_id=c.trace_id,
                session_id=None if conv.month == 7 else conv.session_id,
                ok=c.ok,
                model_group="support-bot-model",
                prompt=c.input_total,
                completion=c.output,
                read=c.cache_read,
                write=c.cache_write,
                cost=op.cost,
                tags=["feature:support-bot", "env:prod"],
                end_user=c.customer,
                key_alias="support-bot-prod",
                key_hash=SUPPORT_KEY_HASH,
                team_id=SUPPORT_TEAM_ID,
                team_alias="support-eng",
                spend_logs_metadata={"feature": "support-bot", "prompt_version": c.version.name},
            )
            by_month[conv.month].append((c.end, c.start, rec))
    return by_month


def stray_litellm_records(strays: list[Stray], ids: Ids, ops: list[Op], by_month: ByMonth) -> None:
    for s in strays:
        trace = ids.uuid4()
        rid = ids.anthropic_msg()
        month = int(month_key(s.start)[5:7])
        op = Op(
            month_key(s.start),
            "unattributed",
            trace,
            "claude-sonnet-4-5",
            uncached_input=s.input_total,
            output=s.output,
            day=day_key(s.start),
        )
        ops.append(op)
        rec = litellm_record(
            request_id=rid,
            trace_id=trace,
            session_id=None if month == 7 else trace,
            ok=True,
            model_group="claude-sonnet-4-5",
            prompt=s.input_total,
            completion=s.output,
            read=0,
            write=0,
            cost=op.cost,
            tags=[],
            end_user="",
            key_alias=s.key_alias,
            key_hash=hashlib.sha256(f"aicost-demo:{s.key_alias}".encode()).hexdigest(),
            team_id=None,
            team_alias=s.team_alias,
            spend_logs_metadata=None,
        )
        by_month[month].append((s.end, s.start, rec))


# --------------------------------------------------------------------------
# doc-summarizer (LiteLLM -> Bedrock Claude Haiku 4.5) and ticket-triage
# (LiteLLM -> a self-hosted Llama behind vLLM, on the reserved GPU pool).
# New seeded generators (SEED + 4, + 5, + 6): the files above do not change.

HAIKU_BEDROCK = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_DEPLOYMENT = hashlib.sha256(b"aicost-demo:bedrock/" + HAIKU_BEDROCK.encode()).hexdigest()
LLAMA = "meta-llama/Llama-3.1-70B-Instruct"
LLAMA_KEY = "meta-llama/llama-3.1-70b-instruct"  # what aicost derives from LLAMA
LLAMA_DEPLOYMENT = hashlib.sha256(b"aicost-demo:hosted_vllm/" + LLAMA.encode()).hexdigest()

DOC_CALLS = {7: 7_000, 8: 11_000, 9: 16_500}  # about 225, 355 and 550 a day
DOC_CACHED_PREFIX = 4_352  # instructions + examples under cache_control (Haiku 4.5 minimum: 4,096)
DOC_WRAPPER = 180  # per-request framing around the document
TRIAGE_CALLS = {7: 40_000, 8: 50_000, 9: 60_000}  # about 1,300, 1,600 and 2,000 a day
TRIAGE_INSTRUCTIONS = 1_400  # the label taxonomy and instructions
TRIAGE_BACKLOG_US = 20 * 60 * US  # after an outage the queued tickets drain in 20 minutes


@dataclass
class Request:
    """One call of doc-summarizer or ticket-triage (one request, no retries)."""

    start: int
    end: int
    input_total: int
    output: int
    cache_read: int = 0
    cache_write: int = 0


def weekday_weight(year: int, month: int, weekend: float, growth: float) -> DayWeight:
    """Weekend days weigh ``weekend``; volume grows by ``growth`` over the month."""

    def weight(d: int, days: int) -> float:
        base = weekend if calendar.weekday(year, month, d + 1) >= 5 else 1.0
        return base * (1.0 + growth * d / days)

    return weight


def simulate_doc_summarizer(rng: random.Random) -> list[Request]:
    calls: list[Request] = []
    for year, month in MONTHS:
        starts = start_times(
            rng, year, month, DOC_CALLS[month], weekday_weight(year, month, 0.35, 0.2)
        )
        for t0 in starts:
            document = lognormal_int(rng, 9_000, 0.8, 300, 150_000)
            summary = lognormal_int(rng, 550, 0.5, 60, 4_000)
            dur = 0.7 + document / 40_000 + summary / 140 * rng.uniform(0.85, 1.2)
            calls.append(
                Request(
                    t0,
                    t0 + int(dur * US),
                    DOC_CACHED_PREFIX + DOC_WRAPPER + document,
                    summary,
                )
            )
    # One Bedrock prompt cache (5-minute TTL, refreshed on use) on the prefix.
    last_use: int | None = None
    for c in calls:
        if last_use is not None and c.start - last_use <= CACHE_TTL_US:
            c.cache_read = DOC_CACHED_PREFIX
        else:
            c.cache_write = DOC_CACHED_PREFIX
        last_use = c.start
    return calls


def pool_down(ts_us: int) -> tuple[int, int] | None:
    """The outage window of the GPU pool holding ``ts_us``, if any."""
    for begin, hours in POOL_DOWNTIME:
        lo = us_from_iso(begin)
        if lo <= ts_us < lo + hours * 3600 * US:
            return lo, lo + hours * 3600 * US
    return None


def simulate_ticket_triage(rng: random.Random) -> list[Request]:
    calls: list[Request] = []
    for year, month in MONTHS:
        starts = start_times(
            rng, year, month, TRIAGE_CALLS[month], weekday_weight(year, month, 0.45, 0.15)
        )
        moved: list[int] = []
        for t0 in starts:
            window = pool_down(t0)
            # tickets that arrive while the pool is down wait in the queue
            moved.append(t0 if window is None else window[1] + rng.randrange(TRIAGE_BACKLOG_US))
        for t0 in sorted(moved):
            thread = lognormal_int(rng, 13_000, 0.8, 200, 110_000)
            snippets = sum(
                lognormal_int(rng, 1_000, 0.4, 150, 4_000) for _ in range(rng.randrange(7))
            )
            labels = lognormal_int(rng, 220, 0.35, 40, 1_200)
            input_total = TRIAGE_INSTRUCTIONS + thread + snippets
            dur = 0.3 + input_total / 15_000 + labels / 35 * rng.uniform(0.85, 1.3)
            calls.append(Request(t0, t0 + int(dur * US), input_total, labels))
    return calls


def request_records(feature: str, calls: list[Request], ids: Ids, ops: list[Op]) -> ByMonth:
    """LiteLLM records of doc-summarizer or ticket-triage; appends the Ops."""
    by_month: ByMonth = defaultdict(list)
    bedrock = feature == "doc-summarizer"
    key_alias = f"{feature}-prod"
    team_alias = "platform" if bedrock else "support-eng"
    for c in calls:
        month = int(month_key(c.start)[5:7])
        trace = ids.uuid4()
        rid = "chatcmpl-" + (ids.uuid4() if bedrock else ids.hex(16))
        op = Op(
            month_key(c.start),
            feature,
            rid,
            "claude-haiku-4-5" if bedrock else LLAMA_KEY,
            uncached_input=c.input_total - c.cache_read - c.cache_write,
            cache_read=c.cache_read,
            cache_write_5m=c.cache_write,
            output=c.output,
            day=day_key(c.start),
        )
        ops.append(op)
        rec = litellm_record(
            request_id=rid,
            trace_id=trace,
            session_id=None if month == 7 else trace,
            ok=True,
            model_group=f"{feature}-model",
            prompt=c.input_total,
            completion=c.output,
            read=c.cache_read,
            write=c.cache_write,
            cost=op.cost,
            tags=[f"feature:{feature}", "env:prod"],
            end_user="",
            key_alias=key_alias,
            key_hash=hashlib.sha256(f"aicost-demo:sk-{key_alias}".encode()).hexdigest(),
            team_id=TEAM_IDS[team_alias],
            team_alias=team_alias,
            spend_logs_metadata={"feature": feature},
            provider="bedrock" if bedrock else "hosted_vllm",
            model=HAIKU_BEDROCK if bedrock else LLAMA,
            model_id=HAIKU_DEPLOYMENT if bedrock else LLAMA_DEPLOYMENT,
            api_base=(
                "https://bedrock-runtime.us-east-1.amazonaws.com"
                if bedrock
                else "http://vllm-llama.internal:8000/v1"
            ),
            stream=False,
        )
        if not bedrock:
            # LiteLLM has no price for a self-hosted model: cost 0.0 and why
            rec["response_cost_failure_debug_info"] = {
                "error_str": f"This model isn't mapped yet. model={LLAMA}, "
                "custom_llm_provider=hosted_vllm",
                "model": LLAMA,
                "custom_llm_provider": "hosted_vllm",
            }
        by_month[month].append((c.end, c.start, rec))
    return by_month


TEAM_IDS = {
    "support-eng": SUPPORT_TEAM_ID,
    "platform": "3b9e0c71-5d2a-4f86-b1c4-7a0e9d3f5c28",
}


# --------------------------------------------------------------------------
# OTLP/JSON


def any_value(v: object, lenient: bool) -> dict[str, object]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": v if lenient else str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [any_value(x, lenient) for x in v]}}
    return {"stringValue": str(v)}


def kv(attrs: Sequence[tuple[str, object]], lenient: bool) -> list[dict[str, object]]:
    return [{"key": k, "value": any_value(v, lenient)} for k, v in attrs]


KIND_NAMES = {1: "SPAN_KIND_INTERNAL", 3: "SPAN_KIND_CLIENT"}
RESOURCES = {
    "research-agent": [
        ("service.name", "research-agent"),
        ("service.version", "1.8.2"),
        ("deployment.environment.name", "prod"),
        ("telemetry.sdk.language", "python"),
        ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.sdk.version", "1.39.0"),
    ],
    # a notebook where nobody configured OTel: the SDK's default service name,
    # which aicost does not take as a feature (so these spans stay unattributed)
    "ops-notebook": [
        ("service.name", "unknown_service:python"),
        ("deployment.environment.name", "dev"),
        ("telemetry.sdk.language", "python"),
        ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.sdk.version", "1.39.0"),
    ],
}
SCOPES = {
    "agent": {"name": "research_agent", "version": "1.8.2"},
    "openai": {"name": "opentelemetry.instrumentation.openai_v2", "version": "2.2b0"},
}
SEMCONV_SCHEMA = "https://opentelemetry.io/schemas/1.37.0"


def otlp_span(
    s: Span, trace_hex: str, span_hex: dict[int, str], conv_id: str, lenient: bool
) -> dict[str, object]:
    attrs = [(k, conv_id if v == "<task>" else v) for k, v in s.attrs]
    out: dict[str, object] = {
        "traceId": trace_hex,
        "spanId": span_hex[s.key],
    }
    if s.parent is not None:
        out["parentSpanId"] = span_hex[s.parent]
    out["name"] = s.name
    out["kind"] = KIND_NAMES[s.kind] if lenient else s.kind
    # The SDK clock here ticks in microseconds.
    out["startTimeUnixNano"] = str(s.start_ns - s.start_ns % 1000)
    out["endTimeUnixNano"] = str(s.end_ns - s.end_ns % 1000)
    out["attributes"] = kv(attrs, lenient)
    out["status"] = {"code": 2, "message": "Request timed out."} if s.error else {}
    return out


def otlp_line(spans: list[tuple[Span, dict[str, object]]], lenient: bool) -> str:
    """One TracesData object: spans grouped by resource, then instrumentation scope."""
    groups: dict[str, dict[str, list[dict[str, object]]]] = {}
    for s, js in spans:
        groups.setdefault(s.resource, {}).setdefault(s.scope, []).append(js)
    resource_spans = []
    for res, scopes in groups.items():
        resource_spans.append(
            {
                "resource": {"attributes": kv(RESOURCES[res], lenient)},
                "scopeSpans": [
                    {"scope": SCOPES[scope], "spans": items, "schemaUrl": SEMCONV_SCHEMA}
                    for scope, items in scopes.items()
                ],
                "schemaUrl": SEMCONV_SCHEMA,
            }
        )
    return json.dumps({"resourceSpans": resource_spans}, separators=(",", ":"))


# --------------------------------------------------------------------------
# writing


def gzip_bytes(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def dump_line(rec: dict[str, object]) -> str:
    return json.dumps(rec, separators=(",", ":"))


LITELLM_BATCH = 10_000
OTEL_FILES_PER_MONTH = 3
OTEL_BATCH_SPANS = 200
LENIENT_OTEL_FILE = ("2026-08", 2)  # this file spells kind and intValue like some real exporters do
S3_DUPLICATE_DAYS = ("2026-07-14", "2026-07-15")
S3_DUPLICATES_PER_DAY = 10


def write_litellm(out: Path, by_month: ByMonth) -> dict[str, object]:
    info: dict[str, object] = {}
    for year, month in MONTHS:
        rows = sorted(by_month[month], key=lambda r: (r[0], r[1], r[2]["id"]))
        folder = out / "litellm" / f"{year:04d}-{month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        n_files = 0
        for b in range(0, len(rows), LITELLM_BATCH):
            n = b // LITELLM_BATCH + 1
            # July: datetime strings; August: epoch floats; September: alternating.
            style = {7: "string", 8: "epoch"}.get(month, "epoch" if n % 2 else "string")
            lines = []
            for end, start, rec in rows[b : b + LITELLM_BATCH]:
                rec["startTime"] = fmt_time(start, style)
                rec["endTime"] = fmt_time(end, style)
                lines.append(dump_line(rec))
            (folder / f"batch-{n:04d}.ndjson.gz").write_bytes(gzip_bytes("\n".join(lines) + "\n"))
            n_files += 1
        info[f"{year:04d}-{month:02d}"] = {"records": len(rows), "files": n_files}
    # S3 logger copies of a few July records (one JSON object per object key).
    dup = 0
    for day in S3_DUPLICATE_DAYS:
        d0 = us_from_iso(day + "T00:00:00")
        day_rows = [
            r
            for r in sorted(by_month[7], key=lambda r: (r[0], r[1], r[2]["id"]))
            if d0 <= r[0] < d0 + 86400 * US
        ]
        step = len(day_rows) // S3_DUPLICATES_PER_DAY
        for end, start, rec in day_rows[step // 2 :: step][:S3_DUPLICATES_PER_DAY]:
            rec = dict(rec)
            rec["startTime"] = fmt_time(start, "epoch")
            rec["endTime"] = fmt_time(end, "epoch")
            t = datetime.fromtimestamp(end // US, tz=UTC)
            name = f"time-{t:%H-%M-%S}-{end % US:06d}_{rec['id']}.json"
            folder = out / "litellm" / "s3" / day
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(json.dumps(rec) + "\n", encoding="utf-8")
            dup += 1
    info["s3_duplicate_files"] = dup
    return info


def write_litellm_feature(out: Path, feature: str, by_month: ByMonth) -> dict[str, object]:
    """A feature's records in their own batch files, ``litellm/<month>/<feature>-000N``,
    in the time style of that month's batches."""
    info: dict[str, object] = {}
    for year, month in MONTHS:
        rows = sorted(by_month[month], key=lambda r: (r[0], r[1], r[2]["id"]))
        folder = out / "litellm" / f"{year:04d}-{month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        n_files = 0
        for b in range(0, len(rows), LITELLM_BATCH):
            n = b // LITELLM_BATCH + 1
            style = {7: "string", 8: "epoch"}.get(month, "epoch" if n % 2 else "string")
            lines = []
            for end, start, rec in rows[b : b + LITELLM_BATCH]:
                rec["startTime"] = fmt_time(start, style)
                rec["endTime"] = fmt_time(end, style)
                lines.append(dump_line(rec))
            name = f"{feature}-{n:04d}.ndjson.gz"
            (folder / name).write_bytes(gzip_bytes("\n".join(lines) + "\n"))
            n_files += 1
        info[f"{year:04d}-{month:02d}"] = {"records": len(rows), "files": n_files}
    return info


def write_otel(
    out: Path, tasks: list[Task], strays: list[Stray], ids: Ids, ops: list[Op]
) -> dict[str, object]:
    info: dict[str, object] = {}
    # ids, in task order
    for task in tasks:
        task.task_id = "rt_" + ids.hex(8)
    trace_hex = {task.index: ids.hex(16) for task in tasks}
    span_hex = {task.index: {s.key: ids.hex(8) for s in task.spans} for task in tasks}
    for task in tasks:
        for _key, op in task.ops:
            op.unit_id = trace_hex[task.index]
            ops.append(op)
    stray_spans: dict[int, list[tuple[Span, str, dict[int, str]]]] = defaultdict(list)
    for stray in strays:
        th, sh = ids.hex(16), ids.hex(8)
        span = Span(
            -1,
            0,
            None,
            "chat gpt-4o",
            3,
            stray.start * 1000,
            stray.end * 1000,
            [
                ("gen_ai.operation.name", "chat"),
                ("gen_ai.provider.name", "openai"),
                ("gen_ai.request.model", GPT4O[0]),
                ("gen_ai.response.model", GPT4O[1]),
                ("gen_ai.usage.input_tokens", stray.input_total),
                ("gen_ai.usage.cache_read.input_tokens", stray.cached),
                ("gen_ai.usage.output_tokens", stray.output),
                ("server.address", "api.openai.com"),
            ],
            resource="ops-notebook",
            scope="openai",
        )
        stray_spans[int(month_key(stray.start)[5:7])].append((span, th, {0: sh}))
        ops.append(
            Op(
                month_key(stray.start),
                "unattributed",
                th,
                "gpt-4o",
                uncached_input=stray.input_total - stray.cached,
                cache_read=stray.cached,
                output=stray.output,
            )
        )
    for year, month in MONTHS:
        label = f"{year:04d}-{month:02d}"
        m_tasks = [t for t in tasks if t.month == month]
        chunks = spread(len(m_tasks), [1.0] * OTEL_FILES_PER_MONTH)
        folder = out / "otel" / label
        folder.mkdir(parents=True, exist_ok=True)
        pos = 0
        n_spans = 0
        for n, size in enumerate(chunks, start=1):
            lenient = (label, n) == LENIENT_OTEL_FILE
            part = m_tasks[pos : pos + size]
            pos += size
            items: list[tuple[int, int, Span, dict[str, object]]] = []
            for task in part:
                for s in task.spans:
                    js = otlp_span(
                        s, trace_hex[task.index], span_hex[task.index], task.task_id, lenient
                    )
                    items.append((s.end_ns, len(items), s, js))
            # Unattributed spans go to the file whose stretch of the month holds them.
            lo = part[0].start if n > 1 else -1
            hi = m_tasks[pos].start if pos < len(m_tasks) else 1 << 62
            for sspan, s_trace, s_span_ids in stray_spans[month]:
                if lo <= sspan.start_ns // 1000 < hi:
                    js = otlp_span(sspan, s_trace, s_span_ids, "", lenient)
                    items.append((sspan.end_ns, len(items), sspan, js))
            # The batch span processor exports spans as they end.
            items.sort(key=lambda it: (it[0], it[1]))
            lines = [
                otlp_line([(s, js) for _, _, s, js in items[b : b + OTEL_BATCH_SPANS]], lenient)
                for b in range(0, len(items), OTEL_BATCH_SPANS)
            ]
            n_spans += len(items)
            (folder / f"traces-{n:04d}.jsonl.gz").write_bytes(gzip_bytes("\n".join(lines) + "\n"))
        info[label] = {"spans": n_spans, "files": len(chunks)}
    return info


def write_malformed(out: Path, by_month: ByMonth, ids: Ids) -> dict[str, object]:
    """Ten NDJSON lines: eight copies of September records, two bad lines."""
    rows = sorted(by_month[9], key=lambda r: (r[0], r[1], r[2]["id"]))
    d0 = us_from_iso("2026-09-17T00:00:00")
    day = [r for r in rows if d0 <= r[0] < d0 + 86400 * US and r[2]["status"] == "success"]
    picks = day[len(day) // 3 : len(day) // 3 + 9]
    lines = []
    for end, start, rec in picks[:8]:
        rec = dict(rec)
        rec["startTime"] = fmt_time(start, "epoch")
        rec["endTime"] = fmt_time(end, "epoch")
        lines.append(dump_line(rec))
    # line 4: cut off mid-record (a partial write)
    lines.insert(3, lines[3][: len(lines[3]) // 2])
    # line 8: a negative token count, under a new id
    end, start, rec = picks[8]
    bad = json.loads(dump_line(rec))
    bad["id"] = ids.anthropic_msg()
    bad["startTime"] = fmt_time(start, "epoch")
    bad["endTime"] = fmt_time(end, "epoch")
    bad["completion_tokens"] = -bad["completion_tokens"]
    bad["total_tokens"] = bad["prompt_tokens"] + bad["completion_tokens"]
    bad["metadata"]["usage_object"]["completion_tokens"] = bad["completion_tokens"]
    bad["metadata"]["usage_object"]["total_tokens"] = bad["total_tokens"]
    lines.insert(7, dump_line(bad))
    folder = out / "malformed"
    folder.mkdir(parents=True, exist_ok=True)
    name = "litellm-2026-09-17.ndjson"
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "file": f"malformed/{name}",
        "lines": len(lines),
        "valid_lines": len(lines) - 2,
        "bad_lines": [
            {"line": 4, "problem": "not JSON (record cut off)"},
            {"line": 8, "problem": "negative completion_tokens", "id": bad["id"]},
        ],
        "note": "the valid lines repeat September records (same id), so ingesting "
        "this folder adds no operations once duplicates are skipped",
    }


# --------------------------------------------------------------------------
# expected figures


def cents(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def exact(x: Decimal) -> str:
    s = format(x.normalize(), "f")
    return s if "." in s else s + ".0"


COUNTS = (
    "operations",
    "failed_operations",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "unpriced_operations",
)


@dataclass
class Figures:
    units: set[str] = field(default_factory=set)
    operations: int = 0
    failed_operations: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    unpriced_operations: int = 0
    cost: Decimal = Decimal(0)

    def add(self, op: Op) -> None:
        self.units.add(op.unit_id)
        self.operations += 1
        self.failed_operations += int(op.failed)
        self.input_tokens += op.input_tokens
        self.cache_read_tokens += op.cache_read
        self.cache_write_tokens += op.cache_write_5m
        self.output_tokens += op.output
        self.reasoning_tokens += op.reasoning
        self.unpriced_operations += int(not op.priced)
        self.cost += op.cost


def expected_figures(ops: list[Op]) -> dict[str, object]:
    agg: dict[tuple[str, str], Figures] = defaultdict(Figures)
    for op in ops:
        agg[(op.month, op.feature)].add(op)
    rows: list[dict[str, object]] = []
    totals = dict.fromkeys(("units", *COUNTS), 0)
    total_cost = Decimal(0)
    for year, month in MONTHS:
        mk = f"{year:04d}-{month:02d}-01"
        for feat in FEATURES:
            fig = agg[(mk, feat)]
            counts = {"units": len(fig.units), **{k: getattr(fig, k) for k in COUNTS}}
            for k, v in counts.items():
                totals[k] += v
            total_cost += fig.cost
            # a feature whose every call is unpriced has no known cost: null, never 0
            known = fig.unpriced_operations < fig.operations
            rows.append(
                {
                    "month": mk,
                    "feature": feat,
                    **counts,
                    "estimated_cost": cents(fig.cost) if known else None,
                    "estimated_cost_exact": exact(fig.cost) if known else None,
                }
            )
    tot: dict[str, object] = dict(totals)
    tot["estimated_cost"] = cents(total_cost)
    tot["estimated_cost_exact"] = exact(total_cost)
    return {"rows": rows, "totals": tot}


# --------------------------------------------------------------------------


def generate(out: Path) -> dict[str, Any]:
    for sub in ("litellm", "otel", "malformed", "billing"):
        if (out / sub).is_dir():
            shutil.rmtree(out / sub)
    out.mkdir(parents=True, exist_ok=True)

    convs = simulate_support_bot(random.Random(SEED))
    apply_prompt_cache(convs)
    tasks = simulate_research_agent(random.Random(SEED + 1))
    stray_litellm, stray_otel = simulate_strays(random.Random(SEED + 2))
    ids = Ids(random.Random(SEED + 3))

    ops: list[Op] = []
    by_month = support_records(convs, ids, ops)
    stray_litellm_records(stray_litellm, ids, ops, by_month)
    litellm_info = write_litellm(out, by_month)
    otel_info = write_otel(out, tasks, stray_otel, ids, ops)
    malformed_info = write_malformed(out, by_month, ids)

    # the features added with the billing exports: their own seeded generators
    docs = simulate_doc_summarizer(random.Random(SEED + 4))
    triage = simulate_ticket_triage(random.Random(SEED + 5))
    new_ids = Ids(random.Random(SEED + 6))
    for feature, calls in (("doc-summarizer", docs), ("ticket-triage", triage)):
        records = request_records(feature, calls, new_ids, ops)
        litellm_info[feature] = write_litellm_feature(out, feature, records)
    months = [f"{year:04d}-{month:02d}" for year, month in MONTHS]
    billing = generate_billing(out, months, [op for op in ops if op.day], random.Random(SEED + 7))

    figures = expected_figures(ops)
    expected = {
        "generator": {
            "command": "python sample_data/generate.py",
            "seed": SEED,
            "synthetic": True,
        },
        "definitions": {
            "month": "UTC calendar month of the operation's start time",
            "units": "support-bot: distinct conversations (LiteLLM session_id, or trace_id "
            "where session_id is absent); research-agent: distinct OTel traceId; "
            "unattributed: every record is its own trace, so distinct trace ids",
            "operations": "model calls (LiteLLM records incl. failed attempts; OTel spans "
            "whose gen_ai.operation.name is chat or embeddings, incl. failed ones); "
            "not invoke_agent/execute_tool/retrieval spans; duplicates counted once",
            "input_tokens": "all input classes: uncached + cache read + cache write",
            "output_tokens": "all output, reasoning included",
            "estimated_cost": "sum over operations of tokens x list price per class, "
            "rounded half-up to the cent; estimated_cost_exact is not rounded",
        },
        "prices_usd_per_token": {
            model: {k: str(v) for k, v in p.items()} for model, p in PRICES.items()
        },
        "rows": figures["rows"],
        "totals": figures["totals"],
        "files": {"litellm": litellm_info, "otel": otel_info},
        "malformed": malformed_info,
        "billing": billing,
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder to write into (default: this script's folder)",
    )
    args = parser.parse_args(argv)
    try:
        import duckdb  # noqa: F401  (the billing part writes parquet with it)
    except ImportError:
        print(
            "generate.py needs DuckDB (aicost's own dependency): run it with the "
            "project's Python, e.g. .venv/bin/python sample_data/generate.py",
            file=sys.stderr,
        )
        return 2
    t0 = time.perf_counter()
    expected = generate(args.out)
    for row in expected["rows"]:
        print(
            f"{row['month']}  {row['feature']:<15} units={row['units']:>6} "
            f"ops={row['operations']:>7} in={row['input_tokens']:>12} "
            f"out={row['output_tokens']:>11} cost={row['estimated_cost'] or 'unpriced':>9}",
            file=sys.stderr,
        )
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
