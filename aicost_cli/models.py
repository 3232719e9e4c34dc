"""The SQL models in ``sql/`` and their declared graph.

Each model file is a pure ``select``; its file stem is the relation name. Its
header declares, in two machine-read comment lines, how it is materialized and
what it reads::

    -- materialized: view          (view | temp_table | table | incremental_by_day | query)
    -- reads: int_operations_priced, cfg_features

``reads`` names other models and *sources*: tables the ingest, the price
catalog or the build's configuration binding own (:data:`SOURCES`). The runner
(:mod:`aicost_cli.build`) orders models by these edges; a relation is never
re-pointed at run time. A ``temp_table`` is computed once per build into a
temp table (never stored): for small intermediate results that big joins
read, so DuckDB's planner sees their exact row count (through a view its
estimate of a few hundred price rows can reach 10^11 and put the 10M
operations on the build side of the pricing join). ``incremental_by_day``
models are tables rebuilt for the days in ``build_days`` only (delete, then
insert by name). ``query`` models (``sql/reports``) are run with
prepared-statement parameters.
``sql/macros/*.sql`` hold ``create temp macro`` statements loaded first.
``sql/audits/assert_*.sql`` return offending rows (zero rows = pass).

An ``incremental_by_day`` model may declare a third line, ``-- days:
allocation_days``: it is then rebuilt for the days of that temp table instead
of ``build_days`` (the bill allocation: ``build_days`` widened to whole charge
periods by :func:`aicost_cli.billing.allocation.scope_days`, run by the build
just before the first such model). ``-- days: build_periods`` rebuilds the
calendar periods (day, week, month) that contain a day of ``build_days``:
rows are deleted by (period, day), ``day`` being the period's first day, and
the model computes each such period over all its days.
"""

from __future__ import annotations

import functools
import graphlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


LAYERS = ("staging", "intermediate", "marts", "reports", "audits", "macros")
MATERIALIZATIONS = ("view", "temp_table", "table", "incremental_by_day", "query")

#: Relations the models read that are not models, and who owns them.
SOURCES: dict[str, str] = {
    "raw_litellm": "the ingest's reader, over the files of one batch",
    "raw_otel": "the ingest's reader, over the files of one batch",
    "raw_bedrock": "the ingest's reader, over the files of one batch",
    "raw_aicost": "the ingest's reader, over the files of one batch",
    "raw_billing_focus": "the billing ingest's FOCUS reader (billing/formats/focus.py): "
    "every column as text",
    "raw_billing_openai_costs": "the billing ingest's reader of OpenAI cost pages "
    "(billing/formats/openai_costs.py): one row per result",
    "raw_billing_anthropic_costs": "the billing ingest's reader of Anthropic cost_report "
    "pages (billing/formats/anthropic_costs.py): one row per result",
    "raw_billing_cur2": "the billing ingest's reader (billing/formats/cur2.py), over a run's files",
    "raw_billing_cur": "the billing ingest's reader (billing/formats/cur.py), over a run's files",
    "land_litellm": "landing table (migrations.py), written by the ingest",
    "land_otel": "landing table (migrations.py), written by the ingest",
    "land_bedrock": "landing table (migrations.py), written by the ingest",
    "land_aicost": "landing table (migrations.py), written by the ingest",
    "land_charges": "landing table of bill lines (migrations.py), written by the billing ingest",
    "prices": "price catalog table (migrations.py), written by prices import",
    "build_days": "temp table: the days the current build rebuilds (and the macros "
    "aicost_build_from()/aicost_build_until(): the time range covering them)",
    "cfg_features": "temp table: [features.*] of the config",
    "cfg_settings": "temp table: reporting currency of the config",
    "cfg_exchange_rates": "temp table: [exchange_rates] of the config",
    "cfg_bill_models": "temp table: the bundled bill model map (aicost_cli/data/bill_models.csv) "
    "and [billing.models] of the config",
    "cfg_inference_profiles": "temp table: [billing.inference_profiles] of the config",
    "cfg_logged_accounts": "temp table: [billing.logged_accounts] of the config",
    "attribution_groups": "temp table: the attribution report's grouped rows",
    "cfg_capacity_pools": "temp table: [[capacity.pools]] of the config (capacity_tokens_per_hour, "
    "comparable_model)",
    "cfg_capacity_pool_models": "temp table: the model keys each capacity pool serves",
    "cfg_capacity_pool_matches": "temp table: each capacity pool's resource ids and "
    "usage-type globs",
    "cfg_capacity_pool_tags": "temp table: the tags a capacity pool's charges carry",
    "cfg_capacity_pool_accounts": "temp table: the accounts a capacity pool is narrowed to",
    "attribution_allocations": "temp table: the attribution report's allocated cost "
    "per group (from allocated_costs)",
    "build_periods": "temp table (period, day): the calendar periods ('day', 'week', "
    "'month'; day = the period's first day) that contain a day of build_days (macros "
    "aicost_build_periods_from()/aicost_build_periods_until(): the days they span)",
    "allocation_days": "temp table: build_days widened to every day of the allocatable "
    "charges' periods they touch (billing/allocation.py; macros "
    "aicost_allocation_from()/aicost_allocation_until()/aicost_allocation_has_charges())",
}


