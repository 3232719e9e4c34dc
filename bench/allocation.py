#!/usr/bin/env python3
"""Benchmark of the bill allocation: build a month's allocation and report on it.

    python bench/allocation.py --ops 1m [--out DIR] [--repeat 3]

Makes a store (no JSON reading: the operations are landed by one DuckDB
``INSERT ... SELECT`` into ``land_aicost``, seeded and deterministic): N model
calls over July 2026 across anthropic (claude-sonnet-4-5, claude-haiku-4-5)
and openai (gpt-4o, gpt-4o-mini), six features, five teams, conversations of
six calls; cache reads on a third of the Anthropic calls. Then a month of the
classified bill (``charges``): Anthropic as hourly lines per model and token
class (24 a day: the CUR shape), OpenAI as daily lines, 7% more than the logs
estimate, an unmapped model's daily line (unallocated), tax lines.

Times (whole-process wall time of a child, median of --repeat):
* ``aicost build --full`` (every table, the allocation included), and an
  incremental ``aicost build --since`` the month's last day (one day's
  operations; the allocation of every charge period touching it);
* ``aicost report unit-economics`` and ``report attribution --by
  feature,provider`` (warm) with their allocated cost; ``report
  reconciliation``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from aicost_cli import db  # noqa: E402
from aicost_cli.migrations import CHARGE_COLUMNS, ID_KEY_SQL  # noqa: E402

SEED = 20261122


def parse_size(text: str) -> int:
    text = text.strip().lower()
    if text.endswith("m"):
        return int(float(text[:-1]) * 1_000_000)
    if text.endswith("k"):
        return int(float(text[:-1]) * 1_000)
    return int(text)


LAND = f"""
insert into land_aicost
select
    'op-' || i as operation_id,
    'aicost' as source_format,
    'tr-' || (i // 6) as trace_id,
    null as parent_id,
    'chat' as operation_name,
    timestamp '2026-07-01' + to_microseconds(cast(i * (31 * 86400000000 // $n) as bigint))
        as started_at,
    null as ended_at,
    'chat' as kind,
    true as is_model_call,
    case m when 0 then 'anthropic' when 1 then 'anthropic' else 'openai' end as provider,
    case m when 0 then 'claude-sonnet-4-5' when 1 then 'claude-haiku-4-5'
        when 2 then 'gpt-4o' else 'gpt-4o-mini' end as model,
    null as request_model,
    case m when 0 then 'claude-sonnet-4-5' when 1 then 'claude-haiku-4-5'
        when 2 then 'gpt-4o' else 'gpt-4o-mini' end as response_model,
    100 + hash(i, {SEED}, 1) % 4000 as input_tokens,
    case when m < 2 and hash(i, {SEED}, 2) % 3 = 0 then 1000 + hash(i, {SEED}, 3) % 8000
        else 0 end as cache_read_tokens,
    0 as cache_write_5m_tokens,
    0 as cache_write_1h_tokens,
    10 + hash(i, {SEED}, 4) % 900 as output_tokens,
    0 as reasoning_tokens,
    'standard' as service_tier,
    false as is_batch,
    1 as attempt,
    'ok' as status,
    null as error_type,
    null as latency_ms,
    null as attributes,
    null as attributes_fallback,
    null as attributes_tags,
    'feature-' || (hash(i // 6, {SEED}, 5) % 6) as native_feature,
    'team-' || (hash(i // 6, {SEED}, 6) % 5) as native_team,
    null as native_user,
    'conv-' || (i // 6) as native_conversation_id,
    'v' || (hash(i // 6, {SEED}, 7) % 3) as native_prompt_version,
    'prod' as native_environment,
    null as tags,
    null as source_cost,
    'bench.jsonl' as source_file,
    i as source_line,
    1 as ingest_run_id,
    {ID_KEY_SQL.format("'op-' || i")} as id_key
from (select range as i, cast(hash(range // 6, {SEED}, 0) % 4 as integer) as m
      from range($n))
"""

# The bill: what the logs estimate per day, model and class, x 1.07; Anthropic
# in 24 hourly lines, OpenAI daily; an unmapped model; tax.
CHARGES = """
with daily as (
    select
        day, provider, model_key,
        sum(estimated_input_cost) as input, sum(estimated_output_cost) as output,
        sum(estimated_cache_read_cost) as cache_read,
        sum(logged_input_tokens) as input_tokens, sum(logged_output_tokens) as output_tokens,
        sum(logged_cache_read_tokens) as cache_read_tokens
    from allocated_costs_source
    group by all
),
classes as (
    unpivot daily on (input, input_tokens) as input, (output, output_tokens) as output,
        (cache_read, cache_read_tokens) as cache_read
    into name token_class value amount, tokens
),
lines as (
    select classes.*, hours.hour
    from classes
    cross join (select range as hour from range(24)) as hours
    where classes.provider = 'anthropic' or hours.hour = 0
)
select
    'ch-' || row_number() over (order by day, provider, model_key, token_class, hour)
        as charge_id,
    'bench' as billing_source, 'bench-2026-07' as partition_key,
    null as billing_account_id, null as billing_account_name, null as sub_account_id,
    null as sub_account_name,
    timestamp '2026-07-01' as billing_period_start, timestamp '2026-08-01' as billing_period_end,
    case when provider = 'anthropic' then day + to_hours(hour) else day end
        as charge_period_start,
    case when provider = 'anthropic' then day + to_hours(hour + 1) else day + interval 1 day end
        as charge_period_end,
    provider, null as publisher, null as invoice_issuer, null as invoice_id,
    'Usage' as charge_category, 'Regular' as charge_class, 'Usage-Based' as charge_frequency,
    null as charge_description, 'Standard' as pricing_category,
    cast(amount * 1.07 / case when provider = 'anthropic' then 24 else 1 end
        as decimal(38, 12)) as billed_cost,
    cast(amount * 1.07 / case when provider = 'anthropic' then 24 else 1 end
        as decimal(38, 12)) as effective_cost,
    cast(amount / case when provider = 'anthropic' then 24 else 1 end as decimal(38, 12))
        as list_cost,
    null as contracted_cost, 'USD' as billing_currency,
    null as list_unit_price, null as contracted_unit_price,
    'AI' as service_name, 'AI and Machine Learning' as service_category,
    null as service_subcategory, null as sku_id, null as sku_price_id, null as sku_meter,
    null as resource_id, null as resource_name, null as resource_type, null as region_id,
    null as availability_zone, null as consumed_quantity, null as consumed_unit,
    null as pricing_quantity, null as pricing_unit, null as commitment_discount_id,
    null as commitment_discount_type, null as commitment_discount_status,
    null as commitment_discount_category, null as allocated_method_id,
    null as allocated_resource_id, null as tags, null as extras,
    'bench.csv' as source_file, null as source_row, 1 as ingest_run_id,
    cast(day as date) as day, true as is_ai, 'tokens' as ai_kind, provider as provider_key,
    model_key as bill_model, model_key, token_class, 'standard' as tier,
    'in_region' as routing,
    cast(tokens / case when provider = 'anthropic' then 24 else 1 end as decimal(38, 12))
        as billed_tokens,
    null as account_key
from lines
"""


def run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", default="1m")
    parser.add_argument("--out", type=Path, default=HERE / "data" / "allocation")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = parse_size(args.ops)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"alloc-{args.ops}.duckdb"
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    aicost = [sys.executable, "-m", "aicost_cli", "--db", str(path)]
    env = {**os.environ, "AICOST_HOME": str(args.out / "home")}

    started = time.perf_counter()
    with db.connect(path) as con:
        con.execute(LAND.replace("$n", str(n)))
    print(f"landed {n:,} operations in {time.perf_counter() - started:.1f} s")
    first = run([*aicost, "build", "--full"], env)
    print(f"first build (no bill): {first:.2f} s")
    with db.connect(path) as con:
        # the classes' estimates, from the built operations (as the bill source)
        con.execute(
            "create temp view allocated_costs_source as select day, provider, model as model_key, "
            "estimated_input_cost, estimated_output_cost, estimated_cache_read_cost, "
            "logged_input_tokens, logged_output_tokens, logged_cache_read_tokens "
            "from allocated_costs where allocation_variant = 'both'"
        )
        con.execute("create temp table bench_lines as " + CHARGES)
        # landed as the providers' cost reports would land them (the build
        # classifies them): Anthropic cost_report results, OpenAI costs results
        landed = [line.split()[0] for line in CHARGE_COLUMNS.strip().splitlines()]
        keep = ", ".join(
            c
            for c in landed
            if c
            not in (
                "billing_source",
                "provider",
                "extras",
                "sku_meter",
                "consumed_quantity",
                "consumed_unit",
                "charge_id",
            )
        )
        con.execute(
            f"insert into land_charges by name select {keep}, charge_id, "
            "case provider when 'anthropic' then 'anthropic-costs' else 'openai-costs' end "
            "as billing_source, "
            "case provider when 'anthropic' then 'Anthropic' else 'OpenAI' end as provider, "
            "case when provider = 'openai' then model_key || ', ' || case token_class "
            "when 'cache_read' then 'cached input' else token_class end end as sku_meter, "
            "case provider when 'anthropic' then map {'x_cost_type': 'tokens', "
            "'x_model': model_key, 'x_service_tier': 'standard', 'x_token_type': "
            "case token_class when 'input' then 'uncached_input_tokens' when 'output' "
            "then 'output_tokens' else 'cache_read_input_tokens' end} "
            "else map {'x_line_item': model_key || ', ' || case token_class "
            "when 'cache_read' then 'cached input' else token_class end} end as extras, "
            "billed_tokens as consumed_quantity, 'tokens' as consumed_unit "
            "from bench_lines"
        )
        con.execute(
            "insert into land_charges by name select * replace ('unmapped-' || charge_id "
            "as charge_id, map {'x_line_item': 'mystery-model, input'} as extras, "
            "'mystery-model, input' as sku_meter, "
            "cast(1.5 as decimal(38, 12)) as billed_cost, cast(1.5 as decimal(38, 12)) "
            "as effective_cost, null as list_cost) from land_charges "
            "where billing_source = 'openai-costs' and sku_meter = 'gpt-4o, input'"
        )
        con.execute(
            "insert into land_charges by name select * replace ('tax-' || charge_id "
            "as charge_id, 'Tax' as charge_category) "
            "from land_charges where charge_id like 'unmapped-%'"
        )
        count = con.execute("select count(*) from land_charges").fetchall()[0][0]
    print(f"charges: {count:,}")
    timings: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        timings.setdefault("build --full (with the bill)", []).append(
            run([*aicost, "build", "--full"], env)
        )
        timings.setdefault("build --since 2026-07-31 (allocation: the month)", []).append(
            run([*aicost, "build", "--since", "2026-07-31"], env)
        )
    out = str(args.out / "report.csv")
    reports = {
        "report unit-economics (warm)": ["report", "unit-economics", "-o", out],
        "report attribution --by feature,provider (warm)": [
            "report",
            "attribution",
            "--by",
            "feature,provider",
            "-o",
            out,
        ],
        "report reconciliation (warm)": ["report", "reconciliation", "-o", out],
        "billing allocations (warm)": ["billing", "allocations", "-o", out],
    }
    for name, command in reports.items():
        run([*aicost, *command], env)  # warm-up
        timings[name] = [run([*aicost, *command], env) for _ in range(max(3, args.repeat))]
    with duckdb.connect(str(path), read_only=True) as con:
        sizes = con.execute(
            "select (select count(*) from operations), (select count(*) from operations_daily), "
            "(select count(*) from charge_allocations), (select count(*) from allocated_costs)"
        ).fetchall()[0]
    print(
        f"operations {sizes[0]:,}; operations_daily {sizes[1]:,}; charge_allocations "
        f"{sizes[2]:,}; allocated_costs {sizes[3]:,}"
    )
    for name, values in timings.items():
        print(
            f"{name}: median {statistics.median(values):.3f} s "
            f"[{min(values):.3f}-{max(values):.3f}] of {len(values)}"
        )


if __name__ == "__main__":
    main()