@functools.cache
def sql_root() -> Path:
    """The ``sql/`` folder: inside the wheel (``aicost_cli/sql``), or at the
    top of a source checkout (editable installs)."""
    packaged = Path(str(resources.files("aicost_cli"))) / "sql"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "sql"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("aicost's sql/ folder is missing from this installation")


@functools.cache
def model_sql(name: str) -> str:
    for layer in LAYERS:
        path = sql_root() / layer / f"{name}.sql"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise KeyError(f"no SQL model named {name!r}")


def model_names(layer: str) -> list[str]:
    return sorted(p.stem for p in (sql_root() / layer).glob("*.sql"))


#: the temp tables an ``incremental_by_day`` model can be rebuilt for, and the
#: columns a stored row is deleted by (then the model inserts the rows again)
DAY_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "build_days": ("day",),
    "allocation_days": ("day",),
    "build_periods": ("period", "day"),
}


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    materialized: str
    reads: tuple[str, ...]
    #: the temp table of days an incremental_by_day model is rebuilt for
    days: str = "build_days"


_HEADER = re.compile(r"^--\s*(materialized|reads|days):\s*(.*?)\s*$", re.MULTILINE)


@functools.cache
def graph() -> dict[str, Model]:
    """Every model of staging, intermediate, marts and reports, by name, with
    its declared materialization and inputs. Raises if a declaration is
    missing or names an unknown relation (a test runs this)."""
    found: dict[str, Model] = {}
    for layer in ("staging", "intermediate", "marts", "reports"):
        for name in model_names(layer):
            declared = dict(_HEADER.findall(model_sql(name)))
            if "materialized" not in declared or "reads" not in declared:
                raise ValueError(f"sql/{layer}/{name}.sql declares no materialized:/reads: lines")
            if declared["materialized"] not in MATERIALIZATIONS:
                raise ValueError(f"sql/{layer}/{name}.sql: unknown materialization")
            reads = tuple(r.strip() for r in declared["reads"].split(",") if r.strip())
            days = declared.get("days", "build_days")
            if days not in DAY_TABLE_KEYS:
                raise ValueError(f"sql/{layer}/{name}.sql: unknown days: {days}")
            found[name] = Model(name, layer, declared["materialized"], reads, days)
    for model in found.values():
        for read in model.reads:
            if read not in found and read not in SOURCES:
                raise ValueError(f"model {model.name} reads unknown relation {read!r}")
    return found


def upstream(targets: list[str]) -> list[str]:
    """The models the targets need (themselves included), in build order."""
    models = graph()
    needed: set[str] = set()
    todo = list(targets)
    while todo:
        name = todo.pop()
        if name in needed or name not in models:
            continue
        needed.add(name)
        todo.extend(models[name].reads)
    sorter = graphlib.TopologicalSorter(
        {name: [r for r in models[name].reads if r in needed] for name in needed}
    )
    return list(sorter.static_order())


def load_macros(con: duckdb.DuckDBPyConnection) -> None:
    for name in model_names("macros"):
        con.execute(model_sql(name))


def sql_string(value: str) -> str:
    """A SQL string literal (the one place config text becomes SQL text)."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(value: str) -> str:
    """A quoted SQL identifier."""
    return '"' + value.replace('"', '""') + '"'


ATTRIBUTION_FIELDS = ("feature", "team", "user", "prompt_version", "environment", "conversation")


def define_attribution_macros(
    con: duckdb.DuckDBPyConnection, keys: dict[str, tuple[str, ...]]
) -> None:
    """``aicost_attr_<field>(attributes, fallback, tags)``: the first non-empty
    value of the configured keys, key priority first, then map priority.

    Generated from the [attribution] config as plain ``coalesce`` of map
    lookups (3-10x faster than a lambda over a key list at 10M rows). Keys are
    data: each is a quoted string literal, never SQL text.
    """
    for name in ATTRIBUTION_FIELDS:
        lookups = [
            f"nullif({m}[{sql_string(key)}], '')"
            for key in keys[f"{name}_keys"]
            for m in ("attributes", "fallback", "tags")
        ]
        body = f"coalesce({', '.join(lookups)})" if lookups else "cast(null as varchar)"
        con.execute(
            f"create or replace temp macro aicost_attr_{name}(attributes, fallback, tags) "
            f"as ({body})"
        )


def create_views(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Create (or replace) the named models as temp views, in the given order."""
    for name in names:
        con.execute(f"create or replace temp view {sql_identifier(name)} as\n{model_sql(name)}")


def audit_names() -> list[str]:
    return [name for name in model_names("audits") if name.startswith("assert_")]


def run_audit(
    con: duckdb.DuckDBPyConnection, name: str, limit: int = 5
) -> list[tuple[object, ...]]:
    """The first offending rows an audit returns (empty = passes)."""
    return con.execute(f"select * from ({model_sql(name)}) limit {int(limit)}").fetchall()


def graph_markdown() -> str:
    """``docs/model-graph.md``: the declared graph as a table and a Mermaid
    diagram (generated; a test checks the checked-in copy is current)."""
    models = graph()
    lines = [
        "# The model graph",
        "",
        "Generated from the `materialized:` and `reads:` headers of `sql/` by",
        "`python -m aicost_cli.models > docs/model-graph.md`; a test checks it is current.",
        "",
        "```mermaid",
        "flowchart LR",
    ]
    for model in sorted(models.values(), key=lambda m: (LAYERS.index(m.layer), m.name)):
        for read in model.reads:
            lines.append(f"    {read} --> {model.name}")
        if model.layer == "staging":  # the ingest lands what staging produced
            source = model.name.removeprefix("stg_").split("__")[0]
            landing = "land_charges" if source.startswith("billing_") else f"land_{source}"
            lines.append(f"    {model.name} -. ingest lands .-> {landing}")
    lines += ["```", "", "| model | layer | materialized | reads |", "|---|---|---|---|"]
    for model in sorted(models.values(), key=lambda m: (LAYERS.index(m.layer), m.name)):
        lines.append(
            f"| `{model.name}` | {model.layer} | {model.materialized} | "
            + ", ".join(f"`{r}`" for r in model.reads)
            + " |"
        )
    lines += ["", "| source | what it is |", "|---|---|"]
    for name, what in SOURCES.items():
        lines.append(f"| `{name}` | {what} |")
    lines += ["", "Audits (`sql/audits/`, zero rows = pass, run after every build):", ""]
    lines += [f"- `{name}`" for name in audit_names()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(graph_markdown(), end="")
